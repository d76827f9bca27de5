"""``ContactForm``: the new / edit form with every writable field and inline errors.

Each field is checked by the core's own normalisers as the user leaves it (email-validator,
phonenumbers, the duplicate-email rule), the error shows under the field, and ``ctrl+s`` saves
only when nothing is wrong. The save is one core call; the form dismisses with the saved contact
and records the change for undo.

An edit sends only the fields the user changed (a PATCH), with the values the user saw as the
precondition (``expected``): what another process changed meanwhile in other fields is kept,
and a field changed on both sides is refused by the core (ConflictError). The form then shows
the other value under that field (see ``form_conflict.py``), refreshes the fields the user did
not touch, and the next ``ctrl+s`` saves the user's values over what they have now seen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Checkbox, Footer, Header, Input, Label, Select, Static, TextArea

from ..errors import ConflictError, ValidationError
from ..validation import (
    STAGES,
    TEXT_LIMITS,
    clean_field,
    email_key,
    normalize_email,
    normalize_phone,
    normalize_tags,
)
from .form_conflict import ConflictNote
from .form_values import ALL_FIELDS, TEXT_FIELDS, as_values, body_of, same
from .render import clean, full_name
from .undo import FIELD_NAMES, CreateChange, EditChange, contact_name, edit_diff
from .widgets import NotesArea, TextInput

LABELS = {
    "firstName": "First name", "lastName": "Last name", "email": "Email *", "phone": "Phone",
    "title": "Title", "accountName": "Account (pick or type a new one)", "tags": "Tags (comma-separated)",
    "stage": "Stage", "assignedTo": "Assignee", "notes": "Notes",
}  # fmt: skip
# Core error fields that are shown at another widget.
ERROR_AT = {"accountId": "accountName", "body": "email"}
# How often an open edit form looks for commits made elsewhere (as the contacts list does).
REFRESH_SECONDS = 2.0


class ContactForm(Screen[dict[str, Any] | None]):
    """New contact (``contact_id`` None) or edit one. ``ctrl+s`` saves, ``escape`` cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(self, contact_id: str | None) -> None:
        super().__init__()
        self.contact_id = contact_id
        #: The contact as the user last saw it (the save's precondition); ``initial`` is it as widget values.
        self.original: dict[str, Any] = {}
        self.initial: dict[str, Any] = {}
        self.errors: dict[str, str] = {}
        self._names_checked = False
        self._watcher: Any = None

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with VerticalScroll(id="form"):
            yield Static(id="form-title")
            with Horizontal(classes="form-row"):
                yield from self._field("firstName", TextInput(id="firstName", max_length=TEXT_LIMITS["firstName"]))
                yield from self._field("lastName", TextInput(id="lastName", max_length=TEXT_LIMITS["lastName"]))
            with Horizontal(classes="form-row"):
                yield from self._field("email", TextInput(id="email", max_length=320))
                yield from self._field("phone", TextInput(id="phone", max_length=40, placeholder="+1 555 123 4567"))
            with Horizontal(classes="form-row"):
                yield from self._field("title", TextInput(id="title", max_length=TEXT_LIMITS["title"]))
                yield from self._field("accountName", TextInput(id="accountName", max_length=TEXT_LIMITS["accountName"]))
            with Horizontal(classes="form-row"):
                stages = [(label, value) for value, label in STAGES]
                yield from self._field("stage", Select(stages, allow_blank=False, value="new", id="stage"))
                yield from self._field("assignedTo", Select[str]([], prompt="Unassigned", id="assignedTo"))
            with Horizontal(classes="form-row"):
                yield from self._field("tags", TextInput(id="tags", placeholder="enterprise, warm"))
                with Vertical(classes="field flags"):
                    yield Checkbox("Opted out of email", id="emailOptOut")
                    yield Checkbox("Email bounced", id="emailBounced")
            yield from self._field("notes", NotesArea(id="notes"))
        yield Footer()

    def _field(self, name: str, widget: Widget) -> ComposeResult:
        widget.border_title = LABELS[name]
        with Vertical(classes="field", id=f"field-{name}"):
            yield widget
            yield Label("", classes="field-error", id=f"err-{name}")

    def on_mount(self) -> None:
        app: Any = self.app
        self.query_one("#assignedTo", Select).set_options([(clean(u), uid) for uid, u in app.users.items()])
        with app.reporting("Could not load accounts"):
            names = [a["name"] for a in app.service.list_accounts()]
            self.query_one("#accountName", Input).suggester = SuggestFromList(names, case_sensitive=False)
        if self.contact_id:
            with app.reporting("Could not open the contact"):
                self.original = app.service.get_contact(self.contact_id)
                self._fill(as_values(self.original))
            self.query_one("#form-title", Static).update(Content.styled(f"Edit {full_name(self.original)}", "bold"))
        else:
            self.query_one("#form-title", Static).update(Content.styled("New contact", "bold"))
        for label in self.query(".field-error"):
            label.display = False
        self.initial = self.values()
        self.query_one("#firstName").focus()
        watch = getattr(app.service, "watch_changes", None)
        if self.contact_id and self.original and watch is not None:
            self._watcher = watch()
            self.set_interval(REFRESH_SECONDS, self._look_elsewhere)

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.close()

    def _look_elsewhere(self) -> None:
        """While the form is open: take in what was committed elsewhere to this contact."""
        if self._watcher is None or not self.is_current or not self._watcher.changed():
            return  # (a commit seen while a dialog is on top waits until the form is back)
        app: Any = self.app
        with app.reporting("Could not re-read the contact"):
            current = app.service.get_contact(self.contact_id)
            if body_of(as_values(current)) != body_of(as_values(self.original)):
                self.merge(current, saving=False)

    def _fill(self, values: dict[str, Any], only: Any = None) -> None:
        """Put widget values (see :func:`as_values`) in the widgets; ``only``: these fields."""
        for name in only if only is not None else ALL_FIELDS:
            value = values[name]
            if name in TEXT_FIELDS:
                self.query_one(f"#{name}", Input).value = value
            elif name == "notes":
                self.query_one("#notes", TextArea).text = value
            elif name in ("emailOptOut", "emailBounced"):
                self.query_one(f"#{name}", Checkbox).value = value
            elif name == "assignedTo":
                assignee = self.query_one("#assignedTo", Select)
                app: Any = self.app
                if value is not None and value not in app.users:  # a user added elsewhere since
                    app.load_users()
                    assignee.set_options([(clean(u), uid) for uid, u in app.users.items()])
                if value is None:
                    assignee.clear()
                elif value in app.users:
                    assignee.value = value
            else:
                self.query_one("#stage", Select).value = value

    # ------------------------------------------------------------------ values and checks
    def values(self) -> dict[str, Any]:
        """What the form holds now, as raw widget values."""
        out: dict[str, Any] = {name: self.query_one(f"#{name}", Input).value for name in TEXT_FIELDS}
        stage = self.query_one("#stage", Select).value
        assignee = self.query_one("#assignedTo", Select).value
        out["stage"] = stage if stage is not Select.NULL else "new"
        out["assignedTo"] = None if assignee is Select.NULL else assignee
        out["notes"] = self.query_one("#notes", TextArea).text
        out["emailOptOut"] = self.query_one("#emailOptOut", Checkbox).value
        out["emailBounced"] = self.query_one("#emailBounced", Checkbox).value
        return out

    @property
    def dirty(self) -> bool:
        return self.values() != self.initial

    def _checker(self, name: str) -> Callable[[str], Any] | None:
        region = self.app.service.region  # type: ignore[attr-defined]
        checks: dict[str, Callable[[str], Any]] = {
            **{field: functools.partial(clean_field, field=field) for field in TEXT_LIMITS},
            "phone": lambda v: normalize_phone(v, region),
            "tags": normalize_tags,
            "email": self._check_email,
        }
        return checks.get(name)

    def _check_email(self, value: str) -> str:
        email = normalize_email(value)
        found = self.app.service.list_contacts(search=email, limit=100)["results"]  # type: ignore[attr-defined]
        for other in found:
            if other["id"] != self.contact_id and email_key(other["email"]) == email_key(email):
                raise ValidationError("email", f"{email} already belongs to {full_name(other)} ({other['id']})")
        return email

    def check(self, name: str) -> bool:
        """Validate one field, showing or clearing its error; True when it is fine."""
        checker = self._checker(name)
        if checker is None:
            return True
        raw = self.values()[name]
        try:
            checker(raw)
        except ValidationError as exc:
            self.show_error(name, exc.message)
            return False
        self.show_error(name, "")
        return True

    def check_names(self) -> bool:
        values = self.values()
        if not values["firstName"].strip() and not values["lastName"].strip():
            self.show_error("firstName", "First or last name is required")
            return False
        return True

    def show_error(self, name: str, message: str) -> None:
        name = ERROR_AT.get(name, name)
        if message:
            self.errors[name] = message
        else:
            self.errors.pop(name, None)
        try:
            label = self.query_one(f"#err-{name}", Label)
            widget = self.query_one(f"#{name}")
        except Exception:  # noqa: BLE001 - an error for a field without a widget goes to a toast
            if message:
                self.notify(message, severity="error", markup=False)
            return
        label.update(Content(f"✗ {message}") if message else Content(""))
        label.display = bool(message)
        widget.set_class(bool(message), "-invalid")

    @on(Input.Blurred)
    def _left_input(self, event: Input.Blurred) -> None:
        name = event.input.id or ""
        with self.app.reporting():  # type: ignore[attr-defined]
            if self.check(name) and name in ("firstName", "lastName"):
                # "A name is required" is judged once both name fields were passed (or at save).
                self._names_checked = self._names_checked or name == "lastName"
                if self._names_checked:
                    self.check_names()

    @on(TextArea.Changed)
    def _notes_changed(self) -> None:
        if "notes" in self.errors:
            self.check("notes")

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.focus_next()

    # ------------------------------------------------------------------ save / cancel
    def body(self) -> dict[str, Any]:
        """A new contact: every field. An edit: only the fields the user changed (a PATCH)."""
        data = body_of(self.values())
        if not self.contact_id:
            if not data["accountName"]:
                del data["accountName"]
            return data
        base = body_of(self.initial)
        return {field: value for field, value in data.items() if not same(field, value, base[field])}

    def action_save(self) -> None:
        app: Any = self.app
        ok = True
        with app.reporting():
            results = [self.check(name) for name in ("firstName", "lastName", "email", "phone", "title",
                                                        "accountName", "tags", "notes")]  # fmt: skip
            self._names_checked = True
            names_ok = self.check_names()  # after the per-field checks, which clear old errors
            ok = all(results) and names_ok
        if not ok or self.errors:
            first = next(iter(self.errors), None)
            self.notify("Fix the fields marked in red first", severity="error", timeout=3)
            if first:
                self.query_one(f"#{first}").focus()
            return
        saved: dict[str, Any] | None = None
        body = self.body()
        try:
            if self.contact_id:
                saved = app.service.update_contact(self.contact_id, body, expected=self.original)
            else:
                saved = app.service.create_contact(body)
        except ConflictError as exc:
            if not self.merge(exc.current):
                self.action_save()  # both sides made the same change: nothing left to decide
            return
        except ValidationError as exc:
            self.show_error(exc.field, exc.message)
            self.notify(str(exc), severity="error", timeout=4, markup=False)
            return
        except Exception as exc:  # noqa: BLE001 - reported, the form stays open with the user's input
            app.report(exc, "Not saved")
            return
        assert saved is not None
        if self.contact_id:
            mine = {"accountId" if field == "accountName" else field for field in body}
            before, after = edit_diff(self.original, saved, fields=mine)
            if before:
                app.record(EditChange(self.contact_id, contact_name(saved), before, after))
            else:
                self.notify("No changes", timeout=2)
            kept = [f for f in ALL_FIELDS if f not in body and not same(f, saved.get(f), self.original.get(f))]
            if kept:
                names = ", ".join(FIELD_NAMES[f] for f in kept)
                self.app.notify(f"Changed elsewhere and kept: {names}", timeout=6, markup=False)
        else:
            app.record(CreateChange(saved["id"], contact_name(saved), contact=saved))
        self.dismiss(saved)

    def action_cancel(self) -> None:
        from .confirm import ConfirmScreen

        if not self.dirty:
            self.dismiss(None)
            return

        def done(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Discard your changes?", yes="Discard", no="Keep editing"), done)

    # ------------------------------------------------------------------ changes made elsewhere
    def merge(self, current: dict[str, Any], *, saving: bool = True) -> bool:
        """Changes made elsewhere (``current``: the contact now), met by a save or seen while the
        form is open. Fields the user did not change take the new values; a field changed on
        both sides keeps the user's value and shows the other under it. ``current`` becomes what
        the user has seen: the next save sends the user's values with it as the precondition.
        Returns whether there is a conflict to look at (False: no field changed on both sides,
        or both sides made the same change)."""
        mine = self.body()  # the fields the user changed, against what they saw
        theirs = as_values(current)
        ours, seen, now = body_of(self.values()), body_of(self.initial), body_of(theirs)
        moved = [f for f in ALL_FIELDS if not same(f, now[f], seen[f])]
        refreshed = [f for f in moved if f not in mine]
        conflicts = [f for f in moved if f in mine and not same(f, now[f], ours[f])]
        self._fill(theirs, only=refreshed)
        self.original, self.initial = current, theirs
        for note in self.query(ConflictNote):
            if note.field in moved and note.field not in conflicts:
                note.remove()
        for field in conflicts:
            self.show_conflict(field, theirs[field])
        parts = []
        if conflicts:
            parts += ["Changed here and elsewhere: " + ", ".join(FIELD_NAMES[f] for f in conflicts),
                      "ctrl+s saves yours, or pick theirs under the field"]  # fmt: skip
        if refreshed:
            parts.append("Updated from elsewhere: " + ", ".join(FIELD_NAMES[f] for f in refreshed))
        if parts and (conflicts or not saving):
            title = "Not saved yet" if saving else "Changed elsewhere"
            severity = "warning" if conflicts else "information"
            self.notify(" · ".join(parts), title=title, severity=severity, timeout=10, markup=False)
        if conflicts and saving:
            self.query_one(f"#{conflicts[0]}").focus()
        return bool(conflicts)

    def show_conflict(self, field: str, theirs: Any) -> None:
        users = self.app.users  # type: ignore[attr-defined]
        for note in self.query(ConflictNote):
            if note.field == field:
                note.show(theirs, users)
                return
        widget = self.query_one(f"#{field}")
        anchor = self.query_one(f"#err-{field}") if field not in ("emailOptOut", "emailBounced") else widget
        assert anchor.parent is not None
        anchor.parent.mount(ConflictNote(field, theirs, users), after=anchor)

    @on(ConflictNote.Resolved)
    async def _resolved(self, event: ConflictNote.Resolved) -> None:
        note = event.note
        if event.use_theirs:
            self._fill({note.field: note.theirs}, only=[note.field])
        self.query_one(f"#{note.field}").focus()
        await note.remove()
