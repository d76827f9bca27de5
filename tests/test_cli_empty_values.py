"""An empty value on the command line is an error naming the option, never "no value":
``--stage "$UNSET"`` in a script must not list every contact, ``--db "$UNSET"`` must not open
the per-user database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from parsalink_tui.config import default_db_path

from .test_cli import fails, ok_json


@pytest.fixture
def contact_id(cli) -> str:
    return ok_json(cli("contacts", "create", "--data", json.dumps({"firstName": "Ada", "email": "ada@example.com"})))["id"]


@pytest.mark.parametrize(("args", "option"), [
    (["contacts", "list", "--stage", ""], "--stage"),
    (["contacts", "list", "--stage", "  "], "--stage"),
    (["contacts", "list", "--ordering", ""], "--ordering"),
    (["contacts", "list", "--created-after", ""], "--created-after"),
    (["contacts", "list", "--created-before", " "], "--created-before"),
    (["contacts", "list", "--assigned-to", ""], "--assigned-to"),
    (["contacts", "list", "--search", ""], "--search"),
    (["contacts", "list", "--tags", ","], "--tags"),
    (["contacts", "list", "--tags", " ; , "], "--tags"),
    (["contacts", "list", "--tags", ""], "--tags"),
    (["users", "add", "--name", "Bo", "--email", ""], "--email"),
])
def test_an_empty_option_value_is_an_error_naming_the_option(cli, args: list[str], option: str) -> None:
    fails(cli(*args), option, code=2)


def test_an_empty_due_date_is_an_error(cli, contact_id: str) -> None:
    fails(cli("tasks", "add", contact_id, "--title", "Call", "--due", ""), "--due", code=2)
    assert ok_json(cli("tasks", "list", contact_id)) == []


def test_an_empty_db_path_is_an_error_and_touches_no_file(tmp_path: Path, capsys, monkeypatch) -> None:
    from .hardening.conftest import invoke

    code, out, err = invoke(capsys, monkeypatch, None, "--db", "", "users", "add", "--name", "Wrong File")
    assert code == 2 and out == "" and err.startswith("error: ") and "--db" in err and "empty" in err
    assert not default_db_path().exists()


def test_the_core_refuses_an_empty_db_path_too(tmp_path: Path) -> None:
    from parsalink_tui.errors import DatabaseFileError
    from parsalink_tui.service import Service

    with pytest.raises(DatabaseFileError, match="empty"):
        Service.open("")
    assert not default_db_path().exists()


def test_an_empty_parsalink_db_variable_counts_as_unset(tmp_path: Path, capsys, monkeypatch) -> None:
    from .hardening.conftest import invoke

    monkeypatch.setenv("PARSALINK_DB", "")
    code, out, err = invoke(capsys, monkeypatch, None, "users", "list")
    assert (code, json.loads(out), err) == (0, [], "")
    assert default_db_path().exists()
