"""API tokens in the core (tokens.py) and the ``tokens`` commands; the CLI never loads FastAPI."""

from __future__ import annotations

import base64
import json
import queue
import sqlite3
import subprocess
import sys

import pytest

from parsalink_tui import tokens
from parsalink_tui.cli import run
from parsalink_tui.errors import NotFoundError, ValidationError


def test_a_token_is_long_random_and_stored_only_as_its_hash(service, db_path):
    made = service.create_token("ci")
    secret = made["token"]
    assert secret.startswith("plk_")
    assert len(base64.urlsafe_b64decode(secret[4:] + "=")) * 8 >= 128
    raw = sqlite3.connect(db_path)
    (stored,) = raw.execute("SELECT secret_hash FROM api_token").fetchone()
    assert stored == tokens.hash_secret(secret)
    rows = str(raw.execute("SELECT * FROM api_token").fetchall())
    assert secret[4:] not in rows
    assert service.authenticate_token(secret) == made["id"]
    assert service.create_token("ci")["token"] != secret


@pytest.mark.both_backends
def test_unknown_and_revoked_tokens_do_not_authenticate(service):
    made = service.create_token("ci")
    assert service.authenticate_token(made["token"] + "x") is None
    assert service.authenticate_token("") is None
    service.revoke_token(made["id"])
    assert service.authenticate_token(made["token"]) is None
    with pytest.raises(NotFoundError):
        service.revoke_token("tok_nope")


@pytest.mark.both_backends
def test_a_token_needs_a_name(service):
    with pytest.raises(ValidationError):
        service.create_token("  ")


@pytest.mark.both_backends
def test_last_used_is_written_at_most_once_a_minute_per_token(service):
    made = service.create_token("ci")
    recorder = tokens.LastUsedRecorder(service.db, every=60)
    written = []

    class Counting(queue.SimpleQueue):
        def put(self, item, *args):
            if item is not None:
                written.append(item)
            super().put(item, *args)

    recorder._queue = Counting()
    for _ in range(5):
        recorder.note(made["id"])
    recorder.close()
    assert len(written) == 1
    assert service.list_tokens()[0]["lastUsedAt"] is not None


def test_noting_a_use_never_waits_for_the_write_lock(service, db_path):
    made = service.create_token("ci")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # an import's batch, say
    try:
        # Would wait up to the 15 s busy timeout and then fail if the stamp were written here.
        assert service.authenticate_token(made["token"]) == made["id"]
        assert service.list_tokens()[0]["lastUsedAt"] is None
    finally:
        holder.execute("COMMIT")
        holder.close()
    service._token_uses.close()
    assert service.list_tokens()[0]["lastUsedAt"] is not None


def test_the_tokens_commands(capsys, db_path):
    run(["--db", str(db_path), "tokens", "create", "--name", "ci"])
    made = json.loads(capsys.readouterr().out)
    assert set(made) == {"id", "name", "token", "createdAt"}
    run(["--db", str(db_path), "tokens", "list"])
    listed = capsys.readouterr().out
    assert made["token"] not in listed
    assert [t["id"] for t in json.loads(listed)] == [made["id"]]
    run(["--db", str(db_path), "tokens", "revoke", made["id"]])
    assert json.loads(capsys.readouterr().out)["revokedAt"] is not None
    with pytest.raises(SystemExit) as exit_info:
        run(["--db", str(db_path), "tokens", "revoke", "tok_nope"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "error: token not found: tok_nope\n"


def test_the_cli_and_the_core_load_no_fastapi_nor_uvicorn():
    code = ("import sys, parsalink_tui.service, parsalink_tui.cli, parsalink_tui.tokens; "
            "print(any(m in sys.modules for m in ('fastapi', 'uvicorn', 'starlette')))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
