"""Team mode met with hostile input through the real CLI: URLs the app must not misread or echo,
databases that are not UTF-8, roles that may not create the schema, a locked SQLite source for
``migrate-to``. Each case: one ``error: …`` line, exit 1, no password, nothing half-written
(docs/team.md, "Hostile input")."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import psycopg
import pytest

from parsalink_tui.backends.postgres import open_postgres

from ..hardening.conftest import assert_clean_error, invoke
from ..pg_cluster import admin_url

pytestmark = pytest.mark.postgres

SECRET = "Kq7/Zr9"  # a password holding a '/', typed into a URL without percent-encoding it
PIECES = ("Kq7", "Zr9")


def other_database(pg_url: str, name: str, options: str = "") -> str:
    """A new database ``name`` in the cluster, owned by the test role: its URL."""
    with psycopg.connect(admin_url(pg_url), autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name} OWNER parsalink {options}")
    return re.sub(r"@/t\d+\?", f"@/{name}?", pg_url)


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://ann:Kq7Zr9@db.example/crm",
    "sqlite:///contacts.db",
    "mysql://ann:Kq7Zr9@db.example/crm",
])  # fmt: skip
def test_a_url_of_another_scheme_is_refused_not_made_a_folder(url, tmp_path, capsys, monkeypatch) -> None:
    """SQLAlchemy's ``postgresql+psycopg://`` used to open an SQLite file at
    ``./postgresql+psycopg:/…``, folders and all, and answer as if it were the team's database."""
    monkeypatch.chdir(tmp_path)
    err = assert_clean_error(invoke(capsys, monkeypatch, url, "users", "list"), "postgresql://")
    assert "Kq7Zr9" not in err
    monkeypatch.setenv("PARSALINK_DB", url)
    err = assert_clean_error(invoke(capsys, monkeypatch, None, "users", "list"), "PARSALINK_DB")
    assert "Kq7Zr9" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", [
    f"postgresql://ann:{SECRET}@db.invalid/crm?application_name=x",  # libpq cannot read it
    f"postgresql://ann:{SECRET}@db.invalid/crm",  # libpq reads host "ann", port "Kq7", dbname "Zr9@…"
    f"postgresql://ann:{SECRET}@/crm?host={{sock}}",
    "postgresql://ann:Kq7?Zr9@db.invalid/crm?sslmode=disable",
    "postgresql://ann:Kq7#Zr9@db.invalid/crm",
    "postgresql://ann:Kq7@Zr9@/crm?host={sock}&application_name=x",
    "postgres://ann:Kq7@Zr9@/crm?host={sock}",
    "postgresql://ann:Kq7%Zr9@/crm?host={sock}",  # libpq quotes a bad %-escape: "invalid percent-encoded token"
    "postgresql://ann@/crm?host={sock}&password=Kq7%zzZr9",
])  # fmt: skip
def test_a_password_with_unencoded_delimiters_never_shows(url, tmp_path, capsys, monkeypatch) -> None:
    """A '/', '?', '#' or '@' typed raw into the password splits it into other parts of the URL
    (libpq's reading or our fallback): no part of it may reach a message."""
    url = url.format(sock=tmp_path)
    err = assert_clean_error(invoke(capsys, monkeypatch, url, "users", "list"))
    assert not [p for p in PIECES if p in err], err
    from parsalink_tui import db as sqlite_db

    sqlite_db.open_database(tmp_path / "source.db").close()
    err = assert_clean_error(invoke(capsys, monkeypatch, tmp_path / "source.db", "migrate-to", url))
    assert not [p for p in PIECES if p in err], err


def test_a_percent_encoded_password_is_read_and_still_never_shown(pg_url, capsys, monkeypatch) -> None:
    encoded = pg_url.replace("postgresql://parsalink@", "postgresql://parsalink:Kq7%2FZr9%40x@", 1)
    code, out, err = invoke(capsys, monkeypatch, encoded, "users", "list")  # trust auth: any password
    assert (code, out.strip(), err) == (0, "[]", "")


