"""Schema V6: the table ``user`` is ``app_user`` (a reserved word in PostgreSQL), and accounts and
tags are looked up by stored keys (``name_key``, validation.fold_key) instead of SQLite's
ASCII-only COLLATE NOCASE. Checked on a file version 5 left (tests/fixtures/schema-v5.db, made
by scripts/make_schema_fixture.py at that release) and on new files."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from parsalink_tui.errors import ValidationError
from parsalink_tui.service import Service
from parsalink_tui.validation import fold_key

from .hardening.test_schema_upgrade import changed_tables, manifest
from .import_helpers import run_csv_import

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_V5 = ROOT / "tests" / "fixtures" / "schema-v5.db"


def _copy_v5(tmp_path: Path) -> Path:
    db = tmp_path / "p.db"
    shutil.copyfile(FIXTURE_V5, db)
    return db


def _rows(db: Path, sql: str, *args) -> list[tuple]:
    raw = sqlite3.connect(db)
    try:
        return raw.execute(sql, args).fetchall()
    finally:
        raw.close()


def test_upgrading_a_v5_file_keeps_every_row_and_keys_every_name(tmp_path: Path) -> None:
    db = _copy_v5(tmp_path)
    users = _rows(db, "SELECT id, name, email, created_at, email_key FROM user ORDER BY id")
    accounts = _rows(db, "SELECT id, name, created_at FROM account ORDER BY created_at, id")
    tags = _rows(db, "SELECT id, name FROM tag ORDER BY id")
    Service.open(db).close()

    assert changed_tables(db, manifest(FIXTURE_V5)) == []  # user compared as app_user
    assert _rows(db, "SELECT id, name, email, created_at, email_key FROM app_user ORDER BY id") == users
    assert _rows(db, "SELECT name FROM sqlite_master WHERE name = 'user'") == []
    # Every account keeps its row; the key is the folded name, but "STRASSE BAU" (made after
    # "Straße Bau" by version 5, whose NOCASE told them apart) leaves the shared key to the older.
    keyed = _rows(db, "SELECT id, name, created_at, name_key FROM account ORDER BY created_at, id")
    assert [row[:3] for row in keyed] == accounts
    older, newer = (i for i, name, _ in accounts if name in ("Straße Bau", "STRASSE BAU"))
    assert {i: k for i, _, _, k in keyed if i in (older, newer)} == {older: "strasse bau", newer: None}
    assert all(key == fold_key(name) for i, name, _, key in keyed if i != newer)
    assert _rows(db, "SELECT id, name, name_key FROM tag ORDER BY id") == [(i, n, fold_key(n)) for i, n in tags]


def test_the_assignee_foreign_key_works_after_the_upgrade(tmp_path: Path) -> None:
    db = _copy_v5(tmp_path)
    Service.open(db).close()
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA foreign_keys = ON")
    keys = [(r[2], r[3], r[4], r[6]) for r in raw.execute("PRAGMA foreign_key_list(contact)")]
    assert [key for key in keys if key[1] == "assigned_to"] == [("app_user", "assigned_to", "id", "SET NULL")]
    counts = "SELECT count(*), count(assigned_to) FROM contact"
    total, with_owner = raw.execute(counts).fetchone()
    user, assigned = raw.execute("SELECT assigned_to, count(*) FROM contact WHERE assigned_to IS NOT NULL "
                                 "GROUP BY assigned_to ORDER BY 2 DESC LIMIT 1").fetchone()
    assert assigned > 0
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        raw.execute("UPDATE contact SET assigned_to = 'usr_nobody' WHERE pk = (SELECT min(pk) FROM contact)")
    raw.execute("DELETE FROM app_user WHERE id = ?", (user,))
    assert raw.execute(counts).fetchone() == (total, with_owner - assigned)  # unassigned, not deleted
    raw.commit()
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()


def test_lookups_on_an_upgraded_file_find_names_in_any_case(tmp_path: Path) -> None:
    db = _copy_v5(tmp_path)
    ids = dict(_rows(db, "SELECT name, id FROM account"))
    tagged = dict(_rows(db, "SELECT t.name, count(*) FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id "
                            "GROUP BY t.name"))
    svc = Service.open(db)
    try:
        made = svc.create_contact({"firstName": "Any", "email": "any.case@example.com",
                                   "accountName": "FIXTURE holdings", "tags": ["ENTERPRISE", "Vip"]})
        assert (made["accountId"], made["accountName"]) == (ids["Fixture Holdings"], "Fixture Holdings")
        assert made["tags"] == ["enterprise", "vip"]  # the stored tags, in their stored spelling
        other = svc.create_contact({"firstName": "Any", "email": "strasse@example.com", "accountName": "strasse BAU"})
        assert other["accountId"] == ids["Straße Bau"]  # the older of the two, which holds the key
        assert svc.list_contacts(tags="Enterprise", limit=1)["count"] == tagged["enterprise"] + 1
        with pytest.raises(ValidationError, match=f"already exists as {ids['Acme Corp']}"):
            svc.add_account("ACME CORP")
        # A contact of the account that lost the key still reads and saves as it is.
        probe = svc.list_contacts(search="case.probe2", limit=1)["results"][0]
        assert probe["accountName"] == "STRASSE BAU"
        kept = svc.update_contact(probe["id"], {"accountId": probe["accountId"], "accountName": "Strasse Bau",
                                                "title": "Kept"})  # fmt: skip
        assert (kept["accountId"], kept["title"]) == (ids["STRASSE BAU"], "Kept")
    finally:
        svc.close()


def _v5_with_colliding_tags(tmp_path: Path) -> tuple[Path, list[int]]:
    """The v5 fixture plus tags version 5 kept apart (NOCASE folds ASCII only): "Straße" and a
    newer "STRASSE", one contact holding both, one only the newer; and a decomposed "é"."""
    db = _copy_v5(tmp_path)
    raw = sqlite3.connect(db)
    pks = [r[0] for r in raw.execute("SELECT pk FROM contact ORDER BY pk LIMIT 3")]
    raw.executemany("INSERT INTO tag (id, name) VALUES (?, ?)",
                    [(100, "Straße"), (101, "STRASSE"), (102, "Cafe\u0301"), (103, "CAFÉ")])
    raw.executemany("INSERT INTO contact_tag (contact_pk, tag_id, position) VALUES (?, ?, ?)",
                    [(pks[0], 101, 7), (pks[0], 100, 9), (pks[1], 101, 8), (pks[2], 102, 8), (pks[2], 103, 9)])
    raw.commit()
    raw.close()
    return db, pks


def test_tags_that_casefold_alike_are_merged_into_the_oldest(tmp_path: Path) -> None:
    db, pks = _v5_with_colliding_tags(tmp_path)
    links = _rows(db, "SELECT count(*) FROM contact_tag")[0][0]
    svc = Service.open(db)
    try:
        assert _rows(db, "SELECT id, name, name_key FROM tag WHERE id >= 100 ORDER BY id") == [
            (100, "Straße", "strasse"), (102, "Cafe\u0301", "café")]
        assert _rows(db, "SELECT contact_pk, tag_id, position FROM contact_tag WHERE tag_id >= 100 ORDER BY 1") == [
            (pks[0], 100, 7), (pks[1], 100, 8), (pks[2], 102, 8)]  # both links of one contact: the earlier place
        assert _rows(db, "SELECT count(*) FROM contact_tag")[0][0] == links - 2
        assert svc.list_contacts(tags="STRASSE")["count"] == 2
        assert svc.list_contacts(tags="café")["count"] == 1
        ids = {pk: cid for pk, cid in _rows(db, "SELECT pk, id FROM contact")}
        assert svc.get_contact(ids[pks[1]])["tags"][-1] == "Straße"
        assert changed_tables(db, manifest(FIXTURE_V5)) == ["contact_tag", "tag"]
    finally:
        svc.close()


def test_new_names_that_casefold_alike_are_one_account_and_one_tag(service) -> None:
    first = service.create_contact({"firstName": "A", "email": "a@example.com", "accountName": "Straße Bau",
                                    "tags": ["Straße"]})
    second = service.create_contact({"firstName": "B", "email": "b@example.com", "accountName": "STRASSE BAU",
                                     "tags": ["STRASSE"]})
    assert second["accountId"] == first["accountId"]
    assert second["tags"] == ["Straße"]
    assert [a["name"] for a in service.list_accounts()] == ["Straße Bau"]
    assert service.list_contacts(tags="strasse")["count"] == 2


def test_an_import_finds_accounts_and_tags_by_their_keys(service, tmp_path: Path) -> None:
    made = service.create_contact({"firstName": "A", "email": "a@example.com", "accountName": "Straße Bau",
                                   "tags": ["Straße"]})
    job = run_csv_import(service, tmp_path, "First Name,Email,Company,Tags\n"
                                            "B,b@example.com,STRASSE BAU,STRASSE\n"
                                            "C,c@example.com,strasse bau,Neu\n")
    assert job["successCount"] == 2
    assert [a["id"] for a in service.list_accounts()] == [made["accountId"]]
    assert service.list_contacts(tags="strasse")["count"] == 2


def test_an_unknown_assignee_is_named_a_user(service) -> None:
    with pytest.raises(ValidationError, match="no user with id usr_nobody"):
        service.create_contact({"firstName": "A", "email": "a@example.com", "assignedTo": "usr_nobody"})


def test_no_statement_names_the_old_table_or_looks_a_name_up_by_nocase() -> None:
    """Code merged from elsewhere must not bring back `user` or a NOCASE lookup (V6)."""
    old_table = re.compile(r"\b(FROM|JOIN|INTO|UPDATE|TABLE|REFERENCES)\s+user\b")
    nocase_lookup = re.compile(r"(WHERE|AND|OR)\s+\w+(\.\w+)?\s*(=|IN)\s*\S+\s+COLLATE NOCASE|"
                               r"\b(account|tag)\s+(AS\s+)?\w*\s*WHERE\s+name\s*(=|IN)\b")  # fmt: skip
    offenders = []
    for path in sorted((ROOT / "parsalink_tui").rglob("*.py")):
        if path.name == "migrations.py":  # released steps name what the schema was then
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if old_table.search(line) or nocase_lookup.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
