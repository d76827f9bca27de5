"""``DetailScreen``: one contact in full — fields, flags, notes, tasks and the activity timeline."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from ..errors import ConflictError
from ..validation import STAGE_LABELS, STAGE_VALUES
from .render import STAGE_STYLES, clean, clean_block, full_name, stage_label, when
from .undo import Change, DeleteChange, contact_fields, field_names
from .undo_items import NoteAdded, TaskAdded

FIELDS = (("Email", "email"), ("Phone", "phone"), ("Title", "title"), ("Account", "accountName"),
          ("Assignee", "assignedToName"), ("Tags", "tags"), ("Created", "createdAt"), ("Updated", "updatedAt"))  # fmt: skip


def _value(contact: dict[str, Any], key: str) -> str:
    value = contact.get(key)
    if key == "tags":
        return ", ".join(clean(t) for t in value or [])
    if key in ("createdAt", "updatedAt"):
        return when(value)
    return clean(value)


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(clean(v) for v in value) or "(none)"
    if value in (None, ""):
        return "(empty)"
    text = clean(value)
    return text if len(text) <= 40 else text[:39] + "…"


def describe_activity(item: dict[str, Any], users: dict[str, str]) -> str:
    """One timeline line's text (values cleaned: they are user data)."""
    action = item.get("action")
    field = item.get("field")
    old, new = item.get("oldValue"), item.get("newValue")
    detail = item.get("detail") or {}
    if action == "stage_changed":
        return f"Stage {stage_label(old)} → {stage_label(new)}"
    if action == "updated" and field:
        if field == "assignedTo":
            old, new = users.get(old or "", old), users.get(new or "", new)
        return f"{field} {_short(old)} → {_short(new)}"
    if action in ("task_added", "task_done"):
        title = clean(detail.get("title")) if isinstance(detail, dict) else ""
        return ("Task added: " if action == "task_added" else "Task done: ") + title
    labels = {"created": "Created", "deleted": "Deleted", "restored": "Restored (undo)", "note_added": "Note added",
              "imported": "Imported"}  # fmt: skip
    return labels.get(str(action), clean(action))


