"""Reverting an import: created contacts deleted, merges put back, later changes protect a contact,
batches are atomic and a rerun finishes, refusals."""

from __future__ import annotations

import sqlite3

import pytest

from parsalink_tui.importing import revert
from parsalink_tui.importing.bulk import bulk_for
from parsalink_tui.importing.revert import RevertRefused

from .conftest import contacts_by_email

pytestmark = pytest.mark.both_backends

LEADS = (
    "First Name,Last Name,Email,Phone,Tags\n"
    "Zoltan,Quixby,zq@example.com,+1 415 555 0101,warm\n"
    "Ann,Lee,ann@example.com,+1 415 555 0102,\n"
    "Bob,Ray,bob@example.com,,cold\n"
    "Cy,Day,cy@example.com,,\n"
    "Di,Fox,di@example.com,,\n"
    "Ed,Gee,ed@example.com,,\n"
)


def by_email(service, email):
    return contacts_by_email(service).get(email)


def test_revert_deletes_created_contacts_and_their_search_rows(run_import, write_csv, service, db_path):
    keep = service.create_contact({"firstName": "Keep", "email": "keep@example.com"})
    job = run_import(write_csv("leads.csv", LEADS))
    assert job["successCount"] == 6 and "revert" not in job and "revertedAt" not in job
    created = {c["email"]: c["id"] for c in contacts_by_email(service).values() if c["id"] != keep["id"]}

    done = service.revert_import(job["uid"])

    assert set(contacts_by_email(service)) == {"keep@example.com"}
    assert done["status"] == "complete" and done["revertedAt"]
    assert done["revert"] == {"status": "complete", "total": 6, "processed": 6, "progressPercent": 100,
                              "deleted": 6, "restored": 0, "protectedCount": 0, "protected": []}  # fmt: skip
    # The search indexes lost exactly those rows: a new contact reusing a freed pk is not found
    # by the deleted contacts' words (a stale search row would match it), and still by its own.
    service.create_contact({"firstName": "New", "email": "new@example.org"})
    for term in ("Quixby", "zq", "0101", "Ann Lee"):
        assert service.list_contacts(search=term)["count"] == 0, term
    assert service.list_contacts(search="new")["count"] == 1
    assert service.list_contacts(search="ke")["count"] == 1
    audit = service.list_activity(created["zq@example.com"])
    assert [a["action"] for a in audit] == ["imported", "deleted"]
    assert audit[-1]["detail"] == {"revertOf": job["uid"]}
    if service.db.dialect == "sqlite":  # no pk range left parked (PostgreSQL has no search tables)
        with sqlite3.connect(db_path) as conn:
            assert conn.execute("SELECT count(*) FROM search_bulk").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda s, cid: s.update_contact(cid, {"title": "CEO"}), "title changed"),
        (lambda s, cid: s.update_contact(cid, {"tags": ["warm", "vip"]}), "tags changed"),
        (lambda s, cid: s.set_stage([cid], "engaged"), "stage changed"),
        (lambda s, cid: s.add_note(cid, "called, interested"), "note added"),
        (lambda s, cid: s.add_task(cid, "Call back"), "task added"),
    ],
    ids=["field", "tags", "stage", "note", "task"],
)
def test_a_contact_changed_after_the_import_is_protected(run_import, write_csv, service, change, reason):
    job = run_import(write_csv("leads.csv", LEADS))
    zq = by_email(service, "zq@example.com")
    change(service, zq["id"])

    done = service.revert_import(job["uid"])

    assert set(contacts_by_email(service)) == {"zq@example.com"}
    assert done["revert"]["deleted"] == 5 and done["revert"]["protectedCount"] == 1
    [entry] = done["revert"]["protected"]
    assert entry["id"] == zq["id"] and entry["email"] == "zq@example.com"
    assert reason in entry["reason"]


