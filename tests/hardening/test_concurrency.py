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
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from parsalink_tui.service import Service

from .conftest import record_peak, tally

WORKER = Path(__file__).with_name("concurrency_worker.py")
OPS = 200
SHARED = 3


def run_workers(db: Path | str, tmp_path: Path, shared: list[str], ops: int, names: list[str],
                on_ready: Callable[[], object] | None = None) -> list[dict]:
    """Start one writer process per name, and once all are ready (then ``on_ready()``) let them go
    together; returns each one's result."""
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
    if on_ready is not None:
        on_ready()
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


@pytest.mark.both_backends
def test_two_processes_writing_at_once(service: Service, tmp_path: Path) -> None:
    shared = [service.create_contact({"firstName": "Shared", "lastName": str(n), "email": f"shared{n}@example.com",
                                      "title": "start"})["id"] for n in range(SHARED)]  # fmt: skip

    results = run_workers(service.db.target, tmp_path, shared, OPS, ["proc-a", "proc-b"])
    errors = [e for r in results for e in r["errors"]]
    assert errors == [], errors[:5]
    # They really ran at the same time: each started before the other finished.
    assert max(r["started"] for r in results) < min(r["finished"] for r in results)
    writes = sum(r["writes"] for r in results)
    assert writes == 2 * OPS * 4
    tally("concurrent write transactions completed (2 processes)", writes)
    record_peak("slowest single write under contention, s", round(max(r["slowest_write"] for r in results), 3))

    # Every created contact is there with its update.
    for r in results:
        assert len(r["created"]) == OPS
        for cid, title in r["created"]:
            got = service.get_contact(cid)
            assert got["title"] == title and got["firstName"] == r["name"]
            assert [a["action"] for a in service.list_activity(cid)] == ["created", "updated"]
    assert service.list_contacts(limit=1)["count"] == SHARED + 2 * OPS

    def field_rows(conn, cid: str, field: str) -> list:  # in commit order: writers take turns
        return conn.execute(text("SELECT old_value, new_value FROM activity WHERE contact_id = :c AND field = :f "
                                 "ORDER BY id"), {"c": cid, "f": field}).all()  # fmt: skip

    with service.db.read() as conn:
        # Every audit row: the shared contacts' creations plus what each process counted.
        total = conn.execute(text("SELECT count(*) FROM activity")).scalar_one()
        assert total == SHARED + sum(r["audit"] for r in results)
        moves = conn.execute(text("SELECT count(*) FROM activity WHERE action = 'stage_changed'")).scalar_one()
        assert moves == sum(r["stage_moves"] for r in results)
        for cid in shared:
            stage, title = conn.execute(text("SELECT stage, title FROM contact WHERE id = :c"), {"c": cid}).one()
            chain_ok(field_rows(conn, cid, "stage"), "new", stage)
            chain_ok(field_rows(conn, cid, "title"), "start", title)
        assert sum(len(field_rows(conn, c, "title")) for c in shared) == sum(r["title_updates"] for r in results) \
            == 2 * OPS  # fmt: skip
        if service.db.dialect == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"


BULK_WRITER = """
import sys, time
from parsalink_tui.db import open_database
db = open_database(sys.argv[1])
print("ready", flush=True)
for n in range(int(sys.argv[2])):
    with db.write() as conn:  # back to back, as an import writes its batches
        conn.exec_driver_sql("UPDATE contact SET title = ? WHERE id = ?", (f"batch {n}", sys.argv[3]))
        time.sleep(0.1)
db.close()
"""


def test_a_writer_gets_in_between_a_bulk_writers_transactions(tmp_path: Path) -> None:
    """A process writing transaction after transaction (an import's batches) must not starve
    another writer until it is done. SQLite's own busy handler retries only every 100 ms and
    missed the moment between two batches: a TUI stage key waited for a whole 10 MB import
    (1.3-4.4 s). Each write here must get in within about one of the other's transactions."""
    db = tmp_path / "bulk.db"
    svc = Service.open(db)
    target = svc.create_contact({"firstName": "Bulk", "email": "bulk@example.com"})["id"]
    mine = svc.create_contact({"firstName": "Mine", "email": "mine@example.com"})["id"]
    batches = 30  # 3 s of back-to-back transactions of 0.1 s
    proc = subprocess.Popen([sys.executable, "-c", BULK_WRITER, str(db), str(batches), target],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
        waits = []
        for n in range(8):
            assert proc.poll() is None, f"the bulk writer ended first; waits so far: {waits}"
            started = time.perf_counter()
            svc.update_contact(mine, {"title": f"mine {n}"})
            waits.append(time.perf_counter() - started)
            time.sleep(0.05)
    finally:
        _, err = proc.communicate(timeout=60)
        svc.close()
    assert proc.returncode == 0, err
    record_peak("write waiting behind a bulk writer's 0.1 s transactions, s", round(max(waits), 3))
    tally("writes that got in between a bulk writer's transactions", len(waits))
    assert max(waits) < 0.5, waits
