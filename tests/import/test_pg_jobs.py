"""Import jobs on PostgreSQL: what only a database with several writers at once can show. An email
taken between the duplicate check and the insert is a duplicate (the unique key refuses it, the
batch does not fail); jobs are claimed ``FOR UPDATE SKIP LOCKED``, one worker per job, several
jobs at once, each done exactly once."""

from __future__ import annotations

import threading

import pytest

from parsalink_tui.importing import runner, writer
from parsalink_tui.service import Service

from .conftest import contacts_by_email
from .helpers import assert_counters_match, big_csv, query, table_counts
from .test_workers import raw_job, two_worker_processes

on_postgres = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


@on_postgres
def test_an_email_taken_after_the_check_is_a_duplicate_not_a_failed_batch(run_import, write_csv, service,
                                                                          monkeypatch):  # fmt: skip
    old = service.create_contact({"firstName": "Old", "email": "old@example.com"})
    looked = writer.BatchWriter._existing
    calls = {"n": 0}

    def blind_first(self, job, keys):  # the first check misses it, as if it were added just after
        calls["n"] += 1
        return {} if calls["n"] == 1 else looked(self, job, keys)

    monkeypatch.setattr(writer.BatchWriter, "_existing", blind_first)
    job = run_import(write_csv("leads.csv", (
        'First Name,Email,Tags\n'
        'Ann,ann@example.com,vip\n'    # row 2: created
        'Olga,OLD@example.com,vip\n'   # row 3: refused by the unique key: a duplicate of Old
        'Olaf,old@example.com,\n'      # row 4: a repeat of row 3's email: a duplicate of Old too
    )))  # fmt: skip
    assert job["status"] == "complete", job["errorMessage"]
    assert job["duplicates"] == [
        {"row": 3, "email": "OLD@example.com", "existingId": old["id"]},
        {"row": 4, "email": "old@example.com", "existingId": old["id"]},
    ]
    assert job["successCount"] == 1 and job["errorCount"] == 0
    assert_counters_match(job, table_counts(service, job["uid"]))
    people = contacts_by_email(service)
    assert set(people) == {"ann@example.com", "old@example.com"}
    assert people["old@example.com"]["tags"] == [] and people["ann@example.com"]["tags"] == ["vip"]
    assert [a["action"] for a in service.list_activity(old["id"])] == ["created"]


@on_postgres
def test_claiming_at_once_gives_each_worker_a_different_job(service, write_csv):
    path = write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n")
    uids = [service.start_import(path, run=False)["uid"] for _ in range(3)]
    results: list[str | None] = []
    barrier = threading.Barrier(6)
    me = [runner.new_worker_id() for _ in range(6)]
    runner._live_here.update(me)  # workers of this process that are running: their jobs are taken

    def claim(n: int) -> None:
        barrier.wait()
        results.append(runner.claim_next(service.db, me[n]))

    try:
        threads = [threading.Thread(target=claim, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        runner._live_here.difference_update(me)
    assert sorted(uid for uid in results if uid) == sorted(uids) and results.count(None) == 3


@on_postgres
def test_two_workers_share_the_queue_and_do_every_job_exactly_once(service, db_target, tmp_path, monkeypatch):
    """Two workers (each its own Service) on one database and four queued jobs whose files
    overlap: each job is done by one of them, both run at once, and no email goes in twice."""
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 200)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 200)
    uids = [service.start_import(big_csv(tmp_path / f"part{n}.csv", 1000, start=500 * n), run=False)["uid"]
            for n in range(4)]  # fmt: skip
    both_busy = threading.Barrier(2, timeout=30)  # each worker starts its first job once the other has one
    started: set[str] = set()
    original = runner.run_job

    def run_job(db, uid, worker, **kwargs):
        name = threading.current_thread().name
        if name not in started:
            started.add(name)
            both_busy.wait()
        return original(db, uid, worker, **kwargs)

    monkeypatch.setattr(runner, "run_job", run_job)
    from parsalink_tui.backends.postgres import open_postgres

    ran: dict[str, int] = {}

    def worker(name: str) -> None:
        other = Service(open_postgres(db_target))
        try:
            ran[name] = other.work_imports()
        finally:
            other.close()

    threads = [threading.Thread(target=worker, args=(name,), name=name) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ran["a"] >= 1 and ran["b"] >= 1 and ran["a"] + ran["b"] == 4
    jobs = [service.get_import_job(uid) for uid in uids]
    assert [job["status"] for job in jobs] == ["complete"] * 4
    for job in jobs:
        assert job["processedRows"] == 1000
        assert_counters_match(job, table_counts(service, job["uid"]))
        rows = [issue["row"] for issue in job["errors"] + job["duplicates"]]
        assert len(rows) == len(set(rows))  # no row recorded twice
    # 2500 distinct people, every 50th email malformed: each good email once, over all jobs
    good = [n for n in range(2500) if n % 50]
    assert sum(job["successCount"] for job in jobs) == len(good)
    assert query(service, "SELECT count(*) FROM contact") == [(len(good),)]
    assert query(service, "SELECT count(*) FROM activity WHERE action = 'imported'") == [(len(good),)]


@on_postgres
def test_two_worker_processes_share_three_overlapping_jobs(service, tmp_path, db_target):
    """As on SQLite (each contact once, the counters right), but the jobs may run side by side."""
    uids = two_worker_processes(service, tmp_path, db_target)
    assert all(raw_job(service, uid)["processed_rows"] == 6000 for uid in uids)


@on_postgres
def test_the_statistics_are_redone_after_a_job_that_grew_the_table(service, tmp_path):
    # Autovacuum would analyse the table only up to a minute later; meanwhile the planner would
    # plan for the empty table the database was made with (reltuples -1: never analysed).
    service.start_import(big_csv(tmp_path / "big.csv", 3000), run=False)
    service.work_imports()
    assert query(service, "SELECT reltuples::bigint FROM pg_class WHERE oid = 'contact'::regclass") == [(2940,)]
    assert runner.refresh_statistics(service.db) is False  # fresh now
