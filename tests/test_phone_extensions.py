"""Phone extensions are kept ("+15559876543;ext=123", as RFC 3966 writes them), by hand and by
import alike, and search finds the number by its digits (an extension's digits are not indexed)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from .conftest import make_contact
from .import_helpers import run_csv_import


def found(service, term: str) -> set[str]:
    return {c["email"] for c in service.list_contacts(search=term, limit=100)["results"]}


@pytest.mark.both_backends
def test_an_extension_is_kept_on_create_and_update(service) -> None:
    made = make_contact(service, phone="555-987-6543 x123")
    assert made["phone"] == "+15559876543;ext=123"
    assert service.update_contact(made["id"], {"phone": "(555) 987-6543 ext. 45"})["phone"] == "+15559876543;ext=45"
    # sent back as read, the stored form is accepted unchanged (no audit row: nothing changed)
    again = service.update_contact(made["id"], service.get_contact(made["id"]))
    assert again["phone"] == "+15559876543;ext=45"
    assert [a["newValue"] for a in service.list_activity(made["id"]) if a["field"] == "phone"] == ["+15559876543;ext=45"]


def test_search_finds_the_number_by_its_digits_not_by_the_extension(service) -> None:
    make_contact(service, phone="555-987-6543 x123", email="desk@example.com")
    make_contact(service, phone="+1 202 555 0199", email="plain@example.com")
    for term in ("5559876543", "(555) 987-6543", "987", "65", "43"):
        assert found(service, term) == {"desk@example.com"}, term
    assert found(service, "123") == set()  # the extension's digits
    assert found(service, "ext") == set()
    assert found(service, "x123") == set()
    # a query with an extension (as typed, or the stored form pasted) searches its number
    for term in ("555-987-6543 x123", "+15559876543;ext=123", "(555) 987-6543 ext. 9"):
        assert found(service, term) == {"desk@example.com"}, term


def test_the_search_indexes_stay_right_when_a_phone_with_an_extension_changes(service, db_path) -> None:
    made = make_contact(service, phone="555-987-6543 x123", email="desk@example.com")
    service.update_contact(made["id"], {"phone": "202-555-0199 x9"})
    assert found(service, "5559876543") == set() and found(service, "2025550199") == {"desk@example.com"}
    service.update_contact(made["id"], {"phone": None})
    assert found(service, "2025550199") == set()
    service.update_contact(made["id"], {"phone": "555-987-6543 #77"})
    service.delete_contact(made["id"])
    raw = sqlite3.connect(db_path)
    for table in ("contact_fts", "contact_short"):  # a delete that named other words corrupts these
        raw.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 0)")
        assert raw.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH '\"55\" OR \"desk\"'").fetchone()[0] == 0
    raw.close()


def test_an_import_keeps_extensions_and_indexes_the_number(service, tmp_path) -> None:
    job = run_csv_import(service, tmp_path, "First Name,Email,Phone\n"
                                            "Ann,ann@example.com,555-987-6543 x123\n"
                                            "Bob,bob@example.com,+44 20 7946 0958 ext 7\n"
                                            "Cy,cy@example.com,(555) 123-4567\n")  # fmt: skip
    assert job["successCount"] == 3
    phones = {c["email"]: c["phone"] for c in service.list_contacts()["results"]}
    assert phones == {"ann@example.com": "+15559876543;ext=123", "bob@example.com": "+442079460958;ext=7",
                      "cy@example.com": "+15551234567"}
    assert found(service, "5559876543") == {"ann@example.com"} and found(service, "2079460958") == {"bob@example.com"}
    assert found(service, "123") == {"cy@example.com"}


def test_the_cli_prints_the_extension(service, db_path, capsys) -> None:
    from parsalink_tui.cli import run

    service.close()
    run(["--db", str(db_path), "contacts", "create", "--data",
         json.dumps({"firstName": "Sarah", "email": "sarah@example.com", "phone": "555-987-6543 x123"})])
    assert json.loads(capsys.readouterr().out)["phone"] == "+15559876543;ext=123"
