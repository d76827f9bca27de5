"""Two processes writing one database at once: no "database is locked" reaches a caller, no
update is lost, every audit row is there.

Each process (concurrency_worker.py) makes OPS rounds of: create a contact, update it, change
the stage of a shared contact, retitle a shared contact — four write transactions a round, all
started together. Writes take the lock up front (BEGIN IMMEDIATE) and wait up to the 15 s busy
timeout, so contention only ever means waiting. Lost updates would show in the audit log: every
change records the value it replaced, so the rows of one field, in commit order, must chain
(each one's old value is the previous one's new value) and end at the stored value.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from parsalink_tui.service import Service

from .conftest import record_peak, tally

WORKER = Path(__file__).with_name("concurrency_worker.py")
OPS = 200
SHARED = 3


def run_workers(db: Path, tmp_path: Path, shared: list[str], ops: int, names: list[str]) -> list[dict]:
    go = tmp_path / "go"
    procs = []
    for name in names:
        out = tmp_path / f"{name}.json"
        procs.append((out, subprocess.Popen(
            [sys.executable, str(WORKER), str(db), name, str(ops), ",".join(shared), str(go), str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for _, proc in procs:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
    go.touch()
    results = []
    for out, proc in procs:
        try:
            _, err = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            proc.kill()
            pytest.fail("a writer process hung")
        assert proc.returncode == 0, err
        results.append(json.loads(out.read_text()))
    return results


def chain_ok(rows: list[tuple[str | None, str | None]], start: object, end: object) -> None:
    """Audit rows of one field in commit order: each change starts where the previous ended."""
    current = start
    for old, new in rows:
        assert (json.loads(old) if old is not None else None) == current, "an update was lost or overwritten"
        current = json.loads(new) if new is not None else None
    assert current == end


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    svc = Service.open(db)
    shared = [svc.create_contact({"firstName": "Shared", "lastName": str(n), "email": f"shared{n}@example.com",
                                  "title": "start"})["id"] for n in range(SHARED)]
    svc.close()

    results = run_workers(db, tmp_path, shared, OPS, ["proc-a", "proc-b"])
    errors = [e for r in results for e in r["errors"]]
    assert errors == [], errors[:5]
    # They really ran at the same time: each started before the other finished.
    assert max(r["started"] for r in results) < min(r["finished"] for r in results)
    writes = sum(r["writes"] for r in results)
    assert writes == 2 * OPS * 4
    tally("concurrent write transactions completed (2 processes)", writes)
    record_peak("slowest single write under contention, s", round(max(r["slowest_write"] for r in results), 3))

    svc = Service.open(db)
    try:
        # Every created contact is there with its update.
        for r in results:
            assert len(r["created"]) == OPS
            for cid, title in r["created"]:
                got = svc.get_contact(cid)
                assert got["title"] == title and got["firstName"] == r["name"]
                assert [a["action"] for a in svc.list_activity(cid)] == ["created", "updated"]
        assert svc.list_contacts(limit=1)["count"] == SHARED + 2 * OPS
    finally:
        svc.close()

    conn = sqlite3.connect(db)
    try:
        # Every audit row: the shared contacts' creations plus what each process counted.
        total = conn.execute("SELECT count(*) FROM activity").fetchone()[0]
        assert total == SHARED + sum(r["audit"] for r in results)
        moves = conn.execute("SELECT count(*) FROM activity WHERE action = 'stage_changed'").fetchone()[0]
        assert moves == sum(r["stage_moves"] for r in results)
        for cid in shared:
            stage, title = conn.execute("SELECT stage, title FROM contact WHERE id = ?", (cid,)).fetchone()
            stage_rows = conn.execute("SELECT old_value, new_value FROM activity WHERE contact_id = ? "
                                      "AND field = 'stage' ORDER BY id", (cid,)).fetchall()
            chain_ok(stage_rows, "new", stage)
            title_rows = conn.execute("SELECT old_value, new_value FROM activity WHERE contact_id = ? "
                                      "AND field = 'title' ORDER BY id", (cid,)).fetchall()
            chain_ok(title_rows, "start", title)
        assert sum(len(conn.execute("SELECT 1 FROM activity WHERE contact_id = ? AND field = 'title'", (c,)).fetchall())
                   for c in shared) == sum(r["title_updates"] for r in results) == 2 * OPS
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
