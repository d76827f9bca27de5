"""An undo/redo history of core-level changes (no Textual here: the TUI records, the core applies).

Each change knows how to apply itself backwards and forwards through the :class:`Service`, so
every undo and redo is an ordinary core call that lands in the audit log. A change keeps what it
needs to restore *exactly* the prior values: previous stages per contact, the previous value of
every edited field, the full snapshot (row, tags, notes, tasks) of a deleted contact.

Undo and redo never overwrite a change made elsewhere since (another process, the CLI, the HTTP
API). Each step is conditional: a stage goes back only on contacts still at the stage the change
set, an edited field only where it still holds what the edit set, a contact is deleted again only
as the undo left it, a note or task only as it was added. What no longer fits is left alone and
named in the step's :class:`Outcome`; the rest is done. A deleted contact whose email now belongs
to another stays on the undo stack (nothing of it is lost) until the email is free.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import ConflictError, DuplicateEmailError, NotFoundError
from ..validation import STAGE_LABELS, strip_control

MAX_LEVELS = 500
EDIT_FIELDS = ("firstName", "lastName", "email", "phone", "title", "stage", "accountId", "assignedTo",
               "tags", "notes", "emailOptOut", "emailBounced")  # fmt: skip
# Short field names for messages.
FIELD_NAMES = {
    "firstName": "First name", "lastName": "Last name", "email": "Email", "phone": "Phone", "title": "Title",
    "accountName": "Account", "accountId": "Account", "tags": "Tags", "stage": "Stage", "assignedTo": "Assignee",
    "notes": "Notes", "emailOptOut": "Opted out of email", "emailBounced": "Email bounced",
}  # fmt: skip


@dataclass
class Outcome:
    """What one undo or redo did.

    ``ids``: the contacts it touched (screens refresh them). ``summary``: what was done ("" when
    nothing was). ``skipped``: what was left alone, and why. ``done``: the part that was done,
    which goes onto the other stack (None: nothing). ``rest``: the part that could not be done
    now but may be later; it stays on the stack it came from.
    """

    ids: list[str]
    summary: str
    skipped: list[str] = field(default_factory=list)
    done: Change | None = None
    rest: Change | None = None


class Change(Protocol):
    """One undoable change."""

    def describe(self) -> str: ...

    def undo(self, service: Any) -> Outcome: ...

    def redo(self, service: Any) -> Outcome: ...


def contact_name(contact: Mapping[str, Any]) -> str:
    """"First Last", else the email, else the id (for messages)."""
    name = " ".join(p for p in (contact.get("firstName"), contact.get("lastName")) if p)
    return strip_control(name or contact.get("email") or contact.get("id") or "contact")


def _stage(value: Any) -> str:
    return STAGE_LABELS.get(str(value), strip_control(str(value)))


def short_value(value: Any, longest: int = 40) -> str:
    """A field value as short quoted plain text for a message (one line, controls dropped)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if value in (None, ""):
        return "(empty)"
    text = " ".join(strip_control(str(value)).split())
    return "'" + (text if len(text) <= longest else text[: longest - 1] + "…") + "'"


def _count(n: int, one: str, many: str) -> str:
    return one if n == 1 else f"{n:,} {many}"


def contact_fields(contact: Mapping[str, Any]) -> dict[str, Any]:
    """The writable fields a contact object (or list row) shows: a precondition on all of it."""
    return {key: contact[key] for key in EDIT_FIELDS if key in contact}


def field_names(fields: list[str]) -> str:
    """API field names for a message: "Title, Tags"."""
    return ", ".join(FIELD_NAMES.get(f, f) for f in fields)


