"""Reverts run in a background thread of this process: how the HTTP API starts one.

:func:`start_revert` claims the revert in the caller's thread, so a job that cannot be reverted
is refused there (RevertRefused, NotFoundError) and the caller can say so, then runs its batches
(:func:`.revert.run_claim`) in a daemon thread. The job's ``revert`` fields show its progress to
anyone who reads the job. :func:`stop_reverts` (``Service.close``) stops them after their
current batch. A revert stopped that way, or whose thread failed (logged), stays
``processing`` with a worker that is no longer live: the next claim of it (another start, or
``import revert UID``) goes on from its cursors, as after a crash. A lost connection to the
database server is waited out first (``outage.ride_out``): the revert goes on once it is back. :func:`resume_reverts`
(``serve`` at its start, as it resumes import jobs) makes that claim for every such revert.
"""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import text

from ..db import Database
from ..errors import DatabaseFileError, DatabaseUnavailable, RevertRefused
from .revert import Claim, claim, let_go, run_claim
from .writer import LostJob

log = logging.getLogger(__name__)

_lock = threading.Lock()


class RevertRunner(threading.Thread):
    """A daemon thread running one claimed revert to the end (or until :meth:`stop`)."""

    def __init__(self, db: Database, claimed: Claim) -> None:
        super().__init__(name="parsalink-revert", daemon=True)
        self.db = db
        self.claimed = claimed
        self.stop_event = threading.Event()

    def run(self) -> None:
        try:
            run_claim(self.db, self.claimed, stop=self.stop_event.is_set, wait=self.stop_event.wait)
        except LostJob:
            pass  # declared stale and taken over: that worker finishes it
        except DatabaseUnavailable:
            pass  # away for longer than outage.OUTAGE_SECONDS: ride_out logged the line that says so
        except DatabaseFileError as exc:  # the database refused (a full disk, …): one line says it
            log.warning("the revert of import job %s stopped: %s; it goes on when serve starts again "
                        "or on `import revert %s`", self.claimed.uid, exc, self.claimed.uid)  # fmt: skip
        except Exception:
            log.exception("the revert of import job %s stopped; start it again to finish it", self.claimed.uid)
        finally:
            with _lock:
                _running.get(self.db, set()).discard(self)

    def stop(self, timeout: float | None) -> None:
        self.stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


_running: weakref.WeakKeyDictionary[Database, set[RevertRunner]] = weakref.WeakKeyDictionary()


def start_revert(db: Database, uid: str) -> None:
    """Claim the revert of the complete job ``uid`` now and run it in a new thread."""
    claimed = claim(db, uid)
    runner = RevertRunner(db, claimed)
    with _lock:
        _running.setdefault(db, set()).add(runner)
    try:
        runner.start()
    except BaseException:  # no thread could be made: the revert is left for the next claim
        with _lock:
            _running[db].discard(runner)
        let_go(claimed)
        raise


_INTERRUPTED = text("SELECT uid FROM import_job WHERE revert_status = 'processing' ORDER BY created_at, uid")


def resume_reverts(db: Database) -> list[str]:
    """Start again, each in its thread, the reverts no live worker runs (their process was
    stopped or killed mid-revert); returns their job uids. A revert another process takes up
    meanwhile is left to it."""
    with db.read() as conn:
        uids = conn.execute(_INTERRUPTED).scalars().all()
    resumed = []
    for uid in uids:
        try:
            start_revert(db, uid)  # the claim refuses a revert a live worker runs
        except RevertRefused:
            continue
        log.info("resumed the revert of import job %s", uid)
        resumed.append(uid)
    return resumed


def stop_reverts(db: Database, timeout: float | None = 10.0) -> None:
    """Stop ``db``'s revert threads after their current batch (each resumes at its next claim)."""
    with _lock:
        runners = list(_running.pop(db, ()))
    for runner in runners:
        runner.stop(timeout)
