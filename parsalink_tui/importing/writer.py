"""Writing one batch of an import: contacts, tags, audit rows, row issues and the job's counters,
all in the caller's ``Database.write()`` transaction, so a batch is committed whole or not at all.

This is the SQLite fast path the architecture keeps in one module (a server backend would
replace it with Core inserts). Rows go in as multi-row ``INSERT … VALUES (…), (…)`` statements of
up to SQLite's variable limit (~7x cheaper per row than ``executemany``, which steps and
re-binds one row at a time). The search indexes get the batch in one statement each: the
batch's pk range is parked in ``search_bulk`` while its contacts go in, so the insert triggers
skip them (SQLite 3.40's FTS5 flushes its pending data at the end of every statement that
writes to it: a statement per 500 contacts would write a search segment per statement); the
trigram index is fed from the new rows with the triggers' own expression
(``migrations.fts_values_sql``), the short-term index with the words the validation process
made (``search_sqlite.short_grams_json``: the same words its trigger's SQL makes, already
encoded as JSON strings).

Duplicates. Emails are unique case-insensitively (``email_key``). A row whose email belongs to a
contact already in the database — including one this job created from an earlier row — or to an
earlier row of the same batch is a duplicate: ``{row, email, existingId}``, neither a success
nor an error. Checked inside the transaction, so a contact added meanwhile (TUI, another job)
is seen. Because every earlier row is either committed or in this batch, in-file duplicates
need no memory of their own and survive a resume unchanged.

``on_duplicate="update"``: the duplicate row is merged into the existing contact instead of
being dropped — empty fields (first/last name, phone, title, account, assignee, notes) are
filled, the opt-out and bounced flags are set when the row says so (never cleared), and the
row's tags are added after the contact's own. Nothing already filled is overwritten and the
stage is never changed (a contact always has one). The row is still listed in ``duplicates``
(that is what happened to it); each changed field gets an "updated" audit row naming the job.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from typing import Any

from ..ids import new_id, new_ids
from ..migrations import fts_values_sql
from ..search_sqlite import short_grams_json
from ..timeutil import now_store
from ..validation import fold_key
from .rows import CleanRow
from .search_merge import automerge_off

_CONTACT_COLUMNS = (
    "pk", "id", "first_name", "last_name", "email", "email_key", "phone", "title", "stage",
    "account_id", "assigned_to", "notes", "email_opt_out", "email_bounced", "source_uid",
    "import_job_uid", "created_at", "updated_at",
)  # fmt: skip
_COLS = ", ".join(_CONTACT_COLUMNS)
_INSERT_CONTACTS = f"contact ({_COLS})"
# Contacts go in with multi-row VALUES while their pk range is parked in search_bulk (see
# migrations.NOT_PARKED), so the search triggers skip them; then one statement per index adds
# the batch: SQLite 3.40's FTS5 flushes its pending data at the end of every statement that
# writes to it, so a statement per 500 contacts would write a search segment per statement.
_PARK_RANGE = "INSERT INTO search_bulk (lo, hi) VALUES (?, ?)"
_UNPARK_RANGE = "DELETE FROM search_bulk WHERE lo = ? AND hi = ?"
_TRIGRAM_RANGE = (
    f"INSERT INTO contact_fts (rowid, name, email, phone) SELECT c.pk, {fts_values_sql('c')} "
    "FROM contact c WHERE c.pk BETWEEN ? AND ?"
)
# The short-term words of the batch's contacts, pks lo, lo+1, …: a JSON array in pk order,
# joined from the rows' JSON string literals (CleanRow.grams).
_SHORT_RANGE = "INSERT INTO contact_short (rowid, g) SELECT ?1 + key, value FROM json_each(?2)"
_ACTIVITY_ROWS = "activity (contact_id, action, detail, created_at, actor)"
_INSERT_ACTIVITY = (
    "INSERT INTO activity (contact_id, action, field, old_value, new_value, detail, created_at, actor) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_ADVANCE_JOB = (
    "UPDATE import_job SET processed_rows = processed_rows + ?, success_count = success_count + ?, "
    "error_count = error_count + ?, duplicate_count = duplicate_count + ?, last_row = ?, "
    "heartbeat_at = ? WHERE uid = ? AND worker = ? AND status = 'processing'"
)
# Columns an update-mode duplicate may fill when the contact has them empty.
_FILLABLE = ("first_name", "last_name", "phone", "title", "account_id", "assigned_to", "notes")
_EXISTING_NAMES = ("pk", "id", "email_key", "email_opt_out", "email_bounced", *_FILLABLE)
_EXISTING = (
    f"SELECT {', '.join('c.' + name for name in _EXISTING_NAMES)} "
    "FROM json_each(?) AS k CROSS JOIN contact AS c ON c.email_key = k.value"
)
_FIELD_OF = {
    "first_name": "firstName", "last_name": "lastName", "phone": "phone", "title": "title",
    "account_id": "accountId", "assigned_to": "assignedTo", "notes": "notes",
    "email_opt_out": "emailOptOut", "email_bounced": "emailBounced",
}  # fmt: skip
_TAG_LISTS_LIMIT = 10_000  # distinct tag lists cached per job; a hostile file cannot grow it without bound
_POSITIONS = range(1 << 30)  # a tag's position in its row's list (zip stops at the shorter)
ROWS_PER_STATEMENT = 500


class LostJob(Exception):
    """The job is no longer ours (another worker took it over as stale): nothing was written."""


class Stopped(Exception):
    """The worker was asked to stop; the job is released for the next worker."""


@dataclass
class Batch:
    """What one transaction writes: validated rows, row errors, and how far the file got."""

    rows: list[CleanRow] = field(default_factory=list)
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)  # row, message, cells
    records: int = 0  # records consumed (each is a success, an error or a duplicate)
    last_row: int = 0  # spreadsheet row number of the last record consumed


@dataclass
class BatchResult:
    created: int
    errors: int
    duplicates: int


class BatchWriter:
    """Writes the batches of one job; caches account and tag ids between them.

    The caches hold ids committed by earlier batches of this job (or found in the database),
    so a batch only asks the database about names it has not seen yet.
    """

    def __init__(self, *, job_uid: str, worker: str, filename: str, source_uid: str | None,
                 on_duplicate: str, actor: str | None = None) -> None:  # fmt: skip
        self.job_uid = job_uid
        self.actor = actor  # who started the job (e.g. "token:tok_…"), stamped on its audit rows
        self.worker = worker
        self.source_uid = source_uid
        self.update = on_duplicate == "update"
        self._accounts: dict[str, str] = {}
        self._tags: dict[str, int] = {}
        self._tag_lists: dict[tuple[str, ...], list[int]] = {}  # a row's tags → their ids, in order
        # '{"importJob": "<uid>", "filename": "<name>", "row": ' + n + '}', built once.
        self._detail_prefix = json.dumps({"importJob": job_uid, "filename": filename, "row": 0})[:-2]

    # -- ids for names --------------------------------------------------------------------------
    def _account_id(self, raw: sqlite3.Connection, name: str, now: str) -> str:
        found = self._accounts.get(name)
        if found is None:
            key = fold_key(name)
            raw.execute("INSERT INTO account (id, name, name_key, created_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (name_key) DO NOTHING", (new_id("acc"), name, key, now))
            found = raw.execute("SELECT id FROM account WHERE name_key = ?", (key,)).fetchone()[0]
            self._accounts[name] = found
        return found

    def _tag_id(self, raw: sqlite3.Connection, name: str) -> int:
        found = self._tags.get(name)
        if found is None:
            key = fold_key(name)
            raw.execute("INSERT INTO tag (name, name_key) VALUES (?, ?) ON CONFLICT (name_key) DO NOTHING", (name, key))
            found = raw.execute("SELECT id FROM tag WHERE name_key = ?", (key,)).fetchone()[0]
            self._tags[name] = found
        return found

    def _tag_ids(self, raw: sqlite3.Connection, names: list[str]) -> list[int]:
        """Ids of a row's tags; a file repeats few tag lists, so each is resolved once."""
        key = tuple(names)
        found = self._tag_lists.get(key)
        if found is None:
            if len(self._tag_lists) >= _TAG_LISTS_LIMIT:
                self._tag_lists.clear()
            found = self._tag_lists[key] = [self._tag_id(raw, name) for name in names]
        return found

    def forget_ids(self) -> None:
        """Drop cached ids (after a rolled-back batch, they may name rows that do not exist)."""
        self._accounts.clear()
        self._tags.clear()
        self._tag_lists.clear()

    # -- one batch ------------------------------------------------------------------------------
    def write(self, raw: sqlite3.Connection, batch: Batch) -> BatchResult:
        """Write ``batch`` inside the caller's transaction; raises LostJob if the job moved."""
        now = now_store()
        if self.source_uid and raw.execute("SELECT 1 FROM source WHERE uid = ?", (self.source_uid,)).fetchone() is None:
            self.source_uid = None  # deleted meanwhile: stamp nothing, as ON DELETE SET NULL did for the rest
        existing = self._existing(raw, {row.key for row in batch.rows})
        pending: dict[str, CleanRow] = {}  # email key → the row that creates it, in file order
        duplicates: list[tuple[CleanRow, str]] = []
        repeats: list[tuple[CleanRow, str]] = []  # (row, key of an earlier row in this batch)
        merges: list[tuple[CleanRow, str]] = []
        for row in batch.rows:
            hit = existing.get(row.key)
            if hit is not None:
                duplicates.append((row, hit["id"]))
                if self.update:
                    merges.append((row, hit["id"]))
            elif row.key in pending:
                repeats.append((row, row.key))
                if self.update:
                    _merge_pending(pending[row.key], row)
            else:
                pending[row.key] = row
        id_of = dict(zip(pending, new_ids("cnt", len(pending)), strict=True))
        duplicates.extend((row, id_of[key]) for row, key in repeats)

        contacts: list[tuple[Any, ...]] = []
        grams: list[str] = []
        imported: list[tuple[str, str, str, str, str | None]] = []  # the "imported" audit rows
        links: list[tuple[int, int, int]] = []
        # Explicit pks (we hold the write lock, so max(pk) cannot move): the tag links need them.
        pk = raw.execute("SELECT coalesce(max(pk), 0) FROM contact").fetchone()[0]
        for key, row in pending.items():
            pk += 1
            account = self._account_id(raw, row.account_name, now) if row.account_name else None
            contacts.append((
                pk, id_of[key], row.first_name, row.last_name, row.email, row.key, row.phone,
                row.title, row.stage, account, row.assigned_to, row.notes, row.email_opt_out,
                row.email_bounced, self.source_uid, self.job_uid, now, now,
            ))  # fmt: skip
            grams.append(row.grams)
            imported.append((id_of[key], "imported", f"{self._detail_prefix}{row.row}}}", now, self.actor))
            if row.tags:
                links.extend(zip(repeat(pk), self._tag_ids(raw, row.tags), _POSITIONS))
        if contacts:
            parked = (contacts[0][0], contacts[-1][0])
            raw.execute(_PARK_RANGE, parked)
            insert_rows(raw, _INSERT_CONTACTS, contacts)
            with automerge_off(raw):  # merged after the job (search_merge)
                raw.execute(_TRIGRAM_RANGE, parked)
                raw.execute(_SHORT_RANGE, (parked[0], "[" + ",".join(grams) + "]"))
            raw.execute(_UNPARK_RANGE, parked)
            insert_rows(raw, _ACTIVITY_ROWS, imported)
        if links:
            insert_rows(raw, "contact_tag (contact_pk, tag_id, position)", links)
        if merges:
            audit = self._merge_existing(raw, merges, existing, now)
            if audit:
                raw.executemany(_INSERT_ACTIVITY, audit)
        issues = [
            (self.job_uid, row, "error", message, None, None, json.dumps(cells, ensure_ascii=False))
            for row, message, cells in batch.errors
        ]
        issues.extend(
            (self.job_uid, row.row, "duplicate", None, row.email, existing_id, None) for row, existing_id in duplicates
        )
        if issues:
            insert_rows(raw, "import_issue (job_uid, row, kind, message, email, existing_id, raw)", issues)
        moved = raw.execute(_ADVANCE_JOB, (
            batch.records, len(contacts), len(batch.errors), len(duplicates), batch.last_row, now,
            self.job_uid, self.worker,
        )).rowcount  # fmt: skip
        if moved != 1:
            raise LostJob(self.job_uid)
        return BatchResult(len(contacts), len(batch.errors), len(duplicates))

    def _existing(self, raw: sqlite3.Connection, keys: set[str]) -> dict[str, dict[str, Any]]:
        """Contacts already holding these email keys: key → row (id and the fillable columns).

        One lookup in the email index per key, whatever the planner's statistics say: the keys
        drive the join (CROSS JOIN fixes the order). ``WHERE email_key IN (…)`` let a database
        analysed while small (the demo's 500 contacts) scan the whole table for every batch
        instead — 1.2 s of a 10 MB import at 64k contacts, and worse as the table grows.
        """
        found: dict[str, dict[str, Any]] = {}
        for values in raw.execute(_EXISTING, (json.dumps(list(keys), ensure_ascii=False),)):
            record = dict(zip(_EXISTING_NAMES, values, strict=True))
            found[record["email_key"]] = record
        return found

    def _merge_existing(
        self,
        raw: sqlite3.Connection,
        merges: list[tuple[CleanRow, str]],
        existing: dict[str, dict[str, Any]],
        now: str,
    ) -> list[tuple[Any, ...]]:
        """Fill empty fields and add tags of update-mode duplicates; returns their audit rows."""
        by_id = {record["id"]: record for record in existing.values()}
        current = {cid: dict(by_id[cid]) for _, cid in merges}
        changed: dict[str, dict[str, Any]] = {}
        audit: list[tuple[Any, ...]] = []
        tag_rows = raw.execute(
            f"SELECT c.id, t.name, ct.position FROM contact c JOIN contact_tag ct ON ct.contact_pk = c.pk "
            f"JOIN tag t ON t.id = ct.tag_id "
            f"WHERE c.id IN ({', '.join('?' * len(current))}) ORDER BY c.id, ct.position",
            list(current),
        ).fetchall()
        tags: dict[str, list[str]] = {cid: [] for cid in current}
        next_position: dict[str, int] = dict.fromkeys(current, 0)
        for cid, name, position in tag_rows:
            tags[cid].append(name)
            next_position[cid] = max(next_position[cid], position + 1)
        old_tags = {cid: list(names) for cid, names in tags.items()}
        added: dict[str, list[str]] = {cid: [] for cid in current}
        tag_detail: dict[str, str] = {}
        for row, cid in merges:
            record = current[cid]
            detail = f"{self._detail_prefix}{row.row}}}"
            values = {
                "first_name": row.first_name, "last_name": row.last_name, "phone": row.phone,
                "title": row.title, "assigned_to": row.assigned_to, "notes": row.notes,
                "account_id": self._account_id(raw, row.account_name, now) if row.account_name else None,
            }  # fmt: skip
            for column, value in values.items():
                if value is not None and not record[column]:
                    audit.append(_audit(cid, column, record[column], value, detail, now, self.actor))
                    record[column] = value
                    changed.setdefault(cid, {})[column] = value
            for column, value in (("email_opt_out", row.email_opt_out), ("email_bounced", row.email_bounced)):
                if value and not record[column]:
                    audit.append(_audit(cid, column, False, True, detail, now, self.actor))
                    record[column] = 1
                    changed.setdefault(cid, {})[column] = 1
            have = {name.casefold() for name in tags[cid]}
            for tag in row.tags:
                if tag.casefold() not in have:
                    have.add(tag.casefold())
                    tags[cid].append(tag)
                    added[cid].append(tag)
                    tag_detail[cid] = detail
        for cid, columns in changed.items():
            sets = ", ".join(f"{column} = ?" for column in columns)
            raw.execute(f"UPDATE contact SET {sets}, updated_at = ? WHERE id = ?", [*columns.values(), now, cid])
        links: list[tuple[int, int, int]] = []
        for cid, names in added.items():
            if not names:
                continue
            start = next_position[cid]
            contact_pk = current[cid]["pk"]
            links.extend((contact_pk, self._tag_id(raw, name), start + offset) for offset, name in enumerate(names))
            if cid not in changed:
                raw.execute("UPDATE contact SET updated_at = ? WHERE id = ?", (now, cid))
            audit.append(
                (
                    cid,
                    "updated",
                    "tags",
                    json.dumps(old_tags[cid], ensure_ascii=False),
                    json.dumps(tags[cid], ensure_ascii=False),
                    tag_detail[cid],
                    now,
                    self.actor,
                )
            )
        if links:
            insert_rows(raw, "contact_tag (contact_pk, tag_id, position)", links)
        return audit


