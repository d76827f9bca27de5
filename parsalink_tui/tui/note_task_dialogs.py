"""Small modal dialogs of the detail view: add a note, add a task."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from ..errors import ValidationError
from ..timeutil import parse_due_date
from .widgets import NotesArea, TextInput


class NoteDialog(ModalScreen[str | None]):
    """Type a note; ``ctrl+s`` adds it, ``escape`` cancels. Dismisses with the text or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add note", id="note.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="note.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("New note", "bold"))
            yield NotesArea(id="note-text")
            yield Label("", classes="field-error", id="note-error")
            yield Static(Content.styled("ctrl+s add · escape cancel", "dim"))

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        if not text.strip():
            self.query_one("#note-error", Label).update("A note needs some text")
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TaskDialog(ModalScreen[tuple[str, str | None] | None]):
    """Task title and optional due date; enter or ``ctrl+s`` adds it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Add task", id="task.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="task.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("New task", "bold"))
            yield Label("Title")
            yield TextInput(id="task-title", max_length=500)
            yield Label("Due (YYYY-MM-DD, optional)")
            yield TextInput(id="task-due", max_length=10, placeholder="2026-10-15")
            yield Label("", classes="field-error", id="task-error")
            yield Static(Content.styled("enter / ctrl+s add · escape cancel", "dim"))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        title = self.query_one("#task-title", Input).value.strip()
        due = self.query_one("#task-due", Input).value.strip() or None
        error = self.query_one("#task-error", Label)
        if not title:
            error.update("A task needs a title")
            return
        if due:
            try:
                due = parse_due_date(due)
            except ValidationError as exc:
                error.update(Content(exc.message))
                return
        self.dismiss((title, due))

    def action_cancel(self) -> None:
        self.dismiss(None)
