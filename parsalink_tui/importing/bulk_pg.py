"""PostgreSQL's :class:`.bulk.ImportBulk`: pks from the identity sequence, rows by ``COPY``
(psycopg 3), contacts through a staging table so an email taken meanwhile is left out, not an error.

Jobs are claimed ``FOR UPDATE SKIP LOCKED`` (:meth:`PgImportBulk.claim`): one worker per job,
several jobs at once. Each batch takes the database's writer lock (``postgres.take_writer_lock``, as ``write()``), so
batches take turns with every other writer, as on SQLite; ``COPY`` keeps each turn short. The
contacts still go in with ``ON CONFLICT (email_key) DO NOTHING``: the unique key, not the lock,
is what keeps an email once, and a row that did not go in is reported as a duplicate by the
writer. The search index is left to its triggers (``pg_search``), so nothing is done here for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text

from ..backends.base import explained
from ..backends.postgres import take_writer_lock
from ..contact_store import CONTACT_COLUMNS
from .bulk import ImportBulk, JobConn

_COLUMNS = ", ".join(CONTACT_COLUMNS)
# The batch's contacts, staged by COPY; emptied by each commit.
_STAGE = (f"CREATE TEMP TABLE IF NOT EXISTS import_stage ON COMMIT DELETE ROWS AS "
          f"SELECT {_COLUMNS} FROM contact WITH NO DATA")  # fmt: skip
# Key order: two jobs inserting the same emails wait on each other in one order, never in a cycle.
_FROM_STAGE = (f"INSERT INTO contact ({_COLUMNS}) SELECT {_COLUMNS} FROM import_stage ORDER BY email_key "
               "ON CONFLICT (email_key) DO NOTHING RETURNING pk")  # fmt: skip


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Flags as 0/1: COPY's text form writes a bool as ``t``, which an INTEGER column refuses."""
    return tuple(int(value) if isinstance(value, bool) else value for value in row)


def _copy(driver: Any, target: str, rows: list[tuple[Any, ...]]) -> None:
    with driver.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_plain(row))


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
        with job.driver.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence('contact', 'pk')) FROM generate_series(1, %s)", (count,))
            return sorted(pk for (pk,) in cur.fetchall())

    def insert_contacts(self, job: JobConn, rows: list[tuple[Any, ...]], grams: list[str]) -> set[int]:
        with job.driver.cursor() as cur:
            cur.execute(_STAGE)
        _copy(job.driver, f"import_stage ({_COLUMNS})", rows)
        with job.driver.cursor() as cur:
            cur.execute(_FROM_STAGE)
            inserted = {pk for (pk,) in cur.fetchall()}
            cur.execute("DELETE FROM import_stage")  # a second call in this transaction starts empty
        return inserted

    def insert_rows(self, job: JobConn, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            _copy(job.driver, f"{table} ({', '.join(columns)})", rows)

    def existing(self, job: JobConn, keys: list[str], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        with job.driver.cursor() as cur:
            cur.execute(f"SELECT {', '.join(columns)} FROM contact WHERE email_key = ANY(%s)", (keys,))
            return iter(cur.fetchall())


BULK = PgImportBulk()
