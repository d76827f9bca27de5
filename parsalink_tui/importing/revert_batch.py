"""One batch of an import's revert, in the caller's transaction: restore what ``--on-duplicate
update`` filled on existing contacts, or delete contacts the job created — except contacts
changed after the import, which are recorded in ``revert_protected`` and left alone.

What counts as a change after the import (any one protects the contact):

* an audit row for the contact that does not name the job (a field, tags, the stage, a note or
  a task added, a task done, another import's merge), later than the job's own rows;
* a note or a task on it (for a created contact: any; for a merged one: one created or edited
  since the job's first change to it);
* ``updated_at`` later than the job's last write to it (catches writes that log nothing).

Deleting is the SQLite fast path of :mod:`.writer` in reverse: the batch's pk range is parked
in ``search_bulk`` so the delete triggers of both search indexes skip its rows (schema V5), and
one statement per index removes the batch's search rows (the per-row triggers made a 90k
delete take 15.5 s, 9 s of it in them). The short-term words are made in Python by
``search_sqlite.short_grams``, the same words its trigger's SQL makes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import dataclass, field
from typing import Any

from ..migrations import fts_values_sql
from ..schemas import COLUMN_OF
from ..search_sqlite import short_grams
from ..validation import fold_key
from .writer import insert_rows

_FLAGS = ("email_opt_out", "email_bounced")


@dataclass
class Outcome:
    """What a batch did: counts and the protected contacts (id, email, reason)."""

    processed: int = 0
    deleted: int = 0
    restored: int = 0
    protected: list[tuple[str, str | None, str]] = field(default_factory=list)


def _ids_json(values: list[Any]) -> str:
    return json.dumps(values, ensure_ascii=False)


def _names_job(detail: str | None, uid: str) -> bool:
    if not detail:
        return False
    try:
        value = json.loads(detail)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("importJob") == uid


def _reason(action: str, field_name: str | None) -> str:
    if action == "note_added":
        return "note added"
    if action in ("task_added", "task_done"):
        return "task added" if action == "task_added" else "task done"
    if action == "stage_changed" or field_name == "stage":
        return "stage changed"
    if field_name:
        return f"{field_name} changed"
    return f"{action.replace('_', ' ')}"


def _join(reasons: list[str]) -> str:
    return ", ".join(dict.fromkeys(reasons))


def _latest(raw: sqlite3.Connection, table: str, ids: list[str]) -> dict[str, str]:
    """contact id → the latest updated_at of its notes (or tasks)."""
    sql = (
        f"SELECT contact_id, max(updated_at) FROM {table} "
        "WHERE contact_id IN (SELECT value FROM json_each(?)) GROUP BY contact_id"
    )
    return dict(raw.execute(sql, (_ids_json(ids),)).fetchall())


def _activity(raw: sqlite3.Connection, ids: list[str], *, skip_imported: bool) -> list[tuple[Any, ...]]:
    where = " AND action <> 'imported'" if skip_imported else ""
    return raw.execute(
        "SELECT id, contact_id, action, field, old_value, new_value, detail, created_at FROM activity "
        f"WHERE contact_id IN (SELECT value FROM json_each(?)){where} ORDER BY contact_id, id",
        (_ids_json(ids),),
    ).fetchall()


def _revert_detail(uid: str) -> str:
    return json.dumps({"revertOf": uid})


# ------------------------------------------------------------------ contacts the job created

_CREATED = (
    "SELECT pk, id, email, first_name, last_name, phone, updated_at FROM contact "
    "WHERE import_job_uid = ? AND pk > ? ORDER BY pk LIMIT ?"
)


def created_batch(raw: sqlite3.Connection, uid: str, finished_at: str, after_pk: int, limit: int,
                  now: str, actor: str | None) -> tuple[Outcome, int]:  # fmt: skip
    """Delete the next ``limit`` contacts the job created (pk > ``after_pk``) unless changed since;
    returns the outcome and the last pk looked at (``after_pk`` when none was left). The audit
    rows name ``actor`` (who started the revert; None for the local user)."""
    rows = raw.execute(_CREATED, (uid, after_pk, limit)).fetchall()
    out = Outcome(processed=len(rows))
    if not rows:
        return out, after_pk
    ids = [row[1] for row in rows]
    reasons: dict[str, list[str]] = {}
    for _, cid, action, field_name, _, _, detail, _ in _activity(raw, ids, skip_imported=True):
        if not _names_job(detail, uid):  # the job's own merges into a contact it created are its own
            reasons.setdefault(cid, []).append(_reason(action, field_name))
    for table, reason in (("note", "has a note"), ("task", "has a task")):
        for cid in _latest(raw, table, ids):
            reasons.setdefault(cid, []).append(reason)
    doomed = []
    for pk, cid, email, first, last, phone, updated_at in rows:
        if updated_at > finished_at:
            reasons.setdefault(cid, []).append("changed after the import")
        if cid in reasons:
            out.protected.append((cid, email, _join(reasons[cid])))
        else:
            doomed.append((pk, cid, email, first, last, phone))
    if doomed:
        delete_contacts(raw, doomed)
        detail = _revert_detail(uid)
        insert_rows(raw, "activity (contact_id, action, detail, created_at, actor)",
                    [(cid, "deleted", detail, now, actor) for _, cid, *_ in doomed])  # fmt: skip
        out.deleted = len(doomed)
    return out, rows[-1][0]


def delete_contacts(raw: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Delete contacts ``(pk, id, email, first, last, phone)`` and their search rows, one
    statement per index, with the pk range parked so the per-row delete triggers skip them
    (we hold the write lock: no other row of that range is deleted meanwhile).

    The short-term words are made in a thread while SQLite deletes the trigram rows and the
    contacts (sqlite3 releases the GIL while a statement runs): ~1.3 s of CPU of a 90k revert
    that would otherwise wait its turn. Their index is fed after the contacts are gone, which
    is fine: it is contentless and keyed by pk, and the range is still parked.
    """
    pks = [row[0] for row in rows]
    parked = (min(pks), max(pks))
    pk_list = _ids_json(pks)
    made: list[Any] = []

    def make_words() -> None:
        try:
            made.append(_ids_json([[pk, short_grams(first, last, email, phone)]
                                   for pk, _, email, first, last, phone in rows]))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            made.append(exc)

    maker = threading.Thread(target=make_words, name="parsalink-revert-words", daemon=True)
    maker.start()
    try:
        raw.execute("INSERT INTO search_bulk (lo, hi) VALUES (?, ?)", parked)
        raw.execute(
            f"INSERT INTO contact_fts (contact_fts, rowid, name, email, phone) SELECT 'delete', c.pk, "
            f"{fts_values_sql('c')} FROM contact c WHERE c.pk IN (SELECT value FROM json_each(?))",
            (pk_list,),
        )
        raw.execute("DELETE FROM contact WHERE pk IN (SELECT value FROM json_each(?))", (pk_list,))
    finally:
        maker.join()
    if isinstance(made[0], Exception):
        raise made[0]
    raw.execute(
        "INSERT INTO contact_short (contact_short, rowid, g) "
        "SELECT 'delete', json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
        (made[0],),
    )
    raw.execute("DELETE FROM search_bulk WHERE lo = ? AND hi = ?", parked)


