"""Opening a parsalink database: checks, per-user file modes, pragmas, migrations, transactions.

Opening never damages a file it cannot use: a file that is not ours, corrupt, read-only or from
a newer app version is refused with a :class:`DatabaseFileError` before anything is written, and
an existing path is never replaced by a fresh empty database.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import stat
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, event

from .backends.base import Backend, explained, pooled_engine
from .errors import DatabaseFileError, NewerSchemaError
from .migrations import APPLICATION_ID, LATEST, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 15_000
# Taking the write lock (see _take_write_lock): how often a waiting writer retries, and how long a
# writer that just committed leaves the lock free before it takes it again.
LOCK_RETRY_SECONDS = 0.001
WRITER_GAP_SECONDS = 0.003
_RECENT_WRITE_SECONDS = 0.05
# Page size of new databases (SQLite's default is 4096). Bulk writes touch fewer, larger pages:
# a 10 MB import into a new database took ~0.3 s less of ~3.5 s (bench/bench_import.py, 5 runs
# each at 4, 8, 16, 32 and 64 KiB; 16 KiB and up were alike). Existing files keep theirs.
PAGE_SIZE = 16384


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
    """A new empty file, 0600, in folders created 0700 (every one the app makes, whatever the
    umask: the file holds other people's personal data)."""
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # made meanwhile by someone else: theirs, left as it is
            continue
        folder.chmod(0o700)  # mkdir's mode is masked by the umask
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(fd)
    path.chmod(0o600)


def _check_path(path: Path) -> None:
    """Refuse a path the system cannot follow, naming the part at fault in words a user knows
    (os.stat alone says "File exists" or "Too many levels of symbolic links")."""
    try:
        os.stat(path)
        return
    except FileNotFoundError:
        return
    except OSError as exc:
        problem = exc
    for n in range(1, len(path.parts) + 1):
        part = Path(*path.parts[:n])
        try:
            os.stat(part)
        except FileNotFoundError:
            return
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise DatabaseFileError(f"{part} is a symbolic link loop") from None
            if exc.errno == errno.ENOTDIR:
                raise DatabaseFileError(f"{Path(*path.parts[:n - 1])} is a file, not a folder") from None
            problem = exc
            break
    raise DatabaseFileError(f"{path}: {problem.strerror or problem}") from None


# Files this process has open through SQLite (path → open Database objects). The header check
# below must not read those through a descriptor of its own: closing any descriptor of a file
# drops every POSIX lock the process holds on it, SQLite's included, and another process may
# then take the file for unused, checkpoint and delete its WAL under our connections and corrupt
# it (an in-process CLI run next to a worker process did exactly that).
_open_here: Counter[Path] = Counter()


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
    if path.stat().st_size == 0 or _open_here[path.resolve()]:
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
        raise _unreadable(exc, path) from None
    if app_id != APPLICATION_ID and not (app_id == 0 and tables == 0):
        raise DatabaseFileError(f"{path} is not a parsalink database (it holds other data)")
    if version > LATEST:
        raise NewerSchemaError(path, version, LATEST)
    # Read the first row of every table: a table whose root page is damaged is then refused
    # here, before anything is written, instead of taking writes elsewhere in the file. A few
    # page reads per table; damage deeper in a big table is found by the query that reads it
    # (see describe_sqlite_error), and that query's transaction changes nothing.
    try:
        names = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%'")]
        for name in names:
            conn.execute(f'SELECT 1 FROM "{name}" NOT INDEXED LIMIT 1').fetchall()
    except sqlite3.DatabaseError as exc:
        raise DatabaseFileError(f"{path} is corrupt ({exc}); {_RECOVER_HINT}") from None


def prepare_file(path: Path) -> int:
    """Check or create ``path`` and migrate it to the latest schema; returns its old version."""
    _check_path(path)
    if path.exists() or path.is_symlink():
        _check_existing(path)
        if path.stat().st_size == 0:  # an empty file we are about to fill: private, as a new one
            with contextlib.suppress(PermissionError):
                path.chmod(0o600)
    else:
        _create_file(path)
    # Reading a WAL-mode file creates its -wal/-shm; SQLite removes them on close only when it
    # can checkpoint, which a damaged file prevents. A refusal must leave the folder as it was.
    sidecars = [Path(f"{path}-wal"), Path(f"{path}-shm")]
    ours = [p for p in sidecars if not p.exists()]
    try:
        return _open_and_migrate(path)
    except DatabaseFileError:
        if ours == sidecars and (not sidecars[0].exists() or sidecars[0].stat().st_size == 0):
            for sidecar in sidecars:
                sidecar.unlink(missing_ok=True)
        raise


def _open_and_migrate(path: Path) -> int:
    try:
        conn = _connect_raw(path)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(exc, path) from None
    try:
        _inspect(conn, path)
        if path.stat().st_size == 0:  # a new file: its page size is set before anything is written
            conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")
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


_RECOVER_HINT = "nothing was changed; restore it from a backup (or try the sqlite3 shell's .recover)"
# SQLite result codes (extended ones start with these) → what the user can do about it.
_EXPLAINED = (
    ("SQLITE_FULL", "the disk is full (or the database reached its size limit); nothing was changed. "
     "Free some space and try again"),
    ("SQLITE_CORRUPT", f"the database file is damaged ({{}}); {_RECOVER_HINT}"),
    ("SQLITE_NOTADB", f"the database file is damaged ({{}}); {_RECOVER_HINT}"),
    ("SQLITE_READONLY", "the database cannot be written (read-only file, folder or file system); nothing was changed"),
    ("SQLITE_IOERR", "a disk I/O error stopped the change ({}); nothing was changed"),
    ("SQLITE_BUSY", f"another program kept the database locked for over {BUSY_TIMEOUT_MS // 1000} s; "
     "nothing was changed. Try again"),
)


def _unreadable(exc: sqlite3.DatabaseError, path: Path) -> DatabaseFileError:
    """Why opening ``path`` failed: another program holding it locked (it is not damaged), or
    the file being corrupt or not a database."""
    if (getattr(exc, "sqlite_errorname", None) or "").startswith("SQLITE_BUSY"):
        return describe_sqlite_error(exc, path) or DatabaseFileError(f"{path}: {exc}")
    return DatabaseFileError(f"{path} is corrupt or not a database ({exc})")


def describe_sqlite_error(exc: BaseException, path: Path) -> DatabaseFileError | None:
    """A one-line :class:`DatabaseFileError` for a storage failure SQLite reported (full disk,
    damaged file, read-only, I/O error, lock timeout), or None for anything else.

    Accepts a ``sqlite3`` error or SQLAlchemy's wrapper of one. The transaction that hit it
    was rolled back by then, which is why every message can say nothing was changed.
    """
    from sqlalchemy.exc import DBAPIError

    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, sqlite3.DatabaseError):
        return None
    name = getattr(orig, "sqlite_errorname", None) or ""
    for code, explanation in _EXPLAINED:
        if name == code or name.startswith(code + "_"):
            return DatabaseFileError(f"{path}: {explanation.format(orig)}")
    return None


