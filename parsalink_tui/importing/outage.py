"""Riding out a database server that went away under a running job (an import or a revert).

A job's batches each commit with its progress, so a connection lost mid-job costs at most the
batch in flight: the job is kept (not failed), and once the server answers again it is run
again from its last committed batch (``run_job`` / ``revert._run`` read where they are from the
job's row). Only :class:`~parsalink_tui.errors.DatabaseUnavailable` (a connection that cannot be
made or was lost) is ridden out; every other failure goes on as it did.

The waits between tries start at :data:`FIRST_WAIT` and double up to :data:`MAX_WAIT`; after
:data:`OUTAGE_SECONDS` of waiting in all (one run of a job), the last failure is raised, with one
warning line: the job stays ``processing`` and the next worker resumes it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import DatabaseUnavailable
from .batch import Stopped

log = logging.getLogger(__name__)

FIRST_WAIT = 0.5
MAX_WAIT = 5.0
OUTAGE_SECONDS = 120.0

T = TypeVar("T")


def unavailable(db: Any, exc: BaseException) -> DatabaseUnavailable | None:
    """``exc`` as a DatabaseUnavailable if it is one (or the database explains it as one)."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    clear = db.describe_error(exc) if isinstance(exc, Exception) else None
    return clear if isinstance(clear, DatabaseUnavailable) else None


def ride_out(db: Any, attempt: Callable[[], T], *, what: str, wait: Callable[[float], bool],
             later: str = "the next worker resumes it") -> T:  # fmt: skip
    """``attempt()``, tried again after each lost connection until it returns or raises anything
    else. ``wait(seconds)`` sleeps between tries and returns True when the job is to stop (then
    :class:`Stopped` is raised). ``what`` names the job in the log lines ("import job …"),
    ``later`` says in the give-up line who takes the job up."""
    waited = 0.0
    delay = FIRST_WAIT
    while True:
        started = time.monotonic()
        try:
            return attempt()
        except Exception as exc:
            gone = unavailable(db, exc)
            if gone is None:
                raise
            if time.monotonic() - started > MAX_WAIT:
                delay = FIRST_WAIT  # it got going again before this loss: a new outage
            if waited + delay > OUTAGE_SECONDS:
                log.warning("%s stopped: %s; gave up waiting for the database server after %d s; %s",
                            what, gone, OUTAGE_SECONDS, later)  # fmt: skip
                raise gone from exc
            if delay == FIRST_WAIT:  # one line an outage; the tries after it are debug lines
                log.warning("%s paused: %s; trying again until the server is back (up to %d s)",
                            what, gone, OUTAGE_SECONDS)  # fmt: skip
            else:
                log.debug("%s still paused: %s", what, gone)
        if wait(delay):
            raise Stopped
        waited += delay
        delay = min(delay * 2, MAX_WAIT)


def sleeper(stop: Any) -> Callable[[float], bool]:
    """A ``wait`` for :func:`ride_out`: ``stop.wait`` (a threading.Event), else a plain sleep."""
    if stop is not None:
        return stop.wait

    def sleep(seconds: float) -> bool:
        time.sleep(seconds)
        return False

    return sleep