# ------------------------------------------------------------------ contacts the job merged into

_MERGED = (
    "SELECT DISTINCT existing_id FROM import_issue WHERE job_uid = ? AND kind = 'duplicate' "
    "AND existing_id > ? ORDER BY existing_id LIMIT ?"
)


def merged_batch(raw: sqlite3.Connection, uid: str, after_id: str, limit: int, now: str,
                 actor: str | None) -> tuple[Outcome, str]:  # fmt: skip
    """Undo the job's update-mode merges into the next ``limit`` existing contacts (ids after
    ``after_id``); returns the outcome and the last id looked at. Audit rows name ``actor``."""
    ids = [row[0] for row in raw.execute(_MERGED, (uid, after_id, limit))]
    out = Outcome(processed=len(ids))
    if not ids:
        return out, after_id
    contacts = {
        row[1]: row
        for row in raw.execute(
            "SELECT pk, id, email, updated_at, import_job_uid FROM contact "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (_ids_json(ids),),
        )
    }
    history: dict[str, list[tuple[Any, ...]]] = {}
    for row in _activity(raw, list(contacts), skip_imported=False):
        history.setdefault(row[1], []).append(row)
    notes, tasks = _latest(raw, "note", list(contacts)), _latest(raw, "task", list(contacts))
    audit: list[tuple[Any, ...]] = []
    for cid, (pk, _, email, updated_at, created_by) in contacts.items():
        if created_by == uid:
            continue  # created by this job (an in-file duplicate): deleted with the others
        rows = history.get(cid, [])
        mine = [row for row in rows if _names_job(row[6], uid)]
        if not mine:
            continue  # a skipped duplicate, or nothing was empty to fill
        first_id, first_at, last_at = mine[0][0], mine[0][7], mine[-1][7]
        reasons = [_reason(r[2], r[3]) for r in rows if r[0] > first_id and not _names_job(r[6], uid)]
        if notes.get(cid, "") >= first_at:
            reasons.append("note added or edited")
        if tasks.get(cid, "") >= first_at:
            reasons.append("task added or edited")
        if updated_at > last_at:
            reasons.append("changed after the import")
        if reasons:
            out.protected.append((cid, email, _join(reasons)))
            continue
        audit.extend(_restore(raw, pk, cid, mine, uid, now, actor))
        out.restored += 1
    if audit:
        insert_rows(raw, "activity (contact_id, action, field, old_value, new_value, detail, created_at, actor)",
                    audit)  # fmt: skip
    return out, ids[-1]


def _restore(raw: sqlite3.Connection, pk: int, cid: str, mine: list[tuple[Any, ...]], uid: str,
             now: str, actor: str | None) -> list[tuple[Any, ...]]:  # fmt: skip
    """Put back the values the job's audit rows name as old; returns the revert's audit rows."""
    sets: dict[str, Any] = {}
    untagged: set[str] = set()
    audit = []
    detail = _revert_detail(uid)
    for _, _, _, field_name, old_value, new_value, _, _ in reversed(mine):
        old = json.loads(old_value) if old_value is not None else None
        if field_name == "tags":
            before = {fold_key(name) for name in old or []}
            untagged |= {key for name in json.loads(new_value or "[]") if (key := fold_key(name)) not in before}
        elif field_name in COLUMN_OF:
            column = COLUMN_OF[field_name]
            sets[column] = int(bool(old)) if column in _FLAGS else old
        else:
            continue
        audit.append((cid, "updated", field_name, new_value, old_value, detail, now, actor))
    if sets:
        assignments = ", ".join(f"{column} = ?" for column in sets)
        raw.execute(f"UPDATE contact SET {assignments}, updated_at = ? WHERE pk = ?", [*sets.values(), now, pk])
    elif untagged:
        raw.execute("UPDATE contact SET updated_at = ? WHERE pk = ?", (now, pk))
    if untagged:
        raw.execute(
            "DELETE FROM contact_tag WHERE contact_pk = ? AND tag_id IN "
            "(SELECT id FROM tag WHERE name_key IN (SELECT value FROM json_each(?)))",
            (pk, _ids_json(sorted(untagged))),
        )
    audit.reverse()
    return audit
