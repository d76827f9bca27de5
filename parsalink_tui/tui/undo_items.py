"""Undoable notes and tasks added from the detail view (see ``undo.py`` for the history).

Undo deletes the note or task only while it is as it was added (its text; its title and due
date, and not done): one edited or ticked off elsewhere meanwhile is kept, and said.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ItemConflictError, NotFoundError
from .undo import Outcome


@dataclass
class NoteAdded:
    """A note added from the detail view; undo deletes it while it still reads as added; redo adds
    the same text again (a new note id)."""

    contact_id: str
    note_id: str
    text: str

    def describe(self) -> str:
        return "added a note"

    def undo(self, service: Any) -> Outcome:
        try:
            service.delete_note(self.note_id, expected_text=self.text)
        except NotFoundError:
            return Outcome([self.contact_id], "", ["the note was already deleted elsewhere"])
        except ItemConflictError:
            return Outcome([self.contact_id], "", ["the note was edited elsewhere; kept"])
        return Outcome([self.contact_id], self.describe(), done=self)

    def redo(self, service: Any) -> Outcome:
        try:
            self.note_id = service.add_note(self.contact_id, self.text)["id"]
        except NotFoundError:
            return Outcome([], "", ["the contact was deleted elsewhere"])
        return Outcome([self.contact_id], self.describe(), done=self)


@dataclass
class TaskAdded:
    """A task added from the detail view; undo deletes it while it is as added (not done)."""

    contact_id: str
    task_id: str
    title: str
    due: str | None

    def describe(self) -> str:
        return f"added task {self.title!r}"

    def undo(self, service: Any) -> Outcome:
        try:
            service.delete_task(self.task_id, expected={"title": self.title, "due": self.due, "done": False})
        except NotFoundError:
            return Outcome([self.contact_id], "", ["the task was already deleted elsewhere"])
        except ItemConflictError as exc:
            what = "marked done" if exc.fields == ["done"] else "changed"
            return Outcome([self.contact_id], "", [f"the task was {what} elsewhere; kept"])
        return Outcome([self.contact_id], self.describe(), done=self)

    def redo(self, service: Any) -> Outcome:
        try:
            self.task_id = service.add_task(self.contact_id, self.title, self.due)["id"]
        except NotFoundError:
            return Outcome([], "", ["the contact was deleted elsewhere"])
        return Outcome([self.contact_id], self.describe(), done=self)
