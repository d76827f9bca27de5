"""An undo/redo history of core-level changes (no Textual here: the TUI records, the core applies).

Each change knows how to apply itself backwards and forwards through the :class:`Service`, so
every undo and redo is an ordinary core call that lands in the audit log. A change keeps what it
needs to restore *exactly* the prior values: previous stages per contact, the previous value of
every edited field, the full snapshot (row, tags, notes, tasks) of a deleted contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..validation import STAGE_LABELS, strip_control

MAX_LEVELS = 500


class Change(Protocol):
    """One undoable change; ``undo``/``redo`` return the ids of the contacts they touched."""

    def describe(self) -> str: ...

    def undo(self, service: Any) -> list[str]: ...

    def redo(self, service: Any) -> list[str]: ...


def contact_name(contact: Mapping[str, Any]) -> str:
    """"First Last", else the email, else the id (for messages)."""
    name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
    return strip_control(name or contact.get("email") or contact.get("id") or "contact")


@dataclass
class StageChange:
    """Contacts moved between stages: ``before``/``after`` map each contact id to a stage."""

    before: dict[str, str]
    after: dict[str, str]
    name: str | None = None  # the contact's name when there is one contact

    def describe(self) -> str:
        n = len(self.after)
        who = self.name if n == 1 and self.name else "1 contact" if n == 1 else f"{n:,} contacts"
        targets = set(self.after.values())
        if len(targets) == 1:
            stage = targets.pop()
            return f"{who} → {STAGE_LABELS.get(stage, stage)}"
        return f"{who} moved a stage"

    def undo(self, service: Any) -> list[str]:
        service.set_stages(self.before)
        return list(self.before)

    def redo(self, service: Any) -> list[str]:
        service.set_stages(self.after)
        return list(self.after)


@dataclass
class Batch:
    """Several changes made as one (a bulk delete): undone last-first, redone first-last."""

    changes: list[Change]
    summary: str

    def describe(self) -> str:
        return self.summary

    def undo(self, service: Any) -> list[str]:
        ids: list[str] = []
        for change in reversed(self.changes):
            ids += change.undo(service)
        return ids

    def redo(self, service: Any) -> list[str]:
        ids: list[str] = []
        for change in self.changes:
            ids += change.redo(service)
        return ids


@dataclass
class EditChange:
    """Fields of one contact changed: ``before``/``after`` hold only the changed fields."""

    contact_id: str
    name: str
    before: dict[str, Any]
    after: dict[str, Any]

    def describe(self) -> str:
        return f"edited {self.name}"

    def undo(self, service: Any) -> list[str]:
        service.update_contact(self.contact_id, self.before)
        return [self.contact_id]

    def redo(self, service: Any) -> list[str]:
        service.update_contact(self.contact_id, self.after)
        return [self.contact_id]


@dataclass
class DeleteChange:
    """A contact deleted; ``snapshot`` is what ``Service.delete_contact`` returned."""

    snapshot: dict[str, Any]
    name: str

    def describe(self) -> str:
        return f"deleted {self.name}"

    def undo(self, service: Any) -> list[str]:
        contact = service.restore_contact(self.snapshot)
        return [contact["id"]]

    def redo(self, service: Any) -> list[str]:
        self.snapshot = service.delete_contact(self.snapshot["contact"]["id"])
        return [self.snapshot["contact"]["id"]]


@dataclass
class CreateChange:
    """A contact created; undo deletes it (keeping the snapshot so redo can put it back)."""

    contact_id: str
    name: str
    snapshot: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"created {self.name}"

    def undo(self, service: Any) -> list[str]:
        self.snapshot = service.delete_contact(self.contact_id)
        return [self.contact_id]

    def redo(self, service: Any) -> list[str]:
        assert self.snapshot is not None
        service.restore_contact(self.snapshot)
        return [self.contact_id]


@dataclass
class NoteAdded:
    """A note added from the detail view; redo adds the same text again (a new note id)."""

    contact_id: str
    note_id: str
    text: str

    def describe(self) -> str:
        return "added a note"

    def undo(self, service: Any) -> list[str]:
        service.delete_note(self.note_id)
        return [self.contact_id]

    def redo(self, service: Any) -> list[str]:
        self.note_id = service.add_note(self.contact_id, self.text)["id"]
        return [self.contact_id]


@dataclass
class TaskAdded:
    """A task added from the detail view."""

    contact_id: str
    task_id: str
    title: str
    due: str | None

    def describe(self) -> str:
        return f"added task {self.title!r}"

    def undo(self, service: Any) -> list[str]:
        service.delete_task(self.task_id)
        return [self.contact_id]

    def redo(self, service: Any) -> list[str]:
        self.task_id = service.add_task(self.contact_id, self.title, self.due)["id"]
        return [self.contact_id]


EDIT_FIELDS = ("firstName", "lastName", "email", "phone", "title", "stage", "accountId", "assignedTo",
               "tags", "notes", "emailOptOut", "emailBounced")  # fmt: skip


def edit_diff(
    old: Mapping[str, Any], new: Mapping[str, Any], fields: Any = EDIT_FIELDS
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(before, after) update bodies for the ``fields`` that differ between two contact objects
    (an edit's own fields: what another process changed meanwhile is not the user's to undo).

    The account is compared by id and restored by id, so undoing never creates an account.
    """
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in EDIT_FIELDS:
        if key in fields and old.get(key) != new.get(key):
            before[key] = old.get(key)
            after[key] = new.get(key)
    return before, after


@dataclass
class History:
    """The undo and redo stacks. ``undo``/``redo`` apply a change; a failure leaves it dropped."""

    service: Any
    done: list[Change] = field(default_factory=list)
    undone: list[Change] = field(default_factory=list)

    def record(self, change: Change) -> None:
        """A change the user just made: it can be undone; the redo stack is cleared."""
        self.done.append(change)
        del self.done[:-MAX_LEVELS]
        self.undone.clear()

    def undo(self) -> tuple[Change, list[str]] | None:
        """Undo the latest change; None when there is nothing to undo. Core errors propagate
        (the change is dropped: what it would restore no longer fits the database)."""
        if not self.done:
            return None
        change = self.done.pop()
        ids = change.undo(self.service)
        self.undone.append(change)
        return change, ids

    def redo(self) -> tuple[Change, list[str]] | None:
        if not self.undone:
            return None
        change = self.undone.pop()
        ids = change.redo(self.service)
        self.done.append(change)
        return change, ids
