"""``Service``: the core's one entry point for the CLI and the TUI.

Made once at start-up around an open :class:`~parsalink_tui.db.Database`; each method runs in
its own transaction (writes take the lock up front with ``BEGIN IMMEDIATE``), so a change and
its audit rows commit together or not at all. Methods return the API's JSON shapes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from . import audit, contacts, directory, listing, notes_tasks
from .config import default_region
from .db import Database, open_database
from .errors import ImportRefused
from .validation import check_region


class Service:
    """Contact, note, task, user, account and source operations on one database."""

    def __init__(self, db: Database, *, region: str | None = None) -> None:
        self.db = db
        self.region = region or default_region()

    @classmethod
    def open(cls, path: Any = None, *, region: str | None = None) -> Service:
        return cls(open_database(path), region=region)

    def watch_changes(self) -> Any:
        """A :class:`~parsalink_tui.db.ChangeWatcher`: ``changed()`` is true after any commit."""
        from .db import ChangeWatcher

        return ChangeWatcher(self.db.path)

    def close(self) -> None:
        from .importing.runner import stop_worker

        stop_worker(self.db)
        self.db.close()

    # contacts -----------------------------------------------------------------
    def list_contacts(self, **params: Any) -> dict[str, Any]:
        with self.db.read() as conn:
            return listing.list_contacts(conn, **params)

    def stage_counts(self, **filters: Any) -> dict[str, int]:
        with self.db.read() as conn:
            return listing.stage_counts(conn, **filters)

    # Versions: every contact has a version stamp that each write changes (the ETag of the HTTP
    # API, ``--if-match`` of the CLI). It is not part of the reference's JSON shapes, so methods
    # return it beside the contact only when asked (``with_version=True`` → ``(contact, version)``),
    # read in the same transaction as the contact.
    def get_contact(self, contact_id: str, *, with_version: bool = False) -> Any:
        with self.db.read() as conn:
            contact = contacts.get_contact(conn, contact_id)
            return (contact, contacts.get_version(conn, contact_id)) if with_version else contact

    def create_contact(self, data: Mapping[str, Any], *, with_version: bool = False) -> Any:
        with self.db.write() as conn:
            contact = contacts.create_contact(conn, data, region=self.region)
            return (contact, contacts.get_version(conn, contact["id"])) if with_version else contact

    def update_contact(
        self,
        contact_id: str,
        data: Mapping[str, Any],
        *,
        if_version: int | None = None,
        expected: Mapping[str, Any] | None = None,
        with_version: bool = False,
    ) -> Any:
        """PATCH ``data``. ``if_version``: refuse (ConflictError) unless the contact is still at
        that version. ``expected``: field → value the caller saw, checked for each field in
        ``data`` (a per-field precondition: fields changed only elsewhere are kept)."""
        with self.db.write() as conn:
            contact = contacts.update_contact(
                conn, contact_id, data, region=self.region, if_version=if_version, expected=expected
            )
            return (contact, contacts.get_version(conn, contact_id)) if with_version else contact

    def delete_contact(self, contact_id: str) -> dict[str, Any]:
        """Deletes; returns a snapshot for :meth:`restore_contact` (undo)."""
        with self.db.write() as conn:
            return contacts.delete_contact(conn, contact_id)

    def restore_contact(self, snapshot: Mapping[str, Any]) -> dict[str, Any]:
        with self.db.write() as conn:
            return contacts.restore_contact(conn, snapshot)

    def set_stage(self, contact_ids: Iterable[str], stage: str) -> dict[str, str]:
        """Move contacts to ``stage`` in one transaction; returns their previous stages."""
        with self.db.write() as conn:
            return contacts.set_stages(conn, {cid: stage for cid in contact_ids})

    def set_stages(self, stages: Mapping[str, str]) -> dict[str, str]:
        with self.db.write() as conn:
            return contacts.set_stages(conn, stages)

    def list_activity(self, contact_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return audit.list_activity(conn, contact_id)

    # notes and tasks ----------------------------------------------------------
    def add_note(self, contact_id: str, body: str) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.add_note(conn, contact_id, body)

    def list_notes(self, contact_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return notes_tasks.list_notes(conn, contact_id)

    def update_note(self, note_id: str, body: str) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.update_note(conn, note_id, body)

    def delete_note(self, note_id: str) -> None:
        with self.db.write() as conn:
            notes_tasks.delete_note(conn, note_id)

    def add_task(self, contact_id: str, title: str, due: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.add_task(conn, contact_id, title, due)

    def list_tasks(self, contact_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return notes_tasks.list_tasks(conn, contact_id)

    def update_task(self, task_id: str, *, title: str | None = None, due: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.update_task(conn, task_id, title=title, due=due)

    def set_task_done(self, task_id: str, done: bool = True) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.set_task_done(conn, task_id, done)

    def delete_task(self, task_id: str) -> None:
        with self.db.write() as conn:
            notes_tasks.delete_task(conn, task_id)

    # users, accounts, sources -------------------------------------------------
    def add_user(self, name: str, email: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return directory.add_user(conn, name, email)

    def list_users(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return directory.list_users(conn)

    def add_account(self, name: str) -> dict[str, Any]:
        with self.db.write() as conn:
            return directory.add_account(conn, name)

    def list_accounts(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return directory.list_accounts(conn)

    def add_source(self, name: str) -> dict[str, Any]:
        with self.db.write() as conn:
            return directory.add_source(conn, name)

    def list_sources(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return directory.list_sources(conn)

    # imports ------------------------------------------------------------------
    # Async CSV import (reference: "Async CSV import"); the job design is in
    # importing/runner.py and importing/jobs.py. Jobs run in a worker thread of this process
    # (run=True, and resume_imports) or in a detached worker process the CLI starts.
    def start_import(
        self,
        path: str | os.PathLike[str],
        source_uid: str | None = None,
        field_mappings: Mapping[str, str | None] | str | None = None,
        on_duplicate: str = "skip",
        run: bool = True,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Queue an import of the CSV at ``path``; returns ``{uid, status: "queued", filename}``.

        Refused with ImportRefused (no job is created) for a file that is not a regular
        ``.csv`` file of 1 byte to 10 MB, without a header row, contacts or an email column;
        for bad ``field_mappings`` (header → field or null); an unknown
        ``source_uid``; a ``region`` phonenumbers does not know (the country of numbers written
        without "+"; default: the app's region); ``on_duplicate`` other than "skip" or "update" (see
        importing/writer.py for what "update" fills in). ``run`` starts this process's worker
        thread; poll :meth:`get_import_job` to follow it. Bytes that are not text (a PNG or
        workbook renamed ``.csv``, NUL bytes) are queued, and the job fails with the reason.
        """
        from .importing import jobs

        region = self._import_region(region)
        filename, data = jobs.read_upload(path)
        upload = jobs.inspect_upload(filename, data, field_mappings, accept_binary=True)
        with self.db.write() as conn:
            body = jobs.create_job(conn, upload, source_uid=source_uid, on_duplicate=on_duplicate, region=region)
        if run:
            self.resume_imports()
        return body

    def preview_import(
        self, path: str | os.PathLike[str], field_mappings: Mapping[str, str | None] | str | None = None, rows: int = 5,
        region: str | None = None,
    ) -> dict[str, Any]:
        """The detected mapping and the first ``rows`` records as they would import (nothing is written)."""
        from .importing import jobs

        region = self._import_region(region)
        with self.db.read() as conn:
            return jobs.preview(conn, path, field_mappings, rows=rows, region=region)

    def _import_region(self, region: str | None) -> str:
        """An import's phone region: ``region`` checked (ImportRefused naming it), else the app's."""
        if region is None:
            return self.region
        try:
            return check_region(region)
        except ValueError as exc:
            raise ImportRefused(f"region: {exc}") from None

    def get_import_job(self, uid: str, *, with_issues: bool = True) -> dict[str, Any]:
        """The job in the reference's shape; ``with_issues=False`` omits errors/duplicates (cheap polls)."""
        from .importing import jobs

        with self.db.read() as conn:
            return jobs.get_job(conn, uid, with_issues=with_issues)

    def list_import_jobs(self, *, with_issues: bool = True) -> list[dict[str, Any]]:
        """The last 50 jobs, most recent first; ``with_issues=False`` omits errors/duplicates."""
        from .importing import jobs

        with self.db.read() as conn:
            return jobs.list_jobs(conn, with_issues=with_issues)

    def import_error_rows(self, uid: str) -> tuple[list[str], list[tuple[int, str, list[str]]]]:
        """(header cells, [(row, message, original cells)]) of the job's failed rows."""
        from .importing import jobs

        with self.db.read() as conn:
            return jobs.error_rows(conn, uid)

    def import_errors_csv(self, uid: str) -> bytes:
        """The failed rows as a CSV file (error column first, formula-safe, UTF-8 with BOM)."""
        from .importing.errors_csv import error_csv_bytes

        return error_csv_bytes(*self.import_error_rows(uid))

    def resume_imports(self) -> None:
        """Start (or wake) this process's worker thread: runs queued jobs and resumes jobs whose
        worker died. The TUI calls it at start-up; start_import(run=True) calls it."""
        from .importing.runner import ensure_worker

        ensure_worker(self.db)

    def work_imports(self) -> int:
        """Run jobs in the calling thread until none is claimable; returns how many ran."""
        from .importing.runner import work

        return work(self.db)
