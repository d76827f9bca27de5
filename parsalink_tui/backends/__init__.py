"""The database backends: ``open_database(target)`` picks one from the target it is given.

A ``postgresql://`` or ``postgres://`` URL (``--db`` or ``$PARSALINK_DB``) is a PostgreSQL
database (``backends.postgres``, psycopg 3, the ``postgres`` extra); anything else is an SQLite
file path as it always was (``backends.sqlite``). The interface both implement: ``backends.base``.
Nothing here imports psycopg until a URL asks for it: SQLite users need not have it installed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from .base import Backend, SqlPieces

def open_database(target: str | os.PathLike[str] | None = None) -> Backend:
    """Open (creating and migrating as needed) the database ``target`` names; ``None`` resolves
    through ``config.resolve_db_target`` ($PARSALINK_DB, else the per-user SQLite file)."""
    from ..config import resolve_db_target

    resolved = resolve_db_target(target)
    if isinstance(resolved, str):
        from .postgres import open_postgres

        return open_postgres(resolved)
    from .sqlite import open_sqlite

    return open_sqlite(resolved)


def sql_for(conn: Connection) -> SqlPieces:
    """The SQL pieces of the database ``conn`` is connected to (see ``base.SqlPieces``)."""
    if conn.dialect.name == "postgresql":
        from .postgres import SQL
    else:
        from .sqlite import SQL
    return SQL
