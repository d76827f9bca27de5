"""Remembered column mappings: the user's choices for a file, kept under its header's signature.

A mapping the user chose (``--field-mappings`` or picks on the TUI's import screen: the
overrides, header → field or null, not the whole guessed mapping) is saved when an import with
it starts. The next file whose header row has the same signature — the header cells with their
whitespace collapsed and case folded, in order — can use it: the TUI applies it to its preview
at once and says so; the CLI only with ``--saved-mapping``, so a script's import never changes
behind its back. One mapping per signature: choosing again replaces it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

from ..errors import ImportRefused, NotFoundError
from ..timeutil import now_store, to_api


def signature(header: list[str]) -> str:
    """The key of a header row: sha256 of its normalised cells (order kept)."""
    cells = [" ".join(cell.split()).casefold() for cell in header]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


def _out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "signature": row["signature"][:12],
        "header": json.loads(row["header"]),
        "mapping": json.loads(row["mapping"]),
        "filename": row["filename"],
        "createdAt": to_api(row["created_at"]),
        "updatedAt": to_api(row["updated_at"]),
        "usedAt": to_api(row["used_at"]),
    }


def find(conn: Connection, header: list[str]) -> dict[str, Any] | None:
    """The saved mapping for this header row, with its keys renamed to this file's cells."""
    row = conn.execute(text("SELECT * FROM saved_mapping WHERE signature = :s"), {"s": signature(header)})
    found = row.mappings().first()
    if found is None:
        return None
    out = _out(found)
    by_key = {" ".join(cell.split()).casefold(): cell for cell in header}
    out["mapping"] = {by_key.get(" ".join(k.split()).casefold(), k): v for k, v in out["mapping"].items()}
    return out


def merge(saved: Mapping[str, Any], explicit: Any) -> dict[str, Any]:
    """The saved overrides with the caller's own on top (theirs win, column by column)."""
    if isinstance(explicit, str):
        try:
            explicit = json.loads(explicit) if explicit.strip() else None
        except ValueError as exc:
            raise ImportRefused(f"field_mappings is not valid JSON: {exc}") from None
    if explicit is not None and not isinstance(explicit, Mapping):
        raise ImportRefused("field_mappings must be an object of CSV header → field name")
    return {**saved, **(explicit or {})}


def save(conn: Connection, header: list[str], overrides: Mapping[str, Any], filename: str) -> None:
    """Remember ``overrides`` for files with this header row (in the caller's transaction)."""
    now = now_store()
    mapping = json.dumps(dict(overrides), ensure_ascii=False, sort_keys=True)
    conn.execute(
        text(
            "INSERT INTO saved_mapping (signature, header, mapping, filename, created_at, updated_at, used_at) "
            "VALUES (:s, :h, :m, :f, :now, :now, :now) ON CONFLICT (signature) DO UPDATE SET "
            "header = excluded.header, filename = excluded.filename, used_at = excluded.used_at, "
            "updated_at = CASE WHEN saved_mapping.mapping = excluded.mapping THEN saved_mapping.updated_at "
            "ELSE excluded.updated_at END, "
            "mapping = excluded.mapping"
        ),
        {"s": signature(header), "h": json.dumps(header, ensure_ascii=False), "m": mapping, "f": filename, "now": now},
    )


def list_saved(conn: Connection) -> list[dict[str, Any]]:
    """Every saved mapping, most recently chosen first."""
    rows = conn.execute(text("SELECT * FROM saved_mapping ORDER BY updated_at DESC, id DESC")).mappings()
    return [_out(row) for row in rows]


def forget(conn: Connection, mapping_id: int) -> None:
    if conn.execute(text("DELETE FROM saved_mapping WHERE id = :i"), {"i": mapping_id}).rowcount != 1:
        raise NotFoundError("saved mapping", str(mapping_id))
