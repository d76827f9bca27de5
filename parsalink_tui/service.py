"""``Service``: the core's one entry point for the CLI and the TUI.

Made once at start-up around an open :class:`~parsalink_tui.db.Database`; each method runs in
its own transaction (writes take the lock up front with ``BEGIN IMMEDIATE``), so a change and
its audit rows commit together or not at all. Methods return the API's JSON shapes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any, BinaryIO

from . import audit, conditional, contacts, directory, listing, notes_tasks, tokens
from .config import default_region
from .backends import open_database
from .backends.base import Backend
from .errors import ImportRefused
from .validation import check_region


class Service:
    """Contact, note, task, user, account and source operations on one database."""

    def __init__(self, db: Backend, *, region: str | None = None) -> None:
        self.db = db
        self.region = region or default_region()
        self._token_uses = tokens.LastUsedRecorder(db)

    @classmethod
    def open(cls, path: Any = None, *, region: str | None = None) -> Service:
        return cls(open_database(path), region=region)

    def watch_changes(self) -> Any:
        """A :class:`~parsalink_tui.backends.base.ChangeWatcher`: ``changed()`` is true after any
        other connection's commit."""
        return self.db.watch_changes()

    def close(self) -> None:
        from .importing.revert_runner import stop_reverts
        from .importing.runner import stop_worker

        stop_worker(self.db)
        stop_reverts(self.db)
        self._token_uses.close()
        self.db.close()

    def as_actor(self, actor: str | None) -> Service:
        """This service, with every audit row its methods write stamped with ``actor``
        (e.g. "token:tok_…" for a request of the HTTP API); None is the local user."""
        return _Acting(self, actor) if actor else self

    # contacts -----------------------------------------------------------------
    def list_contacts(self, **params: Any) -> dict[str, Any]:
        with self.db.read() as conn:
            return listing.list_contacts(conn, **params)

    def contact_position(self, contact_id: str, **params: Any) -> int | None:
        """0-based place of a contact in the list ``params`` (filters, ``ordering``) make, or None."""
        with self.db.read() as conn:
            return listing.contact_position(conn, contact_id, **params)

    def stage_counts(self, **filters: Any) -> dict[str, int]:
        with self.db.read() as conn:
            return listing.stage_counts(conn, **filters)

    def export_contacts(self, out: BinaryIO, *, fmt: str = "csv", vcard_version: int = 4,
                        ordering: str | None = None, progress: Callable[[int, int], None] | None = None,
                        **filters: Any) -> int:  # fmt: skip
        """Write every contact the list filters match to ``out`` (csv, vcard or json), in one read
        snapshot, chunk by chunk; returns how many (see parsalink_tui/exporting)."""
        from .exporting import export_contacts

        with self.db.read() as conn:
            return export_contacts(conn, out, fmt=fmt, vcard_version=vcard_version, ordering=ordering,
                                   progress=progress, **filters)  # fmt: skip

    def export_to_file(self, path: str | os.PathLike[str], *, fmt: str | None = None, **options: Any) -> dict[str, Any]:
        """:meth:`export_contacts` into a new file (0600, never over one; removed if the export
        fails); ``fmt`` None takes it from the name's ending. Returns ``{path, format, count}``."""
        from .exporting import format_for, new_file

        fmt = fmt or format_for(path)
        with new_file(path) as out:
            count = self.export_contacts(out, fmt=fmt, **options)
        return {"path": str(path), "format": fmt, "count": count}

    def backup(self, destination: str | os.PathLike[str]) -> dict[str, Any]:
        """A consistent copy of the whole database at ``destination`` (see parsalink_tui/backup.py)."""
        return self.db.backup(destination)

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

    def update_contact_where(
        self, contact_id: str, data: Mapping[str, Any], expected: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """PATCH only the fields of ``data`` that still hold ``expected`` (undo/redo of an edit);
        returns ``(contact, skipped field → its value now)``."""
        with self.db.write() as conn:
            return conditional.update_where(conn, contact_id, data, expected, region=self.region)

    def delete_contact(
        self, contact_id: str, *, if_version: int | None = None, expected: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Deletes; returns a snapshot for :meth:`restore_contact` (undo). ``if_version`` /
        ``expected``: the version, or field → value, the contact must still have (else
        ConflictError, nothing deleted)."""
        with self.db.write() as conn:
            return contacts.delete_contact(conn, contact_id, if_version=if_version, expected=expected)

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

    def set_stages_where(
        self, stages: Mapping[str, str], expected: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, str | None]]:
        """Move each contact whose stage is still ``expected[id]`` (undo/redo of stage changes);
        returns ``(previous stages of those moved, skipped id → stage now or None if deleted)``."""
        with self.db.write() as conn:
            return conditional.set_stages_where(conn, stages, expected)

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

    # ``expected_text`` / ``expected``: what the caller saw of the note or task; a write whose
    # note or task changed since is refused with ItemConflictError.
    def update_note(self, note_id: str, body: str, *, expected_text: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.update_note(conn, note_id, body, expected_text=expected_text)

    def delete_note(self, note_id: str, *, expected_text: str | None = None) -> None:
        with self.db.write() as conn:
            notes_tasks.delete_note(conn, note_id, expected_text=expected_text)

    def add_task(self, contact_id: str, title: str, due: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.add_task(conn, contact_id, title, due)

    def list_tasks(self, contact_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return notes_tasks.list_tasks(conn, contact_id)

    def update_task(
        self, task_id: str, *, title: str | None = None, due: str | None = None,
        expected: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.update_task(conn, task_id, title=title, due=due, expected=expected)

    def set_task_done(self, task_id: str, done: bool = True, *, expected: Mapping[str, Any] | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            return notes_tasks.set_task_done(conn, task_id, done, expected=expected)

    def delete_task(self, task_id: str, *, expected: Mapping[str, Any] | None = None) -> None:
        with self.db.write() as conn:
            notes_tasks.delete_task(conn, task_id, expected=expected)

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

    # API tokens (parsalink_tui/tokens.py) -----------------------------------------
    def create_token(self, name: str) -> dict[str, Any]:
        """``{id, name, token, createdAt}``: the only time the secret is shown."""
        with self.db.write() as conn:
            return tokens.create_token(conn, name)

    def list_tokens(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return tokens.list_tokens(conn)

    def revoke_token(self, token_id: str) -> dict[str, Any]:
        with self.db.write() as conn:
            return tokens.revoke_token(conn, token_id)

    def authenticate_token(self, secret: str) -> str | None:
        """The id of the live token ``secret`` is, else None; notes its use (lastUsedAt, written
        at most once a minute by another thread: this call never waits for the write lock)."""
        with self.db.read() as conn:
            token_id = tokens.authenticate(conn, secret)
        if token_id is not None:
            self._token_uses.note(token_id)
        return token_id

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
        saved_mapping: bool = False,
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

        ``saved_mapping``: apply the mapping remembered for the file's header row (refused if
        there is none), ``field_mappings`` on top. The overrides the job uses, when there are
        any, are remembered for the next file with this header (importing/saved_mappings.py).
        """
        from .importing import jobs

        region = self._import_region(region)
        filename, data = jobs.read_upload(path)
        return self._queue_import(filename, data, source_uid, field_mappings, on_duplicate, run, None, saved_mapping,
                                  region)

    def start_import_bytes(
        self,
        data: bytes,
        filename: str,
        source_uid: str | None = None,
        field_mappings: Mapping[str, str | None] | str | None = None,
        on_duplicate: str = "skip",
        run: bool = True,
        max_rows: int | None = None,
        kinds: tuple[str, ...] | None = None,
        region: str | None = None,
    ) -> dict[str, Any]:
        """:meth:`start_import` for bytes received from a client (an HTTP upload). ``filename``
        is only a label (its last path component is stored; no path is ever built from it); its
        ending picks the reader as for a file (.csv, .vcf, .vcard). ``kinds`` narrows the kinds
        taken (e.g. ``("csv",)``): another ending is refused with ImportFileTypeRefused.
        ``max_rows``: refuse (ImportTooLarge, what="rows") a file with more records (CSV rows or
        vCards). Same refusals as :meth:`start_import` otherwise."""
        from .importing import jobs

        region = self._import_region(region)
        label = jobs.upload_label(filename)
        jobs.check_upload_bytes(label, data, kinds or jobs.KINDS)
        return self._queue_import(label, data, source_uid, field_mappings, on_duplicate, run, max_rows, False, region)

    def _queue_import(self, filename: str, data: bytes, source_uid: str | None, field_mappings: Any,
                      on_duplicate: str, run: bool, max_rows: int | None, saved_mapping: bool,
                      region: str) -> dict[str, Any]:  # fmt: skip
        from .importing import jobs, saved_mappings

        lookup = self._saved_lookup if saved_mapping else None
        upload = jobs.inspect_upload(filename, data, field_mappings, accept_binary=True, saved=lookup,
                                     saved_required=saved_mapping)  # fmt: skip
        if max_rows is not None:
            jobs.check_row_cap(upload, max_rows)
        chosen = jobs.settings_overrides(upload.overrides) if upload.source is not None else {}
        with self.db.write() as conn:
            body = jobs.create_job(conn, upload, source_uid=source_uid, on_duplicate=on_duplicate, region=region)
            if chosen and upload.source is not None:
                saved_mappings.save(conn, upload.source.header, chosen, filename)
        if run:
            self.resume_imports()
        return body

    def _saved_lookup(self, header: list[str]) -> dict[str, Any] | None:
        from .importing import saved_mappings

        with self.db.read() as conn:
            return saved_mappings.find(conn, header)

    def list_saved_mappings(self) -> list[dict[str, Any]]:
        """The remembered column mappings, most recently chosen first."""
        from .importing import saved_mappings

        with self.db.read() as conn:
            return saved_mappings.list_saved(conn)

    def forget_saved_mapping(self, mapping_id: int) -> None:
        from .importing import saved_mappings

        with self.db.write() as conn:
            saved_mappings.forget(conn, mapping_id)

    def preview_import(
        self, path: str | os.PathLike[str], field_mappings: Mapping[str, str | None] | str | None = None, rows: int = 5,
        saved_mapping: str = "off",
        region: str | None = None,
    ) -> dict[str, Any]:
        """The detected mapping and the first ``rows`` records as they would import (nothing is
        written). ``saved_mapping``: "off", "auto" or "required" (see ``jobs.preview``)."""
        from .importing import jobs

        region = self._import_region(region)
        with self.db.read() as conn:
            return jobs.preview(conn, path, field_mappings, rows=rows, region=region, saved_mapping=saved_mapping)

    def _import_region(self, region: str | None) -> str:
        """An import's phone region: ``region`` checked (ImportRefused naming it), else the app's."""
        if region is None:
            return self.region
        try:
            return check_region(region)
        except ValueError as exc:
            raise ImportRefused(f"region: {exc}") from None

    def get_import_job(self, uid: str, *, with_issues: bool = True, with_protected: bool = True) -> dict[str, Any]:
        """The job in the reference's shape; ``with_issues=False`` omits errors/duplicates (cheap polls);
        ``with_protected=False`` omits the revert's list of protected contacts (see revert_protected)."""
        from .importing import jobs

        with self.db.read() as conn:
            return jobs.get_job(conn, uid, with_issues=with_issues, with_protected=with_protected)

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

    def revert_import(self, uid: str, *, progress: Any = None, stop: Any = None) -> dict[str, Any]:
        """Undo the complete job ``uid`` in batches (see importing/revert.py): delete the contacts
        it created and put back what ``on_duplicate="update"`` filled, except on contacts changed
        since; returns the job with its ``revert`` extension. RevertRefused if it cannot be."""
        from .importing.revert import revert_job

        revert_job(self.db, uid, progress=progress, stop=stop)
        return self.get_import_job(uid)

    def start_revert(self, uid: str) -> dict[str, Any]:
        """:meth:`revert_import` in a background thread of this process (importing/revert_runner.py):
        the revert is claimed here (RevertRefused, NotFoundError when it cannot be) and the job is
        returned as it stands, without its protected list; poll :meth:`get_import_job`."""
        from .importing.revert_runner import start_revert

        start_revert(self.db, uid)
        return self.get_import_job(uid, with_protected=False)

    def resume_reverts(self) -> list[str]:
        """Start again, in background threads, the reverts whose run stopped (the process that
        ran them was stopped or killed); returns their job uids. ``serve`` calls it at start."""
        from .importing.revert_runner import resume_reverts

        return resume_reverts(self.db)

    def revert_protected(self, uid: str, page: Any = 1, limit: Any = listing.DEFAULT_LIMIT) -> dict[str, Any]:
        """One page ``{count, next, previous, results: [{id, email, reason}]}`` of the contacts the
        revert of ``uid`` left alone (changed after the import); NotFoundError if it never started."""
        from .importing.revert import protected_page

        with self.db.read() as conn:
            return protected_page(conn, uid, page, limit)

    def resume_imports(self) -> None:
        """Start (or wake) this process's worker thread: runs queued jobs and resumes jobs whose
        worker died. The TUI calls it at start-up; start_import(run=True) calls it."""
        from .importing.runner import ensure_worker

        ensure_worker(self.db)

    def work_imports(self) -> int:
        """Run jobs in the calling thread until none is claimable; returns how many ran."""
        from .importing.runner import work

        return work(self.db)


class _Acting(Service):
    """A view of a Service whose calls run with :func:`audit.acting_as` (see Service.as_actor)."""

    def __init__(self, base: Service, actor: str) -> None:  # noqa: D107 - shares the base's state
        self.__dict__.update(base.__dict__)
        self._actor = actor

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name.startswith("_") or not callable(value):
            return value
        actor = super().__getattribute__("_actor")

        def call(*args: Any, **kwargs: Any) -> Any:
            with audit.acting_as(actor):
                return value(*args, **kwargs)

        return call
