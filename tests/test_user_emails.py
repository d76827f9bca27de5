"""User emails are unique ignoring case: a clash names the user who has the address. Files from
before (schema v2) may hold users sharing an email: upgrading keeps them all with their emails,
the oldest takes the key, and an import's owner cell naming that email is ambiguous."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from parsalink_tui.errors import ValidationError
from parsalink_tui.service import Service

from .hardening.test_schema_upgrade import changed_tables, manifest
from .import_helpers import run_csv_import
from .test_cli import fails, ok_json

FIXTURE_V2 = Path(__file__).resolve().parent / "fixtures" / "schema-v2.db"


@pytest.mark.both_backends
def test_a_second_user_with_the_same_email_any_case_is_refused(service) -> None:
    bob = service.add_user("Bob", "bob@example.com")
    with pytest.raises(ValidationError) as caught:
        service.add_user("Robert", "BOB@Example.com")
    assert caught.value.field == "email"
    assert str(caught.value) == f"email: BOB@example.com already belongs to user {bob['id']}"
    assert [u["name"] for u in service.list_users()] == ["Bob"]


@pytest.mark.both_backends
def test_non_ascii_emails_clash_ignoring_case_too(service) -> None:
    service.add_user("Jörg", "JÖRG@example.com")
    with pytest.raises(ValidationError, match="already belongs to user usr_"):
        service.add_user("Joerg", "jörg@example.com")


def test_the_cli_names_the_existing_user(cli) -> None:
    bob = ok_json(cli("users", "add", "--name", "Bob", "--email", "bob@example.com"))
    fails(cli("users", "add", "--name", "Bobby", "--email", "Bob@example.com"),
          f"email: Bob@example.com already belongs to user {bob['id']}", code=1)


def _v2_with_shared_emails(tmp_path: Path) -> Path:
    """The v2 fixture plus users sharing emails (allowed before v3): the oldest of each group
    was made last, and one group differs only by the case of a non-ASCII letter."""
    db = tmp_path / "p.db"
    shutil.copyfile(FIXTURE_V2, db)
    raw = sqlite3.connect(db)
    raw.executemany("INSERT INTO user (id, name, email, created_at) VALUES (?, ?, ?, ?)", [
        ("usr_dup_b", "Bob Two", "Bob@shared.example", "2025-02-01T00:00:00.000000Z"),
        ("usr_dup_a", "Bob One", "bob@shared.example", "2025-01-01T00:00:00.000000Z"),
        ("usr_dup_c", "Bob Three", "BOB@SHARED.EXAMPLE", "2025-03-01T00:00:00.000000Z"),
        ("usr_jorg_2", "Jörg Zwei", "jörg@shared.example", "2025-05-01T00:00:00.000000Z"),
        ("usr_jorg_1", "Jörg Eins", "JÖRG@shared.example", "2025-04-01T00:00:00.000000Z"),
    ])  # fmt: skip
    raw.commit()
    raw.close()
    return db


def test_upgrading_a_file_with_shared_user_emails_loses_nothing(tmp_path: Path) -> None:
    db = _v2_with_shared_emails(tmp_path)
    before = sqlite3.connect(db).execute("SELECT id, name, email, created_at FROM user ORDER BY id").fetchall()
    svc = Service.open(db)
    try:
        after = sqlite3.connect(db).execute("SELECT id, name, email, created_at FROM app_user ORDER BY id").fetchall()
        assert after == before  # every user, with the email as it was
        assert changed_tables(db, manifest(FIXTURE_V2)) == ["user"]  # the rest as the fixture holds it
        keys = dict(sqlite3.connect(db).execute("SELECT id, email_key FROM app_user WHERE id LIKE 'usr_dup%' OR id LIKE 'usr_jorg%'"))
        assert keys == {"usr_dup_a": "bob@shared.example", "usr_dup_b": None, "usr_dup_c": None,
                        "usr_jorg_1": "jörg@shared.example", "usr_jorg_2": None}  # the oldest holds the key
        assert {u["id"]: u["email"] for u in svc.list_users()}["usr_dup_c"] == "BOB@SHARED.EXAMPLE"
        with pytest.raises(ValidationError, match="already belongs to user usr_dup_a"):
            svc.add_user("Bob Four", "bob@SHARED.example")
        with pytest.raises(ValidationError, match="already belongs to user usr_jorg_1"):
            svc.add_user("Jörg Drei", "Jörg@shared.example")
    finally:
        svc.close()


def test_an_owner_cell_matching_several_users_is_a_row_error(tmp_path: Path) -> None:
    svc = Service.open(_v2_with_shared_emails(tmp_path))
    try:
        svc.add_user("Pat Kim", "pat.one@example.com")
        svc.add_user("Pat Kim", "pat.two@example.com")
        csv_text = ("First Name,Email,Contact Owner\n"
                    "Ann,ann@example.com,bob@shared.example\n"
                    "Bea,bea@example.com,Pat Kim\n"
                    "Cy,cy@example.com,pat.two@example.com\n"
                    "Di,di@example.com,usr_dup_b\n"
                    "Ed,ed@example.com,Nobody Here\n")  # fmt: skip
        preview = svc.preview_import(_write(tmp_path, csv_text))
        errors = {row["row"]: row["error"] for row in preview["rows"]}
        assert errors[2] == "assignedTo: owner 'bob@shared.example' is ambiguous: 3 users; give the user id"
        assert errors[3] == "assignedTo: owner 'Pat Kim' is ambiguous: 2 users; give the user id"
        assert errors[4] is None and errors[5] is None
        unknown, ambiguous = preview["warnings"]
        assert "not users here ('Nobody Here')" in unknown and "bob@shared" not in unknown
        assert "ambiguous owners ('bob@shared.example', 'Pat Kim': each matches several users)" in ambiguous
        job = run_csv_import(svc, tmp_path, csv_text)
        assert {e["row"] for e in job["errors"]} == {2, 3, 6} and job["successCount"] == 2
        owners = {c["email"]: c["assignedTo"] for c in svc.list_contacts(search="example.com", limit=100)["results"]}
        assert owners["di@example.com"] == "usr_dup_b"
    finally:
        svc.close()


def _write(folder: Path, text: str) -> Path:
    path = folder / "owners.csv"
    path.write_text(text, encoding="utf-8")
    return path