@pytest.mark.parametrize("encoding", ["LATIN1", "SQL_ASCII"])
def test_a_database_not_in_utf8_is_refused_untouched(encoding, pg_url, capsys, monkeypatch) -> None:
    """Creating the schema used to end in a UnicodeEncodeError traceback (its SQL holds non-ASCII
    letters), and names such as "Zoë" or "李" cannot be stored in LATIN1 or read back from SQL_ASCII."""
    url = other_database(pg_url, f"enc_{encoding.lower()}",
                         f"ENCODING '{encoding}' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'")
    err = assert_clean_error(invoke(capsys, monkeypatch, url, "contacts", "create", "--data",
                                    '{"firstName": "Zoë", "email": "zoe@example.com"}'), "UTF8", encoding)  # fmt: skip
    assert tables(url) == set()


@pytest.mark.parametrize("option", ["client_encoding=LATIN1", "options=-c%20client_encoding%3DSQL_ASCII"])
def test_a_client_encoding_in_the_url_does_not_change_what_is_stored(option, pg_url, capsys, monkeypatch) -> None:
    """The app talks UTF-8 whatever the URL sets: LATIN1 used to fail on "李" with a traceback, and
    SQL_ASCII made the app's own parsalink_meta read as bytes ("not a parsalink database")."""
    open_postgres(pg_url).close()
    url = f"{pg_url}&{option}"
    code, out, err = invoke(capsys, monkeypatch, url, "contacts", "create", "--data",
                            '{"firstName": "李", "lastName": "Öberg", "email": "li@example.com"}')  # fmt: skip
    assert (code, err) == (0, ""), err
    code, out, err = invoke(capsys, monkeypatch, url, "contacts", "list", "--search", "öberg")
    assert (code, err) == (0, "") and '"李"' in out, out


@pytest.fixture
def bob(pg_url: str) -> str:
    """A role with a password and no rights in the (empty) test database: its URL, password in it."""
    with psycopg.connect(admin_url(pg_url), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'bob'").fetchone():
            admin.execute("CREATE ROLE bob LOGIN PASSWORD 'B0b-pass'")
    return pg_url.replace("postgresql://parsalink@", "postgresql://bob:B0b-pass@", 1)


def test_a_role_that_may_not_create_the_schema_is_told_who_may(bob, pg_url, capsys, monkeypatch) -> None:
    """The message used to end in the server's statement context ("LINE 2: CREATE TABLE app_user ( ^")."""
    err = assert_clean_error(invoke(capsys, monkeypatch, bob, "users", "list"),
                             "permission denied for schema public", "owner")  # fmt: skip
    assert "LINE" not in err and "^" not in err and "B0b-pass" not in err
    with psycopg.connect(pg_url) as owner:
        owner.execute("GRANT CREATE ON SCHEMA public TO bob")  # tables yes, the extension no
    err = assert_clean_error(invoke(capsys, monkeypatch, bob, "users", "list"), "pg_trgm", "owner")
    assert "B0b-pass" not in err
    assert tables(pg_url) == set()


def test_a_role_that_may_not_read_is_told_to_get_rights(bob, pg_url, capsys, monkeypatch) -> None:
    open_postgres(pg_url).close()
    err = assert_clean_error(invoke(capsys, monkeypatch, bob, "contacts", "list"),
                             "permission denied for table parsalink_meta", "grant")  # fmt: skip
    assert "creating" not in err and "B0b-pass" not in err


def test_a_locked_sqlite_source_is_called_locked_not_corrupt(pg_url, tmp_path, capsys, monkeypatch) -> None:
    """A source in rollback-journal mode held by another writer used to be "corrupt or not a database"."""
    from parsalink_tui import db as sqlite_db

    source = tmp_path / "locked.db"
    sqlite_db.open_database(source).close()
    holder = sqlite3.connect(source, isolation_level=None)
    holder.execute("PRAGMA journal_mode = DELETE")
    holder.execute("BEGIN EXCLUSIVE")
    monkeypatch.setattr(sqlite_db, "BUSY_TIMEOUT_MS", 100)
    try:
        err = assert_clean_error(invoke(capsys, monkeypatch, source, "migrate-to", pg_url), "locked", "Try again")
    finally:
        holder.close()
    assert "corrupt" not in err
    assert tables(pg_url) == set()  # refused before the target was opened
