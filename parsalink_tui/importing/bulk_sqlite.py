"""SQLite's :class:`.bulk.ImportBulk`: the job's PRAGMAs, ``max(pk)+1`` pks, multi-row INSERTs,
the search indexes fed once per batch, the segment merge and the statistics after the job.

Contacts go in with multi-row VALUES while their pk range is parked in ``search_bulk`` (see
``migrations.NOT_PARKED``), so the search triggers skip them; then one statement per index adds
the batch: SQLite 3.40's FTS5 flushes its pending data at the end of every statement that writes
to it, so a statement per 500 contacts would write a search segment per statement. The trigram
index is fed from the new rows with the triggers' own expression (``migrations.fts_values_sql``),
the short-term index with the words the validation made (``search_sqlite.short_grams_json``).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from sqlalchemy import Connection

from .. import contact_store
from ..migrations import fts_values_sql
from ..search_sqlite import short_grams
from ..sqlite_bulk import insert_rows
from .bulk import ImportBulk, JobConn
from .search_merge import automerge_off, merge_after_job

JOB_CACHE_SIZE = -16384  # KiB (PRAGMA cache_size: 16 MB), for the job's connection only

_PARK_RANGE = "INSERT INTO search_bulk (lo, hi) VALUES (?, ?)"
_UNPARK_RANGE = "DELETE FROM search_bulk WHERE lo = ? AND hi = ?"
_TRIGRAM_RANGE = (
    f"INSERT INTO contact_fts (rowid, name, email, phone) SELECT c.pk, {fts_values_sql('c')} "
    "FROM contact c WHERE c.pk BETWEEN ? AND ?"
)
# The short-term words of the batch's contacts, pks lo, lo+1, …: a JSON array in pk order,
# joined from the rows' JSON string literals (CleanRow.grams).
_SHORT_RANGE = "INSERT INTO contact_short (rowid, g) SELECT ?1 + key, value FROM json_each(?2)"


def existing_sql(columns: tuple[str, ...]) -> str:
    """``columns`` of the contacts whose email keys are in the JSON array ``?``.

    The keys drive the join (CROSS JOIN fixes the order), one email-index lookup per key whatever
    the statistics say: ``WHERE email_key IN (…)`` let a database analysed while small (the
    demo's 500 contacts) scan the whole table for every batch instead — 1.2 s of a 10 MB import
    at 64k contacts, and worse as the table grows.
    """
    return (f"SELECT {', '.join('c.' + name for name in columns)} "
            "FROM json_each(?) AS k CROSS JOIN contact AS c ON c.email_key = k.value")  # fmt: skip


@contextmanager
def job_settings(raw: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Connection settings for a job's batches, restored afterwards.

    * A 16 MB page cache (default 2 MB): most index pages a batch rewrites stay in memory
      between batches. It is full for most of a 10 MB import, so its size is that much of the
      import process's peak memory: 32 MB read ~17k pages of 16 KiB back from the OS's cache
      for a 10 MB file, 16 MB ~23k (~1% of the writer's CPU), 8 MB ~44k (docs/import-speed.md).
    * The staging table in memory.
    * No automatic checkpoints while the job runs: each would copy the WAL's pages back into the
      database and fsync (~15 times for a 10 MB file, rewriting the same index pages each time:
      ~0.6 s of a ~3.8 s import). One passive checkpoint when the job is done does it once;
      it never waits for readers, and the job is already marked complete by then.
    """
    old = {
        name: raw.execute(f"PRAGMA {name}").fetchone()[0] for name in ("cache_size", "temp_store", "wal_autocheckpoint")
    }
    raw.execute(f"PRAGMA cache_size = {JOB_CACHE_SIZE}")
    raw.execute("PRAGMA temp_store = MEMORY")
    raw.execute("PRAGMA wal_autocheckpoint = 0")
    try:
        yield raw
    finally:
        with suppress(sqlite3.Error):  # never hide the error that ended the job
            for name, value in old.items():
                raw.execute(f"PRAGMA {name} = {value}")
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)")


