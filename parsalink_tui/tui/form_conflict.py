"""``ConflictNote``: under a form field the user changed that was also changed elsewhere.

It shows the other value ("Title was changed elsewhere to 'CLI title'") with two buttons: *Use
theirs* puts that value in the field, *Keep mine* dismisses the note (``ctrl+s`` saves the
user's value either way). The form decides what is a conflict; this module only shows one.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Label

from ..validation import STAGE_LABELS
from .render import clean
from .undo import FIELD_NAMES, short_value


def show_value(field: str, value: Any, users: dict[str, str]) -> str:
    """A form value (as the widget holds it) as short plain text for a message."""
    if field == "stage":
        return STAGE_LABELS.get(str(value), clean(value))
    if field == "assignedTo":
        return clean(users.get(value, value)) if value else "unassigned"
    return short_value(value, longest=60)


class ConflictNote(Vertical):
    """The other side's value of ``field`` and the two ways out."""

    class Resolved(Message):
        """A button was pressed: ``use_theirs`` puts ``theirs`` in the field."""

        def __init__(self, note: ConflictNote, use_theirs: bool) -> None:
            super().__init__()
            self.note = note
            self.use_theirs = use_theirs

    def __init__(self, field: str, theirs: Any, users: dict[str, str]) -> None:
        super().__init__(classes="conflict-note", id=f"conflict-{field}")
        self.field = field
        self.theirs = theirs
        self.text = self._text(users)

    def _text(self, users: dict[str, str]) -> str:
        return f"{FIELD_NAMES[self.field]} was changed elsewhere to {show_value(self.field, self.theirs, users)}"

    def show(self, theirs: Any, users: dict[str, str]) -> None:
        """The other side changed the field again: show its new value."""
        self.theirs = theirs
        self.text = self._text(users)
        self.query_one(".conflict-text", Label).update(Content(f"⚠ {self.text}"))

    def compose(self) -> ComposeResult:
        yield Label(Content(f"⚠ {self.text}"), classes="conflict-text")
        with Horizontal(classes="conflict-buttons"):
            yield Button("Use theirs", id=f"conflict-{self.field}-theirs", compact=True, classes="conflict-theirs")
            yield Button("Keep mine", id=f"conflict-{self.field}-mine", compact=True, classes="conflict-mine")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Resolved(self, event.button.has_class("conflict-theirs")))
