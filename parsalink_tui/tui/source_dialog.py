"""``SourceDialog``: name a new source (e.g. "Trade Show") for the contacts of an import."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from .widgets import TextInput


class SourceDialog(ModalScreen[str | None]):
    """A source name; enter or ``ctrl+s`` dismisses with it, ``escape`` with None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add source", id="source.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="source.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("New source", "bold"))
            yield Label("Name (stamped on every contact this import creates)")
            yield TextInput(id="source-name", max_length=200, placeholder="Trade Show 2026")
            yield Label("", classes="field-error", id="source-error")
            yield Static(Content.styled("enter add · escape cancel", "dim"))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        name = self.query_one("#source-name", Input).value.strip()
        if not name:
            self.query_one("#source-error", Label).update("A source needs a name")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
