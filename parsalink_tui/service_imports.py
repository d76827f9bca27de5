"""The import-job part of :class:`~parsalink_tui.service.Service`: CSV and vCard imports as
background jobs, their remembered column mappings, previews, failed rows and reverts.

Async CSV import (reference: "Async CSV import"); the job design is in importing/runner.py and
importing/jobs.py. Jobs run in a worker thread of this process (run=True, and resume_imports)
or in a detached worker process the CLI starts. Each method runs in its own transaction, as
every ``Service`` method does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from . import listing
from .backends.base import Backend
from .errors import ImportRefused
from .validation import check_region


class ImportJobs:
    """``Service``'s import, saved-mapping and revert methods (``Service`` inherits them)."""

    db: Backend
    region: str

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
            body = jobs.create_job(conn, upload, self.db.import_bulk(), source_uid=source_uid,
                                   on_duplicate=on_duplicate, region=region)
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
