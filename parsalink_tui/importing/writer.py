"""Writing one batch of an import: contacts, tags, audit rows, row issues and the job's counters,
all in the caller's ``Database.write()`` transaction, so a batch is committed whole or not at all.

Accounts, tags and single-contact updates are written through :mod:`..contact_store` (the one
place contact rows are written); the many rows of a batch (contacts, audit rows, tag links, row
issues) go in through the database's :class:`.bulk.ImportBulk` (SQLite: multi-row INSERTs and
the search indexes fed once per batch; PostgreSQL: the identity sequence and ``COPY``).

Duplicates. Emails are unique case-insensitively (``email_key``). A row whose email belongs to a
contact already in the database — including one this job created from an earlier row — or to an
earlier row of the same batch is a duplicate: ``{row, email, existingId}``, neither a success
nor an error. Checked inside the transaction, so a contact added meanwhile (TUI, another job)
is seen; a contact the database still refuses (its unique ``email_key``) is a duplicate too. Because every earlier row is either committed or in this batch, in-file duplicates
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
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from .. import audit, contact_store
from ..contact_store import EMAIL_KEY_AT, NameIds
from ..ids import new_ids
from ..search_sqlite import short_grams_json
from ..timeutil import now_store
from .batch import Batch, LostJob, Stopped  # noqa: F401  (re-exported: runner, revert)
from .bulk import ImportBulk, JobConn
from .rows import CleanRow

_ADVANCE_JOB = (
    "UPDATE import_job SET processed_rows = processed_rows + :records, success_count = success_count + :created, "
    "error_count = error_count + :errors, duplicate_count = duplicate_count + :duplicates, last_row = :last_row, "
    "heartbeat_at = :now WHERE uid = :uid AND worker = :me AND status = 'processing'"
)
_ISSUE_COLUMNS = ("job_uid", "row", "kind", "message", "email", "existing_id", "raw")
_LINK_COLUMNS = ("contact_pk", "tag_id", "position")
# Columns an update-mode duplicate may fill when the contact has them empty.
_FILLABLE = ("first_name", "last_name", "phone", "title", "account_id", "assigned_to", "notes")
_EXISTING_NAMES = ("pk", "id", "email_key", "email_opt_out", "email_bounced", *_FILLABLE)
_POSITIONS = range(1 << 30)  # a tag's position in its row's list (zip stops at the shorter)


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

    def __init__(self, bulk: ImportBulk, *, job_uid: str, worker: str, filename: str, source_uid: str | None,
                 on_duplicate: str, actor: str | None = None) -> None:  # fmt: skip
        self.bulk = bulk
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
    def write(self, job: JobConn, batch: Batch) -> BatchResult:
        """Write ``batch`` inside the caller's transaction; raises LostJob if the job moved."""
        now = now_store()
        raw, bulk = job.raw, self.bulk
        if self.source_uid and contact_store.run(
            raw, "SELECT 1 FROM source WHERE uid = :uid", {"uid": self.source_uid}
        ).fetchone() is None:  # fmt: skip
            self.source_uid = None  # deleted meanwhile: stamp nothing, as ON DELETE SET NULL did for the rest
        existing = self._existing(job, {row.key for row in batch.rows})
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

        contacts: list[tuple[Any, ...]] = []
        grams: list[str] = []
        imported: list[tuple[Any, ...]] = []  # the "imported" audit rows
        links: list[tuple[int, int, int]] = []
        ids, encoded, actor = self._ids, audit.encoded_row, self.actor
        # Explicit pks: the tag links (and SQLite's search rows) need them.
        for pk, (key, row) in zip(bulk.new_pks(job, len(pending)) if pending else (), pending.items(), strict=True):
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
            inserted = bulk.insert_contacts(job, contacts, grams)
            if len(inserted) < len(contacts):  # emails another writer took meanwhile: duplicates of theirs
                contacts, imported, links = self._refused(job, contacts, imported, links, inserted, pending,
                                                          id_of, duplicates)  # fmt: skip
            bulk.insert_rows(job, "activity", audit.ACTIVITY_COLUMNS, imported)
        duplicates.extend((row, id_of[key]) for row, key in repeats)
        if links:
            bulk.insert_rows(job, "contact_tag", _LINK_COLUMNS, links)
        if merges:
            bulk.insert_rows(job, "activity", audit.ACTIVITY_COLUMNS, self._merge_existing(raw, merges, existing, now))
        issues = [
            (self.job_uid, row, "error", message, None, None, json.dumps(cells, ensure_ascii=False))
            for row, message, cells in batch.errors
        ]
        issues.extend(
            (self.job_uid, row.row, "duplicate", None, row.email, existing_id, None) for row, existing_id in duplicates
        )
        bulk.insert_rows(job, "import_issue", _ISSUE_COLUMNS, issues)
        moved = contact_store.run(raw, _ADVANCE_JOB, {
            "records": batch.records, "created": len(contacts), "errors": len(batch.errors),
            "duplicates": len(duplicates), "last_row": batch.last_row, "now": now, "uid": self.job_uid,
            "me": self.worker,
        }).rowcount  # fmt: skip
        if moved != 1:
            raise LostJob(self.job_uid)
        return BatchResult(len(contacts), len(batch.errors), len(duplicates))

    def _refused(self, job: JobConn, contacts: list[tuple[Any, ...]], imported: list[tuple[Any, ...]],
                 links: list[tuple[int, int, int]], inserted: set[int], pending: dict[str, CleanRow],
                 id_of: dict[str, str], duplicates: list[tuple[CleanRow, str]],
                 ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[int, int, int]]]:  # fmt: skip
        """The contacts the database left out (their email key was taken after ``_existing``
        looked): each becomes a duplicate of the contact holding it, as do later rows of this
        batch with that email; returns the contacts, audit rows and links that did go in."""
        refused = [contact for contact in contacts if contact[0] not in inserted]
        holders = self._existing(job, {contact[EMAIL_KEY_AT] for contact in refused})
        for contact in refused:
            key = contact[EMAIL_KEY_AT]
            id_of[key] = holders[key]["id"]
            duplicates.append((pending[key], id_of[key]))
        kept = [n for n, contact in enumerate(contacts) if contact[0] in inserted]
        return ([contacts[n] for n in kept], [imported[n] for n in kept],
                [link for link in links if link[0] in inserted])  # fmt: skip

    def _existing(self, job: JobConn, keys: set[str]) -> dict[str, dict[str, Any]]:
        """Contacts already holding these email keys: key → row (id and the fillable columns),
        one lookup in the email index per key, whatever the planner's statistics say."""
        found: dict[str, dict[str, Any]] = {}
        for values in self.bulk.existing(job, list(keys), _EXISTING_NAMES):
            record = dict(zip(_EXISTING_NAMES, values, strict=True))
            found[record["email_key"]] = record
        return found

    def _merge_existing(
        self,
        raw: Any,
        merges: list[tuple[CleanRow, str]],
        existing: dict[str, dict[str, Any]],
        now: str,
    ) -> list[tuple[Any, ...]]:
        """Fill empty fields and add tags of update-mode duplicates; returns their audit rows."""
        by_id = {record["id"]: record for record in existing.values()}
        current = {cid: dict(by_id[cid]) for _, cid in merges}
        changed: dict[str, dict[str, Any]] = {}
        rows: list[tuple[Any, ...]] = []
        tag_rows = contact_store.run(
            raw,
            f"SELECT c.id, t.name, ct.position FROM contact c JOIN contact_tag ct ON ct.contact_pk = c.pk "
            f"JOIN tag t ON t.id = ct.tag_id "
            f"WHERE c.id IN ({', '.join(f':c{n}' for n in range(len(current)))}) ORDER BY c.id, ct.position",
            {f"c{n}": cid for n, cid in enumerate(current)},
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

