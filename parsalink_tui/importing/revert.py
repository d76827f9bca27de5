"""Reverting a complete import job: a job of its own, run in batches like an import.

``revert_job`` claims the revert inside ``BEGIN IMMEDIATE`` (:func:`claim`, refusing a job that is
not complete, one already reverted, or one whose revert a live worker is running), then works in
short transactions of about :data:`BATCH_SECONDS` each, so the TUI and the API never wait long
for the write lock: first the existing contacts the job merged into (``--on-duplicate update``:
their filled fields, flags and added tags are put back), then the contacts it created (deleted).
Contacts changed after the import are left alone and listed (see :mod:`.revert_batch`).

Each batch commits its changes, its audit rows, its protected contacts, the counters and a
cursor together, and only while the revert still names this worker; a rerun after a crash (the
worker's pid is dead, or its heartbeat is older than ``runner.STALE_SECONDS``) takes the revert
over and goes on from the cursors, so nothing is done twice or skipped. The job's status stays
``complete``; the revert is in ``revert_*`` columns and ``reverted_at`` (schema V5), shown in the
job's JSON as the extension fields ``revertedAt`` and ``revert`` (see :func:`revert_out`).

The claim and the batches can run in different threads (:func:`claim`, then :func:`run_claim`):
the HTTP API claims in the request, so a refusal is its answer, and runs the batches in the
background (see :mod:`.revert_runner`). Whoever started the revert (``audit.current_actor()`` at
the first claim, e.g. an API token) is kept in the job's settings as ``revertActor``, and every
audit row of the revert names them, whichever process takes it over after a crash.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import text

from ..audit import current_actor
from ..db import Database
from ..errors import InvalidPageError, NotFoundError, RevertRefused
from ..listing import DEFAULT_LIMIT, MAX_LIMIT, int_param
from ..timeutil import now_store, to_api
from .bulk import bulk_for
from .outage import ride_out
from .revert_batch import Outcome, created_batch, merged_batch
from .runner import _live_here, _lock, _stale_before, new_worker_id, worker_alive
from .writer import LostJob, Stopped

BATCH_SECONDS = 0.3
FIRST_BATCH = 500
MAX_BATCH = 20_000
MIN_BATCH = 50


# ---------------------------------------------------------------- the job's JSON


def revert_out(row: Any, protected: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The extension fields of a job that has a revert (started or done); {} for any other job,
    so the reference's job shape is unchanged for jobs never reverted."""
    if not row["revert_status"]:
        return {}
    revert: dict[str, Any] = {
        "status": row["revert_status"],
        "total": row["revert_total"],
        "processed": row["revert_processed"],
        "progressPercent": 100 if row["revert_status"] == "complete"
        else min(99, row["revert_processed"] * 100 // max(1, row["revert_total"])),
        "deleted": row["revert_deleted"],
        "restored": row["revert_restored"],
        "protectedCount": row["revert_protected_count"],
    }
    if protected is not None:
        revert["protected"] = protected
    return {"revertedAt": to_api(row["reverted_at"]), "revert": revert}


def protected_of(conn: Any, uid: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text("SELECT contact_id, email, reason FROM revert_protected WHERE job_uid = :u ORDER BY contact_id"),
        {"u": uid},
    )
    return [{"id": cid, "email": email, "reason": reason} for cid, email, reason in rows]


def protected_page(conn: Any, uid: str, page: Any = 1, limit: Any = DEFAULT_LIMIT) -> dict[str, Any]:
    """One page of the contacts the revert of ``uid`` left alone, in the contact list's shape
    ``{count, next, previous, results}`` (links as ``?page=N&limit=L``), ordered by id; ``page``
    and ``limit`` are checked as the list checks them (limit up to MAX_LIMIT). NotFoundError for
    an unknown job or one never reverted; InvalidPageError past the last page."""
    page = int_param(page, "page", 1, None)
    limit = int_param(limit, "limit", 1, MAX_LIMIT)
    started = conn.execute(text("SELECT revert_status FROM import_job WHERE uid = :u"), {"u": uid}).first()
    if started is None:
        raise NotFoundError("import job", uid)
    if started.revert_status is None:
        raise NotFoundError("revert of import job", uid)
    count = conn.execute(text("SELECT count(*) FROM revert_protected WHERE job_uid = :u"), {"u": uid}).scalar_one()
    offset = (page - 1) * limit
    if offset >= count and page > 1:  # as Django REST framework's paginator: a 404, not []
        raise InvalidPageError(page, last_page=max(1, -(-count // limit)))
    rows = conn.execute(
        text("SELECT contact_id, email, reason FROM revert_protected WHERE job_uid = :u "
             "ORDER BY contact_id LIMIT :limit OFFSET :offset"),
        {"u": uid, "limit": limit, "offset": offset},
    )  # fmt: skip
    return {
        "count": count,
        "next": f"?page={page + 1}&limit={limit}" if offset + limit < count else None,
        "previous": f"?page={page - 1}&limit={limit}" if page > 1 else None,
        "results": [{"id": cid, "email": email, "reason": reason} for cid, email, reason in rows],
    }


# ---------------------------------------------------------------- claiming


@dataclass(frozen=True)
class Claim:
    """A revert this process has claimed: run it with :func:`run_claim` (which ends the claim)."""

    uid: str
    worker: str
    finished_at: str
    on_duplicate: str
    actor: str | None  # who started the revert (e.g. "token:tok_…"): its audit rows name them


def claim(db: Database, uid: str) -> Claim:
    """Start or take over the revert of ``uid`` for a new worker of this process (RevertRefused,
    NotFoundError). The worker counts as live from here on: hand the claim to :func:`run_claim`."""
    worker = new_worker_id()
    with _lock:
        _live_here.add(worker)
    try:
        return _claim(db, uid, worker)
    except BaseException:
        with _lock:
            _live_here.discard(worker)
        raise


def _claim(db: Database, uid: str, worker: str) -> Claim:
    with db.write() as conn:
        job = conn.execute(
            text("SELECT status, finished_at, on_duplicate, revert_status, revert_worker, revert_heartbeat, "
                 "reverted_at, field_mappings "
                 "FROM import_job WHERE uid = :u"),
            {"u": uid},
        ).first()  # fmt: skip
        if job is None:
            raise NotFoundError("import job", uid)
        if job.status != "complete":
            raise RevertRefused(
                f"import job {uid} is {job.status}: only a complete import can be reverted"
                + (" (wait until it ends)" if job.status in ("queued", "processing") else "")
            )
        if job.revert_status == "complete":
            raise RevertRefused(f"import job {uid} was already reverted at {to_api(job.reverted_at)}")
        if job.revert_status == "processing" and worker_alive(job.revert_worker, job.revert_heartbeat,
                                                              _stale_before()):  # fmt: skip
            raise RevertRefused(f"import job {uid} is being reverted right now (by {job.revert_worker})")
        now = now_store()
        settings = json.loads(job.field_mappings or "{}")
        actor = settings.get("revertActor")
        if job.revert_status is None:
            created = conn.execute(
                text("SELECT count(*) FROM contact WHERE import_job_uid = :u"), {"u": uid}
            ).scalar_one()
            merged = 0
            if job.on_duplicate == "update":
                merged = conn.execute(
                    text("SELECT count(DISTINCT existing_id) FROM import_issue WHERE job_uid = :u AND kind = 'duplicate'"),
                    {"u": uid},
                ).scalar_one()
            # Who started the revert is kept in the job's settings (as an import's actor is), so
            # a revert taken over after a crash, by any process, still names them.
            # (read and written back under the writer lock).
            actor = current_actor()
            if actor is not None:
                settings["revertActor"] = actor
            conn.execute(
                text("UPDATE import_job SET revert_status = 'processing', revert_total = :total, "
                     "revert_worker = :me, revert_heartbeat = :now, field_mappings = :settings WHERE uid = :u"),
                {"total": created + merged, "me": worker, "now": now, "u": uid,
                 "settings": job.field_mappings if actor is None else json.dumps(settings, ensure_ascii=False)},
            )  # fmt: skip
        else:  # a revert whose worker died: go on from its cursors
            conn.execute(
                text("UPDATE import_job SET revert_worker = :me, revert_heartbeat = :now WHERE uid = :u"),
                {"me": worker, "now": now, "u": uid},
            )
        return Claim(uid, worker, job.finished_at, job.on_duplicate, actor)


# ---------------------------------------------------------------- running

_ADVANCE = text(
    "UPDATE import_job SET revert_processed = revert_processed + :processed, revert_deleted = revert_deleted + :deleted, "
    "revert_restored = revert_restored + :restored, revert_merge_cursor = :merge_cursor, revert_pk_cursor = :pk_cursor, "
    "revert_heartbeat = :now WHERE uid = :u AND revert_worker = :me AND revert_status = 'processing'"
)
_PROTECT = text(
    "INSERT INTO revert_protected (job_uid, contact_id, email, reason) VALUES (:u, :cid, :email, :reason) "
    "ON CONFLICT DO NOTHING"
)


class _Pace:
    """Batch sizes that keep each transaction near BATCH_SECONDS."""

    def __init__(self) -> None:
        self.limit = FIRST_BATCH

    def took(self, items: int, seconds: float) -> None:
        if items and seconds > 0:
            self.limit = max(MIN_BATCH, min(MAX_BATCH, int(items * BATCH_SECONDS / seconds)))


def revert_job(db: Database, uid: str, *, progress: Callable[[dict[str, Any]], None] | None = None,
               stop: Callable[[], bool] | None = None) -> None:  # fmt: skip
    """Revert the complete job ``uid`` to the end in this thread (RevertRefused if it cannot be).

    ``progress(state)`` is called after each batch with ``{total, processed, deleted, restored,
    protected}``; ``stop()`` returning true ends the run after a batch (the revert stays
    ``processing`` and a later call finishes it).
    """
    run_claim(db, claim(db, uid), progress=progress, stop=stop)


def run_claim(db: Database, claimed: Claim, *, progress: Callable[[dict[str, Any]], None] | None = None,
              stop: Callable[[], bool] | None = None, wait: Callable[[float], bool] | None = None) -> None:  # fmt: skip
    """Run a claimed revert to the end (or until ``stop()``), as :func:`revert_job` does; the
    claim's worker stops counting as live when this returns or raises. Given ``wait`` (a
    worker's: see ``outage.ride_out``), a lost connection is waited out and the revert goes on
    from its cursors once the server is back; ``wait`` returning true stops it there."""
    try:
        if wait is None:
            _run(db, claimed, progress, stop)
        else:
            ride_out(db, partial(_run, db, claimed, progress, stop), what=f"the revert of import job {claimed.uid}",
                     wait=wait, later=f"it goes on when serve starts again or on `import revert {claimed.uid}`")  # fmt: skip
    except Stopped:
        pass  # asked to stop while waiting for the server: it stays processing, as after stop()
    finally:
        let_go(claimed)


def let_go(claimed: Claim) -> None:
    """The claim's worker stops counting as live: the next claim of the revert takes it over."""
    with _lock:
        _live_here.discard(claimed.worker)


def _run(db: Database, claimed: Claim, progress: Callable[[dict[str, Any]], None] | None,
         stop: Callable[[], bool] | None) -> None:  # fmt: skip
    uid, worker, actor = claimed.uid, claimed.worker, claimed.actor
    pace = _Pace()
    bulk = bulk_for(db)
    with bulk.job_connection(db) as job:  # the import's connection and settings
        state = job.sa.execute(
            text("SELECT revert_merge_cursor, revert_pk_cursor, revert_total, revert_processed, revert_deleted, "
                 "revert_restored FROM import_job WHERE uid = :u"),
            {"u": uid},
        ).one()  # fmt: skip
        job.sa.commit()  # that read's transaction (PostgreSQL's begins on its own); the batches take the lock
        merge_cursor, pk_cursor = state[0], state[1]
        counts = dict(zip(("total", "processed", "deleted", "restored"), state[2:], strict=True))
        merging = claimed.on_duplicate == "update" and merge_cursor != "\uffff"
        while True:
            if stop is not None and stop():
                return
            started = time.perf_counter()
            with bulk.batch(job):
                now = now_store()
                out: Outcome
                was_merging = merging
                if merging:
                    out, next_cursor = merged_batch(job, bulk, uid, merge_cursor, pace.limit, now, actor)
                    if not out.processed:
                        merging, next_cursor = False, "\uffff"  # done: a resumed run skips this phase
                    merge_cursor = next_cursor
                else:
                    out, pk_cursor = created_batch(job, bulk, uid, claimed.finished_at, pk_cursor, pace.limit, now, actor)
                if out.protected:
                    job.sa.execute(_PROTECT, [{"u": uid, "cid": cid, "email": email, "reason": reason}
                                              for cid, email, reason in out.protected])  # fmt: skip
                moved = job.sa.execute(_ADVANCE, {
                    "processed": out.processed, "deleted": out.deleted, "restored": out.restored,
                    "merge_cursor": merge_cursor, "pk_cursor": pk_cursor, "now": now, "u": uid, "me": worker,
                }).rowcount  # fmt: skip
                if moved != 1:
                    raise LostJob(uid)
                done = not out.processed and not was_merging
                if done:
                    job.sa.execute(
                        text("UPDATE import_job SET revert_status = 'complete', reverted_at = :now, "
                             "revert_worker = NULL WHERE uid = :u"),
                        {"now": now, "u": uid},
                    )  # fmt: skip
            pace.took(out.processed, time.perf_counter() - started)
            for key in ("processed", "deleted", "restored"):
                counts[key] += getattr(out, key)
            if progress is not None:
                progress(dict(counts))
            if done:
                return
