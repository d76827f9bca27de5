"""The audit log: one ``activity`` row per create, field change, stage change, import, delete.

Rows carry the contact id but no foreign key, so they outlive a deleted contact. Values are
stored as JSON so a list of tags or a flag reads back as what it was.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, text

from .schemas import activity_out

_INSERT = text(
    "INSERT INTO activity (contact_id, action, field, old_value, new_value, detail, created_at, actor) "
    "VALUES (:contact_id, :action, :field, :old_value, :new_value, :detail, :created_at, :actor)"
)

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


def activity_row(
    contact_id: str,
    action: str,
    at: str,
    *,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
    detail: Any = None,
) -> dict[str, Any]:
    """Parameters for one activity insert (batched by callers that write many)."""
    return {
        "contact_id": contact_id,
        "action": action,
        "field": field,
        "old_value": _dump(old),
        "new_value": _dump(new),
        "detail": _dump(detail),
        "created_at": at,
        "actor": current_actor(),
    }


def record(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert activity rows inside the caller's transaction."""
    if rows:
        conn.execute(_INSERT, rows)


def list_activity(conn: Connection, contact_id: str) -> list[dict[str, Any]]:
    """Every audit row for ``contact_id``, oldest first, whether the contact still exists or not."""
    result = conn.execute(
        text("SELECT * FROM activity WHERE contact_id = :cid ORDER BY id"), {"cid": contact_id}
    )
    return [activity_out(r) for r in result.mappings()]
