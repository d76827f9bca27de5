"""``backup`` on PostgreSQL: ``pg_dump -Fc`` into a new 0600 file, the password never on its
command line (parsalink_tui/backends/pg_backup.py); ``pg_restore`` brings it back."""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import psycopg
import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.demo import fill_demo
from parsalink_tui.errors import ParsalinkError
from parsalink_tui.service import Service

from ..pg_cluster import admin_url

pytestmark = pytest.mark.postgres
SECRET = "dump-s3cret"


@pytest.fixture
def pg_service(pg_url: str):
    svc = Service(open_postgres(pg_url))
    yield svc
    svc.close()


def new_database(pg_url: str, name: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return pg_url.replace(pg_url.split("@/", 1)[1].split("?", 1)[0], name, 1)


def test_a_backup_restores_with_pg_restore_to_the_same_contacts(pg_service: Service, pg_url: str,
                                                                tmp_path: Path) -> None:  # fmt: skip
    fill_demo(pg_service.db, contacts=60, seed=2)
    made = pg_service.backup(tmp_path)
    path = Path(made["path"])
    assert path.parent == tmp_path and path.name.startswith("parsalink-") and path.suffix == ".dump"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert made["bytes"] == path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial file left
    restored_url = new_database(pg_url, f"{pg_url.split('@/', 1)[1].split('?', 1)[0]}_restored")
    done = subprocess.run(["pg_restore", "--no-owner", f"--dbname={restored_url}", str(path)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    restored = Service(open_postgres(restored_url))
    try:
        assert restored.list_contacts(limit=100) == pg_service.list_contacts(limit=100)
        assert restored.list_users() == pg_service.list_users()
        restored.create_contact({"firstName": "New", "email": "new@example.com"})  # sequences came back too
    finally:
        restored.close()


def test_the_password_reaches_pg_dump_in_its_environment_not_its_arguments(pg_url: str, tmp_path: Path,
                                                                           monkeypatch) -> None:  # fmt: skip
    with psycopg.connect(admin_url(pg_url), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'dumper'").fetchone():
            admin.execute(f"CREATE ROLE dumper LOGIN SUPERUSER PASSWORD '{SECRET}'")
    url = pg_url.replace("postgresql://parsalink@", f"postgresql://dumper:{SECRET}@", 1)
    spy = tmp_path / "bin"
    spy.mkdir()
    (spy / "pg_dump").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {tmp_path}/args\n'
                                 f'printf "%s" "$PGPASSWORD" > {tmp_path}/env\nexec {shutil.which("pg_dump")} "$@"\n')  # fmt: skip
    (spy / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", f"{spy}:{Path(shutil.which('pg_dump')).parent}")
    monkeypatch.delenv("PGPASSWORD", raising=False)
    out = tmp_path / "out"
    out.mkdir()
    svc = Service(open_postgres(url))
    try:
        svc.create_contact({"firstName": "Ann", "email": "ann@example.com"})
        made = svc.backup(out / "team.dump")
    finally:
        svc.close()
    assert Path(made["path"]).stat().st_size > 0
    args = (tmp_path / "args").read_text()
    assert SECRET not in args and "--format=custom" in args and "user=dumper" in args
    assert (tmp_path / "env").read_text() == SECRET


def test_without_pg_dump_it_says_so_in_one_line_and_writes_nothing(pg_service: Service, tmp_path: Path,
                                                                   monkeypatch) -> None:  # fmt: skip
    monkeypatch.setenv("PATH", str(tmp_path / "nothing-here"))
    with pytest.raises(ParsalinkError, match=r"^backing up a PostgreSQL database needs pg_dump .* on PATH; "):
        pg_service.backup(tmp_path / "copy.dump")
    assert list(tmp_path.iterdir()) == []


def test_a_failing_pg_dump_is_one_line_and_leaves_no_file(pg_service: Service, tmp_path: Path,
                                                          monkeypatch) -> None:  # fmt: skip
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "pg_dump").write_text('#!/bin/sh\necho "pg_dump: error: server version mismatch" >&2\nexit 1\n')
    (fake / "pg_dump").chmod(0o755)
    monkeypatch.setenv("PATH", str(fake))
    with pytest.raises(ParsalinkError) as caught:
        pg_service.backup(tmp_path / "copy.dump")
    assert str(caught.value) == (f"{pg_service.db.display_name}: pg_dump failed (error: server version mismatch); "
                                 "nothing was saved")  # fmt: skip
    assert [p.name for p in tmp_path.iterdir()] == ["bin"]


def test_an_existing_file_is_never_overwritten(pg_service: Service, tmp_path: Path) -> None:
    (tmp_path / "there.dump").write_text("keep me")
    with pytest.raises(ParsalinkError, match="exists; a backup never overwrites a file"):
        pg_service.backup(tmp_path / "there.dump")
    assert (tmp_path / "there.dump").read_text() == "keep me"
