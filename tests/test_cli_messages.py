"""One clear line for the CLI's odd cases: `import errors` on a job that failed, Ctrl-C, and a
demo asked for no contacts or into a database that already holds data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_import_errors_on_a_failed_job_says_why_and_exits_1(cli, tmp_path: Path) -> None:
    path = tmp_path / "sheet.csv"  # an Excel workbook saved under a .csv name: the job fails
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    code, out, _ = cli("import", "start", str(path), "--wait")
    job = json.loads(out)
    assert code == 1 and job["status"] == "failed"
    code, out, err = cli("import", "errors", job["uid"])
    assert (code, out) == (1, "")
    assert err == f"error: import job {job['uid']} failed, so it has no row errors to list: {job['errorMessage']}\n"


def test_ctrl_c_prints_one_line(cli, monkeypatch) -> None:
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("parsalink_tui.demo.fill_demo", interrupted)
    code, out, err = cli("demo", "--contacts", "5")
    assert (code, out, err) == (130, "", "error: aborted\n")


def test_a_demo_of_no_contacts_is_refused(cli, service) -> None:
    code, out, err = cli("demo", "--contacts", "0")
    assert (code, out) == (2, "") and err.startswith("error: Invalid value for '--contacts': 0 is not in the range 1<=")
    from parsalink_tui.demo import fill_demo
    from parsalink_tui.errors import ValidationError

    with pytest.raises(ValidationError, match="contacts: must be at least 1, not 0"):
        fill_demo(service.db, contacts=0)
    assert service.list_users() == []


def test_a_second_demo_is_refused_naming_what_the_database_holds(cli) -> None:
    code, _, err = cli("demo", "--contacts", "5")
    assert code == 0, err
    code, out, err = cli("demo", "--contacts", "5")
    assert (code, out) == (1, "")
    assert err.startswith("error: the database already has 5 contacts, 5 users, ")
    assert "UNIQUE" not in err and err.count("\n") == 1


def test_a_demo_into_a_database_with_only_users_is_refused_clearly(cli) -> None:
    assert cli("users", "add", "--name", "Ann")[0] == 0
    code, out, err = cli("demo", "--contacts", "5")
    assert (code, out, err) == (1, "", "error: the database already has 1 user; demo data only goes into an empty "
                                       "database (use --db with a new file)\n")
