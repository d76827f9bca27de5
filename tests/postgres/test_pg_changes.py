"""Another connection's commits reach a PostgreSQL watcher (LISTEN/NOTIFY), rolled-back work
does not; writers take turns as on SQLite."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text

from parsalink_tui.backends import pg_schema
from parsalink_tui.backends.postgres import WRITER_LOCK, PostgresDatabase, open_postgres
from parsalink_tui.service import Service

CONTACT = ("INSERT INTO contact (id, email, email_key, created_at, updated_at)"
           " VALUES (%s, %s, %s, '2026-01-01', '2026-01-01')")  # fmt: skip


@pytest.fixture
def db(pg_url: str) -> Iterator[PostgresDatabase]:
    database = open_postgres(pg_url)
    yield database
    database.close()


def eventually(check: Callable[[], bool], seconds: float = 30) -> bool:
    """True once ``check()`` is (notifications arrive asynchronously); False after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.01)
    return False


def test_a_commit_elsewhere_is_seen_once(db: PostgresDatabase, pg_url: str) -> None:
    watcher = Service(db).watch_changes()
    try:
        assert watcher.changed() is False
        with psycopg.connect(pg_url) as other:
            other.execute(CONTACT, ("c1", "a@x", "a@x"))
        assert eventually(watcher.changed)
        assert watcher.changed() is False
        with db.write() as conn:  # this process's own writes count too, as on SQLite
            conn.execute(text("UPDATE contact SET title = 'CEO'"))
        assert eventually(watcher.changed)
    finally:
        watcher.close()


def test_a_rolled_back_change_is_not_seen(db: PostgresDatabase, pg_url: str) -> None:
    watcher = db.watch_changes()
    try:
        with psycopg.connect(pg_url) as other:
            other.execute(CONTACT, ("c1", "a@x", "a@x"))
            other.rollback()
        # The watcher's next round trip brings any notification sent by then (PostgreSQL sends
        # them before the reply); a rolled-back transaction sent none.
        watcher._conn.execute("SELECT 1")
        assert watcher.changed() is False
    finally:
        watcher.close()


def test_notifications_name_the_committed_tables_only(db: PostgresDatabase, pg_url: str) -> None:
    """Delivered in commit order: a later commit's notification arriving with nothing before it
    shows the rolled-back transaction queued none."""
    with psycopg.connect(pg_url, autocommit=True) as listener, psycopg.connect(pg_url) as other:
        listener.execute(f"LISTEN {pg_schema.CHANGES_CHANNEL}")
        other.execute(CONTACT, ("c1", "a@x", "a@x"))
        other.execute("INSERT INTO note (id, contact_id, text, created_at, updated_at)"
                      " VALUES ('n1', 'c1', 'hi', '2026-01-01', '2026-01-01')")  # fmt: skip
        other.rollback()
        other.execute("INSERT INTO source (uid, name, created_at) VALUES ('s1', 'fair', '2026-01-01')")
        other.commit()
        payloads = [n.payload for n in listener.notifies(timeout=30, stop_after=1)]
    assert payloads == ["source"]


def test_a_watcher_whose_connection_died_reconnects_and_says_changed(db: PostgresDatabase, pg_url: str) -> None:
    watcher = db.watch_changes()
    try:
        pid = watcher._conn.info.backend_pid
        with psycopg.connect(pg_url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        assert eventually(watcher.changed)  # lost: whatever happened meanwhile was missed
        with psycopg.connect(pg_url) as other:
            other.execute(CONTACT, ("c1", "a@x", "a@x"))
        assert eventually(watcher.changed)
    finally:
        watcher.close()


def test_writers_take_turns(db: PostgresDatabase, pg_url: str) -> None:
    """A second write() waits on the writer lock while the first is open, as BEGIN IMMEDIATE does."""
    entered = threading.Event()
    with db.write() as conn:
        conn.execute(text("INSERT INTO source (uid, name, created_at) VALUES ('s1', 'a', '2026-01-01')"))

        def second() -> None:
            with db.write() as conn2:
                entered.set()
                conn2.execute(text("UPDATE source SET name = 'b'"))

        thread = threading.Thread(target=second)
        thread.start()
        with psycopg.connect(pg_url, autocommit=True) as probe:
            assert eventually(lambda: probe.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND NOT granted",
                (WRITER_LOCK,)).fetchone()[0] == 1)  # fmt: skip
        assert not entered.is_set()
    thread.join(60)
    assert entered.is_set()
    with db.read() as conn:
        assert conn.execute(text("SELECT name FROM source")).scalar() == "b"


def test_a_writer_kept_waiting_past_the_timeout_is_told_so(db: PostgresDatabase, pg_url: str, monkeypatch) -> None:
    from parsalink_tui.errors import DatabaseFileError

    monkeypatch.setattr("parsalink_tui.backends.postgres.BUSY_TIMEOUT_MS", 50)
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITER_LOCK,))
        with pytest.raises(DatabaseFileError) as caught, db.write():
            pass
    assert "another program kept the database locked" in str(caught.value)
    assert "nothing was changed" in str(caught.value)
