"""The CLI and ``serve`` while the PostgreSQL server restarts (docs/team.md "When the server goes
away"): a command run during the outage is one ``error: …`` line and exit 1; ``serve`` answers a
request during the outage with a JSON 5xx, logs no traceback, and serves the next request once
the server is back, without being restarted.

The cluster is this module's own (tests/pg_restart.py), so stopping it leaves the session's alone.
"""

from __future__ import annotations

import json

import httpx
import pytest

from ..hardening.conftest import invoke
from ..pg_cluster import pg_ctl
from ..pg_restart import PASSWORD
from ..server.served import Served

pytestmark = pytest.mark.postgres


def test_a_command_run_while_the_server_is_down_is_one_line_and_exit_1(restart_url, capsys, monkeypatch):
    url = restart_url
    body = json.dumps({"firstName": "Ann", "email": "ann@example.com"})
    assert invoke(capsys, monkeypatch, url, "contacts", "create", "--data", body)[0] == 0
    pg_ctl(url, "stop", "-m", "fast")
    for args in (("contacts", "list"), ("contacts", "create", "--data", body.replace("ann@", "bob@"))):
        code, out, err = invoke(capsys, monkeypatch, url, *args)
        assert (code, out) == (1, ""), args
        assert err.startswith("error: cannot connect to postgresql://ann@/") and err.count("\n") == 1, err
        assert PASSWORD not in err and "Traceback" not in err
    pg_ctl(url, "start")
    code, out, _ = invoke(capsys, monkeypatch, url, "contacts", "list")
    assert code == 0 and [c["email"] for c in json.loads(out)["results"]] == ["ann@example.com"]


def test_serve_answers_json_5xx_during_the_outage_and_serves_again_after_it(restart_url, tmp_path):
    url = restart_url
    served = Served(restart_url, tmp_path)  # type: ignore[arg-type]  # a URL opens as a path does
    try:
        with httpx.Client(base_url=served.url, headers=served.auth, timeout=60) as client:
            made = client.post("/api/contacts/", json={"firstName": "Ann", "email": "ann@example.com"})
            assert made.status_code == 201
            pg_ctl(url, "stop", "-m", "immediate")
            for response in (client.get("/api/contacts/"),
                             client.post("/api/contacts/", json={"firstName": "Bob", "email": "bob@example.com"}),
                             client.get(f"/api/contacts/{made.json()['id']}/")):  # fmt: skip
                assert response.status_code == 503, response.text
                assert response.headers["content-type"] == "application/json"
                message = response.json()["detail"]
                assert message.startswith("cannot connect to postgresql://ann@/") and PASSWORD not in message
                assert response.headers["retry-after"]
            pg_ctl(url, "start")
            listed = client.get("/api/contacts/")
            assert listed.status_code == 200
            assert [c["email"] for c in listed.json()["results"]] == ["ann@example.com"]  # Bob's create was not half-written
            assert client.post("/api/contacts/", json={"firstName": "Bob", "email": "bob@example.com"}).status_code == 201
    finally:
        assert served.stop() == 0
    log = "".join(served.stderr)
    assert "Traceback" not in log and "unexpected error" not in log and PASSWORD not in log
