"""The database file: modes, pragmas, refusals that leave the file untouched, migrations."""

from __future__ import annotations

import hashlib
import sqlite3
import stat

import pytest

from parsalink_tui import migrations
from parsalink_tui.db import PAGE_SIZE, open_database
from parsalink_tui.errors import DatabaseFileError
from parsalink_tui.service import Service


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_new_file_is_0600_in_a_0700_folder_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "deep" / "er" / "p.db"
    db = open_database(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST
        assert conn.exec_driver_sql("PRAGMA page_size").scalar() == PAGE_SIZE == 16384
    db.close()


def test_an_existing_file_keeps_its_page_size(tmp_path):
    """Only new files get PAGE_SIZE: an older database made with 4 KiB pages opens and works as it is."""
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA page_size = 4096")
    raw.execute("VACUUM")
    raw.close()
    svc = Service.open(path)
    svc.create_contact({"firstName": "A", "email": "a@example.com"})
    svc.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA page_size").fetchone()[0] == 4096
    assert raw.execute("SELECT count(*) FROM contact").fetchone()[0] == 1
    raw.close()


def test_default_path_comes_from_platformdirs_and_env_overrides(tmp_path, monkeypatch):
    from parsalink_tui import config

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert config.resolve_db_path(None) == tmp_path / "xdg" / "parsalink-tui" / "parsalink.db"
    monkeypatch.setenv("PARSALINK_DB", str(tmp_path / "env.db"))
    assert config.resolve_db_path(None) == tmp_path / "env.db"
    assert config.resolve_db_path(str(tmp_path / "cli.db")) == tmp_path / "cli.db"


def test_reopening_keeps_data(tmp_path):
    path = tmp_path / "p.db"
    svc = Service.open(path)
    svc.create_contact({"firstName": "A", "email": "a@example.com"})
    svc.close()
    svc = Service.open(path)
    assert svc.list_contacts()["count"] == 1
    svc.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hello, I am a text file\n", "not a parsalink database"),
        (b"SQLite format 3\x00" + b"\xff" * 200, "corrupt"),
    ],
    ids=["text", "corrupt-sqlite"],
)
def test_foreign_or_corrupt_files_are_refused_untouched(tmp_path, content, message):
    path = tmp_path / "x.db"
    path.write_bytes(content)
    before = digest(path)
    with pytest.raises(DatabaseFileError, match=message):
        open_database(path)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_another_apps_sqlite_file_is_refused_untouched(tmp_path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (x)")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseFileError, match="not a parsalink database"):
        open_database(path)
    assert digest(path) == before


def test_read_only_file_is_refused_untouched(tmp_path):
    path = tmp_path / "ro.db"
    Service.open(path).close()
    path.chmod(0o400)
    before = digest(path)
    with pytest.raises(DatabaseFileError, match="read-only"):
        open_database(path)
    assert digest(path) == before


def test_directory_is_refused(tmp_path):
    with pytest.raises(DatabaseFileError, match="directory"):
        open_database(tmp_path)


def test_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "new.db"
    Service.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.commit()
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseFileError, match="newer parsalink-tui"):
        open_database(path)
    assert digest(path) == before


def test_upgrade_keeps_data(tmp_path, monkeypatch):
    """A file at the current version gains a later step on open, and keeps every row."""
    path = tmp_path / "old.db"
    svc = Service.open(path)
    made = svc.create_contact({"firstName": "Keep", "email": "keep@example.com", "tags": ["t"]})
    svc.add_note(made["id"], "still here")
    svc.close()
    future = [*migrations.MIGRATIONS, (migrations.LATEST + 1, "ALTER TABLE contact ADD COLUMN linkedin TEXT;")]
    monkeypatch.setattr(migrations, "MIGRATIONS", future)
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    monkeypatch.setattr("parsalink_tui.db.LATEST", migrations.LATEST)
    svc = Service.open(path)
    assert svc.get_contact(made["id"]) == made
    assert svc.list_notes(made["id"])[0]["text"] == "still here"
    with svc.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST
        assert "linkedin" in [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(contact)")]
    svc.close()


def test_failed_migration_step_rolls_back_whole(tmp_path, monkeypatch):
    path = tmp_path / "p.db"
    Service.open(path).close()
    bad = [*migrations.MIGRATIONS, (migrations.LATEST + 1, "CREATE TABLE extra (x); SELECT no_such_function();")]
    monkeypatch.setattr(migrations, "MIGRATIONS", bad)
    monkeypatch.setattr(migrations, "LATEST", migrations.LATEST + 1)
    monkeypatch.setattr("parsalink_tui.db.LATEST", migrations.LATEST)
    with pytest.raises(DatabaseFileError, match="upgrading the schema failed"):
        open_database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST - 1
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").fetchone()[0] == 0
    conn.close()


def test_core_does_not_import_textual():
    """House rule 1 (docs/architecture.md): nothing outside tui/ imports textual."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[1] / "parsalink_tui"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "tui" not in p.relative_to(root).parts[:1]
        and re.search(r"^\s*(from|import)\s+textual", p.read_text(), re.M)
    ]
    assert offenders == []


def test_importing_the_core_loads_no_textual():
    import subprocess
    import sys

    code = "import sys, parsalink_tui.service, parsalink_tui.cli; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.both_backends
def test_every_database_pools_connections_the_same_way(service):
    """One pool setting for both databases (backends.base.pooled_engine), not one per backend."""
    from parsalink_tui.backends.base import POOL_OVERFLOW, POOL_SIZE

    pool = service.db.engine.pool
    assert (pool.size(), pool._max_overflow) == (POOL_SIZE, POOL_OVERFLOW)