class ChangeWatcher:
    """Says whether another connection (this process's or another's) committed since last asked.

    ``PRAGMA data_version`` on one dedicated connection changes whenever any other connection
    commits: a cheap way for the TUI to notice an import running in another process.
    """

    def __init__(self, path: Path) -> None:
        self._conn = _connect_raw(path)
        self._last = self._version()

    def _version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def changed(self) -> bool:
        version = self._version()
        changed, self._last = version != self._last, version
        return changed

    def close(self) -> None:
        self._conn.close()


class Database(Backend):
    """An open, migrated SQLite database: an SQLAlchemy engine plus read/write transaction helpers.

    Storage failures inside a transaction (full disk, damaged file, ...) leave it as a
    :class:`DatabaseFileError` with a one-line message, after the rollback.
    """

    dialect = "sqlite"

    def __init__(self, path: Path, engine: Engine) -> None:
        self.path = path
        self.engine = engine
        self._closed = False
        _open_here[path.resolve()] += 1

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A deferred transaction: a consistent snapshot that never blocks writers (WAL)."""
        with explained(self.describe_error), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """``BEGIN IMMEDIATE``: take the write lock up front (waiting up to the busy timeout),
        so two writers never deadlock upgrading a read lock; commits on success."""
        with explained(self.describe_error), self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    @property
    def target(self) -> str:
        return str(self.path)

    @property
    def display_name(self) -> str:
        return str(self.path)

    @property
    def short_name(self) -> str:
        return self.path.name

    def watch_changes(self) -> ChangeWatcher:
        return ChangeWatcher(self.path)

    def describe_error(self, exc: BaseException) -> DatabaseFileError | None:
        return describe_sqlite_error(exc, self.path)

    def backup(self, destination: str | os.PathLike[str]) -> dict[str, Any]:
        from .backup import backup_database

        return backup_database(self, destination)

    def import_bulk(self) -> Any:
        from .importing.bulk_sqlite import BULK

        return BULK

    def search_sql(self):
        from . import search_sqlite

        return search_sqlite

    def close(self) -> None:
        self.engine.dispose()
        if not self._closed:
            self._closed = True
            _open_here[self.path.resolve()] -= 1


def open_database(path: str | os.PathLike[str] | None = None) -> Database:
    """Open (creating and migrating as needed) the database at ``path``.

    ``None`` resolves through ``config.resolve_db_path`` (``$PARSALINK_DB`` or the per-user file).
    """
    from .config import resolve_db_path

    db_path = resolve_db_path(path)
    prepare_file(db_path)
    engine = pooled_engine("sqlite+pysqlite://", lambda: _connect_raw(db_path))

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        if conn.get_execution_options().get("immediate"):
            _take_write_lock(conn.connection.driver_connection, conn.connection.info)
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end(conn: Connection) -> None:
        info = conn.connection.info
        if info.pop("writing", False):
            info["wrote_at"] = time.monotonic()

    return Database(db_path, engine)


def _take_write_lock(raw: sqlite3.Connection, info: dict) -> None:
    """``BEGIN IMMEDIATE``, retried every millisecond for up to the busy timeout.

    Not SQLite's own busy handler: after its first few tries it sleeps 100 ms between tries, and
    an import writes batch after batch with only a few milliseconds between them, so a waiting
    writer kept missing the moment the lock was free. A stage key in the TUI waited 1.3-4.4 s,
    i.e. for the whole of a 10 MB import (tests/hardening/test_concurrent_tui_import.py); a longer
    run of jobs would have ended in "database is locked". For the same reason a connection that
    committed a write a moment ago (a bulk writer such as an import) first leaves the lock free
    for WRITER_GAP_SECONDS, so that a waiting writer gets its turn between two batches.
    """
    wrote_at = info.get("wrote_at")
    if wrote_at is not None and time.monotonic() - wrote_at < _RECENT_WRITE_SECONDS:
        time.sleep(WRITER_GAP_SECONDS)
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as exc:
                busy = (getattr(exc, "sqlite_errorname", None) or "").startswith("SQLITE_BUSY")
                if not busy or time.monotonic() >= deadline:
                    raise
            time.sleep(LOCK_RETRY_SECONDS)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    info["writing"] = True
