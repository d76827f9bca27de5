"""The search indexes' segment merging, moved out of an import's batches to after the job.

FTS5 writes each batch's search words as a new segment of each index and, by default, merges
segments as it writes ("automerge": a write that finds 4 or more segments on a level does merge
work in proportion to what it wrote), so an import rewrote its whole trigram and short-term
index two or three times while it ran, on the writer's critical path. Now:

* :func:`automerge_off` wraps a batch's two search statements: automerge is set to 0 and put
  back to the value it had, **inside the batch's transaction**. The committed configuration is
  therefore never changed: a worker killed at any moment (the transaction rolls back) leaves it
  as it was, and no other connection ever sees 0. ``crisismerge`` (16) is left alone, so a level
  never holds more than 16 segments while a job runs.
* :func:`merge_after_job` runs once the job is complete (off the clock the user watches): the
  ``merge`` command, :data:`MERGE_PAGES` pages of work per transaction (~50 ms, so other writers
  get the lock between steps, as between batches), until no level holds 4 segments, the job's
  runner is asked to stop, or :data:`MERGE_SECONDS` have passed. Whatever is left is merged by
  later writes' own automerge, as before. Merging never changes what a search finds.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

SEARCH_TABLES = ("contact_fts", "contact_short")
DEFAULT_AUTOMERGE = 4  # FTS5's default when the table's config holds no 'automerge' row
MERGE_PAGES = 500  # pages of merge work per transaction
MERGE_SECONDS = 10.0  # merging after a job stops after this long (later writes merge the rest)


def automerge_of(raw: sqlite3.Connection, table: str) -> int:
    """The table's committed-or-pending automerge setting (FTS5's default when it has none)."""
    row = raw.execute(f"SELECT v FROM {table}_config WHERE k = 'automerge'").fetchone()
    return DEFAULT_AUTOMERGE if row is None else int(row[0])


@contextmanager
def automerge_off(raw: sqlite3.Connection) -> Iterator[None]:
    """Inside the caller's transaction: the search indexes written without merge work.

    The old values are put back before the transaction commits. If the body raises, the caller
    rolls the transaction back, which restores the stored configuration (and FTS5 reloads it on
    the next statement: the configuration's cookie no longer matches).
    """
    saved = {table: automerge_of(raw, table) for table in SEARCH_TABLES}
    for table in SEARCH_TABLES:
        raw.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', 0)")
    yield
    for table, value in saved.items():
        raw.execute(f"INSERT INTO {table}({table}, rank) VALUES ('automerge', ?)", (value,))


def merge_step(raw: sqlite3.Connection, table: str, pages: int = MERGE_PAGES) -> bool:
    """One ``merge`` of about ``pages`` pages on ``table``, in the caller's transaction; False
    when there was nothing to merge (FTS5's rule: fewer than 2 rows changed)."""
    before = raw.total_changes
    raw.execute(f"INSERT INTO {table}({table}, rank) VALUES ('merge', ?)", (pages,))
    return raw.total_changes - before >= 2


def merge_after_job(conn: Any, raw: sqlite3.Connection, stop: threading.Event | None = None,
                    seconds: float = MERGE_SECONDS) -> int:  # fmt: skip
    """Merge the segments a job left, each step its own transaction on ``conn`` (a SQLAlchemy
    connection whose ``begin()`` takes the write lock; ``raw`` its sqlite3 connection); returns
    the steps done. Never raises for a database error: the job is already complete."""
    deadline = time.monotonic() + seconds
    steps = 0
    try:
        for table in SEARCH_TABLES:
            while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
                with conn.begin():
                    more = merge_step(raw, table)
                steps += 1
                if not more:
                    break
    except Exception:  # an optimisation (a busy database, a full disk): later writes merge the rest
        log.debug("merging the search indexes after the job stopped", exc_info=True)
    return steps
