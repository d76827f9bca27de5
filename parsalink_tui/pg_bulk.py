"""Many rows into one PostgreSQL table fast: ``COPY … FROM STDIN`` through psycopg 3's own
connection (``cursor.copy``, ``write_row``), the counterpart of :mod:`.sqlite_bulk`. Used by the
bulk writers through :mod:`.contact_store` and ``importing/bulk_pg.py``. psycopg is not imported
here: the caller's connection brings it.
"""

from __future__ import annotations

from typing import Any


def copy_rows(driver: Any, target: str, rows: list[tuple[Any, ...]]) -> None:
    """``COPY target FROM STDIN`` with ``rows`` (``target``: ``table (col, …)``), in the
    connection's current transaction. Flags must be 0/1, as the app stores them: COPY's text
    form writes a Python bool as ``t``, which an INTEGER column refuses (converting every value
    here cost ~12% of a 10 MB import)."""
    if not rows:
        return
    with driver.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