@dataclass
class StageChange:
    """Contacts moved between stages: ``before``/``after`` map each contact id to a stage."""

    before: dict[str, str]
    after: dict[str, str]
    name: str | None = None  # the contact's name when there is one contact

    def _who(self) -> str:
        n = len(self.after)
        return self.name if n == 1 and self.name else _count(n, "1 contact", "contacts")

    def describe(self) -> str:
        targets = set(self.after.values())
        return f"{self._who()} → {_stage(targets.pop())}" if len(targets) == 1 else f"{self._who()} moved a stage"

    def _describe_back(self) -> str:
        targets = set(self.before.values())
        back = _stage(targets.pop()) if len(targets) == 1 else "their previous stages"
        return f"{self._who()} back to {back}"

    def undo(self, service: Any) -> Outcome:
        return self._apply(service, self.before, self.after, undo=True)

    def redo(self, service: Any) -> Outcome:
        return self._apply(service, self.after, self.before, undo=False)

    def _apply(self, service: Any, target: dict[str, str], expected: dict[str, str], *, undo: bool) -> Outcome:
        _, skipped = service.set_stages_where(target, expected)
        applied = [cid for cid in target if cid not in skipped]
        notes = stage_skips(skipped, self.name if len(self.after) == 1 else None)
        if not applied:
            return Outcome([], "", notes)
        done = StageChange({c: self.before[c] for c in applied}, {c: self.after[c] for c in applied}, self.name)
        return Outcome(applied, done._describe_back() if undo else done.describe(), notes, done=done)


def stage_skips(skipped: Mapping[str, str | None], name: str | None = None) -> list[str]:
    """Why contacts were left alone by a conditional stage change (id → stage now, None: deleted);
    ``name``: the one contact's name, when the change was about one."""
    gone = [cid for cid, now in skipped.items() if now is None]
    moved = [now for now in skipped.values() if now is not None]
    if name and len(skipped) == 1:
        if gone:
            return [f"{name} was deleted elsewhere"]
        return [f"{name}'s stage was changed elsewhere to {_stage(moved[0])}; left as is"]
    notes = []
    if gone:
        notes.append(f"{len(gone):,} {'was' if len(gone) == 1 else 'were'} deleted elsewhere")
    if moved:
        left = "left as it is" if len(moved) == 1 else "left as they are"
        notes.append(f"{len(moved):,} changed stage elsewhere, {left}")
    return notes


@dataclass
class Batch:
    """Several changes made as one (a bulk delete): undone last-first, redone first-last."""

    changes: list[Change]
    verb: str = "deleted"
    undo_verb: str = "restored"

    def describe(self) -> str:
        if len(self.changes) == 1:
            return self.changes[0].describe()
        return f"{self.verb} {len(self.changes):,} contacts"

    def undo(self, service: Any) -> Outcome:
        outcomes = [change.undo(service) for change in reversed(self.changes)]
        outcomes.reverse()
        return self._combine(outcomes, undo=True)

    def redo(self, service: Any) -> Outcome:
        return self._combine([change.redo(service) for change in self.changes], undo=False)

    def _combine(self, outcomes: list[Outcome], *, undo: bool) -> Outcome:
        done = [o.done for o in outcomes if o.done is not None]
        rest = [o.rest for o in outcomes if o.rest is not None]
        out = Outcome([i for o in outcomes for i in o.ids], "", [s for o in outcomes for s in o.skipped])
        if done:
            out.done = Batch(done, self.verb, self.undo_verb)
            if len(done) == 1:
                out.summary = next(o.summary for o in outcomes if o.done is not None)
            else:
                out.summary = f"{len(done):,} contacts {self.undo_verb}" if undo else out.done.describe()
        if rest:
            out.rest = Batch(rest, self.verb, self.undo_verb)
        return out


@dataclass
class EditChange:
    """Fields of one contact changed: ``before``/``after`` hold only the changed fields."""

    contact_id: str
    name: str
    before: dict[str, Any]
    after: dict[str, Any]

    def describe(self) -> str:
        return f"edited {self.name}"

    def undo(self, service: Any) -> Outcome:
        return self._apply(service, self.before, self.after)

    def redo(self, service: Any) -> Outcome:
        return self._apply(service, self.after, self.before)

    def _apply(self, service: Any, target: dict[str, Any], expected: dict[str, Any]) -> Outcome:
        try:
            _, skipped = service.update_contact_where(self.contact_id, target, expected)
        except NotFoundError:
            return Outcome([], "", [f"{self.name} was deleted elsewhere"])
        notes = [
            f"{FIELD_NAMES.get(f, f)} was changed elsewhere"
            + ("" if f in ("accountId", "assignedTo") else f" to {short_value(now)}")
            + "; left as is"
            for f, now in skipped.items()
        ]
        applied = [f for f in target if f not in skipped]
        if not applied:
            return Outcome([self.contact_id], "", notes)
        done = EditChange(self.contact_id, self.name, {f: self.before[f] for f in applied},
                          {f: self.after[f] for f in applied})  # fmt: skip
        return Outcome([self.contact_id], done.describe(), notes, done=done)


