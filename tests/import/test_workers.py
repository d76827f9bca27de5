"""Workers: atomic claims, one job at a time, resuming a job whose worker was killed, and two
worker processes on one database."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from parsalink_tui.importing import runner
from parsalink_tui.service import Service
from parsalink_tui.timeutil import now_utc, to_store

from .helpers import assert_counters_match, big_csv, table_counts


def worker_process(db: Path | str) -> subprocess.Popen[bytes]:
    """The worker ``import start`` launches, but attached to the test so it can be killed; ``db``
    an SQLite file or a PostgreSQL URL."""
    return subprocess.Popen(
        [sys.executable, "-m", "parsalink_tui", "--db", str(db), "import", "work"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def raw_job(where: Path | Service, uid: str) -> dict:
    """The job's row, read from an SQLite file or through a Service (either database)."""
    if isinstance(where, Service):
        from sqlalchemy import text

        with where.db.read() as conn:
            return dict(conn.execute(text("SELECT * FROM import_job WHERE uid = :uid"), {"uid": uid}).mappings().one())
    conn = sqlite3.connect(where)
    conn.row_factory = sqlite3.Row
    try:
        return dict(conn.execute("SELECT * FROM import_job WHERE uid = ?", (uid,)).fetchone())
    finally:
        conn.close()


def kill_worker_mid_job(db: Path | str, uid: str, where: Path | Service | None = None) -> int:
    """Start a worker process on ``db``, SIGKILL it once job ``uid`` has committed a batch (read
    from ``where``, by default ``db`` itself); its pid."""
    proc = worker_process(db)
    where = db if where is None else where
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and raw_job(where, uid)["processed_rows"] == 0:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    return proc.pid


@pytest.mark.both_backends
def test_claiming_is_atomic(service, write_csv):
    body = service.start_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n"), run=False)
    results: list[str | None] = []
    barrier = threading.Barrier(8)

    def claim(n: int) -> None:
        barrier.wait()
        results.append(runner.claim_next(service.db, f"test:{n}"))

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(None) == 7 and results.count(body["uid"]) == 1


def test_one_job_at_a_time_oldest_first(service, write_csv):
    path = write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n")
    first = service.start_import(path, run=False)["uid"]
    service.start_import(path, run=False)
    me = runner.new_worker_id()
    runner._live_here.add(me)
    try:
        assert runner.claim_next(service.db, me) == first
        assert runner.claim_next(service.db, "other:1:1") is None  # a live worker holds a job
        assert runner.has_claimable_job(service.db) is False
    finally:
        runner._live_here.discard(me)


def set_job(service: Service, uid: str, **columns) -> None:
    """Set columns of the job's row, as another worker would (either database)."""
    from sqlalchemy import text

    sets = ", ".join(f"{column} = :{column}" for column in columns)
    with service.db.write() as conn:
        conn.execute(text(f"UPDATE import_job SET {sets} WHERE uid = :uid_"), {**columns, "uid_": uid})


def heartbeat(seconds_ago: float) -> str:
    return to_store(now_utc() - timedelta(seconds=seconds_ago))


@pytest.mark.both_backends
def test_a_stale_heartbeat_is_taken_over(service, write_csv):
    uid = service.start_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n"), run=False)["uid"]
    # A worker on another machine (only its heartbeat can tell) that stopped beating 11 s ago.
    set_job(service, uid, status="processing", worker="elsewhere:1:1", heartbeat_at=heartbeat(11))
    assert service.work_imports() == 1
    assert service.get_import_job(uid)["status"] == "complete"


@pytest.mark.both_backends
def test_a_fresh_heartbeat_elsewhere_is_left_alone(service, write_csv):
    uid = service.start_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n"), run=False)["uid"]
    set_job(service, uid, status="processing", worker="elsewhere:1:1", heartbeat_at=heartbeat(0))
    assert service.work_imports() == 0
    assert raw_job(service, uid)["worker"] == "elsewhere:1:1"


@pytest.mark.both_backends
def test_a_lost_claim_writes_nothing(service, tmp_path, monkeypatch):
    """If another worker took the job over, the old one's next batch rolls back and it stops."""
    uid = service.start_import(big_csv(tmp_path / "big.csv", 2000), run=False)["uid"]
    original = runner._batches

    def steal_before_the_first_batch(*args):
        for batch in original(*args):
            set_job(service, uid, worker="thief:1:1")
            yield batch

    monkeypatch.setattr(runner, "_batches", steal_before_the_first_batch)
    assert service.work_imports() == 0
    job = raw_job(service, uid)
    assert job["status"] == "processing" and job["processed_rows"] == 0 and job["worker"] == "thief:1:1"
    assert table_counts(service, uid)["contacts"] == 0


def test_stopping_releases_the_job_for_the_next_worker(service, tmp_path, db_path):
    uid = service.start_import(big_csv(tmp_path / "big.csv", 30_000), run=False)["uid"]
    stop = threading.Event()
    original = runner.BatchWriter.write

    def write_then_stop(self, raw, batch):
        result = original(self, raw, batch)
        stop.set()
        return result

    runner.BatchWriter.write = write_then_stop  # type: ignore[method-assign]
    try:
        runner.work(service.db, stop=stop)
    finally:
        runner.BatchWriter.write = original  # type: ignore[method-assign]
    job = raw_job(db_path, uid)
    assert job["status"] == "processing" and job["worker"] is None and 0 < job["processed_rows"] < 30_000
    assert service.work_imports() == 1  # claimable at once, resumes after last_row
    final = service.get_import_job(uid)
    assert final["processedRows"] == final["totalRows"] == 30_000
    assert_counters_match(final, table_counts(db_path, uid))


