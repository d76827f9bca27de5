"""Opening a parsalink database: checks, per-user file modes, pragmas, migrations, transactions.

Opening never damages a file it cannot use: a file that is not ours, corrupt, read-only or from
a newer app version is refused with a :class:`DatabaseFileError` before anything is written, and
an existing path is never replaced by a fresh empty database.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from .errors import DatabaseFileError
from .migrations import APPLICATION_ID, LATEST, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000


def _uri(path: Path) -> str:
    # mode=rw: never let a later connection silently create a new empty file.
    return f"file:{quote(str(path.resolve()))}?mode=rw"


def _connect_raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(
        _uri(path),
        uri=True,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _create_file(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _check_existing(path: Path) -> None:
    if path.is_dir():
        raise DatabaseFileError(f"{path} is a directory, not a database file")
    if not path.is_file():
        raise DatabaseFileError(f"{path} is not a regular file")
    mode = path.stat().st_mode
    # Checked on the mode bits so it holds for root too, who may write anything.
    if not mode & stat.S_IWUSR or not os.access(path, os.W_OK):
        raise DatabaseFileError(f"{path} is read-only; make it writable or use --db with another file")
    if not os.access(path.parent, os.W_OK):
        raise DatabaseFileError(f"the folder {path.parent} is read-only (SQLite needs it for its journal)")
    if path.stat().st_size == 0:
        return
    with path.open("rb") as fh:
        head = fh.read(16)
    if head != SQLITE_MAGIC:
        raise DatabaseFileError(f"{path} is not a parsalink database (not an SQLite file)")


def _inspect(conn: sqlite3.Connection, path: Path) -> None:
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} is corrupt or not a database ({exc})") from None
    if app_id != APPLICATION_ID and not (app_id == 0 and tables == 0):
        raise DatabaseFileError(f"{path} is not a parsalink database (it holds other data)")
    if version > LATEST:
        raise DatabaseFileError(
            f"{path} was written by a newer parsalink-tui (schema {version}, this app knows "
            f"up to {LATEST}); upgrade parsalink-tui to open it"
        )


def prepare_file(path: Path) -> int:
    """Check or create ``path`` and migrate it to the latest schema; returns its old version."""
    if path.exists() or path.is_symlink():
        _check_existing(path)
    else:
        _create_file(path)
    try:
        conn = _connect_raw(path)
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} is corrupt or not a database ({exc})") from None
    try:
        _inspect(conn, path)
        journal = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if journal.lower() != "wal":
            raise DatabaseFileError(f"{path}: could not switch to WAL mode ({journal})")
        try:
            return migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise DatabaseFileError(f"{path}: upgrading the schema failed ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} is corrupt or unusable ({exc})") from None
    finally:
        conn.close()


class Database:
    """An open, migrated database: an SQLAlchemy engine plus read/write transaction helpers."""

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A deferred transaction: a consistent snapshot that never blocks writers (WAL)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """``BEGIN IMMEDIATE``: take the write lock up front (waiting up to the busy timeout),
        so two writers never deadlock upgrading a read lock; commits on success."""
        with self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def close(self) -> None:
        self.engine.dispose()


def open_database(path: str | os.PathLike[str] | None = None) -> Database:
    """Open (creating and migrating as needed) the database at ``path``.

    ``None`` resolves through ``config.resolve_db_path`` (``$PARSALINK_DB`` or the per-user file).
    """
    from .config import resolve_db_path

    db_path = resolve_db_path(path)
    prepare_file(db_path)
    engine = create_engine(
        "sqlite+pysqlite://",
        creator=lambda: _connect_raw(db_path),
        poolclass=QueuePool,
        pool_size=5,
        max_overflow=10,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return Database(db_path, engine)
