"""``parsalink-tui migrate-to URL``: copy the ``--db`` SQLite database into an empty PostgreSQL
database (parsalink_tui/migrate_to.py; docs/team.md). The target URL is allowed here even while
``--db`` refuses PostgreSQL URLs: this command is the way in. The URL is never printed."""

from __future__ import annotations

from typing import Any

import click

from .cli_common import emit
from .cli_types import TEXT


@click.command("migrate-to")
@click.argument("url", type=TEXT, metavar="POSTGRESQL_URL")
@click.pass_obj
def migrate_to_command(app: Any, url: str) -> None:
    """Copy this database (--db, an SQLite file) into an empty PostgreSQL database, all or
    nothing; prints the rows counted in each table on both sides."""
    from .config import is_postgres_url, resolve_db_target
    from .errors import ParsalinkError

    if not is_postgres_url(url):
        raise click.BadParameter("not a postgresql:// (or postgres://) URL", param_hint="'POSTGRESQL_URL'")
    source_path = resolve_db_target(app.db_path)
    if isinstance(source_path, str):
        raise ParsalinkError("migrate-to copies an SQLite file (--db) into PostgreSQL; --db names a "
                             "PostgreSQL database")  # fmt: skip
    if not source_path.is_file():
        raise ParsalinkError(f"no database at {source_path} (--db names the SQLite file to copy)")
    from .backends.sqlite import open_sqlite
    from .migrate_to import migrate_to

    source = open_sqlite(source_path)
    try:
        emit(migrate_to(source, url))
    finally:
        source.close()