def _restore(service: Any, snapshot: dict[str, Any], name: str) -> tuple[dict[str, Any] | None, list[str]]:
    """Put a deleted contact back; (None, why) when its email now belongs to another contact."""
    try:
        return service.restore_contact(snapshot), []
    except DuplicateEmailError as exc:
        why = (
            f"{name} not restored: {strip_control(exc.email)} now belongs to contact {exc.existing_id}. "
            "Change or remove that email, then undo again (nothing of it is lost)"
        )
        return None, [why]


def _delete(service: Any, contact_id: str, expected: dict[str, Any] | None, name: str) -> tuple[dict | None, list[str]]:
    """Delete a contact only as it was left (``expected``); (None, why) when that no longer holds."""
    try:
        return service.delete_contact(contact_id, expected=expected), []
    except NotFoundError:
        return None, [f"{name} was already deleted elsewhere"]
    except ConflictError as exc:
        return None, [f"{name} was changed elsewhere ({field_names(exc.fields)}); not deleted"]


@dataclass
class DeleteChange:
    """A contact deleted; ``snapshot`` is what ``Service.delete_contact`` returned; ``restored``
    the contact as the last undo put it back (a redo deletes it only as such)."""

    snapshot: dict[str, Any]
    name: str
    restored: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"deleted {self.name}"

    def undo(self, service: Any) -> Outcome:
        contact, why = _restore(service, self.snapshot, self.name)
        if contact is None:
            return Outcome([], "", why, rest=self)
        self.restored = contact_fields(contact)
        return Outcome([contact["id"]], f"{self.name} restored", done=self)

    def redo(self, service: Any) -> Outcome:
        cid = self.snapshot["contact"]["id"]
        snap, why = _delete(service, cid, self.restored, self.name)
        if snap is None:
            return Outcome([], "", why)
        self.snapshot = snap
        return Outcome([cid], self.describe(), done=self)


@dataclass
class CreateChange:
    """A contact created (``contact``: as created); undo deletes it if nobody changed it since,
    keeping the snapshot so redo can put it back."""

    contact_id: str
    name: str
    contact: dict[str, Any] | None = None
    snapshot: dict[str, Any] | None = None

    def describe(self) -> str:
        return f"created {self.name}"

    def undo(self, service: Any) -> Outcome:
        expected = contact_fields(self.contact) if self.contact else None
        snap, why = _delete(service, self.contact_id, expected, self.name)
        if snap is None:
            return Outcome([], "", why)
        self.snapshot = snap
        return Outcome([self.contact_id], self.describe(), done=self)

    def redo(self, service: Any) -> Outcome:
        assert self.snapshot is not None
        contact, why = _restore(service, self.snapshot, self.name)
        if contact is None:
            return Outcome([], "", why, rest=self)
        self.contact = contact_fields(contact)
        return Outcome([self.contact_id], self.describe(), done=self)


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
    """The undo and redo stacks.

    ``undo``/``redo`` apply the latest change and move what was done to the other stack; a part
    that could not be done yet (``Outcome.rest``) stays. An unexpected core error propagates and
    the change is dropped (what it would restore no longer fits the database).
    """

    service: Any
    done: list[Change] = field(default_factory=list)
    undone: list[Change] = field(default_factory=list)

    def record(self, change: Change) -> None:
        """A change the user just made: it can be undone; the redo stack is cleared."""
        self.done.append(change)
        del self.done[:-MAX_LEVELS]
        self.undone.clear()

    def undo(self) -> Outcome | None:
        """Undo the latest change; None when there is nothing to undo."""
        return self._step(self.done, self.undone, undo=True)

    def redo(self) -> Outcome | None:
        return self._step(self.undone, self.done, undo=False)

    def _step(self, source: list[Change], target: list[Change], *, undo: bool) -> Outcome | None:
        if not source:
            return None
        change = source.pop()
        outcome = change.undo(self.service) if undo else change.redo(self.service)
        if outcome.rest is not None:
            source.append(outcome.rest)
        if outcome.done is not None:
            target.append(outcome.done)
        return outcome