def insert_rows(raw: sqlite3.Connection, target: str, rows: list[tuple[Any, ...]]) -> None:
    """``INSERT INTO target VALUES (…), (…), …``, up to ROWS_PER_STATEMENT rows a statement.

    Statements of few sizes repeat, so sqlite3's statement cache compiles each only once: one
    statement per batch would be compiled anew for every batch size (~40 ms for 5000 rows).
    The rows left after the full-size statements go in power-of-two sizes (256, 128, …, 1)
    rather than one statement of the exact remainder, whose size would differ in nearly every
    batch: each such statement was compiled anew and stayed in the cache (~0.8 MB each for the
    staging table's 19 columns, ~10-20 MB over a 10 MB import).
    """
    width = len(rows[0])
    per_statement = max(1, min(ROWS_PER_STATEMENT, _variable_limit(raw) // width))
    start, total = 0, len(rows)
    while start < total:
        size = min(per_statement, total - start)
        if size < per_statement:
            size = 1 << (size.bit_length() - 1)  # the largest power of two that fits
        chunk = rows[start : start + size]
        raw.execute(_values_sql(target, width, size), list(chain.from_iterable(chunk)))
        start += size


def _variable_limit(raw: sqlite3.Connection) -> int:
    try:
        return raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    except AttributeError:  # Python < 3.11 has no getlimit; SQLite's compiled default since 3.32
        return 32766


@lru_cache(maxsize=64)
def _values_sql(target: str, width: int, count: int) -> str:
    group = "(" + ", ".join("?" * width) + ")"
    return f"INSERT INTO {target} VALUES " + ", ".join([group] * count)


def _merge_pending(target: CleanRow, row: CleanRow) -> None:
    """Update mode, both rows in one batch: fold ``row`` into the contact ``target`` will create."""
    for name in ("first_name", "last_name", "phone", "title", "account_name", "assigned_to", "notes"):
        if getattr(target, name) is None and getattr(row, name) is not None:
            setattr(target, name, getattr(row, name))
    target.email_opt_out |= row.email_opt_out
    target.email_bounced |= row.email_bounced
    target.grams = short_grams_json(target.first_name, target.last_name, target.email, target.phone)
    have = {tag.casefold() for tag in target.tags}
    extra = [tag for tag in row.tags if tag.casefold() not in have]
    if extra:
        target.tags = [*target.tags, *extra]


def _audit(cid: str, column: str, old: Any, new: Any, detail: str, now: str, actor: str | None) -> tuple[Any, ...]:
    if column in ("email_opt_out", "email_bounced"):
        old, new = bool(old), bool(new)
    return (cid, "updated", _FIELD_OF[column], json.dumps(old, ensure_ascii=False),
            json.dumps(new, ensure_ascii=False), detail, now, actor)  # fmt: skip
