"""Where a PostgreSQL import's time goes (issue 13; docs/team.md, "Speed" / "Imports").

    python bench/profile_pg_import.py [--csv bench/out/contacts-10mb.csv] [--cprofile N]

One import of the file into a fresh database of a throwaway cluster (``tests/pg_cluster.py``'s
recipe plus ``pg_stat_statements`` and ``track_io_timing``: profiling settings, the timed bench
``bench_pg_import.py`` runs the plain recipe), in this process. Prints:

- client side, per step of a batch: wall time in total and per batch (the writer lock, the
  duplicate lookup, the pks, the staging COPY, the INSERT … ON CONFLICT, audit rows, tag links,
  issues, accounts/tags asked of the database, the job's progress UPDATE, the commit), and the
  time the worker waited for the validation process's next batch;
- server side: ``pg_stat_statements`` (calls, total and mean time, rows, buffers) of the job;
- with ``--cprofile N``, the worker's N most expensive functions (cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TIMES: dict[str, float] = defaultdict(float)
CALLS: dict[str, int] = defaultdict(int)


def _timed(label: str, fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label] += time.perf_counter() - started
            CALLS[label] += 1

    return wrapper


def _label_of(sql: str) -> str | None:
    for needle, label in (
        ("ANALYZE", "after the job: ANALYZE"),
        ("CREATE TEMP TABLE", "stage: create if not exists"),
        ("FROM contact_stage", "INSERT … ON CONFLICT from stage"),
        ("DELETE FROM contact_stage", "stage: delete"),
        ("UPDATE import_job SET processed_rows", "job progress UPDATE"),
        ("pg_advisory_xact_lock", "writer lock"),
        ("lock_timeout", "writer lock"),
        ("nextval", "new pks (nextval)"),
        ("gin_clean_pending_list", "after the job: gin_clean_pending_list"),
        ("gin_pending_list_limit", "SET LOCAL gin_pending_list_limit"),
        ("FROM source WHERE uid", "source check"),
        ("account", "accounts (lookup/insert)"),
        ("tag", "tags (lookup/insert)"),
    ):
        if needle in sql:
            return label
    return None


def instrument() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from parsalink_tui import contact_store
    from parsalink_tui.backends import pg_load
    from parsalink_tui.importing import bulk_pg, runner, writer
    from parsalink_tui.importing.validate_process import ValidationProcess

    starts: dict[int, float] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def _before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        starts[id(cursor)] = time.perf_counter()

    @event.listens_for(Engine, "after_cursor_execute")
    def _after(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        label = _label_of(statement) or "other SQL: " + " ".join(statement.split())[:50]
        TIMES[label] += time.perf_counter() - starts.pop(id(cursor), time.perf_counter())
        CALLS[label] += 1

    @event.listens_for(Engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        CALLS["commit (count)"] += 1

    original_copy = pg_load.copy_rows

    def copy_rows(conn, table, columns, rows):  # type: ignore[no-untyped-def]
        label = "COPY " + ("contact_stage" if table == "contact_stage" else table)
        started = time.perf_counter()
        original_copy(conn, table, columns, rows)
        TIMES[label] += time.perf_counter() - started
        CALLS[label] += 1

    pg_load.copy_rows = bulk_pg.copy_rows = copy_rows
    bulk = bulk_pg.PgImportBulk
    bulk.existing = _timed("duplicate lookup (existing)", bulk.existing)
    writer.BatchWriter.write = _timed("= writer.write (whole batch body)", writer.BatchWriter.write)
    original_batch = bulk.batch

    @contextmanager
    def batch(self, job):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        with original_batch(self, job):
            yield
            ended = time.perf_counter()
        TIMES["commit"] += time.perf_counter() - ended
        TIMES["= batch transaction (lock..commit)"] += time.perf_counter() - started
        CALLS["= batch transaction (lock..commit)"] += 1

    bulk.batch = batch
    original_batches = ValidationProcess.batches

    def batches(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        iterator = original_batches(self, *args, **kwargs)
        while True:
            started = time.perf_counter()
            try:
                item = next(iterator)
            except StopIteration:
                return
            finally:
                TIMES["waiting for the validation process"] += time.perf_counter() - started
            yield item

    ValidationProcess.batches = batches
    original_after_job = bulk.after_job

    def after_job(self, job, stop):  # type: ignore[no-untyped-def]
        pid = job.driver.info.backend_pid
        TIMES["CPU: the job's backend, batches"] = process_cpu(pid)
        original_after_job(self, job, stop)
        TIMES["CPU: the job's backend, with after_job"] = process_cpu(pid)

    bulk.after_job = after_job
    del contact_store, runner


def process_cpu(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(data: Path) -> float:
    """CPU seconds of the cluster's processes: the postmaster, its live children and the ones it
    reaped (what the server did, whatever else shares the machine)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")

    def fields(pid: int) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    master = int((data / "postmaster.pid").read_text().split()[0])
    own = fields(master)
    total = sum(int(own[i]) for i in (11, 12, 13, 14))
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = fields(int(entry.name))
            except OSError:
                continue
            if int(stat[1]) == master:
                total += int(stat[11]) + int(stat[12])
    return total / tick


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=HERE / "out" / "contacts-10mb.csv")
    parser.add_argument("--cprofile", type=int, default=0)
    parser.add_argument("--sql", action="append", default=[],
                        help="run this in the app's database as the superuser before the import (experiments)")
    args = parser.parse_args()

    import psycopg

    from tests import pg_cluster

    pg_cluster.SETTINGS = {**pg_cluster.SETTINGS, "shared_preload_libraries": "'pg_stat_statements'",
                           "track_io_timing": "on", "pg_stat_statements.track": "all"}  # fmt: skip
    folder = Path(tempfile.mkdtemp(prefix="pgprof-"))
    url, stop = pg_cluster.start_cluster(folder)
    try:
        admin = pg_cluster.admin_url(url)
        with psycopg.connect(admin, autocommit=True) as conn:  # its views in "postgres": the app's database stays bare
            conn.execute("CREATE EXTENSION pg_stat_statements")
        from parsalink_tui.service import Service

        service = Service.open(url)
        for name, email in (("Alex Johnson", "alex@parsalink.example"), ("Maria Garcia", "maria@parsalink.example"),
                            ("Sam Lee", None)):  # fmt: skip
            service.add_user(name, email)
        source = service.add_source("Trade Show")["uid"]
        body = service.start_import(args.csv, source_uid=source, run=False)
        with psycopg.connect(admin.replace("/postgres?", "/parsalink?"), autocommit=True) as conn:
            for sql in args.sql:
                conn.execute(sql)
        service.db.engine.dispose()  # new sessions, which see ALTER DATABASE … SET
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("SELECT pg_stat_statements_reset()")
        instrument()
        profile = cProfile.Profile() if args.cprofile else None
        started, cpu_before, server_before = time.perf_counter(), os.times(), server_cpu(folder / "data")
        if profile:
            profile.enable()
        service.work_imports()
        if profile:
            profile.disable()
        total = time.perf_counter() - started
        cpu_after, server = os.times(), server_cpu(folder / "data") - server_before
        own = cpu_after.user + cpu_after.system - cpu_before.user - cpu_before.system
        child = (cpu_after.children_user + cpu_after.children_system
                 - cpu_before.children_user - cpu_before.children_system)  # fmt: skip
        job = service.get_import_job(body["uid"])
        service.close()
        batches = CALLS["= batch transaction (lock..commit)"] - 1  # the last one only finishes the job
        print(f"job {job['status']}: {job['totalRows']:,} rows, {job['successCount']:,} created, "
              f"{job['errorCount']:,} errors, {len(job['duplicates']):,} duplicates; "
              f"work_imports {total:.2f} s, {batches} batches")  # fmt: skip
        print(f"CPU: server {server:.2f} s, worker {own:.2f} s, validation process {child:.2f} s; "
              f"load average {os.getloadavg()[0]:.2f}")  # fmt: skip
        print(f"\n{'client step':48} {'total s':>8} {'calls':>6} {'ms/batch':>9}")
        for label, seconds in sorted(TIMES.items(), key=lambda kv: -kv[1]):
            print(f"{label[:48]:48} {seconds:8.3f} {CALLS[label]:6} {1000 * seconds / max(batches, 1):9.1f}")
        with psycopg.connect(admin, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT calls, total_exec_time, rows, shared_blks_hit + shared_blks_read + shared_blks_dirtied, "
                "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'parsalink') "
                "ORDER BY total_exec_time DESC LIMIT 25"
            ).fetchall()  # fmt: skip
        print(f"\n{'server: calls':>13} {'total ms':>9} {'ms/call':>8} {'rows':>7} {'buffers':>8}  query")
        for calls, ms, nrows, buffers, query in rows:
            print(f"{calls:13} {ms:9.1f} {ms / calls:8.2f} {nrows:7} {buffers:8}  {query}")
        if profile:
            print()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(args.cprofile)
    finally:
        stop()


if __name__ == "__main__":
    main()
