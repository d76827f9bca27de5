"""The SQLite backend: the embedded default. Its code is ``parsalink_tui.db`` (opening, checks,
pragmas, the write lock, ``ChangeWatcher`` on ``PRAGMA data_version``) and
``parsalink_tui.migrations`` (the chain); this module names them as the backend interface."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection

from ..db import ChangeWatcher, Database, describe_sqlite_error, open_database as open_sqlite
from ..migrations import LATEST, MIGRATIONS
from .base import SqlPieces

SQLiteDatabase = Database


class SqliteSql(SqlPieces):
    """SQLite's pieces: NOCASE collation, unary ``+`` to keep an index out of the plan, FTS5 search."""

    dialect = "sqlite"

    def nocase(self, expr: str) -> str:
        return f"{expr} COLLATE NOCASE"

    def nulls_first(self, direction: str) -> str:
        return direction  # SQLite's own order

    def unindexed(self, expr: str) -> str:
        return "+" + expr

    def search_match(self, query: str) -> Any:
        from ..search_sqlite import search_match

        return search_match(query)

    def bulk_load(self, conn: Connection) -> AbstractContextManager[Any]:
        from .sqlite_load import bulk_load

        return bulk_load(conn)


SQL = SqliteSql()

__all__ = ["LATEST", "MIGRATIONS", "SQL", "ChangeWatcher", "SQLiteDatabase", "SqliteSql", "describe_sqlite_error",
           "open_sqlite"]