class SqliteImportBulk(ImportBulk):
    @contextmanager
    def job_connection(self, db: Any) -> Iterator[JobConn]:
        with db.engine.connect() as conn, job_settings(conn.connection.driver_connection) as raw:
            conn.execution_options(immediate=True)  # BEGIN IMMEDIATE, as Database.write()
            yield JobConn(conn, raw, raw)

    def batch(self, job: JobConn) -> Any:
        return job.sa.begin()

    def new_pks(self, job: JobConn, count: int) -> list[int]:
        first = contact_store.next_contact_pk(job.raw)
        return list(range(first, first + count))

    def insert_contacts(self, job: JobConn, rows: list[tuple[Any, ...]], grams: list[str]) -> set[int]:
        raw = job.raw
        parked = (rows[0][0], rows[-1][0])  # consecutive pks (new_pks)
        raw.execute(_PARK_RANGE, parked)
        contact_store.insert_contacts(raw, rows)
        with automerge_off(raw):  # merged after the job (search_merge)
            raw.execute(_TRIGRAM_RANGE, parked)
            raw.execute(_SHORT_RANGE, (parked[0], "[" + ",".join(grams) + "]"))
        raw.execute(_UNPARK_RANGE, parked)
        return {row[0] for row in rows}  # under the write lock every one goes in

    def insert_rows(self, job: JobConn, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        insert_rows(job.raw, f"{table} ({', '.join(columns)})", rows)

    def existing(self, job: JobConn, keys: list[str], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        return iter(job.raw.execute(existing_sql(columns), (json.dumps(keys, ensure_ascii=False),)))

    def any_of(self, name: str) -> str:
        return f"IN (SELECT value FROM json_each(:{name}))"

    def list_param(self, values: list[Any]) -> Any:
        return _json(values)

    def delete_contacts(self, job: JobConn, rows: list[tuple[Any, ...]]) -> None:
        delete_contacts(job.raw, rows)

    def store_file(self, conn: Connection, uid: str, data: bytes) -> None:
        """The bytes written into a zeroblob through SQLite's blob I/O rather than bound to the
        INSERT: sqlite3 keeps each cached statement's last parameters, so a bound 10 MB file
        stayed in SQLite's memory for as long as the connection lived (a TUI session, or the
        process of ``bench_import.py``: ~10 MB of its import's peak)."""
        raw = conn.connection.driver_connection
        insert = raw.execute("INSERT INTO import_file (job_uid, data) VALUES (?, zeroblob(?))", (uid, len(data)))
        with raw.blobopen("import_file", "data", insert.lastrowid) as blob:
            blob.write(data)

    def after_job(self, job: JobConn, stop: threading.Event | None) -> None:
        merge_after_job(job.sa, job.raw, stop)  # the search segments the batches left unmerged

    def recorded_contacts(self, conn: Connection) -> int | None:
        """The contacts sqlite_stat1 describes (ANALYZE then redoes every table: an import grows
        contacts, tags, audit rows, accounts and row issues).

        Only a database that has statistics needs it (``demo`` runs ANALYZE; nothing else does):
        there the planner trusts the row counts of that moment, and with 500 contacts on record
        it prefers scanning the table to using an index. After an import multiplied the table,
        queries planned on those counts scan 64k rows where they should seek. ~0.1 s at 64k
        contacts; a 1M-contact database is not made stale by one 10 MB import.
        """
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None:
            return None
        stats = conn.exec_driver_sql("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contact'").scalars().all()
        if not stats:
            return None
        return max(int(str(stat).split()[0]) for stat in stats)  # partial indexes hold fewer

def _json(values: list[Any]) -> str:
    return json.dumps(values, ensure_ascii=False)


def delete_contacts(raw: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Delete contacts ``(pk, id, email, first, last, phone)`` and their search rows, one
    statement per index, with the pk range parked so the per-row delete triggers skip them
    (we hold the write lock: no other row of that range is deleted meanwhile).

    The short-term words are made in a thread while SQLite deletes the trigram rows and the
    contacts (sqlite3 releases the GIL while a statement runs): ~1.3 s of CPU of a 90k revert
    that would otherwise wait its turn. Their index is fed after the contacts are gone, which
    is fine: it is contentless and keyed by pk, and the range is still parked.
    """
    pks = [row[0] for row in rows]
    parked = (min(pks), max(pks))
    pk_list = _json(pks)
    made: list[Any] = []

    def make_words() -> None:
        try:
            made.append(_json([[pk, short_grams(first, last, email, phone)]
                                   for pk, _, email, first, last, phone in rows]))  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - re-raised in the caller's thread below
            made.append(exc)

    maker = threading.Thread(target=make_words, name="parsalink-revert-words", daemon=True)
    maker.start()
    try:
        raw.execute(_PARK_RANGE, parked)
        raw.execute(
            f"INSERT INTO contact_fts (contact_fts, rowid, name, email, phone) SELECT 'delete', c.pk, "
            f"{fts_values_sql('c')} FROM contact c WHERE c.pk IN (SELECT value FROM json_each(?))",
            (pk_list,),
        )
        raw.execute("DELETE FROM contact WHERE pk IN (SELECT value FROM json_each(?))", (pk_list,))
    finally:
        maker.join()
    if isinstance(made[0], Exception):
        raise made[0]
    raw.execute(
        "INSERT INTO contact_short (contact_short, rowid, g) "
        "SELECT 'delete', json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)",
        (made[0],),
    )
    raw.execute(_UNPARK_RANGE, parked)


BULK = SqliteImportBulk()
