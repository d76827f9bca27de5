"""What differs per database, behind one small interface (the adapter pattern of harlequin's
``adapter.py``: one module per backend, the rest of the app talks to the interface only).

A :class:`Backend` is an open, migrated database. The service, CLI, TUI and server use
``read()`` / ``write()`` (transactions yielding SQLAlchemy Connections), ``close()``,
``watch_changes()``, ``describe_error()`` and ``display_name``; they never ask which database it
is. Today's implementations: ``parsalink_tui.db.Database`` (SQLite, re-exported by
``backends.sqlite``) and ``backends.postgres.PostgresDatabase``. The places the PostgreSQL port
still fills in (search) are named below and raise until then.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar, Protocol

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import QueuePool

from ..errors import DatabaseFileError, NotPortedError


class ChangeWatcher(Protocol):
    """Says whether another connection committed since last asked (the TUI polls it)."""

    def changed(self) -> bool: ...

    def close(self) -> None: ...


class Backend(ABC):
    """An open, migrated parsalink database."""

    #: "sqlite" or "postgresql": for the backend modules and tests, never for the service to branch on.
    dialect: ClassVar[str]
    engine: Engine

    @property
    @abstractmethod
    def display_name(self) -> str:
        """Where the data is, for messages and titles: a file path, or a URL without its password."""

    @property
    def short_name(self) -> str:
        """A title-sized name of the database (the TUI's subtitle): ``display_name`` unless shorter exists."""
        return self.display_name

    @property
    @abstractmethod
    def target(self) -> str:
        """What opens this database again in another process (``--db``): a file path, or the
        URL as given (with its password, if any: never print it, never put it on a command line)."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Connection]:
        """A transaction over one consistent snapshot; it never blocks writers."""

    @abstractmethod
    def write(self) -> AbstractContextManager[Connection]:
        """A transaction that may write: one writer at a time, committed on success."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def watch_changes(self) -> ChangeWatcher:
        """A watcher on its own connection: ``changed()`` is true after another connection's commit."""

    @abstractmethod
    def describe_error(self, exc: BaseException) -> DatabaseFileError | None:
        """A one-line :class:`DatabaseFileError` for a storage or connection failure the
        database reported (full disk, damaged file, server gone, ...), or None for anything else."""

    def after_load(self) -> None:
        """After a bulk load committed (demo data, ``migrate-to``): make the new rows as quick to
        read as old ones. SQLite: nothing (its loader rebuilt the indexes and ran ANALYZE)."""

    def backup(self, destination: Any) -> dict[str, Any]:
        """A consistent copy of the whole database at ``destination`` (SQLite: ``backup.py``);
        ``{path, ...}`` as ``Service.backup`` returns it."""
        raise NotPortedError("backup")

    def import_bulk(self) -> Any:
        """How import jobs are claimed and their batches written here (``importing.bulk.ImportBulk``:
        SQLite's writer lock, multi-row INSERTs and search feeding; PostgreSQL's ``FOR UPDATE
        SKIP LOCKED`` claims, identity sequence and COPY)."""
        raise NotImplementedError(f"imports have no bulk writer for {self.dialect}")


class SqlPieces(ABC):
    """The few SQL pieces that are written differently per database, for the app's own queries
    (listing, directory, ...). Each backend module provides one (``backends.sql_for(conn)``
    finds it from a Connection), so the shared SQL never asks which database it runs on.
    Everything else is written once, in SQL both read the same (``TRUE``/``FALSE``, ``:named``
    parameters, ``ON CONFLICT``, ``lower()``, ``count(*)``, ...)."""

    #: Connection.dialect.name of this database.
    dialect: ClassVar[str]

    @abstractmethod
    def nocase(self, expr: str) -> str:
        """``expr`` as a case-insensitive sort key, written as the database's index on it is."""

    @abstractmethod
    def nulls_first(self, direction: str) -> str:
        """``direction`` ("ASC"/"DESC") of a nullable sort key, with NULLs ordered as on SQLite:
        before every value ascending, after them descending."""

    @abstractmethod
    def unindexed(self, expr: str) -> str:
        """``expr`` in a form the planner cannot use an index for (a plan hint; may be ``expr``)."""

    @abstractmethod
    def search_match(self, query: str) -> Any:
        """Where and how to find ``query`` (None: nothing to search for): an object with
        ``expr`` (the ``:fts`` parameter), ``rowids()`` (a subquery of matching contact pks),
        ``member(pk)`` (``pk`` among the matches, as the database finds best: SQLite ``pk IN
        (rowids)``, PostgreSQL the row's own columns), ``has_row(pk)`` (a condition probing one row) and ``index()`` (``(table, contact-pk
        column, condition)`` to count matches from the index alone). See ``search_sqlite.Match``."""

    @abstractmethod
    def bulk_load(self, conn: Connection) -> AbstractContextManager[Any]:
        """Many new rows into ``conn``'s write transaction (demo data): yields a loader with
        ``insert(table, columns, rows)`` and ``contact_pks(count)``; on leaving, what the
        database needs after a load (SQLite: its search tables and indexes, rebuilt; both:
        ANALYZE). SQLite: ``backends.sqlite_load``; PostgreSQL: ``backends.pg_load`` (COPY)."""


#: Connections each database keeps open for the app, and how many more it may open at a busy moment.
POOL_SIZE = 5
POOL_OVERFLOW = 10


def pooled_engine(url: str, creator: Callable[[], Any], **options: Any) -> Engine:
    """The app's engine on ``url`` (a dialect, no address): connections made by ``creator``,
    pooled the same way on every database (POOL_SIZE kept, POOL_OVERFLOW more when busy)."""
    return create_engine(
        url,
        creator=creator,
        poolclass=QueuePool,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        **options,
    )


@contextmanager
def explained(describe: Callable[[BaseException], DatabaseFileError | None]) -> Iterator[None]:
    """Re-raise a failure that ``describe`` explains as its one-line :class:`DatabaseFileError`;
    anything else passes through as it is."""
    try:
        yield
    except Exception as exc:
        clear = describe(exc)
        if clear is None:
            raise
        raise clear from exc
