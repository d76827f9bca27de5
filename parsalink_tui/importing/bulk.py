"""What an import job writes differently per database, behind one interface.

The job runner (:mod:`.runner`) and the batch writer (:mod:`.writer`) hold the rules of an import
(claims, batches, duplicates, merges, counters); an :class:`ImportBulk` holds how the rows go in:

==============================  =====================================  ======================================
piece                           SQLite (:mod:`.bulk_sqlite`)            PostgreSQL (:mod:`.bulk_pg`)
==============================  =====================================  ======================================
claiming a job                  under the writer lock; one job at a    ``FOR UPDATE SKIP LOCKED``: a job per
                                time per database                      worker, several at once
the job's connection            one connection, PRAGMAs for the job,   one connection; each batch takes the
                                each batch ``BEGIN IMMEDIATE``         writer lock, as ``write()`` does
new contact pks                 ``max(pk)+1`` (single write lock)      the identity sequence (``nextval``)
contacts                        multi-row INSERTs, search indexes      ``COPY`` into the table (a staging
                                fed per batch (``search_bulk``)        table and ``ON CONFLICT DO NOTHING``
                                                                       if an email was taken meanwhile)
other rows (audit, tags,        multi-row INSERTs                      ``COPY``
issues)
the uploaded file               written into a zeroblob, never bound   an INSERT
after the job                   merge the search segments;             merge the trigram pending lists;
                                re-ANALYZE when the statistics are     ANALYZE when the statistics are
                                stale                                  stale (autovacuum would, later)
==============================  =====================================  ======================================

``Backend.import_bulk()`` gives a database's one; :func:`bulk_for` asks it.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

log = logging.getLogger(__name__)

STALE_FACTOR = 2  # contacts on record vs in the table: beyond this, the statistics are redone


@dataclass
class JobConn:
    """The connection a job's batches share: ``sa`` (SQLAlchemy, for the job's own statements),
    ``raw`` (what :mod:`..contact_store` is given: SQLite's own connection, or ``sa``) and
    ``driver`` (the driver's connection, for the bulk statements)."""

    sa: Connection
    raw: Any
    driver: Any


class ImportBulk(ABC):
    """How one database takes an import's rows (see the module's table)."""

    #: Whether several jobs may run at once (each by its own worker); else one per database.
    jobs_at_once: bool = False

    def claim(self, db: Any) -> AbstractContextManager[Connection]:
        """The transaction a worker claims a job in (default: ``db.write()``, the writer lock)."""
        return db.write()

    def lock_job(self, conn: Connection, as_seen: str, params: dict[str, Any]) -> bool:
        """In the claim's transaction: lock the job row (still ``as_seen``, a condition on
        ``params``) for this worker, or False when another worker holds it. Under the writer
        lock nobody else can: True."""
        return True

    @abstractmethod
    def job_connection(self, db: Any) -> AbstractContextManager[JobConn]:
        """The connection of one job's batches, with the job's settings (restored after)."""

    @abstractmethod
    def batch(self, job: JobConn) -> AbstractContextManager[None]:
        """One batch's transaction on the job's connection: the writer lock, committed on success."""

    @abstractmethod
    def new_pks(self, job: JobConn, count: int) -> list[int]:
        """``count`` contact pks nobody else will use."""

    @abstractmethod
    def insert_contacts(self, job: JobConn, rows: list[tuple[Any, ...]], grams: list[str]) -> set[int]:
        """Insert new contacts (tuples in ``contact_store.CONTACT_COLUMNS`` order, pks from
        :meth:`new_pks`; ``grams`` their short-term search words, in order); returns the pks
        that went in. A row whose email another contact took meanwhile is left out, never an error."""

    @abstractmethod
    def insert_rows(self, job: JobConn, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Insert many rows of ``table`` (audit rows, tag links, row issues)."""

    @abstractmethod
    def existing(self, job: JobConn, keys: list[str], columns: tuple[str, ...]) -> Iterator[tuple[Any, ...]]:
        """``columns`` of the contacts holding these email keys (one index lookup per key)."""

    @abstractmethod
    def any_of(self, name: str) -> str:
        """SQL matching a column against the list parameter ``:name`` (its value made by
        :meth:`list_param`): append it to the column, as in ``"id " + any_of("ids")``."""

    @abstractmethod
    def list_param(self, values: list[Any]) -> Any:
        """The value of an :meth:`any_of` parameter holding ``values``."""

    @abstractmethod
    def delete_contacts(self, job: JobConn, rows: list[tuple[Any, ...]]) -> None:
        """Delete contacts ``(pk, id, email, first, last, phone)`` in the current batch (a revert)."""

    def store_file(self, conn: Connection, uid: str, data: bytes) -> None:
        """Store a new job's uploaded bytes (``import_file``), in the caller's transaction."""
        conn.execute(text("INSERT INTO import_file (job_uid, data) VALUES (:uid, :data)"), {"uid": uid, "data": data})

    def after_job(self, job: JobConn, stop: threading.Event | None) -> None:
        """Tidying once the job is complete, on its connection (never raises)."""

    #: What redoes the planner's statistics of the tables an import grows.
    ANALYZE = "ANALYZE"

    def recorded_contacts(self, conn: Connection) -> int | None:
        """How many contacts the planner's statistics say the table holds, or None when the
        database keeps none worth refreshing."""
        return None

    def refresh_statistics(self, db: Any) -> bool:
        """Redo the planner's statistics if the job made them stale — the contacts on record
        and in the table differ by more than STALE_FACTOR either way; returns whether it did.
        Never fails the worker: it is an optimisation, the import itself is done."""
        try:
            with db.read() as conn:
                recorded = self.recorded_contacts(conn)
                if recorded is None:
                    return False
                rows = conn.exec_driver_sql("SELECT count(*) FROM contact").scalar() or 0
            if recorded * STALE_FACTOR >= rows and rows * STALE_FACTOR >= recorded:
                return False
            with db.write() as conn:
                conn.exec_driver_sql(self.ANALYZE)
            return True
        except Exception:
            log.debug("refreshing the statistics failed", exc_info=True)
            return False


def bulk_for(db: Any) -> ImportBulk:
    """The :class:`ImportBulk` of the database ``db``."""
    return db.import_bulk()
