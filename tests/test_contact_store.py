"""contact_store: the one place contact rows are written. The same input gives the same rows
whichever writer wrote them (create, import, demo), and find-or-create leans on the database's
unique constraints."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from parsalink_tui import contact_store
from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service

from .import_helpers import run_csv_import

# Columns that differ between two writes of the same contact whatever wrote them.
_OWN = {"pk", "id", "created_at", "updated_at", "import_job_uid", "source_uid"}


def _rows(service: Service, sql: str, *params: Any) -> list[dict[str, Any]]:
    raw = sqlite3.connect(service.db.path)
    raw.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in raw.execute(sql, params)]
    finally:
        raw.close()


def _contact_row(service: Service, email: str) -> dict[str, Any]:
    (row,) = _rows(service, "SELECT * FROM contact WHERE email = ?", email)
    return {k: v for k, v in row.items() if k not in _OWN}


def _tag_links(service: Service, email: str) -> list[tuple[str, int]]:
    return [
        (r["name"], r["position"])
        for r in _rows(
            service,
            "SELECT t.name, ct.position FROM contact c JOIN contact_tag ct ON ct.contact_pk = c.pk "
            "JOIN tag t ON t.id = ct.tag_id WHERE c.email = ? ORDER BY ct.position",
            email,
        )
    ]


def test_create_and_import_write_the_same_row_for_the_same_contact(service: Service, tmp_path: Path) -> None:
    user = service.add_user("Sam Lee", "sam@example.com")
    service.create_contact({
        "firstName": "Ann", "lastName": "Lee", "email": "Ann.Lee@Example.com", "phone": "+1 415 555 0134",
        "title": "CTO", "stage": "engaged", "accountName": "Acme", "assignedTo": user["id"],
        "tags": ["warm", "vip"], "notes": "Met at the fair", "emailOptOut": True,
    })  # fmt: skip
    job = run_csv_import(service, tmp_path, (
        "First Name,Last Name,Email,Phone,Title,Stage,Company,Owner,Tags,Notes,Email Opt Out\n"
        'Bob,Lee,Bob.Lee@Example.com,+1 415 555 0135,CTO,engaged,ACME,sam@example.com,"warm, vip",Met at the fair,yes\n'
    ))  # fmt: skip
    assert job["successCount"] == 1
    created, imported = _contact_row(service, "Ann.Lee@example.com"), _contact_row(service, "Bob.Lee@example.com")
    assert {k: v for k, v in created.items() if k not in ("first_name", "email", "email_key", "phone")} == {
        k: v for k, v in imported.items() if k not in ("first_name", "email", "email_key", "phone")
    }
    assert (created["email_key"], imported["email_key"]) == ("ann.lee@example.com", "bob.lee@example.com")
    assert created["account_id"] is not None  # "ACME" found the account "Acme" made: one account
    assert [a["name"] for a in service.list_accounts()] == ["Acme"]
    assert (
        _tag_links(service, "Ann.Lee@example.com")
        == _tag_links(service, "Bob.Lee@example.com")
        == [("warm", 0), ("vip", 1)]
    )


def test_a_demo_contact_is_the_row_create_would_write(tmp_path: Path) -> None:
    demo = Service.open(tmp_path / "demo.db")
    fill_demo(demo.db, contacts=40, seed=3)
    made = Service.open(tmp_path / "made.db")
    fill_demo(made.db, contacts=1, seed=3)  # the same seed: the same team, accounts and tags (ids too)
    fields = ("firstName", "lastName", "email", "phone", "title", "stage", "accountId", "assignedTo", "tags",
              "notes", "emailOptOut", "emailBounced")  # fmt: skip
    try:
        taken = {r["email"] for r in _rows(made, "SELECT email FROM contact")}
        compared = 0
        for item in demo.list_contacts(limit=40)["results"]:
            contact = demo.get_contact(item["id"])
            if contact["email"] in taken:
                continue
            made.create_contact({field: contact[field] for field in fields})
            assert _contact_row(made, contact["email"]) == _contact_row(demo, contact["email"])
            assert _tag_links(made, contact["email"]) == _tag_links(demo, contact["email"])
            compared += 1
        assert compared >= 39
    finally:
        demo.close()
        made.close()


def test_an_import_merge_and_an_edit_write_the_same_audit_row(service: Service, tmp_path: Path) -> None:
    """The same change (an empty phone filled, a flag set) logged the same way by both writers."""
    edited = service.create_contact({"firstName": "Ann", "email": "ann@example.com"})
    merged = service.create_contact({"firstName": "Bob", "email": "bob@example.com"})
    service.update_contact(edited["id"], {"phone": "+1 415 555 0134", "emailOptOut": True})
    path = tmp_path / "merge.csv"
    path.write_text("First Name,Email,Phone,Email Opt Out\nBob,bob@example.com,+1 415 555 0134,yes\n", encoding="utf-8")
    service.start_import(path, run=False, on_duplicate="update")
    service.work_imports()
    columns = "action, field, old_value, new_value, actor"
    by_edit = _rows(service, f"SELECT {columns} FROM activity WHERE contact_id = ? AND action = 'updated' "
                             "ORDER BY field", edited["id"])  # fmt: skip
    by_import = _rows(service, f"SELECT {columns} FROM activity WHERE contact_id = ? AND action = 'updated' "
                               "ORDER BY field", merged["id"])  # fmt: skip
    assert (
        by_edit
        == by_import
        == [
            {"action": "updated", "field": "emailOptOut", "old_value": "false", "new_value": "true", "actor": None},
            {"action": "updated", "field": "phone", "old_value": None, "new_value": '"+14155550134"', "actor": None},
        ]
    )


def _raw(service: Service) -> sqlite3.Connection:
    return sqlite3.connect(service.db.path, isolation_level=None)


def test_find_or_create_returns_the_existing_row_under_any_case(service: Service) -> None:
    acme = service.add_account("Acme Corp")["id"]
    raw = _raw(service)
    try:
        raw.execute("BEGIN IMMEDIATE")
        assert contact_store.account_id(raw, "ACME corp", "2026-01-01T00:00:00.000000") == acme
        assert contact_store.insert_account(raw, "acme CORP", "2026-01-01T00:00:00.000000") is None
        ids = contact_store.account_ids(raw, ["acme corp", "Globex", "globex"], "2026-01-01T00:00:00.000000")
        assert ids[0] == acme and ids[1] == ids[2] != acme
        warm = contact_store.tag_id(raw, "Warm")
        assert contact_store.tag_ids(raw, ["WARM", "warm", "cold"])[:2] == [warm, warm]
        raw.execute("COMMIT")
    finally:
        raw.close()
    assert [a["name"] for a in service.list_accounts()] == ["Acme Corp", "Globex"]
    assert [r["name"] for r in _rows(service, "SELECT name FROM tag ORDER BY id")] == ["Warm", "cold"]
