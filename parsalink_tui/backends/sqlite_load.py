"""SQLite's bulk load (``SqliteSql.bulk_load``): many new rows into a database in one write
transaction, the way demo data goes in.

A larger page cache for the transaction; the secondary indexes of the big tables and the search
triggers come off for the load and are rebuilt at the end in the same transaction (sorting beats
a million index inserts), and the search tables (FTS5 ``contact_fts``, ``contact_short``) are
filled in one go from the loaded contacts. Rows go in as multi-row INSERTs (``sqlite_bulk``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from ..migrations import fts_values_sql
from ..search_sqlite import short_grams
from ..sqlite_bulk import insert_rows


class SqliteLoad:
    """Inserts for a load, on the transaction's sqlite3 connection (``?`` parameters)."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        insert_rows(self.raw, f"{table} ({', '.join(columns)})", rows)

    def contact_pks(self, count: int) -> list[int]:
        """Keys for ``count`` new contacts. ``max(pk) + 1`` on: valid under SQLite's one write
        lock, which the caller's transaction holds (``contact_store.next_contact_pk``)."""
        from ..contact_store import next_contact_pk

        first = next_contact_pk(self.raw)
        return list(range(first, first + count))


@contextmanager
def bulk_load(conn: Connection) -> Iterator[SqliteLoad]:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA cache_size = -262144")
    rebuild = raw.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
        "((type = 'index' AND tbl_name IN ('contact', 'contact_tag', 'activity', 'note', 'task')) "
        "OR name IN ('contact_fts_ai', 'contact_short_ai'))"
    ).fetchall()
    for kind, name, _ in rebuild:
        raw.execute(f'DROP {kind.upper()} "{name}"')
    yield SqliteLoad(raw)
    raw.execute(f"INSERT INTO contact_fts (rowid, name, email, phone) SELECT pk, {fts_values_sql('c')} FROM contact c")
    _index_short_terms(raw)
    for _, _, sql in rebuild:
        raw.execute(sql)
    raw.execute("ANALYZE")


def _index_short_terms(raw: Any) -> None:
    """Fill contact_short for every contact (its trigger was off for the load): the words made
    in Python (~10x faster than the trigger's SQL), one INSERT … SELECT per chunk."""
    raw.execute("CREATE TEMP TABLE demo_short (pk INTEGER PRIMARY KEY, g TEXT)")
    cursor = raw.execute("SELECT pk, first_name, last_name, email, phone FROM contact ORDER BY pk")
    while chunk := cursor.fetchmany(50_000):
        raw.executemany("INSERT INTO temp.demo_short VALUES (?, ?)", [(row[0], short_grams(*row[1:])) for row in chunk])
        raw.execute("INSERT INTO contact_short (rowid, g) SELECT pk, g FROM temp.demo_short")
        raw.execute("DELETE FROM temp.demo_short")
    raw.execute("DROP TABLE temp.demo_short")