def test_merged_contacts_are_restored_unless_changed_since(run_import, write_csv, service):
    service.add_user("Sam Lee", "sam@example.com")
    ann = service.create_contact({"firstName": "Ann", "email": "ann@example.com", "tags": ["Warm"]})
    bob = service.create_contact({"firstName": "Bob", "email": "bob@example.com"})
    before = service.get_contact(ann["id"])
    job = run_import(
        write_csv("update.csv", (
            "First Name,Last Name,Email,Phone,Company,Tags,Owner,Email Opt Out\n"
            'Annie,Lee,ANN@example.com,+1 415 555 0134,Acme,"warm, vip",sam lee,yes\n'
            "Bobby,Ray,bob@example.com,+1 415 555 0135,,,,\n"
            "New,Person,new@example.com,,,,,\n"
        )),
        on_duplicate="update",
    )  # fmt: skip
    merged = service.get_contact(ann["id"])
    assert merged["lastName"] == "Lee" and merged["tags"] == ["Warm", "vip"] and merged["emailOptOut"] is True
    service.update_contact(bob["id"], {"title": "CTO"})  # Bob changed after the import: protected

    done = service.revert_import(job["uid"])

    after = service.get_contact(ann["id"])
    for key in ("firstName", "lastName", "phone", "accountId", "assignedTo", "emailOptOut", "tags", "stage"):
        assert after[key] == before[key], key
    assert service.get_contact(bob["id"])["lastName"] == "Ray"  # left as the import made it
    assert by_email(service, "new@example.com") is None
    assert done["revert"]["restored"] == 1 and done["revert"]["deleted"] == 1
    assert [p["id"] for p in done["revert"]["protected"]] == [bob["id"]]
    reverted = [a for a in service.list_activity(ann["id"]) if (a["detail"] or {}).get("revertOf") == job["uid"]]
    assert {a["field"] for a in reverted} == {"lastName", "phone", "accountId", "assignedTo", "emailOptOut", "tags"}


def test_only_a_complete_job_can_be_reverted(write_csv, service, run_import):
    queued = service.start_import(write_csv("leads.csv", LEADS), run=False)
    with pytest.raises(RevertRefused, match="is queued: only a complete import can be reverted"):
        service.revert_import(queued["uid"])
    failed = run_import(write_csv("bin.csv", b"\x89PNG\x00\x00binary"))
    assert failed["status"] == "failed"
    with pytest.raises(RevertRefused, match="is failed: only a complete import"):
        service.revert_import(failed["uid"])


def test_reverting_twice_is_refused(run_import, write_csv, service):
    job = run_import(write_csv("leads.csv", LEADS))
    first = service.revert_import(job["uid"])
    with pytest.raises(RevertRefused, match="was already reverted at " + first["revertedAt"]):
        service.revert_import(job["uid"])


@pytest.fixture
def tiny_batches(monkeypatch):
    monkeypatch.setattr(revert, "FIRST_BATCH", 2)
    monkeypatch.setattr(revert._Pace, "took", lambda self, items, seconds: None)


def test_a_stopped_revert_is_finished_by_a_rerun(run_import, write_csv, service, tiny_batches):
    job = run_import(write_csv("leads.csv", LEADS))
    calls = []
    service.revert_import(job["uid"], progress=calls.append, stop=lambda: len(calls) == 1)
    half = service.get_import_job(job["uid"])
    assert half["revert"]["status"] == "processing" and "revertedAt" in half and half["revertedAt"] is None
    assert half["revert"]["deleted"] == 2 and len(contacts_by_email(service)) == 4

    done = service.revert_import(job["uid"])  # its worker is gone: this run takes over
    assert done["revert"]["status"] == "complete" and done["revert"]["deleted"] == 6
    assert contacts_by_email(service) == {}


def test_a_batch_that_fails_midway_leaves_nothing_half_done(run_import, write_csv, service, tiny_batches,
                                                             monkeypatch):  # fmt: skip
    job = run_import(write_csv("leads.csv", LEADS))
    bulk = bulk_for(service.db)
    real = bulk.insert_rows
    writes = []

    def crash_on_second_batch(job, table, columns, rows):
        writes.append(table)
        real(job, table, columns, rows)  # the contacts are already deleted in this transaction…
        if len(writes) == 2:
            raise RuntimeError("killed")  # …and then the batch dies before it commits

    monkeypatch.setattr(bulk, "insert_rows", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        service.revert_import(job["uid"])
    half = service.get_import_job(job["uid"])
    assert half["revert"]["deleted"] == 2 and len(contacts_by_email(service)) == 4  # batch 2 rolled back whole

    monkeypatch.setattr(bulk, "insert_rows", real)
    done = service.revert_import(job["uid"])
    assert done["revert"]["deleted"] == 6 and done["revert"]["processed"] == 6 and contacts_by_email(service) == {}
    assert service.list_contacts(search="Quixby")["count"] == 0


def test_a_revert_in_progress_elsewhere_is_refused(run_import, write_csv, service, tiny_batches, monkeypatch):
    job = run_import(write_csv("leads.csv", LEADS))
    seen = []

    def nested(state):
        seen.append(state)
        if len(seen) == 1:
            with pytest.raises(RevertRefused, match="is being reverted right now"):
                service.revert_import(job["uid"])

    service.revert_import(job["uid"], progress=nested)
    assert service.get_import_job(job["uid"])["revert"]["deleted"] == 6