def test_ensure_worker_runs_jobs_queued_while_it_finishes(service, write_csv):
    path = write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n")
    uids = []
    for _ in range(5):
        uids.append(service.start_import(path)["uid"])  # run=True each time, racing the thread
        time.sleep(0.01)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if all(service.get_import_job(u, with_issues=False)["status"] == "complete" for u in uids):
            break
        time.sleep(0.05)
    assert [service.get_import_job(u)["status"] for u in uids] == ["complete"] * 5


@pytest.mark.both_backends
def test_resume_after_the_worker_process_is_killed(service, tmp_path, db_target, monkeypatch):
    total = 40_000
    uid = service.start_import(big_csv(tmp_path / "big.csv", total), run=False)["uid"]
    pid = kill_worker_mid_job(db_target, uid, service)
    killed = raw_job(service, uid)
    assert killed["status"] == "processing", "the worker finished before it could be killed"
    assert 0 < killed["processed_rows"] < total and killed["last_row"] > 1
    assert killed["worker"].split(":")[1] == str(pid)
    # A dead pid on this host is resumed at once, not after the heartbeat timeout: with a timeout
    # of an hour the job is only claimable by the dead-pid rule (the time the whole rest of the
    # import took was asserted here before, and went over 10 s on a loaded machine).
    monkeypatch.setattr(runner, "STALE_SECONDS", 3600.0)
    assert service.work_imports() == 1
    job = service.get_import_job(uid)
    assert job["status"] == "complete" and job["processedRows"] == job["totalRows"] == total
    counts = table_counts(service, uid)
    assert_counters_match(job, counts)
    assert job["successCount"] == total - total // 50 and job["errorCount"] == total // 50
    assert counts["all_contacts"] == counts["distinct_emails"] == job["successCount"]  # each once
    errors = [e["row"] for e in job["errors"]]
    assert errors == sorted(set(errors)) and len(errors) == job["errorCount"]  # no row twice


def two_worker_processes(service: Service, tmp_path: Path, db: Path | str) -> list[str]:
    """Three jobs whose files overlap, run by two worker processes on ``db`` (the service's
    database): each contact is created once, by whichever job is first; the jobs' uids."""
    files = [big_csv(tmp_path / f"part{n}.csv", 6000, start=n * 4000) for n in range(3)]
    uids = [service.start_import(path, run=False)["uid"] for path in files]
    procs = [worker_process(db) for _ in range(2)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read() if proc.stderr else ""
    jobs = [service.get_import_job(uid) for uid in uids]
    assert [j["status"] for j in jobs] == ["complete"] * 3
    for job in jobs:
        assert_counters_match(job, table_counts(service, job["uid"]))
    assert sum(j["successCount"] for j in jobs) == 14_000 - 14_000 // 50  # rows 0..13999, 1 in 50 bad
    assert sum(len(j["duplicates"]) for j in jobs) == 2 * (2000 - 2000 // 50)
    return uids


def test_two_worker_processes_on_one_database(service, tmp_path, db_path):
    uids = two_worker_processes(service, tmp_path, db_path)
    # one job at a time: the jobs ran one after another, oldest first
    spans = sorted((raw_job(db_path, uid)["started_at"], raw_job(db_path, uid)["finished_at"]) for uid in uids)
    assert [s for s, _ in spans] == [raw_job(db_path, uid)["started_at"] for uid in uids]
    assert all(spans[n][1] <= spans[n + 1][0] for n in range(2))


def test_service_close_stops_its_worker(db_path, tmp_path):
    service = Service.open(db_path)
    uid = service.start_import(big_csv(tmp_path / "big.csv", 30_000))["uid"]
    time.sleep(0.3)
    service.close()
    job = raw_job(db_path, uid)
    if job["status"] == "processing":  # stopped mid-way: released for the next worker
        assert job["worker"] is None
    again = Service.open(db_path)
    try:
        again.work_imports()
        assert again.get_import_job(uid)["status"] == "complete"
    finally:
        again.close()


@pytest.mark.parametrize("pid_state", ["dead", "zombie"])
def test_worker_alive_checks_the_pid(pid_state):
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    if pid_state == "dead":
        proc.wait()
    else:
        time.sleep(0.3)  # exited but not reaped yet: a zombie
    worker = f"{runner._HOST}:{proc.pid}:1"
    now = runner.now_store()
    assert runner.worker_alive(worker, now, runner._stale_before()) is False
    proc.wait()
    assert runner.worker_alive(f"{runner._HOST}:{os.getpid()}:999", now, runner._stale_before()) is False
    assert runner.worker_alive("elsewhere:1:1", now, runner._stale_before()) is True


def test_opening_the_database_again_keeps_this_processes_locks(db_path):
    """Opening a file that this process already has open must not drop its SQLite locks, or a
    worker process closing its last connection deletes the WAL under us (and corrupts the file:
    an in-process CLI next to a detached worker did that)."""
    first = Service.open(db_path)
    first.list_contacts()
    second = Service.open(db_path)  # the header check must not open/close its own descriptor
    script = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); c.execute(\"INSERT INTO source VALUES ('s', 'S', 'x')\"); c.execute('COMMIT')\n"
        "c.close()\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db_path)], check=True)
    # The other process did not see itself as the last user: the WAL is still there.
    assert Path(f"{db_path}-wal").exists()
    assert [s["uid"] for s in second.list_sources()] == ["s"]
    second.close()
    first.close()
