"""A PostgreSQL that cannot be reached or used is one line naming the database, never the
password, with credentials read the libpq way (URL, PGPASSWORD, ~/.pgpass)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from parsalink_tui.backends.postgres import display_name, open_postgres
from parsalink_tui.errors import DatabaseFileError

from ..hardening.conftest import invoke
from ..pg_cluster import admin_url

SECRET = "s3cret-Pw"


@pytest.fixture
def alice(pg_url: str) -> str:
    """A teammate's role, logging in with a password (SECRET), allowed to read and write the
    tables the owner's first open made: its URL, without the password."""
    with psycopg.connect(admin_url(pg_url), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'alice'").fetchone():
            admin.execute(f"CREATE ROLE alice LOGIN PASSWORD '{SECRET}'")
    open_postgres(pg_url).close()
    with psycopg.connect(pg_url) as owner:
        owner.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO alice")
    return pg_url.replace("postgresql://parsalink@", "postgresql://alice@", 1)


def refusal(url: str) -> str:
    with pytest.raises(DatabaseFileError) as caught:
        open_postgres(url)
    message = str(caught.value)
    assert "\n" not in message and SECRET not in message and "wrong" not in message
    return message


def test_a_wrong_password_names_the_user_not_the_password(alice: str) -> None:
    message = refusal(alice.replace("alice@", "alice:wrong-pw@"))
    assert message.startswith("cannot connect to postgresql://alice@/")
    assert 'password authentication failed for user "alice"' in message


def test_the_password_comes_from_the_url_pgpassword_or_pgpass(alice: str, monkeypatch) -> None:
    open_postgres(alice.replace("alice@", f"alice:{SECRET}@")).close()
    monkeypatch.setenv("PGPASSWORD", SECRET)
    open_postgres(alice).close()
    monkeypatch.setenv("PGPASSWORD", "wrong-pw")
    refusal(alice)
    monkeypatch.delenv("PGPASSWORD")
    pgpass = Path(os.environ["HOME"]) / ".pgpass"
    pgpass.write_text(f"*:*:*:alice:{SECRET}\n")
    pgpass.chmod(0o600)
    open_postgres(alice).close()


def test_a_missing_database_is_named(pg_url: str) -> None:
    message = refusal(re.sub(r"@/t\d+\?", "@/nosuch?", pg_url))
    assert 'database "nosuch" does not exist' in message


def test_a_server_that_is_not_running(tmp_path: Path) -> None:
    message = refusal(f"postgresql://ann:{SECRET}@/db?host={tmp_path}")
    assert message.startswith(f"cannot connect to postgresql://ann@/db?host={tmp_path}: ")


def test_an_unknown_host(tmp_path: Path) -> None:
    message = refusal(f"postgresql://ann:{SECRET}@no-such-host.invalid:5432/db")
    assert message.startswith("cannot connect to postgresql://ann@no-such-host.invalid:5432/db: ")


def test_the_cli_says_it_in_one_line_without_the_password(alice: str, capsys, monkeypatch) -> None:
    code, out, err = invoke(capsys, monkeypatch, alice.replace("alice@", "alice:wrong-pw@"), "contacts", "list")
    assert (code, out) == (1, "")
    assert err.startswith("error: cannot connect to postgresql://alice@/") and err.count("\n") == 1
    assert "wrong-pw" not in err


def test_display_names_never_hold_the_password() -> None:
    assert display_name(f"postgresql://ann:{SECRET}@db.example:5433/crm?sslmode=require") == \
        "postgresql://ann@db.example:5433/crm"
    assert display_name(f"postgres://db.example/crm?user=ann&password={SECRET}") == "postgresql://ann@db.example/crm"
    assert SECRET not in display_name(f"postgresql://ann:{SECRET}@db.example:notaport/crm?x=y")


def test_a_connection_lost_mid_transaction_is_one_line_and_the_next_one_reconnects(pg_url: str) -> None:
    db = open_postgres(pg_url)
    try:
        with pytest.raises(DatabaseFileError) as caught, db.read() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            with psycopg.connect(pg_url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", (pid,))
            conn.execute(text("SELECT 1"))
        assert "the connection to the database server was lost" in str(caught.value)
        assert "\n" not in str(caught.value)
        with db.write() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        db.close()
