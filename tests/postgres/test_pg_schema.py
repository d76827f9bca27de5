"""The PostgreSQL schema equals the SQLite one: same tables, columns (nullability, defaults),
keys, foreign keys and indexes, but for each database's own search tables; and the chain has
PostgreSQL SQL for every step after the baseline."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import psycopg

from parsalink_tui import migrations
from parsalink_tui.backends import pg_schema
from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.db import open_database

from .schema_shape import pg_shape, sqlite_shape

# SQLite's own search tables (FTS5 and its shadow tables, the short-term helpers).
SQLITE_SEARCH = re.compile(r"^(contact_fts|contact_short)|^search_")
# Schema 6 as the v6 branch describes it, applied here while this branch's SQLite chain ends at 5.
V6_AS_DESCRIBED = """
ALTER TABLE user RENAME TO app_user;
ALTER TABLE account ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX ux_account_name_key ON account(name_key);
ALTER TABLE tag ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX ux_tag_name_key ON tag(name_key);
"""


def sqlite_schema(path: Path) -> dict:
    open_database(path).close()
    conn = sqlite3.connect(path)
    try:
        if migrations.LATEST < 6:
            conn.executescript(V6_AS_DESCRIBED)
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return sqlite_shape(conn, {n for n in names if SQLITE_SEARCH.search(n)})
    finally:
        conn.close()


def pg_schema_shape(url: str) -> dict:
    open_postgres(url).close()
    search = pg_schema.search_ddl()
    search_tables = set(re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", search, re.I))
    search_indexes = set(re.findall(r"CREATE (?:UNIQUE )?INDEX (?:IF NOT EXISTS )?(\w+)", search, re.I))
    with psycopg.connect(url) as conn:
        return pg_shape(conn, {"parsalink_meta"} | search_tables, search_indexes)


def test_postgres_schema_equals_the_sqlite_schema(pg_url: str, tmp_path: Path) -> None:
    lite, pg = sqlite_schema(tmp_path / "s.db"), pg_schema_shape(pg_url)
    assert sorted(pg) == sorted(lite)
    for table in lite:
        for part in lite[table]:
            assert (table, part, pg[table][part]) == (table, part, lite[table][part])


def test_the_comparison_sees_a_difference(pg_url: str, tmp_path: Path) -> None:
    """A column's nullability, a default, an ON DELETE and an index each show up."""
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("ALTER TABLE note ALTER COLUMN text DROP NOT NULL")
        conn.execute("ALTER TABLE task ALTER COLUMN done DROP DEFAULT")
        conn.execute("ALTER TABLE note DROP CONSTRAINT note_contact_id_fkey")
        conn.execute("ALTER TABLE note ADD FOREIGN KEY (contact_id) REFERENCES contact(id) ON DELETE SET NULL")
        conn.execute("DROP INDEX ix_task_contact")
    lite, pg = sqlite_schema(tmp_path / "s.db"), pg_schema_shape(pg_url)
    assert pg["note"]["columns"]["text"] != lite["note"]["columns"]["text"]
    assert pg["task"]["columns"]["done"] != lite["task"]["columns"]["done"]
    assert pg["note"]["foreign keys"] != lite["note"]["foreign keys"]
    assert pg["task"]["indexes"] != lite["task"]["indexes"]


def test_every_step_after_the_baseline_has_postgres_sql() -> None:
    after = {v for v, _ in migrations.MIGRATIONS if v > pg_schema.BASELINE}
    assert set(pg_schema.STEPS) == after
    assert pg_schema.KNOWN == max(migrations.LATEST, pg_schema.BASELINE)


def test_every_table_announces_its_changes(pg_url: str) -> None:
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        notifying = {r[0] for r in conn.execute(
            "SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE '%\\_notify'")}  # fmt: skip
    assert notifying == set(pg_schema.TABLES)
    assert tables - notifying == {"parsalink_meta"} | set(
        re.findall(r"CREATE TABLE (?:IF NOT EXISTS )?(\w+)", pg_schema.search_ddl(), re.I))


def test_an_update_that_does_not_set_the_version_bumps_it(pg_url: str) -> None:
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        conn.execute(
            "INSERT INTO contact (id, email, email_key, created_at, updated_at)"
            " VALUES ('c1', 'a@x', 'a@x', '2026-01-01', '2026-01-01')")  # fmt: skip
        conn.execute("UPDATE contact SET title = 'CEO'")
        assert conn.execute("SELECT version FROM contact").fetchone()[0] == 2
        conn.execute("UPDATE contact SET title = 'CTO', version = 7")
        assert conn.execute("SELECT version FROM contact").fetchone()[0] == 7
        pk = conn.execute("INSERT INTO contact (id, email, email_key, created_at, updated_at)"
                          " VALUES ('c2', 'b@x', 'b@x', '2026-01-01', '2026-01-01') RETURNING pk").fetchone()[0]
        assert pk == 2
