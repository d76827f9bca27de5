"""``parsalink-tui backup PATH``: a consistent copy of the whole database, taken while it is in use.

SQLite's online backup API (``sqlite3.Connection.backup``) copies every page in one step under
a read transaction: the copy is the database as of its last commit — contacts, notes, tasks,
the audit log, import jobs — whatever the TUI, an import or another process is writing. In WAL
mode that read blocks no writer; an import keeps going. (Copied in several steps, the backup
would restart whenever another connection commits, and a busy import would keep it from ever
finishing.)

The copy is written next to its destination under a temporary name, created ``0600`` (it holds
other people's personal data), switched to a single self-contained file (no ``-wal``), checked
with ``PRAGMA quick_check``, flushed to disk, and only then given its name; an existing file is
never overwritten. Restoring is opening it: ``parsalink-tui --db PATH``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path
from typing import Any

from .db import Database, describe_sqlite_error
from .errors import ParsalinkError
from .timeutil import now_utc
from .validation import strip_control


def backup_destination(destination: str | os.PathLike[str], source: Path | None, suffix: str = ".db") -> Path:
    """The new file a backup goes to: ``destination``, or a dated ``parsalink-….{suffix}`` in it
    when it is a folder; refused (one line) if it exists, is ``source``, or has no folder."""
    if not str(destination).strip() or "\x00" in str(destination):
        raise ParsalinkError("name the backup file (or a folder to put it in)")
    target = Path(destination).expanduser()
    if target.is_dir():
        target = target / f"parsalink-{now_utc():%Y%m%d-%H%M%S}{suffix}"
    shown = strip_control(str(target))
    if source is not None and target.resolve() == source.resolve():
        raise ParsalinkError(f"{shown} is the database itself")
    if target.exists() or target.is_symlink():
        raise ParsalinkError(f"{shown} exists; a backup never overwrites a file, name a new one")
    if not target.parent.is_dir():
        raise ParsalinkError(f"{shown}: the folder {strip_control(str(target.parent))} does not exist")
    return target


def backup_database(db: Database, destination: str | os.PathLike[str]) -> dict[str, Any]:
    """Copy ``db`` to ``destination`` (a new file, or a folder to put a dated file in).

    Returns ``{path, bytes, contacts, schemaVersion}``. Raises ParsalinkError with a one-line
    reason (the file exists, no such folder, full disk, ...); nothing is left behind then.
    """
    target = backup_destination(destination, db.path)
    partial = new_partial(target)
    try:
        copy = sqlite3.connect(partial, isolation_level=None)
        try:
            with db.engine.connect() as conn:
                conn.connection.driver_connection.backup(copy)  # one step: one snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
            if verdict != "ok":
                raise ParsalinkError(f"the copy failed its check ({verdict}); nothing was saved")
            contacts = copy.execute("SELECT count(*) FROM contact").fetchone()[0]
            version = copy.execute("PRAGMA user_version").fetchone()[0]
        finally:
            copy.close()
        publish(partial, target)
    except sqlite3.Error as exc:
        clear = describe_sqlite_error(exc, target)
        raise (clear or ParsalinkError(f"{strip_control(str(target))}: the backup failed ({exc})")) from None
    except OSError as exc:
        raise ParsalinkError(f"{strip_control(str(target))}: the backup failed ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return {"path": str(target), "bytes": target.stat().st_size, "contacts": contacts, "schemaVersion": version}


def new_partial(target: Path) -> Path:
    """An empty ``0600`` file beside ``target`` to write the copy into (``publish`` names it)."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise ParsalinkError(f"{strip_control(str(target))}: cannot write there ({exc.strerror})") from None
    return partial


def publish(partial: Path, target: Path) -> None:
    """Give the finished copy its name: ``0600``, flushed to disk, never over an existing file
    (the caller removes ``partial`` afterwards)."""
    os.chmod(partial, 0o600)
    with open(partial, "rb") as fh:
        os.fsync(fh.fileno())
    try:
        os.link(partial, target)  # fails if the name was taken meanwhile: never overwrites
    except FileExistsError:
        raise ParsalinkError(f"{strip_control(str(target))} exists; name a new file") from None
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
