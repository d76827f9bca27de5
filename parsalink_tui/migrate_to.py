"""``parsalink-tui migrate-to postgresql://…``: copy an SQLite database into an empty PostgreSQL one.

The way a user's (or a team's first) SQLite file becomes the team's shared database (docs/team.md).
The target is opened as the app opens it (created and migrated when new) and must hold no rows.
Every app table is copied (``pg_schema.TABLES``, parents before children), SQLite's own search
tables aside: the target builds its own. The source is read in one read transaction, so a TUI
or an import writing meanwhile does not make the copy inconsistent; the target is written in one
transaction with psycopg's ``COPY``, its identity sequences moved past the copied ids
(``setval``), and the rows counted on both sides before it commits: any difference, or any
failure on the way, rolls it all back and the target stays empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text

from .backends import pg_schema
from .backends.base import Backend
from .backends.pg_load import copy_rows
from .backends.pg_load import quoted as _q
from .errors import DatabaseFileError, ParsalinkError

#: Rows handed to COPY per fetch from the source.
FETCH = 5_000


class MigrationError(ParsalinkError):
    """The copy failed or did not add up; nothing was written to the target."""


def _target_columns(dst: Connection, table: str) -> list[str]:
    """The columns the target takes values for (its generated search columns it computes itself)."""
    return list(dst.execute(text(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = :t AND is_generated = 'NEVER' ORDER BY ordinal_position"
    ), {"t": table}).scalars())  # fmt: skip


def _source_columns(src: Connection, table: str) -> list[str]:
    return list(src.exec_driver_sql(f"SELECT * FROM {_q(table)} LIMIT 0").keys())


def _count(conn: Connection, table: str) -> int:
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {_q(table)}").scalar_one())


def _refuse_unless_empty(dst: Connection, where: str) -> None:
    contacts = _count(dst, "contact")
    if contacts:
        raise MigrationError(f"{where} already holds {contacts} contact(s); migrate-to copies into an "
                             "empty database only (nothing was changed)")  # fmt: skip
    for table in pg_schema.TABLES:
        if _count(dst, table):
            raise MigrationError(f"{where} already holds data (table {table}); migrate-to copies into an "
                                 "empty database only (nothing was changed)")  # fmt: skip


def _rows(src: Connection, table: str, columns: list[str]) -> Iterator[Sequence[Any]]:
    result = src.exec_driver_sql(f"SELECT {', '.join(map(_q, columns))} FROM {_q(table)}")
    for batch in result.partitions(FETCH):
        yield from batch


def _copy_table(src: Connection, dst: Connection, table: str) -> None:
    """COPY every row of ``table`` from the source into the target, in the target's transaction."""
    columns = _target_columns(dst, table)
    missing = sorted(set(columns) - set(_source_columns(src, table)))
    if missing:
        raise MigrationError(f"the source's table {table} has no column {', '.join(missing)}: "
                             "upgrade it by opening it with this version of the app first")  # fmt: skip
    copy_rows(dst, table, columns, _rows(src, table, columns))


def _move_sequences(dst: Connection) -> None:
    """Each identity column's next value past the largest copied id (COPY's explicit ids do not move it)."""
    identities = dst.execute(text(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    )).all()  # fmt: skip
    for table, column in identities:
        dst.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(max({_q(column)}), 0) + 1, false)"
            f" FROM {_q(table)}"
        ), {"t": table, "c": column})  # fmt: skip


def copy_database(source: Backend, target: Backend) -> dict[str, Any]:
    """Copy every app table of ``source`` (SQLite) into ``target`` (an empty PostgreSQL database).

    Returns ``{source, target, tables: {table: {source: n, target: n}}}``. Raises
    :class:`MigrationError` (or the target's one-line database error) with the target unchanged."""
    if source.dialect != "sqlite" or target.dialect != "postgresql":
        raise MigrationError("migrate-to copies an SQLite database (--db) into a PostgreSQL one")
    counts: dict[str, dict[str, int]] = {}
    with source.read() as src, target.write() as dst:
        _refuse_unless_empty(dst, target.display_name)
        for table in pg_schema.TABLES:
            _copy_table(src, dst, table)
        _move_sequences(dst)
        for table in pg_schema.TABLES:
            counts[table] = {"source": _count(src, table), "target": _count(dst, table)}
        differ = [f"{t}: {c['source']} in the source, {c['target']} in the target"
                  for t, c in counts.items() if c["source"] != c["target"]]  # fmt: skip
        if differ:
            raise MigrationError(f"the row counts differ after the copy ({'; '.join(differ)}); "
                                 f"nothing was written to {target.display_name}")  # fmt: skip
    return {"source": source.display_name, "target": target.display_name, "tables": counts}


def migrate_to(source: Backend, url: str) -> dict[str, Any]:
    """Open (create or migrate) the PostgreSQL database at ``url`` and copy ``source`` into it."""
    from .backends.postgres import describe_pg_error, display_name, open_postgres, scrub

    target = open_postgres(url)
    try:
        return copy_database(source, target)
    except (ParsalinkError, KeyboardInterrupt):
        raise
    except Exception as exc:
        clear = describe_pg_error(exc, url)
        if isinstance(clear, DatabaseFileError):
            raise MigrationError(f"{clear}; nothing was written") from None
        from sqlalchemy.exc import DBAPIError

        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        if not _is_database_error(orig):
            raise
        reason = scrub(str(orig).splitlines()[0] if str(orig) else type(orig).__name__, url)
        raise MigrationError(f"copying into {display_name(url)} failed ({reason}); nothing was written "
                             "to it") from None  # fmt: skip
    finally:
        target.close()


def _is_database_error(exc: BaseException) -> bool:
    import sqlite3

    import psycopg

    return isinstance(exc, (psycopg.Error, sqlite3.Error))
