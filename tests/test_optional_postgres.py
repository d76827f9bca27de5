"""PostgreSQL is optional: SQLite users never import psycopg, and a PostgreSQL URL given to the
app says plainly that team mode is not finished (until its queries are ported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from parsalink_tui.backends import EXPERIMENTAL_ENV, open_database
from parsalink_tui.errors import DatabaseFileError

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


@pytest.mark.parametrize("url", ["postgresql://ann:s3cret@db.example/parsalink", "postgres://db.example/x"])
def test_a_postgres_url_is_not_finished_yet(url: str, capsys, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(EXPERIMENTAL_ENV, raising=False)
    code, out, err = invoke(capsys, monkeypatch, url, "contacts", "list")
    assert (code, out) == (1, "")
    assert err.startswith("error: PostgreSQL (team mode) is not finished yet") and err.count("\n") == 1
    assert "s3cret" not in err
    monkeypatch.setenv("PARSALINK_DB", url)
    with pytest.raises(DatabaseFileError, match="not finished yet"):
        open_database()


def test_a_path_given_to_db_wins_over_a_url_in_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARSALINK_DB", "postgresql://ann@db.example/crm")
    db = open_database(tmp_path / "mine.db")
    try:
        assert (db.dialect, db.display_name) == ("sqlite", str(tmp_path / "mine.db"))
    finally:
        db.close()
