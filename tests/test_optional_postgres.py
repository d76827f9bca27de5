"""PostgreSQL is optional: SQLite users never import psycopg; a PostgreSQL URL given to the app
opens it, no switch needed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from parsalink_tui.backends import open_database

from .hardening.conftest import invoke


def test_the_sqlite_app_never_imports_psycopg(tmp_path: Path) -> None:
    code = (
        "import sys, parsalink_tui.cli\n"
        "from parsalink_tui.service import Service\n"
        f"s = Service.open({str(tmp_path / 'x.db')!r}); s.list_contacts(); s.watch_changes().close(); s.close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_binary', 'psycopg_c')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("how", ["--db", "PARSALINK_DB"])
def test_a_postgres_url_opens_without_a_switch(how: str, pg_url: str, capsys, monkeypatch) -> None:
    if how == "--db":
        code, out, err = invoke(capsys, monkeypatch, pg_url, "contacts", "list")
    else:
        monkeypatch.setenv("PARSALINK_DB", pg_url)
        code, out, err = invoke(capsys, monkeypatch, None, "contacts", "list")
    assert (code, err) == (0, "")
    assert '"count": 0' in out
    db = open_database(pg_url)
    try:
        assert db.dialect == "postgresql"
    finally:
        db.close()


def test_a_path_given_to_db_wins_over_a_url_in_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARSALINK_DB", "postgresql://ann@db.example/crm")
    db = open_database(tmp_path / "mine.db")
    try:
        assert (db.dialect, db.display_name) == ("sqlite", str(tmp_path / "mine.db"))
    finally:
        db.close()
