"""The audit log: one ``activity`` row per create, field change, stage change, import, delete.

Rows carry the contact id but no foreign key, so they outlive a deleted contact. Values are
stored as JSON so a list of tags or a flag reads back as what it was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, text

from .contact_store import FIELD_OF, FLAG_COLUMNS, run
from .schemas import activity_out
from .sqlite_bulk import insert_rows

# The columns of an activity row, in the order of the tuples built here.
ACTIVITY_COLUMNS = ("contact_id", "action", "field", "old_value", "new_value", "detail", "created_at", "actor")
ACTIVITY_TARGET = f"activity ({', '.join(ACTIVITY_COLUMNS)})"
_INSERT = f"INSERT INTO {ACTIVITY_TARGET} VALUES ({', '.join(':' + c for c in ACTIVITY_COLUMNS)})"

# Who is making the changes of the current call: None for the local user (TUI, CLI), else e.g.
# "token:tok_…" for a request of the HTTP API. Set with acting_as (Service.as_actor); a
# ContextVar, so concurrent requests in threads or tasks each see their own.
_actor: ContextVar[str | None] = ContextVar("parsalink_actor", default=None)


@contextmanager
def acting_as(actor: str | None) -> Iterator[None]:
    """Stamp the activity rows written inside the block with ``actor``."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> str | None:
    """Who is making the current call's changes (see acting_as); None for the local user."""
    return _actor.get()


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def encoded_row(
    contact_id: str,
    action: str,
    at: str,
    actor: str | None,
    field: str | None = None,
    old_json: str | None = None,
    new_json: str | None = None,
    detail_json: str | None = None,
) -> tuple[Any, ...]:
    """One activity row (ACTIVITY_COLUMNS order) from values already encoded as JSON text.

    For bulk writers that encode a repeated value once (an import's ``detail``, a revert's);
    everything else calls :func:`activity_row`.
    """
    return (contact_id, action, field, old_json, new_json, detail_json, at, actor)


_CURRENT: Any = object()


def activity_row(
    contact_id: str,
    action: str,
    at: str,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    detail: Any = None,
    detail_json: str | None = None,
    actor: str | None = _CURRENT,
) -> tuple[Any, ...]:
    """One activity row (ACTIVITY_COLUMNS order): values stored as JSON (None stays NULL; a
    ``detail_json`` already encoded is stored as it is), and ``actor`` the current one
    (:func:`acting_as`) unless given (a worker thread's job owner)."""
    return (
        contact_id, action, field, _dump(old), _dump(new), detail_json if detail is None else _dump(detail),
        at, current_actor() if actor is _CURRENT else actor,
    )  # fmt: skip


def change_row(
    contact_id: str, column: str, old: Any, new: Any, at: str, *, detail_json: str | None = None,
    actor: str | None = _CURRENT,
) -> tuple[Any, ...]:
    """The audit row of one contact column's change: the API's field name, flags as
    true/false, a stage change "stage_changed", any other "updated"."""
    if column in FLAG_COLUMNS:
        old, new = bool(old), bool(new)
    action = "stage_changed" if column == "stage" else "updated"
    return activity_row(contact_id, action, at, field=FIELD_OF[column], old=old, new=new,
                        detail_json=detail_json, actor=actor)  # fmt: skip


def insert_activity(raw: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert activity rows (ACTIVITY_COLUMNS order) inside the caller's transaction."""
    insert_rows(raw, ACTIVITY_TARGET, rows)


def record(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert activity rows (ACTIVITY_COLUMNS order) inside the caller's SQLAlchemy transaction."""
    if rows:
        run(conn, _INSERT, [dict(zip(ACTIVITY_COLUMNS, row, strict=True)) for row in rows])


def list_activity(conn: Connection, contact_id: str) -> list[dict[str, Any]]:
    """Every audit row for ``contact_id``, oldest first, whether the contact still exists or not."""
    result = conn.execute(
        text("SELECT * FROM activity WHERE contact_id = :cid ORDER BY id"), {"cid": contact_id}
    )
    return [activity_out(r) for r in result.mappings()]
