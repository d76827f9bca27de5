"""The SQLite backend: the embedded default. Its code is ``parsalink_tui.db`` (opening, checks,
pragmas, the write lock, ``ChangeWatcher`` on ``PRAGMA data_version``) and
``parsalink_tui.migrations`` (the chain); this module names them as the backend interface."""

from __future__ import annotations

from ..db import ChangeWatcher, Database, describe_sqlite_error, open_database as open_sqlite
from ..migrations import LATEST, MIGRATIONS

SQLiteDatabase = Database

__all__ = ["LATEST", "MIGRATIONS", "ChangeWatcher", "SQLiteDatabase", "describe_sqlite_error", "open_sqlite"]
