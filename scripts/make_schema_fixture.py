"""Write tests/fixtures/schema-v<N>.db (+ .json manifest) for the current schema version N.

Run it once per release that changes the schema, *at* that release, and commit both files:

    python scripts/make_schema_fixture.py            # writes schema-v{LATEST}.db/.json
    python scripts/make_schema_fixture.py --force    # overwrite an existing one (before release only)
    python scripts/make_schema_fixture.py --contacts 60   # fewer demo contacts: a smaller file

tests/hardening/test_schema_upgrade.py opens a copy of every fixture with the current app (which
migrates it to LATEST) and checks every row of every table against the manifest, so a migration
that loses or alters data fails the suite. A released fixture is never regenerated: it stands
for the files users have on disk.

The database holds deterministic demo data (a few hundred contacts with accounts, users, tags,
notes, tasks and "created" activity) plus changes made through the service so the audit log has
every kind of row (field updates, tag changes, stage changes, a deleted contact), and one extra
source no import ever used, and contacts whose company is named in another case than its
account ("FIXTURE HOLDINGS" for "Fixture Holdings", "STRASSE BAU" next to "Straße Bau": the same
name to casefold but not to SQLite's ASCII-only NOCASE, so versions up to 5 made two accounts).
No import jobs: their tables are there, empty.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
CONTACTS = 300
SEED = 2024


def _rows_json(rows: list[tuple[Any, ...]]) -> str:
    return json.dumps(rows, ensure_ascii=False, default=lambda v: {"hex": v.hex()} if isinstance(v, bytes) else str(v))


def table_manifest(conn: sqlite3.Connection) -> dict[str, dict[str, Any]]:
    """Per user table: its columns, row count and a sha256 of every row (sorted by all columns).

    SQLite's own tables and the search index's shadow tables are left out: a later version may
    rebuild those (ANALYZE, an index rebuild) without losing anything; search is checked by use.
    """
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE 'contact_fts_%' AND name NOT LIKE 'contact_short_%' "
        "ORDER BY name")]
    out: dict[str, dict[str, Any]] = {}
    for table in tables:
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')]
        out[table] = {"columns": columns, **digest_rows(conn, table, columns)}
    return out


def digest_rows(conn: sqlite3.Connection, table: str, columns: list[str]) -> dict[str, Any]:
    cols = ", ".join(f'"{c}"' for c in columns)
    rows = conn.execute(f'SELECT {cols} FROM "{table}" ORDER BY {cols}').fetchall()
    return {"rows": len(rows), "sha256": hashlib.sha256(_rows_json(rows).encode()).hexdigest()}


def build(path: Path, contacts: int = CONTACTS) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from parsalink_tui.demo import fill_demo
    from parsalink_tui.service import Service

    svc = Service.open(path)
    fill_demo(svc.db, contacts=contacts, seed=SEED)
    listed = svc.list_contacts(limit=100, ordering="createdAt")["results"]
    ids = [c["id"] for c in listed]
    users = svc.list_users()
    # The audit log's other kinds of rows, made the way users make them.
    for n, cid in enumerate(ids[:12]):
        svc.update_contact(cid, {"title": f"Updated title {n}", "tags": ["fixture", f"batch-{n % 3}"],
                                 "emailOptOut": n % 2 == 0, "assignedTo": users[n % len(users)]["id"]})
    svc.set_stage(ids[12:30], "negotiation")
    svc.set_stages({ids[30]: "customer", ids[31]: "inactive"})
    for cid in ids[32:40]:
        svc.add_note(cid, "Fixture note\nwith two lines")
        task = svc.add_task(cid, "Fixture task", "2026-12-01")
        svc.set_task_done(task["id"])
    made = svc.create_contact({"firstName": "Zoë", "lastName": "Ünicode-Ørsted", "email": "zoe.orsted@fixture.example",
                               "phone": "+44 20 7946 0958", "title": "Head of Procurement", "stage": "engaged",
                               "accountName": "Fixture Holdings", "tags": ["fixture", "vip"],
                               "notes": "Made by scripts/make_schema_fixture.py"})
    # Company names in other cases than their account's (lookups of mixed-case names).
    for n, company in enumerate(("FIXTURE HOLDINGS", "Straße Bau", "STRASSE BAU")):
        svc.create_contact({"firstName": "Case", "lastName": f"Probe {n}", "email": f"case.probe{n}@fixture.example",
                            "accountName": company, "assignedTo": users[n % len(users)]["id"], "tags": ["Fixture"]})
    svc.delete_contact(ids[40])  # its activity rows stay, its notes and tasks go
    source = svc.add_source("Fixture Source (no imports)")
    samples = [svc.get_contact(cid) for cid in (ids[0], ids[13], ids[33], made["id"])]
    probes = {term: svc.list_contacts(search=term, limit=1)["count"] for term in ("smi", "Zoë", "fixture", "555")}
    tag_count = svc.list_contacts(tags="fixture", limit=1)["count"]
    stages = svc.stage_counts()
    svc.close()

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = table_manifest(conn)
    conn.close()
    return {
        "schema_version": version,
        "application_id": app_id,
        "made_by": "scripts/make_schema_fixture.py",
        "demo": {"contacts": contacts, "seed": SEED},
        "tables": tables,
        "samples": samples,
        "search_counts": probes,
        "tag_fixture_count": tag_count,
        "stage_counts": stages,
        "unused_source": source["uid"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="overwrite an existing fixture for this version")
    parser.add_argument("--contacts", type=int, default=CONTACTS, help=f"demo contacts (default {CONTACTS}; 41 at least)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from parsalink_tui.migrations import LATEST

    target = FIXTURES / f"schema-v{LATEST}.db"
    if target.exists() and not args.force:
        sys.exit(f"{target} exists; released fixtures are never regenerated (use --force before release)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "fixture.db"
        manifest = build(work, args.contacts)
        leftovers = sorted(p.name for p in Path(tmp).iterdir() if p.name != "fixture.db")
        assert not leftovers, leftovers  # closed cleanly: no -wal/-shm to ship
        assert manifest["schema_version"] == LATEST
        FIXTURES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(work, target)
    manifest["file_sha256"] = hashlib.sha256(target.read_bytes()).hexdigest()
    target.with_suffix(".json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    rows = {name: t["rows"] for name, t in manifest["tables"].items()}
    print(f"wrote {target.relative_to(ROOT)} ({target.stat().st_size // 1024} KiB): {rows}")


if __name__ == "__main__":
    main()
