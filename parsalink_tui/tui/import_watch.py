"""``ImportWatch``: the app's eye on running import jobs, whichever screen is showing.

Jobs run in the core's worker thread (``Service.resume_imports``); the TUI only polls their rows
(docs/architecture.md, "Import pipeline"). The watch polls each job it follows every
:data:`POLL_SECONDS` with ``with_issues=False`` (one small read), publishes every poll on
:attr:`ImportWatch.polled` for the screens that show progress, and says so in a notification
when a job ends — also when the user is triaging on the contacts screen. The timer runs only
while some job is followed.
"""

from __future__ import annotations

import time
from typing import Any

from textual.signal import Signal
from textual.timer import Timer

from .render import clean, path_text

POLL_SECONDS = 0.5
WAKE_AFTER_SECONDS = 2.0  # a followed job that has not moved for this long may need a worker
ENDED = ("complete", "failed")


def duplicate_count(job: dict[str, Any]) -> int:
    """Duplicates so far: every processed record is a success, an error or a duplicate."""
    if isinstance(job.get("duplicates"), list):
        return len(job["duplicates"])
    return max(0, job["processedRows"] - job["successCount"] - job["errorCount"])


def summary(job: dict[str, Any]) -> str:
    """``1,234 imported · 5 errors · 2 duplicates`` (numbers only: safe as plain text)."""
    return f"{job['successCount']:,} imported · {job['errorCount']:,} errors · {duplicate_count(job):,} duplicates"


class ImportWatch:
    """Polls the import jobs the app follows; publishes each poll and announces each ending."""

    def __init__(self, app: Any) -> None:
        self.app = app
        #: Published with the job (reference shape, without errors/duplicates) after each poll.
        self.polled: Signal[dict[str, Any]] = Signal(app, "import-polled")
        #: The job the import screen shows when it is opened: the last one started or followed.
        self.last_uid: str | None = None
        self._active: dict[str, tuple[int, float]] = {}  # uid -> (processed rows, when it last moved)
        self._timer: Timer | None = None

    @property
    def active(self) -> list[str]:
        return list(self._active)

    def follow(self, uid: str) -> None:
        """Poll ``uid`` until it ends (it becomes the import screen's job)."""
        self.last_uid = uid
        self._active.setdefault(uid, (-1, time.monotonic()))
        if self._timer is None:
            self._timer = self.app.set_interval(POLL_SECONDS, self.poll, name="import-watch")

    def poll(self) -> None:
        """One round: read each followed job, publish it, announce the ones that ended."""
        service = self.app.service
        stalled = False
        for uid, (processed, moved_at) in list(self._active.items()):
            try:
                job = service.get_import_job(uid, with_issues=False)
            except Exception as exc:  # noqa: BLE001 - shown once, then the job is no longer followed
                del self._active[uid]
                self.app.report(exc, "Import status unavailable")
                continue
            now = time.monotonic()
            if job["processedRows"] != processed:
                self._active[uid] = (job["processedRows"], now)
            elif now - moved_at > WAKE_AFTER_SECONDS:
                stalled = True
                self._active[uid] = (processed, now)
            if job["status"] in ENDED:
                del self._active[uid]
                self.announce(job)
            self.polled.publish(job)
        if stalled:
            # E.g. it waits behind a worker process that died: start (or wake) ours. Cheap.
            self.app.service.resume_imports()
        if not self._active and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def announce(self, job: dict[str, Any]) -> None:
        name = path_text(job["filename"])
        if job["status"] == "complete":
            # From the contacts list, i opens the import screen on this job.
            hint = "" if getattr(self.app.screen, "shows_imports", False) else " · i to see it"
            self.app.notify(f"{name}: {summary(job)}{hint}", title="Import complete", timeout=10, markup=False)
        else:
            reason = clean(job.get("errorMessage")) or "no reason given"
            self.app.notify(f"{name}: {reason}", title="Import failed", severity="error", timeout=12, markup=False)
