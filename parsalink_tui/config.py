"""Per-user paths and settings. Functions, not import-time globals, so tests can redirect them."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "parsalink-tui"
DB_ENV = "PARSALINK_DB"
REGION_ENV = "PARSALINK_REGION"


def default_db_path() -> Path:
    """``platformdirs.user_data_path("parsalink-tui")/parsalink.db``."""
    import platformdirs

    return Path(platformdirs.user_data_path(APP_NAME)) / "parsalink.db"


def resolve_db_path(cli_value: str | os.PathLike[str] | None) -> Path:
    """``--db`` wins, then ``$PARSALINK_DB``, then the per-user default."""
    if cli_value:
        return Path(cli_value).expanduser()
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    return default_db_path()


def default_region() -> str:
    """Region for phone numbers written without a country code (``$PARSALINK_REGION``, else US)."""
    return (os.environ.get(REGION_ENV) or "US").upper()
