"""``parsalink-tui migrate-to``: an SQLite database copied into an empty PostgreSQL one, all or
nothing (parsalink_tui/migrate_to.py)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from parsalink_tui.backends import pg_schema
from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.backends.sqlite import open_sqlite
from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service

pytestmark = pytest.mark.postgres


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A demo-filled SQLite database with an import job (its issues and saved mapping), a queued job
    (its file waiting, bytes) and a token."""
    path = tmp_path / "source.db"
    db = open_sqlite(path)
    fill_demo(db, contacts=120, seed=3)
    svc = Service(db)
    csv = "Work Email,Given\nzed@example.com,Zed\nnot-an-email,Bad\nzed@example.com,Again\n"
    (tmp_path / "leads.csv").write_text(csv, encoding="utf-8")
    body = svc.start_import(tmp_path / "leads.csv", field_mappings={"Work Email": "email", "Given": "firstName"},
                            run=False)  # fmt: skip
    svc.work_imports()
    job = svc.get_import_job(body["uid"])
    assert len(job["errors"]) == 1 and len(job["duplicates"]) == 1, job
    svc.start_import(tmp_path / "leads.csv", run=False, saved_mapping=True)  # queued: its file is kept
    svc.create_token("laptop")
    svc.close()
    return path


def migrate(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(db), "migrate-to", *args],
                          check=False, capture_output=True, text=True, timeout=120)  # fmt: skip


def rows_sqlite(path: Path, table: str, columns: list[str]) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        cols = ", ".join(f'"{c}"' for c in columns)
        return sorted(conn.execute(f'SELECT {cols} FROM "{table}"').fetchall(), key=repr)


def pg_columns(url: str, table: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = %s AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,))]  # fmt: skip


def rows_pg(url: str, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(f'"{c}"' for c in columns)
    with psycopg.connect(url) as conn:
        return sorted(conn.execute(f'SELECT {cols} FROM "{table}"').fetchall(), key=repr)


def pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in pg_schema.TABLES}


def test_every_row_of_every_table_arrives(source: Path, pg_url: str) -> None:
    result = migrate(source, pg_url)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    printed = json.loads(result.stdout)
    assert set(printed["tables"]) == set(pg_schema.TABLES)
    for table in pg_schema.TABLES:
        columns = pg_columns(pg_url, table)
        expected = rows_sqlite(source, table, columns)
        assert rows_pg(pg_url, table, columns) == expected, table
        assert printed["tables"][table] == {"source": len(expected), "target": len(expected)}
    for table in ("app_user", "account", "source", "contact", "tag", "contact_tag", "note", "task", "activity",
                  "import_job", "import_file", "import_issue", "api_token", "saved_mapping"):  # fmt: skip
        assert printed["tables"][table]["target"] > 0, table


def test_contacts_read_the_same_through_the_service_and_new_ids_follow(source: Path, pg_url: str) -> None:
    assert migrate(source, pg_url).returncode == 0
    old, new = Service(open_sqlite(source)), Service(open_postgres(pg_url))
    try:
        ids = [c["id"] for c in old.list_contacts(limit=100)["results"]][::9]
        assert len(ids) > 5
        for cid in ids:
            assert new.get_contact(cid, with_version=True) == old.get_contact(cid, with_version=True)
            assert new.list_notes(cid) == old.list_notes(cid)
            assert new.list_tasks(cid) == old.list_tasks(cid)
            assert new.list_activity(cid) == old.list_activity(cid)
        assert new.list_contacts(limit=100, ordering="lastName") == old.list_contacts(limit=100, ordering="lastName")
        # The target's search (its own generated columns, not SQLite's tables) finds the copied contacts.
        some = old.get_contact(ids[1])
        for term in (some["email"], some["lastName"]):
            assert new.list_contacts(search=term, limit=100) == old.list_contacts(search=term, limit=100)
        assert new.list_import_jobs() == old.list_import_jobs()
        assert new.list_saved_mappings() == old.list_saved_mappings()
        # The identity sequences moved past the copied ids: new rows get new keys.
        made = new.create_contact({"firstName": "After", "email": "after@example.com", "tags": ["brand-new-tag"]})
        new.add_note(made["id"], "after the move")
        new.update_contact(ids[0], {"stage": "customer"})
    finally:
        old.close()
        new.close()


