"""``ImportScreen``: import contacts from a CSV file, follow the job, look back at recent imports.

Three views in one screen: the new-import setup (:class:`~.import_setup.ImportSetup`), one job
(:class:`~.import_job_view.JobView`) and the recent imports
(:class:`~.import_recent.RecentImports`). The job runs in the core's worker thread; the screen
only draws what the app's :class:`~.import_watch.ImportWatch` polls, so leaving the screen
never stops an import, and opening it again shows the running (or last) job.

| Key | Action |
|---|---|
| ctrl+s | start the import (setup) |
| ctrl+l | type the file's path (setup; → accepts the completion) |
| ctrl+f | forget the mapping remembered for this file's columns (setup, when one is in use) |
| c | show the contacts this job created, in the contacts list |
| E | save the job's failed rows as CSV (to fix and import again) |
| R | revert the job (asks first): delete what it created, put back what it filled in |
| n | new import |
| r | recent imports |
| escape | back |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Header
from textual.worker import get_current_worker

from ..errors import ParsalinkError
from .import_job_view import JobView
from .import_recent import RecentImports
from .import_setup import ImportSetup
from .import_watch import ENDED
from .file_picker import shown_path
from .workers import background

SETUP, JOB, RECENT = "setup", "job", "recent"


class ImportScreen(Screen[None]):
    """CSV import: setup with mapping preview, live progress and outcome, recent imports."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="import.back"),
        Binding("ctrl+s", "start", "Start import", id="import.start", priority=True),
        Binding("ctrl+l", "focus_path", "Type a path", id="import.path"),
        Binding(
            "ctrl+f",
            "forget_mapping",
            "Forget the remembered mapping",
            id="import.forget_mapping",
            tooltip="Drop the column choices remembered for files with these columns, and preview without them",
        ),
        Binding(
            "c",
            "show_contacts",
            "Show the job's contacts",
            id="import.show_contacts",
            tooltip="The contacts list, filtered to the contacts this job created (x clears it)",
        ),
        Binding(
            "E",
            "save_errors",
            "Save failed rows",
            id="import.save_errors",
            tooltip="Write the failed rows as CSV (an error column first) to fix and import again",
        ),
        Binding(
            "R",
            "revert",
            "Revert import",
            id="import.revert",
            show=False,
            tooltip="Delete the contacts this job created and put back what it filled in (asks first)",
        ),
        Binding("n", "new_import", "New import", id="import.new"),
        Binding("r", "recent", "Recent imports", id="import.recent"),
    ]
    #: Tells the import notifications not to suggest ``i`` (the user is already here).
    shows_imports = True
    # Each view chooses its focus; the first focusable widget may be in a hidden view.
    AUTO_FOCUS = ""

    def __init__(self, view: str = "auto") -> None:
        super().__init__()
        self.initial_view = view
        self.job_uid: str | None = None
        self.from_recent = False

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with ContentSwitcher(id="views"):
            yield ImportSetup(id=SETUP)
            yield JobView(id=JOB)
            yield RecentImports(id=RECENT)
        yield Footer()

    @property
    def view(self) -> str:
        return self.query_one(ContentSwitcher).current or SETUP

    @property
    def job_view(self) -> JobView:
        return self.query_one(JobView)

    def on_mount(self) -> None:
        self.app.imports.polled.subscribe(self, self._polled)
        if self.initial_view == RECENT:
            self.show_recent()
            return
        uid = self._job_to_attach()
        if uid is not None:
            self.open_job(uid)
        else:
            self.show_setup()

    def _job_to_attach(self) -> str | None:
        """The running job (this app's, or one a CLI queued), else the last one this app started."""
        watch = self.app.imports
        if watch.active:
            return str(watch.active[0])
        jobs: list[dict[str, Any]] = []
        with self.app.reporting("Could not list imports"):
            jobs = self.app.service.list_import_jobs(with_issues=False)
        running = [j for j in jobs if j["status"] not in ENDED]
        if running:
            return str(running[-1]["uid"])  # the oldest runs first
        return watch.last_uid

    # ------------------------------------------------------------------ views
    def _switch(self, view: str) -> None:
        self.query_one(ContentSwitcher).current = view
        self.sub_title = {SETUP: "New import", JOB: "Import", RECENT: "Recent imports"}[view]
        self.refresh_bindings()

    def show_setup(self) -> None:
        self._switch(SETUP)
        self.query_one(ImportSetup).focus_tree()

    def show_recent(self) -> None:
        recent = self.query_one(RecentImports)
        recent.load()
        self._switch(RECENT)
        recent.table.focus()

    def open_job(self, uid: str, *, from_recent: bool = False) -> None:
        """Show job ``uid``: live while it runs (followed by the app), in full once it has ended."""
        job: dict[str, Any] | None = None
        with self.app.reporting("Could not open the import"):
            job = self.app.service.get_import_job(uid, with_issues=False)
        if job is None:
            return
        self.job_uid = uid
        self.from_recent = from_recent
        if job["status"] in ENDED:
            self._show_full(uid)
        else:
            self.job_view.show(job)
            self.app.imports.follow(uid)
        self._switch(JOB)
        self.job_view.focus_first()

    def _show_full(self, uid: str) -> None:
        with self.app.reporting("Could not read the import's errors"):
            self.job_view.show_issues(self.app.service.get_import_job(uid))

    def _polled(self, job: dict[str, Any]) -> None:
        """Each poll of the app's import watch."""
        view = self.view
        if view == JOB and job["uid"] == self.job_uid:
            if job["status"] in ENDED:
                if self.job_view.issues_shown_for != job["uid"]:
                    self._show_full(job["uid"])
                    if self.focused is None:
                        self.job_view.focus_first()
            else:
                self.job_view.show(job)
            self.refresh_bindings()
        elif view == RECENT:
            self.query_one(RecentImports).load()

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        view = self.view if self.is_mounted else SETUP
        job = self.job_view.job if self.is_mounted else None
        if action in ("start", "focus_path"):
            return view == SETUP
        if action == "forget_mapping":
            return view == SETUP and self.query_one(ImportSetup).saved_mapping is not None
        if action == "show_contacts":
            return view == JOB and job is not None and job["successCount"] > 0
        if action == "save_errors":
            return view == JOB and job is not None and job["status"] in ENDED and job["errorCount"] > 0
        if action == "revert":
            return view == JOB and job is not None and job["status"] == "complete" and job.get("revertedAt") is None
        if action == "new_import":
            return view != SETUP
        if action == "recent":
            return view != RECENT
        return True

    def action_back(self) -> None:
        if self.view == JOB and self.from_recent:
            self.from_recent = False
            self.show_recent()
        else:
            self.dismiss()

    def action_focus_path(self) -> None:
        self.query_one(ImportSetup).focus_path()

    def action_forget_mapping(self) -> None:
        self.query_one(ImportSetup).forget_mapping()

    def action_new_import(self) -> None:
        self.show_setup()

    def action_recent(self) -> None:
        self.from_recent = False
        self.show_recent()

    @on(RecentImports.Opened)
    def _open_from_recent(self, event: RecentImports.Opened) -> None:
        self.open_job(event.uid, from_recent=True)

    def action_show_contacts(self) -> None:
        """Back to the contacts list, filtered to what this job created (x clears it)."""
        from .contacts_screen import ContactsScreen

        job = self.job_view.job
        if job is None:
            return
        home = next((s for s in self.app.screen_stack if isinstance(s, ContactsScreen)), None)
        if home is None:
            return
        while self.app.screen is not home:
            self.app.pop_screen()
        home.show_import_job(job["uid"], job["filename"])

    # ------------------------------------------------------------------ start
    def action_start(self) -> None:
        self.query_one(ImportSetup).request_start()

    @on(ImportSetup.Start)
    def _start(self, event: ImportSetup.Start) -> None:
        self.query_one(ImportSetup).say(f"Checking {shown_path(event.path)}…", "dim")
        self.start_import(event.path, event.field_mappings, event.source, event.on_duplicate, event.region)

    @background(group="import-start", failure="Import not started")
    def start_import(self, path: Path, field_mappings: dict[str, str | None], source: str | None,
                     on_duplicate: str, region: str | None = None) -> None:  # fmt: skip
        try:
            body = self.app.service.start_import(
                path, source_uid=source, field_mappings=field_mappings or None, on_duplicate=on_duplicate, run=True,
                region=region,
            )
        except ParsalinkError as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        self.app.call_from_thread(self._started, body)

    def _refused(self, message: str) -> None:
        if self.is_attached:
            self.query_one(ImportSetup).refused(message, False)
        else:
            self.app.notify(message, title="Import not started", severity="error", timeout=8, markup=False)

    def _started(self, body: dict[str, Any]) -> None:
        # Followed even if the user left the screen meanwhile: the ending is still announced.
        self.app.imports.follow(body["uid"])
        if self.is_attached:
            self.open_job(body["uid"])

    # ------------------------------------------------------------------ revert
    def action_revert(self) -> None:
        from .confirm import ConfirmScreen

        job = self.job_view.job
        if job is None:
            return
        uid = job["uid"]
        question = f"Revert the import of {job['filename']}?"
        detail = (
            f"Deletes the {job['successCount']:,} contacts it created and puts back what it filled in on "
            "existing contacts. Contacts changed since the import (a field, tags, the stage, a note or a "
            "task) are left alone and listed."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self.revert_job(uid)

        self.app.push_screen(ConfirmScreen(question, detail, yes="Revert"), answered)

    @background(group="import-revert", failure="Import not reverted")
    def revert_job(self, uid: str) -> None:
        def progress(state: dict[str, Any]) -> None:
            self.app.call_from_thread(self._revert_progress, uid)

        worker = get_current_worker()
        try:  # leaving the app stops it after a batch; R (or the CLI) finishes it later
            job = self.app.service.revert_import(uid, progress=progress, stop=lambda: worker.is_cancelled)
        except ParsalinkError as exc:
            self.app.call_from_thread(
                self.app.notify, str(exc), title="Import not reverted", severity="error", timeout=8, markup=False
            )
            return
        if job["revert"]["status"] == "complete":
            self.app.call_from_thread(self._reverted, job)

    def _revert_progress(self, uid: str) -> None:
        if self.is_attached and self.view == JOB and self.job_uid == uid:
            with self.app.reporting("Could not read the import"):
                self.job_view.show(self.app.service.get_import_job(uid, with_issues=False))

    def _reverted(self, job: dict[str, Any]) -> None:
        revert = job["revert"]
        left = f", {revert['protectedCount']:,} left alone (changed since)" if revert["protectedCount"] else ""
        self.app.notify(
            f"{job['filename']}: {revert['deleted']:,} contacts deleted, {revert['restored']:,} restored{left}",
            title="Import reverted", timeout=8, markup=False,
        )  # fmt: skip
        if self.is_attached and self.view == JOB and self.job_uid == job["uid"]:
            self.job_view.show_issues(job)
            self.refresh_bindings()

    # ------------------------------------------------------------------ failed rows
    def action_save_errors(self) -> None:
        job = self.job_view.job
        if job is not None:
            self.save_errors(job["uid"], job["filename"], job["errorCount"])

    @background(group="import-errors", failure="Failed rows not saved")
    def save_errors(self, uid: str, filename: str, count: int) -> None:
        data = self.app.service.import_errors_csv(uid)
        path = write_new_file(Path.cwd(), f"{Path(filename).stem or 'import'}-errors", data)
        self.app.call_from_thread(
            self.app.notify, f"{count:,} failed rows saved to {shown_path(path)} (fix them and import that file)",
            title="Failed rows saved", timeout=8, markup=False,
        )  # fmt: skip


def write_new_file(folder: Path, stem: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/stem.csv`` (or ``stem-2.csv``…), never over a file; mode 0600 (personal data)."""
    for n in range(1, 1000):
        path = folder / (f"{stem}.csv" if n == 1 else f"{stem}-{n}.csv")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path
    raise ParsalinkError(f"too many {stem}-N.csv files in {folder}")
