"""Notes and tasks on a contact (the detail view's lists). Deleted with their contact."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Connection, text

from . import audit
from .errors import ItemConflictError, NotFoundError, ValidationError
from .ids import new_id
from .schemas import note_out, task_out
from .timeutil import now_store, parse_due_date
from .validation import clean_text

NOTE_LIMIT = 20_000


def _require_contact(conn: Connection, contact_id: str) -> None:
    if conn.execute(text("SELECT 1 FROM contact WHERE id = :id"), {"id": contact_id}).first() is None:
        raise NotFoundError("contact", contact_id)


def _get(conn: Connection, table: str, item_id: str) -> dict[str, Any]:
    row = conn.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": item_id}).mappings().first()
    if row is None:
        raise NotFoundError(table, item_id)
    return dict(row)


def _check(
    table: str, row: Mapping[str, Any], out: Callable[[Mapping[str, Any]], dict[str, Any]],
    expected: Mapping[str, Any] | None,
) -> None:
    """The write's precondition: each API field of ``expected`` (a note's ``text``; a task's
    ``title``, ``due``, ``done``) must still hold that value, else ItemConflictError."""
    if not expected:
        return
    current = out(row)
    stale = [f for f in expected if f in current and current[f] != expected[f]]
    if stale:
        raise ItemConflictError(table, row["id"], stale, current)


def _note_text(value: Any) -> str:
    clean = clean_text(value, "text", max_length=NOTE_LIMIT, keep_newlines=True)
    if not clean:
        raise ValidationError("text", "a note needs some text")
    return clean


def add_note(conn: Connection, contact_id: str, body: Any) -> dict[str, Any]:
    _require_contact(conn, contact_id)
    now = now_store()
    row = {"id": new_id("nte"), "contact_id": contact_id, "text": _note_text(body), "created_at": now, "updated_at": now}
    conn.execute(text("INSERT INTO note VALUES (:id, :contact_id, :text, :created_at, :updated_at)"), row)
    audit.record(conn, [audit.activity_row(contact_id, "note_added", now, detail={"noteId": row["id"]})])
    return note_out(row)


def list_notes(conn: Connection, contact_id: str) -> list[dict[str, Any]]:
    _require_contact(conn, contact_id)
    rows = conn.execute(text("SELECT * FROM note WHERE contact_id = :c ORDER BY created_at, id"), {"c": contact_id})
    return [note_out(r) for r in rows.mappings()]


def update_note(conn: Connection, note_id: str, body: Any, *, expected_text: str | None = None) -> dict[str, Any]:
    """Replace a note's text; ``expected_text``: only if it still reads so (else ItemConflictError)."""
    row = _get(conn, "note", note_id)
    _check("note", row, note_out, None if expected_text is None else {"text": expected_text})
    row.update(text=_note_text(body), updated_at=now_store())
    conn.execute(text("UPDATE note SET text = :text, updated_at = :updated_at WHERE id = :id"), row)
    return note_out(row)


def delete_note(conn: Connection, note_id: str, *, expected_text: str | None = None) -> None:
    row = _get(conn, "note", note_id)
    _check("note", row, note_out, None if expected_text is None else {"text": expected_text})
    conn.execute(text("DELETE FROM note WHERE id = :id"), {"id": note_id})


def _title(value: Any) -> str:
    clean = clean_text(value, "title", max_length=500)
    if not clean:
        raise ValidationError("title", "a task needs a title")
    return clean


def add_task(conn: Connection, contact_id: str, title: Any, due: str | None = None) -> dict[str, Any]:
    _require_contact(conn, contact_id)
    now = now_store()
    row = {
        "id": new_id("tsk"), "contact_id": contact_id, "title": _title(title),
        "due_date": parse_due_date(due) if due else None, "done": 0, "done_at": None,
        "created_at": now, "updated_at": now,
    }  # fmt: skip
    conn.execute(
        text("INSERT INTO task VALUES (:id, :contact_id, :title, :due_date, :done, :done_at, :created_at, :updated_at)"),
        row,
    )
    audit.record(conn, [audit.activity_row(contact_id, "task_added", now, detail={"taskId": row["id"], "title": row["title"]})])
    return task_out(row)


def list_tasks(conn: Connection, contact_id: str) -> list[dict[str, Any]]:
    _require_contact(conn, contact_id)
    rows = conn.execute(
        text("SELECT * FROM task WHERE contact_id = :c ORDER BY done, due_date IS NULL, due_date, created_at"),
        {"c": contact_id},
    )
    return [task_out(r) for r in rows.mappings()]


def update_task(
    conn: Connection, task_id: str, *, title: Any = None, due: str | None = None,
    expected: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Change a task's title and/or due date (``due=""`` clears it). ``expected``: task fields
    (``title``, ``due``, ``done``) → the values the caller saw; refused if one moved on."""
    row = _get(conn, "task", task_id)
    _check("task", row, task_out, expected)
    if title is not None:
        row["title"] = _title(title)
    if due is not None:
        row["due_date"] = parse_due_date(due) if due else None
    row["updated_at"] = now_store()
    conn.execute(text("UPDATE task SET title = :title, due_date = :due_date, updated_at = :updated_at WHERE id = :id"), row)
    return task_out(row)


def set_task_done(
    conn: Connection, task_id: str, done: bool = True, *, expected: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    row = _get(conn, "task", task_id)
    _check("task", row, task_out, expected)
    now = now_store()
    row.update(done=int(done), done_at=now if done else None, updated_at=now)
    conn.execute(text("UPDATE task SET done = :done, done_at = :done_at, updated_at = :updated_at WHERE id = :id"), row)
    if done:
        audit.record(conn, [audit.activity_row(row["contact_id"], "task_done", now, detail={"taskId": task_id, "title": row["title"]})])
    return task_out(row)


def delete_task(conn: Connection, task_id: str, *, expected: Mapping[str, Any] | None = None) -> None:
    row = _get(conn, "task", task_id)
    _check("task", row, task_out, expected)
    conn.execute(text("DELETE FROM task WHERE id = :id"), {"id": task_id})