def test_a_target_with_contacts_is_refused_and_left_alone(source: Path, pg_url: str) -> None:
    target = Service(open_postgres(pg_url))
    target.create_contact({"firstName": "Al", "email": "already@example.com"})
    target.close()
    before = pg_counts(pg_url)
    result = migrate(source, pg_url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: postgresql://") and "already holds 1 contact" in result.stderr
    assert pg_counts(pg_url) == before


def test_a_bad_url_is_one_line_and_exit_1(source: Path, pg_url: str) -> None:
    bad = pg_url.replace("dbname=", "dbname=nosuch").replace("@/t", "@/nosuch_t") + "&password=s3cret"
    result = migrate(source, bad)
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: cannot connect to postgresql://")
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_not_a_postgresql_url_is_a_usage_error(source: Path) -> None:
    result = migrate(source, "other.db")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "not a postgresql:// (or postgres://) URL" in result.stderr


def test_a_missing_source_file_is_refused(tmp_path: Path, pg_url: str) -> None:
    result = migrate(tmp_path / "nothing.db", pg_url)
    assert result.returncode == 1 and result.stderr.startswith("error: no database at ")
    assert not (tmp_path / "nothing.db").exists()


def test_a_failure_mid_copy_leaves_the_target_empty(source: Path, pg_url: str) -> None:
    # A note whose contact is gone (SQLite does not check foreign keys on this connection):
    # PostgreSQL refuses it after the contacts have been copied.
    with sqlite3.connect(source) as conn:
        conn.execute("INSERT INTO note (id, contact_id, text, created_at, updated_at)"
                     " VALUES ('nte_orphan', 'cnt_gone', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')")  # fmt: skip
    result = migrate(source, pg_url)
    assert result.returncode == 1
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "note" in result.stderr and "nothing was written" in result.stderr
    assert set(pg_counts(pg_url).values()) == {0}
    # and the target can take the copy once the source is fixed
    with sqlite3.connect(source) as conn:
        conn.execute("DELETE FROM note WHERE id = 'nte_orphan'")
    assert migrate(source, pg_url).returncode == 0


def test_counts_that_differ_are_an_error_and_nothing_is_committed(source: Path, pg_url: str,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from parsalink_tui import migrate_to

    real = migrate_to._count

    def short_on_the_target(conn, table):  # the target's count of tags comes out one short
        n = real(conn, table)
        return n - 1 if table == "tag" and conn.dialect.name == "postgresql" and n else n

    monkeypatch.setattr(migrate_to, "_count", short_on_the_target)
    with pytest.raises(migrate_to.MigrationError, match=r"^the row counts differ after the copy \(tag: \d+ in the "
                                                        r"source, \d+ in the target\); nothing was written to "):  # fmt: skip
        migrate_to.migrate_to(open_sqlite(source), pg_url)
    assert set(pg_counts(pg_url).values()) == {0}


def test_the_copy_is_the_source_as_of_one_moment_while_another_program_writes(source: Path, pg_url: str,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from parsalink_tui import migrate_to

    real = migrate_to._copy_table
    before = {t: len(rows_sqlite(source, t, ["rowid"])) for t in ("contact", "note", "activity")}

    def copy_then_someone_writes(src, dst, table):  # the TUI, say, adds a contact with a note meanwhile
        real(src, dst, table)
        if table == "contact":
            other = Service(open_sqlite(source))
            try:
                made = other.create_contact({"firstName": "Late", "email": "late@example.com"})
                other.add_note(made["id"], "written during the copy")
            finally:
                other.close()

    monkeypatch.setattr(migrate_to, "_copy_table", copy_then_someone_writes)
    printed = migrate_to.migrate_to(open_sqlite(source), pg_url)
    counts = pg_counts(pg_url)
    for table, n in before.items():
        assert counts[table] == n == printed["tables"][table]["source"], table
    assert len(rows_sqlite(source, "contact", ["rowid"])) == before["contact"] + 1  # it did get written
