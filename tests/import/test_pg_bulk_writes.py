"""How an import job writes on PostgreSQL (``importing/bulk_pg.py``; docs/team.md, "Speed" /
"Imports"): the trigram indexes' bigger pending list for the job's transactions only, merged
once the job is done, and the contacts copied straight into their table."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import text

from parsalink_tui.backends.pg_search import TRIGRAM_INDEXES
from parsalink_tui.importing import bulk_pg

from .helpers import big_csv

on_postgres = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)


def _settings(conn) -> dict[str, object]:
    return {
        "gin_pending_list_limit": conn.exec_driver_sql("SHOW gin_pending_list_limit").scalar(),
        "stage table": conn.exec_driver_sql("SELECT to_regclass('pg_temp.contact_stage') IS NOT NULL").scalar(),
    }


@on_postgres
def test_the_bigger_pending_list_is_for_the_jobs_batches_only(service, tmp_path, monkeypatch):
    seen: dict[str, dict[str, object]] = {}
    batch, after_job = bulk_pg.PgImportBulk.batch, bulk_pg.PgImportBulk.after_job

    @contextmanager
    def watched_batch(self, job):  # type: ignore[no-untyped-def]
        with batch(self, job):
            seen.setdefault("in a batch", _settings(job.sa))
            yield

    def watched_after_job(self, job, stop):  # type: ignore[no-untyped-def]
        with job.sa.begin():
            seen["after the batches, on the job's connection"] = _settings(job.sa)
        after_job(self, job, stop)

    monkeypatch.setattr(bulk_pg.PgImportBulk, "batch", watched_batch)
    monkeypatch.setattr(bulk_pg.PgImportBulk, "after_job", watched_after_job)
    service.start_import(big_csv(tmp_path / "some.csv", 300), run=False)
    assert service.work_imports() == 1
    assert seen["in a batch"]["gin_pending_list_limit"] == "64MB"
    # Back to the server's setting once a batch commits; no contact went through the staging table.
    assert seen["after the batches, on the job's connection"] == {"gin_pending_list_limit": "4MB",
                                                                   "stage table": False}  # fmt: skip


@on_postgres
def test_the_trigram_indexes_pending_lists_are_merged_after_the_job(service, tmp_path):
    service.start_import(big_csv(tmp_path / "some.csv", 300), run=False)
    assert service.work_imports() == 1
    with service.db.write() as conn:  # pages merged now: none means the job merged them
        merged = [conn.execute(text("SELECT gin_clean_pending_list(CAST(:i AS regclass))"), {"i": index}).scalar()
                  for index in TRIGRAM_INDEXES]  # fmt: skip
        found = conn.execute(text("SELECT count(*) FROM contact WHERE search_phone LIKE '%155%'")).scalar()
    assert merged == [0, 0]
    assert found > 0  # the phones are indexed (the merge lost nothing)
