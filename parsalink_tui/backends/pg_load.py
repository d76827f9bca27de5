"""PostgreSQL's bulk load (``PostgresSql.bulk_load``) and ``COPY``: many rows into a table
through psycopg 3's ``COPY … FROM STDIN``, on the driver connection under an SQLAlchemy
Connection, so inside its transaction. Used by demo data and ``migrate-to``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, text


def quoted(name: str) -> str:
    """``name`` as a quoted SQL identifier (both databases read it so)."""
    return '"' + name.replace('"', '""') + '"'


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """COPY ``rows`` (values in ``columns`` order) into ``table`` in ``conn``'s transaction."""
    raw = conn.connection.driver_connection
    assert raw is not None
    statement = f"COPY {quoted(table)} ({', '.join(map(quoted, columns))}) FROM STDIN"
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


class PgLoad:
    """Inserts for a load: COPY; contact keys from the table's identity sequence."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            copy_rows(self.conn, table, columns, rows)

    def contact_pks(self, count: int) -> list[int]:
        """Keys for ``count`` new contacts, taken from ``contact.pk``'s sequence (so a writer
        beside this one never gets the same; explicit keys would not move the sequence)."""
        return list(self.conn.execute(text(
            "SELECT nextval(pg_get_serial_sequence('contact', 'pk')) FROM generate_series(1, :n)"
        ), {"n": count}).scalars())  # fmt: skip


@contextmanager
def bulk_load(conn: Connection) -> Iterator[PgLoad]:
    yield PgLoad(conn)
    for table in ("contact", "contact_tag", "activity", "note", "task"):
        conn.exec_driver_sql(f"ANALYZE {table}")
