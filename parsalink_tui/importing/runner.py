"""Running import jobs: claiming one atomically, importing it in batches, and the worker thread.

One job at a time per database on SQLite, oldest first (on PostgreSQL one per worker, several
at once: ``bulk_pg``). A worker claims a job inside ``BEGIN IMMEDIATE``
(the database's write lock, so two processes cannot both claim it) and stamps it with its id,
``host:pid:n``, and a heartbeat that every batch refreshes. A job is claimable when it is
``queued`` and no live worker holds another job, or when it is ``processing`` but its worker is
gone: its heartbeat is older than :data:`STALE_SECONDS`, or the worker's pid on this host is
dead (then it is resumed at once). Each batch (about :data:`BATCH_SECONDS` of
work, see :class:`Pace`) commits its contacts, row issues, counters and ``last_row``
together, and only while the job still names this worker; a resumed job skips records up to
``last_row``, so no row is imported twice or lost. A big file (see
:func:`.validate_process.worth_a_process`) is validated by a child process while this one
writes, in the same batches; small ones are validated here.

Entry points: :func:`work` runs jobs in the calling thread until none is claimable (the hidden
``import work`` command); :func:`ensure_worker` starts or wakes an :class:`ImportRunner` thread
for a database (the TUI and ``import start --wait``); :func:`spawn_worker` starts a detached
``python -m parsalink_tui import work`` process that outlives the caller (``import start``).
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from itertools import count
from typing import Any

from sqlalchemy import text

from ..config import DB_ENV, is_postgres_url
from ..db import Database
from ..errors import DatabaseUnavailable, ParsalinkError
from ..timeutil import now_store, now_utc, to_store
from .bulk import bulk_for
from .formats import open_source
from .jobs import settings_of
from .outage import ride_out, sleeper, unavailable
from .rows import RowError, RowValidator
from .validate_process import ValidationProcess, ValidationProcessFailed, worth_a_process
from .writer import Batch, BatchWriter, LostJob, Stopped

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.3  # target time per batch (validate + write); progress commits with each
FIRST_BATCH_ROWS = 512
MAX_BATCH_ROWS = 20_000
STALE_SECONDS = 10.0
GC_THRESHOLD = 50_000  # see _fewer_collections

_HOST = socket.gethostname()
_serial = count(1)
_live_here: set[str] = set()  # worker ids of this process that are running right now
_lock = threading.Lock()


def new_worker_id() -> str:
    return f"{_HOST}:{os.getpid()}:{next(_serial)}"


# ---------------------------------------------------------------- liveness and claiming


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    try:  # a killed child its parent has not reaped yet is a zombie: dead for our purposes
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def worker_alive(worker: str | None, heartbeat_at: str | None, stale_before: str) -> bool:
    """Whether the worker named on a processing job may still be running it."""
    if not worker or not heartbeat_at or heartbeat_at < stale_before:
        return False
    host, _, rest = worker.partition(":")
    pid_text = rest.partition(":")[0]
    if host != _HOST or not pid_text.isdigit():
        return True  # another machine (a shared folder): only the heartbeat can tell
    pid = int(pid_text)
    if pid == os.getpid():
        return worker in _live_here
    return _pid_alive(pid)


def _stale_before() -> str:
    return to_store(now_utc() - timedelta(seconds=STALE_SECONDS))


def _claimable(rows: Iterable[Any], stale_before: str, *, one_at_a_time: bool) -> list[Any]:
    """The jobs a worker may claim among queued/processing rows (oldest first). ``one_at_a_time``
    (SQLite): none while a live worker runs any job; else every job no live worker runs."""
    candidates = []
    for row in rows:
        if row.status == "processing" and worker_alive(row.worker, row.heartbeat_at, stale_before):
            if one_at_a_time:
                return []  # one job at a time per database: a live worker is on it
            continue
        candidates.append(row)
    return candidates


_CANDIDATES = text(
    "SELECT uid, status, worker, heartbeat_at FROM import_job "
    "WHERE status IN ('queued', 'processing') ORDER BY created_at, uid"
)
_AS_SEEN = "uid = :uid AND status = :status AND coalesce(worker, '') = :worker AND coalesce(heartbeat_at, '') = :beat"


def claim_next(db: Database, worker: str) -> str | None:
    """Atomically claim the next job for ``worker``; returns its uid, or None.

    SQLite: under the write lock, and only when no live worker runs a job. PostgreSQL (see
    ``bulk_pg``): without it, each candidate locked ``FOR UPDATE SKIP LOCKED`` before it is
    taken, so workers claiming at once each take a different job, and several jobs run at once.
    The UPDATE takes the job only as it was read, whichever the database.
    """
    bulk = bulk_for(db)
    with bulk.claim(db) as conn:
        rows = conn.execute(_CANDIDATES).all()
        for chosen in _claimable(rows, _stale_before(), one_at_a_time=not bulk.jobs_at_once):
            seen = {"uid": chosen.uid, "status": chosen.status, "worker": chosen.worker or "",
                    "beat": chosen.heartbeat_at or ""}  # fmt: skip
            if not bulk.lock_job(conn, _AS_SEEN, seen):
                continue  # another worker is claiming it
            now = now_store()
            claimed = conn.execute(
                text("UPDATE import_job SET status = 'processing', worker = :me, heartbeat_at = :now, "
                     f"started_at = coalesce(started_at, :now) WHERE {_AS_SEEN}"),
                {**seen, "me": worker, "now": now},
            ).rowcount  # fmt: skip
            if claimed == 1:
                return chosen.uid
        return None


def has_claimable_job(db: Database) -> bool:
    """True when some job waits and no live worker will get to it: a worker is worth starting
    (read only). A live worker takes queued jobs once its own is done (it runs until none is
    claimable), so while one runs, nothing is, whichever the database: else every ``import
    status`` or TUI start would start one more worker for a job that is merely queued.
    (PostgreSQL runs several jobs at once: ``import start`` starts a worker for each job.)"""
    with db.read() as conn:
        return bool(_claimable(conn.execute(_CANDIDATES).all(), _stale_before(), one_at_a_time=True))


# ---------------------------------------------------------------- running one job


def _guarded(conn: Any, sql: str, params: dict[str, Any]) -> None:
    if conn.execute(text(sql + " WHERE uid = :uid AND worker = :me AND status = 'processing'"), params).rowcount != 1:
        raise LostJob(params["uid"])


def _finish(conn: Any, uid: str, worker: str, status: str, message: str = "") -> None:
    """End the job (in the caller's transaction) and delete its stored file; failed rows keep
    their cells in import_issue for ``import errors``."""
    _guarded(
        conn,
        "UPDATE import_job SET status = :status, error_message = :message, finished_at = :now, heartbeat_at = :now",
        {"status": status, "message": message, "now": now_store(), "uid": uid, "me": worker},
    )
    conn.execute(text("DELETE FROM import_file WHERE job_uid = :uid"), {"uid": uid})


def release(db: Database, uid: str, worker: str) -> None:
    """Give a job back (still ``processing``, no heartbeat): the next worker resumes it at once."""
    with db.write() as conn:
        conn.execute(
            text("UPDATE import_job SET worker = NULL, heartbeat_at = NULL WHERE uid = :uid AND worker = :me"),
            {"uid": uid, "me": worker},
        )


def run_job(db: Database, uid: str, worker: str, *, stop: threading.Event | None = None) -> str:
    """Import the claimed job ``uid`` to the end; returns its final status.

    A file that turns out unreadable, or any unexpected error, fails the job with a readable
    ``errorMessage``; batches committed before it stay. Raises only Stopped (``stop`` was
    set: the caller releases the job), LostJob (another worker took it over) and
    DatabaseUnavailable (the server went away: the job is kept, and running this again goes on
    from its last committed batch; :func:`work` does, see ``outage``).

    The batches share one connection, kept for the job, so its enlarged page cache stays warm;
    each batch is its own ``BEGIN IMMEDIATE`` transaction, like ``Database.write()``. The
    validation process of a big file starts before the records are counted (its start-up
    overlaps the count) and is always ended before this returns or raises. Once the job is
    complete, the search segments its batches left unmerged are merged (search_merge).
    """
    last_row = 0
    child: ValidationProcess | None = None
    try:
        with db.read() as conn:
            job = conn.execute(
                text("SELECT filename, source_uid, on_duplicate, field_mappings, last_row "
                     "FROM import_job WHERE uid = :uid"),
                {"uid": uid},
            ).one()  # fmt: skip
            data = conn.execute(text("SELECT data FROM import_file WHERE job_uid = :uid"), {"uid": uid}).scalar()
            users = [dict(user) for user in conn.execute(text("SELECT id, name, email FROM app_user")).mappings()]
        last_row = job.last_row
        if data is None:
            raise ParsalinkError("the uploaded file is no longer stored; start the import again")
        settings = settings_of(job.field_mappings)
        source = open_source(data, settings.get("format"))
        if source.raw_header != settings.get("header"):
            raise ParsalinkError("the stored file no longer reads the way it did when the job started")
        pace = Pace()
        child = _start_child(data, settings, users, last_row, pace.limit)  # starts while we count
        del data  # the child's thread holds its own reference until the bytes are sent
        total = source.count()
        with db.write() as conn:
            _guarded(conn, "UPDATE import_job SET total_rows = :total, heartbeat_at = :now",
                     {"total": total, "now": now_store(), "uid": uid, "me": worker})  # fmt: skip
        batches: Iterable[Batch]
        if child is None:
            validate = RowValidator(source.header, settings["mapping"], region=settings.get("region") or "US",
                                    users=users, plain_tags=source.plain_tags)  # fmt: skip
            batches = _batches(source.records(start_after_row=last_row), validate, pace)
        else:
            del source  # the child has its own copy of the text
            batches = child.batches(pace, stop, BATCH_SECONDS)
        bulk = bulk_for(db)
        writer = BatchWriter(bulk, job_uid=uid, worker=worker, filename=job.filename, source_uid=job.source_uid,
                             on_duplicate=job.on_duplicate, actor=settings.get("actor"))  # fmt: skip
        with bulk.job_connection(db) as job_conn, _fewer_collections():
            for batch in batches:
                if stop is not None and stop.is_set():
                    raise Stopped
                started = time.perf_counter()
                try:
                    with bulk.batch(job_conn):
                        writer.write(job_conn, batch)
                except BaseException:
                    writer.forget_ids()
                    raise
                pace.wrote(batch.records, time.perf_counter() - started)
                last_row = batch.last_row
            with bulk.batch(job_conn):  # on this connection: its commit must not run the checkpoint
                _finish(job_conn.sa, uid, worker, "complete")
            bulk.after_job(job_conn, stop)
        return "complete"
    except (Stopped, LostJob, DatabaseUnavailable):
        raise
    except ParsalinkError as exc:  # ImportFileError included: a readable reason already
        message = str(exc)
    except ValidationProcessFailed as exc:  # already says what failed, and where
        message = f"unexpected error{_after(last_row)}: {exc}"
    except Exception as exc:
        if (gone := unavailable(db, exc)) is not None:
            raise gone from exc
        log.debug("import job %s failed", uid, exc_info=True)
        message = f"unexpected error{_after(last_row)}: {type(exc).__name__}: {exc}"
    finally:
        if child is not None:
            child.close()
    with db.write() as conn:
        _finish(conn, uid, worker, "failed", message)
    return "failed"


def _after(last_row: int) -> str:
    return f" after row {last_row}" if last_row else ""


def _start_child(data: bytes, settings: dict[str, Any], users: list[dict[str, Any]], last_row: int,
                 first_chunk: int) -> ValidationProcess | None:  # fmt: skip
    """A validation process for a big file (see validate_process), or None to validate here:
    few records left, one CPU, or no process could be started."""
    if not worth_a_process(data, last_row):
        return None
    try:
        return ValidationProcess.start(data, settings, users, last_row, first_chunk)
    except Exception:
        log.debug("no validation process; validating in this one", exc_info=True)
        return None


_gc_lock = threading.Lock()
_gc_jobs = 0  # jobs of this process between _fewer_collections' entry and exit
_gc_saved: tuple[int, int, int] = (700, 10, 10)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector's first generation collected every GC_THRESHOLD container
    allocations instead of every 700 while a job writes: the batches allocate ~10 objects a row
    and make no reference cycles, so the ~420 collections of a 10 MB import only cost time
    (~0.13 s of the worker's CPU, median of 7 A/B runs). Process-wide (the setting is),
    restored by the last job out."""
    global _gc_jobs, _gc_saved
    with _gc_lock:
        if _gc_jobs == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(max(GC_THRESHOLD, _gc_saved[0]), *_gc_saved[1:])
        _gc_jobs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_jobs -= 1
            if _gc_jobs == 0:
                gc.set_threshold(*_gc_saved)


class Pace:
    """Sizes batches so each one (validating plus writing) takes about BATCH_SECONDS.

    Bigger batches are cheaper per row (fewer search-index flushes and page rewrites: ~15%
    less time at 5000 rows than at 2000), but progress must be committed at least every half
    second. The write cost per row is measured on each batch; the first batch is small so
    progress shows at once and the rate is known early.
    """

    def __init__(self) -> None:
        self.write_per_row = 0.0
        self.limit = FIRST_BATCH_ROWS

    def wrote(self, records: int, seconds: float) -> None:
        if records:
            self.write_per_row = seconds / records
            self.limit = MAX_BATCH_ROWS

    def full(self, records: int, validating: float) -> bool:
        return records >= self.limit or validating + records * self.write_per_row >= BATCH_SECONDS


def _batches(records: Iterable[tuple[int, list[str]]], validate: RowValidator, pace: Pace) -> Iterable[Batch]:
    """Validated batches, each closed when :class:`Pace` says it is full."""
    clock = time.perf_counter
    batch = Batch()
    started = clock()
    rows, errors = batch.rows, batch.errors
    for number, cells in records:
        try:
            rows.append(validate(number, cells))
        except RowError as exc:
            errors.append((number, exc.message, cells))
        batch.records += 1
        batch.last_row = number
        if batch.records & 127 == 0 and pace.full(batch.records, clock() - started):
            yield batch
            batch = Batch()
            rows, errors = batch.rows, batch.errors
            started = clock()
    if batch.records:
        yield batch


# ---------------------------------------------------------------- after a job

def refresh_statistics(db: Database) -> bool:
    """Redo the planner's statistics if the job made them stale (SQLite's ``sqlite_stat1``; see
    ``bulk_sqlite``); returns whether it did. Never fails the worker."""
    return bulk_for(db).refresh_statistics(db)


# ---------------------------------------------------------------- worker loops


def work(db: Database, *, worker: str | None = None, stop: threading.Event | None = None) -> int:
    """Claim and run jobs in this thread until none is claimable; returns how many it ended."""
    me = worker or new_worker_id()
    ran = 0
    with _lock:
        _live_here.add(me)
    try:
        while stop is None or not stop.is_set():
            uid = claim_next(db, me)
            if uid is None:
                break
            try:
                # A server that goes away mid-job: the job is kept and run again once it is back
                # (a job that has ended meanwhile, or was taken over, is a LostJob then).
                ride_out(db, partial(run_job, db, uid, me, stop=stop), what=f"import job {uid}", wait=sleeper(stop))
                ran += 1
                refresh_statistics(db)
            except LostJob:
                pass  # declared stale and taken over: that worker finishes it
            except Stopped:
                try:
                    release(db, uid, me)
                except DatabaseUnavailable:
                    pass  # the server is still away: the job's heartbeat goes stale instead
                break
    finally:
        with _lock:
            _live_here.discard(me)
    return ran


class ImportRunner(threading.Thread):
    """A daemon thread running :func:`work` for one database until no job is claimable.

    Made by :func:`ensure_worker`, which also wakes it when a job is queued while it is
    finishing, so a job queued at that moment is never left without a worker. :meth:`stop`
    ends it at the next batch and releases its job (resumed by the next worker).
    """

    def __init__(self, db: Database) -> None:
        super().__init__(name="parsalink-import", daemon=True)
        self.db = db
        self.worker = new_worker_id()
        self.stop_event = threading.Event()
        self._poked = True
        self.finished = False
        self.error: BaseException | None = None

    def poke(self) -> None:
        self._poked = True

    def run(self) -> None:
        try:
            while True:
                with _lock:
                    if not self._poked or self.stop_event.is_set():
                        self.finished = True
                        return
                    self._poked = False
                work(self.db, worker=self.worker, stop=self.stop_event)
        except BaseException as exc:  # a database gone away: nothing to fail the job with
            self.error = exc
            log.debug("import runner stopped", exc_info=True)
            with _lock:
                self.finished = True

    def stop(self, timeout: float | None = 10.0) -> None:
        self.stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


_runners: weakref.WeakKeyDictionary[Database, ImportRunner] = weakref.WeakKeyDictionary()


def ensure_worker(db: Database) -> ImportRunner:
    """Start a runner thread for ``db``, or wake the one already running."""
    with _lock:
        runner = _runners.get(db)
        if runner is not None and not runner.finished and not runner.stop_event.is_set():
            runner.poke()
            return runner
        runner = ImportRunner(db)
        _runners[db] = runner
    runner.start()
    return runner


def stop_worker(db: Database, timeout: float | None = 10.0) -> None:
    """Stop ``db``'s runner thread, if any (its job is released, not failed)."""
    with _lock:
        runner = _runners.pop(db, None)
    if runner is not None:
        runner.stop(timeout)


def spawn_worker(target: os.PathLike[str] | str) -> subprocess.Popen[bytes]:
    """Start ``python -m parsalink_tui --db PATH import work`` detached from this process;
    ``target`` is ``Backend.target``: an SQLite path (made absolute), or a PostgreSQL URL, given
    to the worker in ``$PARSALINK_DB`` rather than on its command line, where ``ps`` would show
    its password to everyone on the machine.

    It gets its own session (a terminal's Ctrl-C or hang-up does not reach it) and no stdio,
    runs until no job is claimable, then exits.
    """
    where = os.fspath(target)
    env = None
    if is_postgres_url(where):
        args, env = [], {**os.environ, DB_ENV: where}
    else:
        args = ["--db", os.path.abspath(where)]
    return subprocess.Popen(
        [sys.executable, "-m", "parsalink_tui", *args, "import", "work"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
