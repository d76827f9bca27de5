"""An import's search writes run without FTS5 merge work, inside each batch's transaction, and
the segments are merged after the job (importing/search_merge.py): the stored configuration
never changes, not even when the worker is killed, and searches find the same contacts."""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

import pytest

from parsalink_tui.importing import bulk_sqlite, runner, search_merge, writer
from parsalink_tui.search_sqlite import search_match
from parsalink_tui.service import Service

from .helpers import big_csv
from .test_workers import kill_worker_mid_job, raw_job

QUERIES = ("a", "n", "an", "13", "55", "Ann12", "lee1", "person17", "xample", "415 555 12", "(415) 555-0", "zzq")


@pytest.fixture
def small_batches(monkeypatch):
    """A file of a few thousand rows written in ~10 batches (in-process validation)."""
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 256)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 256)


def automerge(db_path: Path) -> dict[str, str | None]:
    """The stored automerge setting of each search index (None: FTS5's default, 4)."""
    conn = sqlite3.connect(db_path)
    try:
        return {
            table: (row[0] if (row := conn.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone())
                    else None)
            for table in search_merge.SEARCH_TABLES
        }  # fmt: skip
    finally:
        conn.close()


def set_automerge(db_path: Path, value: int) -> None:
    Service.open(db_path).close()  # created and migrated
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        for table in search_merge.SEARCH_TABLES:
            conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', ?)", (value,))
    finally:
        conn.close()


def segments(db_path: Path, table: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(f"SELECT count(DISTINCT segid) FROM {table}_idx").fetchone()[0]
    finally:
        conn.close()


def found(db_path: Path) -> dict[str, set[str]]:
    """Each query's matches (emails), read from the search index itself, and both indexes'
    FTS5 integrity check."""
    conn = sqlite3.connect(db_path)
    try:
        for table in search_merge.SEARCH_TABLES:
            conn.execute(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
        out = {}
        for query in QUERIES:
            match = search_match(query)
            assert match is not None
            rows = conn.execute(f"SELECT email FROM contact WHERE pk IN ({match.rowids()})", {"fts": match.expr})
            out[query] = {email for (email,) in rows}
        return out
    finally:
        conn.close()


def import_file(db_path: Path, path: Path) -> dict:
    service = Service.open(db_path)
    try:
        uid = service.start_import(path, run=False)["uid"]
        service.work_imports()
        return service.get_import_job(uid)
    finally:
        service.close()


def test_batch_search_writes_run_with_automerge_off_and_the_setting_is_put_back(tmp_path, db_path, small_batches,
                                                                                   monkeypatch):  # fmt: skip
    set_automerge(db_path, 7)  # a setting of the user's own: kept as it is
    seen: list[tuple[str, str]] = []

    class Spy:
        """The writer's connection, noting the trigram index's automerge at each search write."""

        def __init__(self, raw: sqlite3.Connection) -> None:
            self.raw = raw

        def execute(self, sql: str, *args):
            if sql.startswith(("INSERT INTO contact_fts (rowid", "INSERT INTO contact_short (rowid")):
                table = sql.split()[2]
                seen.append(
                    (table, self.raw.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()[0])
                )
            return self.raw.execute(sql, *args)

        def __getattr__(self, name: str):
            return getattr(self.raw, name)

    write = writer.BatchWriter.write
    monkeypatch.setattr(writer.BatchWriter, "write", lambda self, job, batch: write(self, replace(job, raw=Spy(job.raw)),
                                                                                   batch))  # fmt: skip
    job = import_file(db_path, big_csv(tmp_path / "leads.csv", 3000))
    assert job["status"] == "complete" and job["successCount"] == 3000 - 3000 // 50
    assert len(seen) >= 2 * 10  # both indexes, every batch
    assert set(seen) == {("contact_fts", 0), ("contact_short", 0)}
    assert automerge(db_path) == {"contact_fts": 7, "contact_short": 7}


def test_a_job_leaves_the_default_setting_in_effect(tmp_path, db_path, small_batches):
    import_file(db_path, big_csv(tmp_path / "leads.csv", 2000))
    assert set(automerge(db_path).values()) <= {None, search_merge.DEFAULT_AUTOMERGE}


def test_merging_after_the_job_merges_what_the_batches_left(tmp_path, db_path, small_batches, monkeypatch):
    monkeypatch.setattr(bulk_sqlite, "merge_after_job", lambda *args, **kwargs: 0)
    import_file(db_path, big_csv(tmp_path / "leads.csv", 3000))
    left = {table: segments(db_path, table) for table in search_merge.SEARCH_TABLES}
    assert all(count >= 10 for count in left.values()), left  # one segment per batch, none merged
    before = found(db_path)
    service = Service.open(db_path)
    try:
        with service.db.engine.connect() as conn:
            conn.execution_options(immediate=True)
            assert search_merge.merge_after_job(conn, conn.connection.driver_connection) >= 2
    finally:
        service.close()
    merged = {table: segments(db_path, table) for table in search_merge.SEARCH_TABLES}
    assert all(merged[table] < 4 for table in merged), merged
    assert found(db_path) == before


def test_search_finds_the_same_contacts_as_with_merging_during_the_batches(tmp_path, small_batches, monkeypatch):
    path = big_csv(tmp_path / "leads.csv", 3000)
    import_file(tmp_path / "new.db", path)
    monkeypatch.setattr(bulk_sqlite, "automerge_off", lambda raw: nullcontext())  # as before: FTS5's own merging
    monkeypatch.setattr(bulk_sqlite, "merge_after_job", lambda *args, **kwargs: 0)
    import_file(tmp_path / "old.db", path)
    new, old = found(tmp_path / "new.db"), found(tmp_path / "old.db")
    assert new == old
    assert len(new["a"]) == 3000 - 3000 // 50 and new["zzq"] == set() and 0 < len(new["Ann12"]) < 200


def test_a_worker_killed_mid_import_leaves_the_setting_as_it_was(tmp_path, db_path):
    set_automerge(db_path, 6)
    total = 40_000
    service = Service.open(db_path)
    try:
        uid = service.start_import(big_csv(tmp_path / "big.csv", total), run=False)["uid"]
    finally:
        service.close()
    kill_worker_mid_job(db_path, uid)
    killed = raw_job(db_path, uid)
    assert killed["status"] == "processing" and 0 < killed["processed_rows"] < total
    assert automerge(db_path) == {"contact_fts": 6, "contact_short": 6}
    service = Service.open(db_path)
    try:
        assert service.work_imports() == 1  # resumed
        assert service.get_import_job(uid)["status"] == "complete"
    finally:
        service.close()
    assert automerge(db_path) == {"contact_fts": 6, "contact_short": 6}
    matches = found(db_path)
    assert len(matches["a"]) == total - total // 50
    assert matches["person17"] == {f"person{n}@example.com" for n in range(total) if str(n).startswith("17") and n % 50}
