"""Upgrading from every released schema version keeps every row.

tests/fixtures/schema-v<N>.db is a database as version N left it on a user's disk, made by
scripts/make_schema_fixture.py at that release, with a JSON manifest of what it holds. Each is
copied, opened by the current app (migrating it to LATEST), and every row of every table is
compared with the manifest (count + checksum over the columns that version had), then used: a
sample of contacts reads back the same, search, tag filters and stage counts give the same
answers, and new writes work.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from parsalink_tui import migrations
from parsalink_tui.service import Service

from .conftest import assert_ok_json, invoke, tally

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
sys.path.insert(0, str(ROOT / "scripts"))
from make_schema_fixture import digest_rows  # noqa: E402


def _fixtures() -> dict[int, Path]:
    found = {}
    for path in FIXTURES.glob("schema-v*.db"):
        match = re.fullmatch(r"schema-v(\d+)\.db", path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


FIXTURE_FILES = _fixtures()


def manifest(path: Path) -> dict:
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_a_fixture_for_every_released_version() -> None:
    versions = list(FIXTURE_FILES)
    assert versions and versions[0] == 1, "schema-v1.db (the first release) is missing"
    assert versions == list(range(1, versions[-1] + 1)), f"a released version has no fixture: {versions}"
    assert versions[-1] <= migrations.LATEST
    for version, path in FIXTURE_FILES.items():
        data = manifest(path)
        assert data["schema_version"] == version
        # The committed file is the one the manifest describes (not regenerated, not re-saved).
        assert hashlib.sha256(path.read_bytes()).hexdigest() == data["file_sha256"], path.name
        assert not path.with_name(path.name + "-wal").exists()


# Tables a step renamed (old name → name now): their rows are compared under the new name.
RENAMED = {"user": "app_user"}  # V6


def changed_tables(db: Path, expected: dict) -> list[str]:
    """Tables (by the fixture's names) whose rows, over the columns the fixture's version had,
    differ from the manifest."""
    raw = sqlite3.connect(db)
    try:
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        return [table for table, before in expected["tables"].items()
                if digest_rows(raw, RENAMED.get(table, table), before["columns"]) != {"rows": before["rows"], "sha256": before["sha256"]}]
    finally:
        raw.close()


@pytest.mark.parametrize("version", list(FIXTURE_FILES), ids=[f"v{v}" for v in FIXTURE_FILES])
def test_upgrade_keeps_every_row(tmp_path: Path, version: int) -> None:
    expected = manifest(FIXTURE_FILES[version])
    db = tmp_path / "user" / "parsalink.db"
    db.parent.mkdir(mode=0o700)
    shutil.copyfile(FIXTURE_FILES[version], db)
    db.chmod(0o600)

    svc = Service.open(db)  # migrates to LATEST
    with svc.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA user_version").scalar() == migrations.LATEST
        assert conn.exec_driver_sql("PRAGMA application_id").scalar() == expected["application_id"]
    assert changed_tables(db, expected) == []
    tally("fixture rows checked after upgrade", sum(t["rows"] for t in expected["tables"].values()))

    # The data is not only there but usable: same answers as when the fixture was made.
    for sample in expected["samples"]:
        got = svc.get_contact(sample["id"])
        assert {k: got[k] for k in sample} == sample
    for term, count in expected["search_counts"].items():
        assert svc.list_contacts(search=term, limit=1)["count"] == count, term
    assert svc.list_contacts(tags="fixture", limit=1)["count"] == expected["tag_fixture_count"]
    assert svc.stage_counts() == expected["stage_counts"]
    assert svc.list_contacts(limit=1)["count"] == expected["tables"]["contact"]["rows"]
    assert expected["unused_source"] in [s["uid"] for s in svc.list_sources()]
    first = expected["samples"][0]["id"]
    history = svc.list_activity(first)
    assert [a["action"] for a in history][:1] == ["created"]
    # And it takes new writes.
    made = svc.create_contact({"firstName": "After", "lastName": "Upgrade", "email": "after.upgrade@example.com",
                               "tags": ["fixture"]})
    svc.update_contact(first, {"stage": "customer"})
    assert svc.list_contacts(search="After Upgrade")["results"][0]["id"] == made["id"]
    svc.close()


@pytest.mark.parametrize("version", list(FIXTURE_FILES), ids=[f"v{v}" for v in FIXTURE_FILES])
def test_upgrade_through_the_cli(tmp_path: Path, version: int, capsys, monkeypatch) -> None:
    expected = manifest(FIXTURE_FILES[version])
    db = tmp_path / "parsalink.db"
    shutil.copyfile(FIXTURE_FILES[version], db)
    listed = assert_ok_json(invoke(capsys, monkeypatch, db, "contacts", "list", "--limit", "1"))
    assert listed["count"] == expected["tables"]["contact"]["rows"]
    sample = expected["samples"][-1]
    got = assert_ok_json(invoke(capsys, monkeypatch, db, "contacts", "get", sample["id"]))
    assert {k: got[k] for k in sample} == sample


@pytest.mark.parametrize(("step", "changed"), [
    ("ALTER TABLE contact ADD COLUMN linkedin TEXT; CREATE TABLE later (x);", []),
    ("DELETE FROM note WHERE rowid = (SELECT min(rowid) FROM note);", ["note"]),
    ("UPDATE contact SET title = upper(title) WHERE pk = 1;", ["contact"]),
], ids=["additive", "loses-a-note", "alters-a-contact"])
def test_the_check_tells_a_lossy_migration_from_an_additive_one(tmp_path: Path, monkeypatch, step: str,
                                                                 changed: list[str]) -> None:
    """The comparison above is not vacuous: a future step that adds columns and tables passes,
    one that drops or rewrites a row is caught."""
    latest = max(FIXTURE_FILES)
    db = tmp_path / "p.db"
    shutil.copyfile(FIXTURE_FILES[latest], db)
    future = migrations.LATEST + 1
    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, (future, step)])
    monkeypatch.setattr(migrations, "LATEST", future)
    monkeypatch.setattr("parsalink_tui.db.LATEST", future)
    Service.open(db).close()
    assert changed_tables(db, manifest(FIXTURE_FILES[latest])) == changed
