"""Writing one batch of an import: contacts, tags, audit rows, row issues and the job's counters,
all in the caller's ``Database.write()`` transaction, so a batch is committed whole or not at all.

Contacts, accounts, tags and their links are written through :mod:`..contact_store` (the one
place contact rows are written), audit rows through :mod:`..audit`; rows go in as multi-row
``INSERT … VALUES (…), (…)`` statements (:mod:`..sqlite_bulk`). The search indexes get the batch in one statement each: the
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
from itertools import repeat
from typing import Any

from .. import audit, contact_store
from ..contact_store import NameIds
from ..ids import new_ids
from ..migrations import fts_values_sql
from ..search_sqlite import short_grams_json
from ..sqlite_bulk import insert_rows
from ..timeutil import now_store
from .rows import CleanRow
from .search_merge import automerge_off

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
_POSITIONS = range(1 << 30)  # a tag's position in its row's list (zip stops at the shorter)


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
        self._ids = NameIds()
        # '{"importJob": "<uid>", "filename": "<name>", "row": ' + n + '}', built once.
        self._detail_prefix = json.dumps({"importJob": job_uid, "filename": filename, "row": 0})[:-2]

    def forget_ids(self) -> None:
        """Drop cached ids (after a rolled-back batch, they may name rows that do not exist)."""
        self._ids.forget()

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
        imported: list[tuple[Any, ...]] = []  # the "imported" audit rows
        links: list[tuple[int, int, int]] = []
        ids, encoded, actor = self._ids, audit.encoded_row, self.actor
        # Explicit pks: the tag links and the search rows need them.
        pk = contact_store.next_contact_pk(raw) - 1
        for key, row in pending.items():
            pk += 1
            account = ids.account(raw, row.account_name, now) if row.account_name else None
            contacts.append((  # in contact_store.CONTACT_COLUMNS order
                pk, id_of[key], row.first_name, row.last_name, row.email, row.key, row.phone,
                row.title, row.stage, account, row.assigned_to, row.notes, row.email_opt_out,
                row.email_bounced, self.source_uid, self.job_uid, now, now,
            ))  # fmt: skip
            grams.append(row.grams)
            imported.append(encoded(id_of[key], "imported", now, actor, detail_json=f"{self._detail_prefix}{row.row}}}"))
            if row.tags:
                links.extend(zip(repeat(pk), ids.tags(raw, row.tags), _POSITIONS))
        if contacts:
            parked = (contacts[0][0], contacts[-1][0])
            raw.execute(_PARK_RANGE, parked)
            contact_store.insert_contacts(raw, contacts)
            with automerge_off(raw):  # merged after the job (search_merge)
                raw.execute(_TRIGRAM_RANGE, parked)
                raw.execute(_SHORT_RANGE, (parked[0], "[" + ",".join(grams) + "]"))
            raw.execute(_UNPARK_RANGE, parked)
            audit.insert_activity(raw, imported)
        if links:
            contact_store.link_tags(raw, links)
        if merges:
            audit.insert_activity(raw, self._merge_existing(raw, merges, existing, now))
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
        rows: list[tuple[Any, ...]] = []
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
                "account_id": self._ids.account(raw, row.account_name, now) if row.account_name else None,
            }  # fmt: skip
            for column, value in values.items():
                if value is not None and not record[column]:
                    rows.append(audit.change_row(cid, column, record[column], value, now, detail_json=detail,
                                                 actor=self.actor))  # fmt: skip
                    record[column] = value
                    changed.setdefault(cid, {})[column] = value
            for column, value in (("email_opt_out", row.email_opt_out), ("email_bounced", row.email_bounced)):
                if value and not record[column]:
                    rows.append(audit.change_row(cid, column, False, True, now, detail_json=detail, actor=self.actor))
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
            contact_store.update_columns(raw, cid, columns, now)
        links: list[tuple[int, int, int]] = []
        for cid, names in added.items():
            if not names:
                continue
            start = next_position[cid]
            contact_pk = current[cid]["pk"]
            links.extend((contact_pk, self._ids.tag(raw, name), start + offset) for offset, name in enumerate(names))
            if cid not in changed:
                contact_store.update_columns(raw, cid, {}, now)
            rows.append(audit.activity_row(cid, "updated", now, field="tags", old=old_tags[cid], new=tags[cid],
                                           detail_json=tag_detail[cid], actor=self.actor))  # fmt: skip
        if links:
            contact_store.link_tags(raw, links)
        return rows


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