class DetailScreen(Screen[None]):
    """A contact's full record. Notes and tasks are added here; ``1``–``7`` set the stage."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="detail.back"),
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("a", "add_note", "Add note", id="detail.add_note"),
        Binding("t", "add_task", "Add task", id="detail.add_task"),
        Binding("d", "delete", "Delete", id="detail.delete"),
        *[
            Binding(str(n), f"set_stage({n})", f"Stage → {label}", show=False, id=f"detail.stage_{value}")
            for n, (value, label) in enumerate(STAGE_LABELS.items(), 1)
        ],
    ]

    def __init__(self, contact_id: str) -> None:
        super().__init__()
        self.contact_id = contact_id
        self.contact: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with VerticalScroll(id="detail"):
            yield Static(id="detail-name")
            with Horizontal(id="detail-top"):
                yield Static(id="detail-fields")
                with Vertical(id="detail-side"):
                    yield Static(id="detail-notes")
                    yield Static(id="detail-tasks")
            yield Static(id="detail-activity")
        yield Footer()

    def on_screen_resume(self) -> None:
        # Also sent when the screen is pushed: loading on mount as well read everything twice,
        # and a failed read popped two screens (this one and the list under it).
        self.load()

    def load(self) -> None:
        service = self.app.service
        users: dict[str, str] = self.app.users
        loaded = False
        with self.app.reporting("Could not open the contact"):
            self.contact = service.get_contact(self.contact_id)
            notes = service.list_notes(self.contact_id)
            tasks = service.list_tasks(self.contact_id)
            activity = service.list_activity(self.contact_id)
            loaded = True
        if not loaded:
            self.app.pop_screen()
            return
        c = self.contact
        self.sub_title = full_name(c)
        stage = str(c.get("stage"))
        name = Content.assemble(
            (full_name(c), "bold"), "  ", (f" {stage_label(stage)} ", STAGE_STYLES.get(stage, "reverse"))
        )
        flags = []
        if c.get("emailOptOut"):
            flags.append((" opted out of email ", "bold $text-warning on $warning-muted"))
        if c.get("emailBounced"):
            flags.append((" email bounced ", "bold $text-error on $error-muted"))
        for flag in flags:
            name = Content.assemble(name, "  ", flag)
        self.query_one("#detail-name", Static).update(name)

        lines = [Content.assemble((f"{label:<10}", "$text-muted"), _value(c, key)) for label, key in FIELDS]
        lines.append(Content.assemble((f"{'Id':<10}", "$text-muted"), (clean(c.get("id")), "dim")))
        if c.get("notes"):
            lines += [Content(""), Content.styled("Notes", "bold")]
            lines += [Content(line) for line in clean_block(c["notes"]).split("\n")]
        self.query_one("#detail-fields", Static).update(Content("\n").join(lines))

        note_lines = [Content.styled(f"Notes ({len(notes)})  · a adds one", "bold")]
        for note in notes:
            note_lines.append(Content.styled(when(note["createdAt"]), "$text-muted"))
            note_lines += [Content(f"  {line}") for line in clean_block(note["text"]).split("\n")]
        if not notes:
            note_lines.append(Content.styled("No notes yet.", "dim italic"))
        self.query_one("#detail-notes", Static).update(Content("\n").join(note_lines))

        task_lines = [Content.styled(f"Tasks ({len(tasks)})  · t adds one", "bold")]
        for task in tasks:
            box = "☑" if task["done"] else "☐"
            due = f" · due {task['due']}" if task.get("due") else ""
            style = "dim strike" if task["done"] else ""
            task_lines.append(Content.assemble(f"{box} ", (clean(task["title"]), style), (due, "$text-muted")))
        if not tasks:
            task_lines.append(Content.styled("No tasks.", "dim italic"))
        self.query_one("#detail-tasks", Static).update(Content("\n").join(task_lines))

        act_lines = [Content.styled("Activity", "bold")]
        for item in reversed(activity):
            act_lines.append(
                Content.assemble((f"{when(item['createdAt'])}  ", "$text-muted"), describe_activity(item, users))
            )
        self.query_one("#detail-activity", Static).update(Content("\n").join(act_lines))

    # ------------------------------------------------------------------ actions
    def after_history(self, change: Change | None, ids: list[str], undo: bool) -> None:
        if self.is_current and self.contact_id in ids:
            self.load()

    def action_edit(self) -> None:
        from .contact_form import ContactForm

        self.app.push_screen(ContactForm(self.contact_id))

    def action_set_stage(self, number: int) -> None:
        stage = STAGE_VALUES[number - 1]
        with self.app.reporting("Stage not changed"):
            seen = {self.contact_id: str(self.contact.get("stage"))}
            self.app.set_stages({self.contact_id: stage}, seen, full_name(self.contact))
        self.load()

    def action_delete(self) -> None:
        from .confirm import ConfirmScreen

        def done(yes: bool | None) -> None:
            if not yes:
                return
            with self.app.reporting("Delete failed"):
                try:
                    snap = self.app.service.delete_contact(self.contact_id, expected=contact_fields(self.contact))
                except ConflictError as exc:
                    self.notify(f"Not deleted: {full_name(self.contact)} was changed elsewhere "
                                f"({field_names(exc.fields)}); shown now", severity="warning", timeout=8, markup=False)  # fmt: skip
                    self.load()
                    return
                self.app.record(DeleteChange(snap, full_name(self.contact)))
                self.app.pop_screen()

        question = f"Delete {full_name(self.contact)}?"
        self.app.push_screen(ConfirmScreen(question, "Their notes and tasks go too. u undoes it.", yes="Delete"), done)

    def action_add_note(self) -> None:
        from .note_task_dialogs import NoteDialog

        def done(text: str | None) -> None:
            if not text:
                return
            with self.app.reporting("Note not added"):
                note = self.app.service.add_note(self.contact_id, text)
                self.app.record(NoteAdded(self.contact_id, note["id"], note["text"]))
            self.load()

        self.app.push_screen(NoteDialog(), done)

    def action_add_task(self) -> None:
        from .note_task_dialogs import TaskDialog

        def done(result: tuple[str, str | None] | None) -> None:
            if not result:
                return
            title, due = result
            with self.app.reporting("Task not added"):
                task = self.app.service.add_task(self.contact_id, title, due)
                self.app.record(TaskAdded(self.contact_id, task["id"], task["title"], task["due"]))
            self.load()

        self.app.push_screen(TaskDialog(), done)
