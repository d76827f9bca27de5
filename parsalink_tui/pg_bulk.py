"""Many rows into one PostgreSQL table fast: ``COPY … FROM STDIN`` through psycopg 3's own
connection (``cursor.copy``, ``write_row``), the counterpart of :mod:`.sqlite_bulk`. Used by the
bulk writers through :mod:`.contact_store` and ``importing/bulk_pg.py``. psycopg is not imported
here: the caller's connection brings it.
"""

from __future__ import annotations

from typing import Any


def _plain(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Flags as 0/1: COPY's text form writes a bool as ``t``, which an INTEGER column refuses."""
    return tuple(int(value) if isinstance(value, bool) else value for value in row)


def copy_rows(driver: Any, target: str, rows: list[tuple[Any, ...]]) -> None:
    """``COPY target FROM STDIN`` with ``rows`` (``target``: ``table (col, …)``), in the
    connection's current transaction."""
    if not rows:
        return
    with driver.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(_plain(row))
