"""Two imports and a dozen editors at once on one database (issue 13): no lost update, no email
twice, every row accounted for — on SQLite and on PostgreSQL.

Two import jobs of files that share 300 emails (half of them in another case) are run by two
``import work`` processes (on PostgreSQL both jobs run at once; on SQLite one at a time), while
twelve editor processes (concurrency_worker.py) create, update, move and retitle contacts,
three of them shared by all. Afterwards: the shared contacts' audit chains are whole (a lost
update would break one), every editor's contact is there with its update, the imports created
exactly the distinct emails of the two files and called the rest duplicates, and no email key is
held twice.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from parsalink_tui.service import Service

from .test_concurrency import chain_ok, run_workers

EDITORS = 12
OPS = 8
SHARED = 3
ROWS = 3_000
OVERLAP = 300


def write_files(tmp_path: Path) -> tuple[Path, Path]:
    """Two CSVs of ROWS contacts; the second's first OVERLAP rows repeat the first's last ones
    (every other one upper-cased: the same email to the app)."""
    first = [f"lead{n}@imports.example" for n in range(ROWS)]
    second = [e.upper() if n % 2 else e for n, e in enumerate(first[-OVERLAP:])]
    second += [f"other{n}@imports.example" for n in range(ROWS - OVERLAP)]
    paths = []
    for name, emails in (("first.csv", first), ("second.csv", second)):
        path = tmp_path / name
        lines = ["First Name,Last Name,Email,Stage"] + [f"Imp,{n},{e},Contacted" for n, e in enumerate(emails)]
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths[0], paths[1]


def import_worker(db: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "parsalink_tui", "--db", db, "import", "work"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.both_backends
def test_two_imports_and_a_dozen_editors_at_once(service: Service, tmp_path: Path) -> None:
    shared = [service.create_contact({"firstName": "Shared", "lastName": str(n), "email": f"shared{n}@example.com",
                                      "title": "start"})["id"] for n in range(SHARED)]  # fmt: skip
    first, second = write_files(tmp_path)
    jobs = [service.start_import(path, run=False)["uid"] for path in (first, second)]

    workers: list[subprocess.Popen[str]] = []

    def start_imports() -> None:  # once every editor is ready: they go while the jobs run
        workers.extend(import_worker(str(service.db.target)) for _ in range(2))
        for uid in jobs:
            for _ in range(600):
                if service.get_import_job(uid, with_issues=False)["status"] != "queued":
                    break
                time.sleep(0.05)
            else:
                pytest.fail("no worker claimed the job")
            if service.db.dialect == "sqlite":
                break  # one job at a time there: the second waits for the first

    try:
        results = run_workers(service.db.target, tmp_path, shared, OPS, [f"editor{n}" for n in range(EDITORS)],
                              on_ready=start_imports)  # fmt: skip
        for proc in workers:
            _, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err
    finally:
        for proc in workers:
            proc.kill()

    # The editors: no error, every contact there with its update.
    assert [e for r in results for e in r["errors"]] == []
    for r in results:
        assert len(r["created"]) == OPS
        for cid, title in r["created"]:
            assert service.get_contact(cid)["title"] == title

    # The imports: both complete, the distinct emails created once, the rest duplicates.
    done = [service.get_import_job(uid) for uid in jobs]
    assert [j["status"] for j in done] == ["complete", "complete"]
    # They really overlapped: the imports were still running when the editors started (the API's
    # times are whole seconds, rounded down: a job that ended at "…:55" ended before …:56).
    editing = min(r["started"] for r in results)
    last_end = max(datetime.fromisoformat(j["finishedAt"]).timestamp() for j in done)
    assert last_end + 1 > editing, (done, editing)
    distinct = 2 * ROWS - OVERLAP
    assert sum(j["successCount"] for j in done) == distinct
    assert sum(len(j["duplicates"]) for j in done) == OVERLAP
    assert sum(j["errorCount"] for j in done) == 0

    with service.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM contact")).scalar_one() == SHARED + EDITORS * OPS + distinct
        twice = conn.execute(text("SELECT email_key FROM contact GROUP BY email_key HAVING count(*) > 1")).all()
        assert twice == []
        for cid in shared:  # no update lost: each change starts where the one before it ended
            stage, title = conn.execute(text("SELECT stage, title FROM contact WHERE id = :c"), {"c": cid}).one()
            for field, start, end in (("stage", "new", stage), ("title", "start", title)):
                rows = conn.execute(text("SELECT old_value, new_value FROM activity WHERE contact_id = :c "
                                         "AND field = :f ORDER BY id"), {"c": cid, "f": field}).all()  # fmt: skip
                chain_ok(rows, start, end)
        editors_audit = conn.execute(text("SELECT count(*) FROM activity WHERE contact_id IN "
                                          "(SELECT id FROM contact WHERE first_name LIKE 'editor%' "
                                          "OR first_name = 'Shared')")).scalar_one()  # fmt: skip
        assert editors_audit == SHARED + sum(r["audit"] for r in results)
        imported = conn.execute(text("SELECT count(*) FROM contact WHERE first_name = 'Imp'")).scalar_one()
        assert imported == distinct
        if service.db.dialect == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
