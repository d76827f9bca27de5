"""PostgreSQL's :class:`.bulk.ImportBulk`: pks from the identity sequence, rows by ``COPY``
(psycopg 3, ``pg_bulk``), contacts through a staging table so an email taken meanwhile is left
out, not an error (``contact_store.copy_contacts``).

Jobs are claimed ``FOR UPDATE SKIP LOCKED`` (:meth:`PgImportBulk.lock_job`): one worker per job,
several jobs at once. Each batch takes the database's writer lock (``postgres.take_writer_lock``,
as ``write()``), so batches take turns with every other writer, as on SQLite; ``COPY`` keeps each turn short. The
contacts still go in with ``ON CONFLICT (email_key) DO NOTHING``: the unique key, not the lock,
is what keeps an email once, and a row that did not go in is reported as a duplicate by the
writer. The search index is left to its triggers (``pg_search``), so nothing is done here for it;
after a job that grew the tables, ANALYZE (:meth:`PgImportBulk.refresh_statistics`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from .. import contact_store
from ..backends.base import explained
from ..backends.postgres import take_writer_lock
from ..pg_bulk import copy_rows
from .bulk import STALE_FACTOR, ImportBulk, JobConn

log = logging.getLogger(__name__)


class PgImportBulk(ImportBulk):
    # Several jobs at once: each worker claims with the job rows locked FOR UPDATE SKIP LOCKED
    # (a row another worker is claiming, or whose batch is being committed, is passed over),
    # without the writer lock; the batches still take it, so duplicates across two jobs come
    # out once (and the unique email key would refuse them anyway).
    jobs_at_once = True

    @contextmanager
    def claim(self, db: Any) -> Iterator[Connection]:
        with explained(db.describe_error), db.engine.connect() as conn, conn.begin():
            yield conn

    def lock_job(self, conn: Connection, as_seen: str, params: dict[str, Any]) -> bool:
        # Only the chosen row: a FOR UPDATE on the whole candidate list would lock every job.
        sql = f"SELECT 1 FROM import_job WHERE {as_seen} FOR UPDATE SKIP LOCKED"
        return conn.execute(text(sql), params).first() is not None

    @contextmanager
    def job_connection(self, db: Any) -> Iterator[JobConn]:
        with db.engine.connect() as conn:
            yield JobConn(conn, conn, conn.connection.driver_connection)

    @contextmanager
    def batch(self, job: JobConn) -> Iterator[None]:
        with job.sa.begin():
            take_writer_lock(job.sa)
            yield

    def new_pks(self, job: JobConn, count: int) -> list[int]:
        return contact_store.sequence_pks(job.driver, count)

    def insert_contacts(self, job: JobConn, rows: list[tuple[Any, ...]], grams: list[str]) -> set[int]:
        return contact_store.copy_contacts(job.driver, rows)

    def insert_rows(self, job: JobConn, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        copy_rows(job.driver, f"{table} ({', '.join(columns)})", rows)

    def refresh_statistics(self, db: Any) -> bool:
        """ANALYZE the tables an import grows when the planner's idea of the contact table
        (``pg_class.reltuples``: -1 before the first ANALYZE) is off by more than STALE_FACTOR:
        autovacuum would, but only up to a minute later, and the queries of that minute would be
        planned for an empty table. Never fails the worker."""
        try:
            with db.read() as conn:
                recorded = conn.exec_driver_sql("SELECT reltuples FROM pg_class WHERE oid = 'contact'::regclass").scalar()
                rows = conn.exec_driver_sql("SELECT count(*) FROM contact").scalar() or 0
            recorded = max(0, int(recorded or 0))
            if recorded * STALE_FACTOR >= rows and rows * STALE_FACTOR >= recorded:
                return False
            with db.write() as conn:
                conn.exec_driver_sql("ANALYZE contact, contact_tag, activity, account, tag, import_issue")
            return True
        except Exception:  # an optimisation: the import itself is done
            log.debug("refreshing the statistics failed", exc_info=True)
            return False

    def existing(self, job: JobConn, keys: list[str], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        with job.driver.cursor() as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM contact WHERE email_key = ANY(%s)", (keys,))
            return iter(cur.fetchall())


BULK = PgImportBulk()
