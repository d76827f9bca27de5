"""One batch of an import's revert, in the caller's transaction: restore what ``--on-duplicate
update`` filled on existing contacts, or delete contacts the job created — except contacts
changed after the import, which are recorded in ``revert_protected`` and left alone.

What counts as a change after the import (any one protects the contact):

* an audit row for the contact that does not name the job (a field, tags, the stage, a note or
  a task added, a task done, another import's merge), later than the job's own rows;
* a note or a task on it (for a created contact: any; for a merged one: one created or edited
  since the job's first change to it);
* ``updated_at`` later than the job's last write to it (catches writes that log nothing).

The batches run on an import job's connection (:class:`.bulk.JobConn`) and write through the
database's :class:`.bulk.ImportBulk`: lists of ids are its ``any_of`` parameters (SQLite a JSON
array read by ``json_each``, PostgreSQL an array), audit rows go in with its ``insert_rows``
(PostgreSQL: COPY), and contacts are deleted with its ``delete_contacts`` (SQLite: the fast
path of :mod:`.bulk_sqlite`, feeding the search indexes; PostgreSQL: one DELETE, its search
columns go with the rows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from .. import audit, contact_store
from ..contact_store import COLUMN_OF, FLAG_COLUMNS
from ..validation import fold_key
from .bulk import ImportBulk, JobConn


@dataclass
class Outcome:
    """What a batch did: counts and the protected contacts (id, email, reason)."""

    processed: int = 0
    deleted: int = 0
    restored: int = 0
    protected: list[tuple[str, str | None, str]] = field(default_factory=list)


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


def _query(job: JobConn, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in job.sa.execute(text(sql), params)]


def _latest(job: JobConn, bulk: ImportBulk, table: str, ids: list[str]) -> dict[str, str]:
    """contact id → the latest updated_at of its notes (or tasks)."""
    sql = f"SELECT contact_id, max(updated_at) FROM {table} WHERE contact_id {bulk.any_of('ids')} GROUP BY contact_id"
    return dict(_query(job, sql, {"ids": bulk.list_param(ids)}))


def _activity(job: JobConn, bulk: ImportBulk, ids: list[str], *, skip_imported: bool) -> list[tuple[Any, ...]]:
    where = " AND action <> 'imported'" if skip_imported else ""
    return _query(
        job,
        "SELECT id, contact_id, action, field, old_value, new_value, detail, created_at FROM activity "
        f"WHERE contact_id {bulk.any_of('ids')}{where} ORDER BY contact_id, id",
        {"ids": bulk.list_param(ids)},
    )


def _revert_detail(uid: str) -> str:
    return json.dumps({"revertOf": uid})


# ------------------------------------------------------------------ contacts the job created

_CREATED = (
    "SELECT pk, id, email, first_name, last_name, phone, updated_at FROM contact "
    "WHERE import_job_uid = :u AND pk > :after ORDER BY pk LIMIT :limit"
)


def created_batch(job: JobConn, bulk: ImportBulk, uid: str, finished_at: str, after_pk: int, limit: int,
                  now: str, actor: str | None) -> tuple[Outcome, int]:  # fmt: skip
    """Delete the next ``limit`` contacts the job created (pk > ``after_pk``) unless changed since;
    returns the outcome and the last pk looked at (``after_pk`` when none was left). The audit
    rows name ``actor`` (who started the revert; None for the local user)."""
    rows = _query(job, _CREATED, {"u": uid, "after": after_pk, "limit": limit})
    out = Outcome(processed=len(rows))
    if not rows:
        return out, after_pk
    ids = [row[1] for row in rows]
    reasons: dict[str, list[str]] = {}
    for _, cid, action, field_name, _, _, detail, _ in _activity(job, bulk, ids, skip_imported=True):
        if not _names_job(detail, uid):  # the job's own merges into a contact it created are its own
            reasons.setdefault(cid, []).append(_reason(action, field_name))
    for table, reason in (("note", "has a note"), ("task", "has a task")):
        for cid in _latest(job, bulk, table, ids):
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
        bulk.delete_contacts(job, doomed)
        detail = _revert_detail(uid)
        bulk.insert_rows(job, "activity", audit.ACTIVITY_COLUMNS,
                         [audit.encoded_row(cid, "deleted", now, actor, detail_json=detail) for _, cid, *_ in doomed])  # fmt: skip
        out.deleted = len(doomed)
    return out, rows[-1][0]


# ------------------------------------------------------------------ contacts the job merged into

_MERGED = (
    "SELECT DISTINCT existing_id FROM import_issue WHERE job_uid = :u AND kind = 'duplicate' "
    "AND existing_id > :after ORDER BY existing_id LIMIT :limit"
)


def merged_batch(job: JobConn, bulk: ImportBulk, uid: str, after_id: str, limit: int, now: str,
                 actor: str | None) -> tuple[Outcome, str]:  # fmt: skip
    """Undo the job's update-mode merges into the next ``limit`` existing contacts (ids after
    ``after_id``); returns the outcome and the last id looked at. Audit rows name ``actor``."""
    ids = [row[0] for row in _query(job, _MERGED, {"u": uid, "after": after_id, "limit": limit})]
    out = Outcome(processed=len(ids))
    if not ids:
        return out, after_id
    contacts = {
        row[1]: row
        for row in _query(
            job,
            f"SELECT pk, id, email, updated_at, import_job_uid FROM contact WHERE id {bulk.any_of('ids')}",
            {"ids": bulk.list_param(ids)},
        )
    }
    history: dict[str, list[tuple[Any, ...]]] = {}
    for row in _activity(job, bulk, list(contacts), skip_imported=False):
        history.setdefault(row[1], []).append(row)
    notes, tasks = _latest(job, bulk, "note", list(contacts)), _latest(job, bulk, "task", list(contacts))
    activity: list[tuple[Any, ...]] = []
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
        activity.extend(_restore(job, bulk, pk, cid, mine, uid, now, actor))
        out.restored += 1
    if activity:
        bulk.insert_rows(job, "activity", audit.ACTIVITY_COLUMNS, activity)
    return out, ids[-1]


def _restore(job: JobConn, bulk: ImportBulk, pk: int, cid: str, mine: list[tuple[Any, ...]], uid: str,
             now: str, actor: str | None) -> list[tuple[Any, ...]]:  # fmt: skip
    """Put back the values the job's audit rows name as old; returns the revert's audit rows."""
    sets: dict[str, Any] = {}
    untagged: set[str] = set()
    undone = []
    detail = _revert_detail(uid)
    for _, _, _, field_name, old_value, new_value, _, _ in reversed(mine):
        old = json.loads(old_value) if old_value is not None else None
        if field_name == "tags":
            before = {fold_key(name) for name in old or []}
            untagged |= {key for name in json.loads(new_value or "[]") if (key := fold_key(name)) not in before}
        elif field_name in COLUMN_OF:
            column = COLUMN_OF[field_name]
            sets[column] = int(bool(old)) if column in FLAG_COLUMNS else old
        else:
            continue
        undone.append(audit.encoded_row(cid, "updated", now, actor, field_name, new_value, old_value, detail))
    if sets or untagged:
        contact_store.update_columns(job.raw, cid, sets, now)
    if untagged:
        job.sa.execute(
            text(f"DELETE FROM contact_tag WHERE contact_pk = :pk AND tag_id IN "
                 f"(SELECT id FROM tag WHERE name_key {bulk.any_of('keys')})"),
            {"pk": pk, "keys": bulk.list_param(sorted(untagged))},
        )  # fmt: skip
    undone.reverse()
    return undone
