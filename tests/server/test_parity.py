"""The same body gets the same answer over HTTP as from ``contacts create``/``update``: the
server hands JSON to the core as received (no pydantic coercion, no dropped keys)."""

from __future__ import annotations

import json

import pytest

from parsalink_tui.cli import run

BASE = {"firstName": "Sarah", "email": "sarah@example.com"}
EDGE_CASES = [
    {"emailOptOut": "yes"},
    {"emailOptOut": 1},
    {"emailBounced": None},
    {"tags": "a,b"},
    {"tags": ["a", 3]},
    {"tags": None},
    {"unknownKey": 1},
    {"id": "cnt_mine"},
    {"firstName": 5},
    {"firstName": ["x"]},
    {"phone": 5551234567},
    {"phone": "(555) 987-6543"},
    {"stage": "Engaged"},
    {"stage": "won"},
    {"stage": None},
    {"accountName": "TechCorp"},
    {"accountId": "acc_nope"},
    {"accountId": 7, "accountName": "X"},
    {"assignedTo": ""},
    {"email": None},
    {"email": 3},
    {"email": "  SARAH@EXAMPLE.COM  "},
    {"notes": "line 1\nline 2\x1b[31m"},
    {"title": "x" * 201},
]
_VOLATILE = ("id", "accountId", "createdAt", "updatedAt")


def _cli(capsys, db, *args):
    try:
        run(["--db", str(db), *args])
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    if code:
        return "error", out.err.strip().removeprefix("error: ")
    return "ok", {k: v for k, v in json.loads(out.out).items() if k not in _VOLATILE}


def _http(response):
    body = response.json()
    if response.status_code >= 400:
        ((field, (message,)),) = body.items()
        return "error", ("body" if field == "non_field_errors" else field) + ": " + message
    return "ok", {k: v for k, v in body.items() if k not in _VOLATILE}


@pytest.mark.parametrize("extra", EDGE_CASES, ids=[json.dumps(c)[:40] for c in EDGE_CASES])
def test_create_answers_alike(api, capsys, tmp_path, extra):
    body = {**BASE, **extra}
    cli = _cli(capsys, tmp_path / "cli.db", "contacts", "create", "--data", json.dumps(body))
    assert _http(api.post("/api/contacts/", json=body)) == cli


@pytest.mark.parametrize("extra", EDGE_CASES, ids=[json.dumps(c)[:40] for c in EDGE_CASES])
def test_update_answers_alike(api, capsys, tmp_path, extra):
    db = tmp_path / "cli.db"
    _cli(capsys, db, "contacts", "create", "--data", json.dumps(BASE))
    (cli_id,) = [c["id"] for c in json.loads(_cli_list(capsys, db))["results"]]
    http_id = api.post("/api/contacts/", json=BASE).json()["id"]
    cli = _cli(capsys, db, "contacts", "update", cli_id, "--data", json.dumps(extra))
    assert _http(api.patch(f"/api/contacts/{http_id}/", json=extra)) == cli


def _cli_list(capsys, db):
    run(["--db", str(db), "contacts", "list"])
    return capsys.readouterr().out


def test_a_non_object_body_answers_alike(api, capsys, tmp_path):
    cli = _cli(capsys, tmp_path / "cli.db", "contacts", "create", "--data", "[1]")
    assert _http(api.post("/api/contacts/", json=[1])) == cli
