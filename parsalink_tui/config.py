"""Per-user paths and settings. Functions, not import-time globals, so tests can redirect them."""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import DatabaseFileError

APP_NAME = "parsalink-tui"
DB_ENV = "PARSALINK_DB"
REGION_ENV = "PARSALINK_REGION"


def default_db_path() -> Path:
    """``platformdirs.user_data_path("parsalink-tui")/parsalink.db``."""
    import platformdirs

    return Path(platformdirs.user_data_path(APP_NAME)) / "parsalink.db"


#: What ``--db`` / ``$PARSALINK_DB`` start with to name a PostgreSQL database (libpq's URL forms).
POSTGRES_SCHEMES = ("postgresql://", "postgres://")
#: Any other ``scheme://`` (SQLAlchemy's ``postgresql+psycopg://``, ``sqlite:///``, ``mysql://``):
#: refused rather than made an SQLite file in a folder named after the scheme.
_OTHER_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def is_postgres_url(value: str | os.PathLike[str]) -> bool:
    return isinstance(value, str) and value.startswith(POSTGRES_SCHEMES)


def resolve_db_target(cli_value: str | os.PathLike[str] | None) -> Path | str:
    """As :func:`resolve_db_path`, but a PostgreSQL URL (from ``--db`` or ``$PARSALINK_DB``)
    comes back as the string it is, for libpq to read (credentials, host, ``sslmode``...)."""
    if cli_value is not None and is_postgres_url(cli_value):
        return cli_value
    env = os.environ.get(DB_ENV)
    if cli_value is None and env and is_postgres_url(env):
        return env
    return resolve_db_path(cli_value)


def resolve_db_path(cli_value: str | os.PathLike[str] | None) -> Path:
    """``--db`` wins, then ``$PARSALINK_DB``, then the per-user default.

    An empty ``--db`` is an error, not "no --db": ``--db "$UNSET"`` in a script must not write
    to the per-user database. An empty ``$PARSALINK_DB`` counts as unset (the usual convention
    for environment variables, as ``${VAR:-default}`` in a shell).
    """
    if cli_value is not None:
        if not os.fspath(cli_value):
            raise DatabaseFileError("--db: the database path is empty")
        _refuse_other_url(cli_value, "--db")
        return Path(cli_value).expanduser()
    env = os.environ.get(DB_ENV)
    if env:
        _refuse_other_url(env, f"${DB_ENV}")
        return Path(env).expanduser()
    return default_db_path()


def _refuse_other_url(value: str | os.PathLike[str], where: str) -> None:
    """A URL that is not PostgreSQL's is an error naming its scheme only (the rest may hold a password)."""
    found = _OTHER_URL.match(value) if isinstance(value, str) else None
    if found:
        scheme = found.group(1)
        hint = " (write it postgresql://)" if scheme.lower().startswith("postgres") else ""
        raise DatabaseFileError(f"{where}: {scheme}:// is not a database this app opens{hint}; give a "
                                "postgresql:// (or postgres://) URL or an SQLite file path")  # fmt: skip


def default_region() -> str:
    """Region for phone numbers written without a country code (``$PARSALINK_REGION``, else US)."""
    return (os.environ.get(REGION_ENV) or "US").upper()
