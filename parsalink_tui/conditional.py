"""Partial conditional writes: apply a change only where the database still holds what the caller
expects, and say what was left alone.

Undo and redo use them: undoing a change must not overwrite a change made elsewhere since (another
process, the CLI, the HTTP API), yet the parts nobody touched should still be undone. So each
field, or each contact of a bulk change, is applied where its precondition holds and skipped
where it does not, in the caller's one transaction. (A write that must be refused whole is
``contacts.update_contact(..., expected=...)``, which raises ConflictError.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, text

from . import contacts
from .validation import normalize_stage


def update_where(
    conn: Connection, contact_id: str, data: Mapping[str, Any], expected: Mapping[str, Any], *, region: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """PATCH the fields of ``data`` that still hold ``expected[field]``.

    Returns ``(contact, skipped)``: the contact after the write, and each field left alone →
    its value now. Raises NotFoundError when the contact is gone.
    """
    current = contacts.get_contact(conn, contact_id)
    stale = contacts.stale_fields(current, data, expected)
    apply = {field: value for field, value in data.items() if field not in stale}
    contact = contacts.update_contact(conn, contact_id, apply, region=region) if apply else current
    return contact, {field: current[field] for field in stale}


def set_stages_where(
    conn: Connection, stages: Mapping[str, str], expected: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str | None]]:
    """Set each contact's stage (id → stage) where it is still ``expected[id]``.

    Returns ``(previous, skipped)``: the previous stage of each contact set, and each contact
    left alone → its stage now, or None when it was deleted.
    """
    ids = list(stages)
    now: dict[str, str] = {}
    if ids:
        rows = conn.execute(
            text("SELECT id, stage FROM contact WHERE id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        )
        now = {cid: stage for cid, stage in rows}
    apply: dict[str, str] = {}
    skipped: dict[str, str | None] = {}
    for cid, stage in stages.items():
        if cid in now and now[cid] == normalize_stage(expected[cid]):
            apply[cid] = stage
        else:
            skipped[cid] = now.get(cid)
    previous = contacts.set_stages(conn, apply) if apply else {}
    return previous, skipped
