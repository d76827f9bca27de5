"""Small shared widgets: inputs and text areas that honour the app's cursor-blink setting."""

from __future__ import annotations

from textual.widgets import Input, TextArea


class TextInput(Input):
    """An ``Input`` whose cursor blinks only when the app allows it (snapshots turn it off)."""

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)


class NotesArea(TextArea):
    """A ``TextArea`` for notes, same cursor-blink rule."""

    def on_mount(self) -> None:
        self.cursor_blink = getattr(self.app, "cursor_blink", True)
