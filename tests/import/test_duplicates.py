"""Duplicates: in the database or earlier in the file, skipped or (on_duplicate="update") merged."""

from __future__ import annotations

import pytest

from parsalink_tui.importing import runner

from .conftest import contacts_by_email
from .helpers import assert_counters_match, table_counts

pytestmark = pytest.mark.both_backends  # the same rules on SQLite and PostgreSQL


def test_duplicates_in_file_and_in_database(run_import, write_csv, service):
    old = service.create_contact({"firstName": "Old", "email": "old@example.com"})
    job = run_import(write_csv("leads.csv", (
        "First Name,Email\n"
        "Ann,ann@example.com\n"     # row 2: created
        "Old,OLD@example.com\n"     # row 3: in the database (case-insensitive)
        "Ann 2,Ann@Example.com\n"   # row 4: earlier in this file
        "Bad,nope\n"                # row 5: an error, not a duplicate
        "Nope,bad@example.com\n"    # row 6: created
        "Bad again,nope\n"          # row 7: an error again (errors are not remembered as contacts)
    )))  # fmt: skip
    ann = contacts_by_email(service)["ann@example.com"]
    assert job["duplicates"] == [
        {"row": 3, "email": "OLD@example.com", "existingId": old["id"]},
        {"row": 4, "email": "Ann@example.com", "existingId": ann["id"]},
    ]
    assert job["successCount"] == 2 and job["errorCount"] == 2 and job["processedRows"] == 6
    assert service.get_contact(old["id"])["firstName"] == "Old"  # untouched
    assert_counters_match(job, table_counts(service, job["uid"]))


def test_in_file_duplicates_across_batches(run_import, write_csv, service, monkeypatch):
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 128)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 128)
    lines = ["First Name,Email"] + [f"P{n},p{n % 300}@example.com" for n in range(900)]
    job = run_import(write_csv("leads.csv", "\n".join(lines) + "\n"))
    assert job["successCount"] == 300 and len(job["duplicates"]) == 600
    assert_counters_match(job, table_counts(service, job["uid"]))


def test_importing_the_same_file_twice_creates_nothing_the_second_time(run_import, write_csv):
    path = write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\nBob,bob@example.com\n")
    first = run_import(path)
    second = run_import(path)
    assert first["successCount"] == 2
    assert second["successCount"] == 0 and [d["row"] for d in second["duplicates"]] == [2, 3]


def test_update_fills_empty_fields_and_merges_tags(run_import, write_csv, service):
    user = service.add_user("Sam Lee", "sam@example.com")
    old = service.create_contact({"firstName": "Ann", "email": "ann@example.com", "title": "CTO",
                                  "tags": ["Warm"], "stage": "engaged"})  # fmt: skip
    job = run_import(
        write_csv(
            "leads.csv",
            (
                "First Name,Last Name,Email,Phone,Title,Company,Stage,Tags,Owner,Email Opt Out\n"
                'Annie,Lee,ANN@example.com,+1 415 555 0134,CEO,Acme,customer,"warm, vip",sam lee,yes\n'
            ),
        ),
        on_duplicate="update",
    )
    assert job["duplicates"] == [{"row": 2, "email": "ANN@example.com", "existingId": old["id"]}]
    assert job["successCount"] == 0
    after = service.get_contact(old["id"])
    assert after["firstName"] == "Ann" and after["title"] == "CTO"  # filled fields stay
    assert after["lastName"] == "Lee" and after["phone"] == "+14155550134"  # empty ones filled
    assert after["accountName"] == "Acme" and after["assignedTo"] == user["id"]
    assert after["emailOptOut"] is True
    assert after["stage"] == "engaged"  # never changed by an import
    assert after["tags"] == ["Warm", "vip"]
    audit = [(a["action"], a["field"]) for a in service.list_activity(old["id"])]
    assert audit[0] == ("created", None)
    assert set(audit[1:]) == {
        ("updated", f) for f in ("lastName", "phone", "accountId", "assignedTo", "emailOptOut", "tags")
    }
    assert all(a["detail"]["importJob"] == job["uid"] for a in service.list_activity(old["id"])[1:])


def test_update_within_one_file_merges_into_the_first_row(run_import, write_csv, service):
    job = run_import(
        write_csv(
            "leads.csv",
            (
                "First Name,Last Name,Email,Phone,Tags\n"
                "Ann,,ann@example.com,,a\n"
                "Other,Lee,ann@example.com,+1 415 555 0134,b\n"
            ),
        ),
        on_duplicate="update",
    )
    person = contacts_by_email(service)["ann@example.com"]
    assert (person["firstName"], person["lastName"], person["phone"]) == ("Ann", "Lee", "+14155550134")
    assert person["tags"] == ["a", "b"]
    assert job["successCount"] == 1 and job["duplicates"][0]["existingId"] == person["id"]


def test_update_across_batches(run_import, write_csv, service, monkeypatch):
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 128)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 128)
    lines = ["First Name,Title,Email"] + [f"P{n},,p{n}@example.com" for n in range(200)]
    lines += [f"Q{n},Boss,p{n}@example.com" for n in range(200)]
    job = run_import(write_csv("leads.csv", "\n".join(lines) + "\n"), on_duplicate="update")
    people = contacts_by_email(service)
    assert job["successCount"] == 200 and len(job["duplicates"]) == 200
    assert {p["title"] for p in people.values()} == {"Boss"}
    assert {p["firstName"][0] for p in people.values()} == {"P"}


@pytest.mark.parametrize("mode", ["skip", "update"])
def test_error_rows_are_never_merged(run_import, write_csv, service, mode):
    old = service.create_contact({"firstName": "Ann", "email": "ann@example.com"})
    job = run_import(write_csv("leads.csv", "First Name,Email,Phone\nX,ann@example.com,12\n"), on_duplicate=mode)
    assert job["errors"] == [{"row": 2, "message": "Invalid phone number: '12'"}] and job["duplicates"] == []
    assert service.get_contact(old["id"])["phone"] is None
