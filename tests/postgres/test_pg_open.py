"""Opening a PostgreSQL database: the schema is made once, at the baseline, under a lock; a newer
or foreign database is refused with the one-line messages SQLite gives."""

from __future__ import annotations

import threading

import psycopg
import pytest
from sqlalchemy import text

from parsalink_tui.backends import pg_schema
from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.errors import DatabaseFileError


def meta(url: str) -> tuple[str, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT application, schema_version FROM parsalink_meta").fetchone()


def test_a_new_database_is_made_at_the_newest_version(pg_url: str) -> None:
    db = open_postgres(pg_url)
    try:
        with db.read() as conn:
            assert conn.execute(text("SELECT count(*) FROM contact")).scalar() == 0
        assert db.dialect == "postgresql"
    finally:
        db.close()
    assert meta(pg_url) == ("parsalink-tui", pg_schema.KNOWN)


def test_reopening_does_not_migrate_again(pg_url: str) -> None:
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("INSERT INTO source (uid, name, created_at) VALUES ('s1', 'kept', '2026-01-01T00:00:00Z')")
        oid = conn.execute("SELECT 'contact'::regclass::oid").fetchone()[0]
    db = open_postgres(pg_url)
    try:
        with db.read() as conn:
            assert conn.execute(text("SELECT name FROM source")).scalar() == "kept"
            assert conn.execute(text("SELECT 'contact'::regclass::oid")).scalar() == oid  # same table
    finally:
        db.close()


def test_a_newer_schema_is_refused_naming_the_version(pg_url: str) -> None:
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE parsalink_meta SET schema_version = %s", (pg_schema.KNOWN + 1,))
    with pytest.raises(DatabaseFileError) as caught:
        open_postgres(pg_url)
    message = str(caught.value)
    assert f"newer parsalink-tui (schema {pg_schema.KNOWN + 1}, this app knows up to {pg_schema.KNOWN})" in message
    assert "\n" not in message


def test_a_database_holding_other_tables_is_refused_and_left_alone(pg_url: str) -> None:
    with psycopg.connect(pg_url) as conn:
        conn.execute("CREATE TABLE invoices (id int)")
    with pytest.raises(DatabaseFileError, match="is not a parsalink database"):
        open_postgres(pg_url)
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables == {"invoices"}


def test_a_foreign_marker_is_refused(pg_url: str) -> None:
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("UPDATE parsalink_meta SET application = 'something-else'")
    with pytest.raises(DatabaseFileError, match="is not a parsalink database"):
        open_postgres(pg_url)


def test_two_apps_opening_a_new_database_at_once_migrate_it_once(pg_url: str) -> None:
    """The second waits on the migration lock, then finds the schema made (no "already exists")."""
    errors: list[BaseException] = []
    with psycopg.connect(pg_url) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.MIGRATION_LOCK,))

        def opener() -> None:
            try:
                open_postgres(pg_url).close()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=opener) for _ in range(2)]
        for t in threads:
            t.start()
        wait_for_lock_waiters(holder, 2)
    for t in threads:
        t.join(60)
    assert errors == []
    assert meta(pg_url) == ("parsalink-tui", pg_schema.KNOWN)


def wait_for_lock_waiters(conn: psycopg.Connection, count: int) -> None:
    """Until ``count`` other sessions wait on an advisory lock (bounded: 60 s)."""
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        waiting = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        ).fetchone()[0]
        if waiting >= count:
            return
        time.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited on the lock")
