"""A revert SIGKILLed midway: the file stays sound, the committed batches are whole, and a rerun
finishes the revert with the outcome of an uninterrupted one."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from .helpers import big_csv


def _state(service, uid: str) -> tuple[str | None, int, int]:
    with service.db.read() as conn:  # a connection of its own, as another process's
        return tuple(conn.execute(
            text("SELECT revert_status, revert_deleted, (SELECT count(*) FROM contact WHERE import_job_uid = :u) "
                 "FROM import_job WHERE uid = :u"),
            {"u": uid},
        ).one())  # fmt: skip


def _check_file(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM search_bulk").fetchone()[0] == 0
    finally:
        conn.close()


@pytest.mark.both_backends
def test_a_killed_revert_is_consistent_and_a_rerun_finishes_it(service, db_path, db_target, tmp_path, run_import):
    job = run_import(big_csv(tmp_path / "big.csv", 20_000, every_bad=10**9))
    created = job["successCount"]
    assert created == 19_999  # row 2 (n = 0) has a malformed email
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(
        [sys.executable, "-m", "parsalink_tui", "--db", str(db_target), "import", "revert", job["uid"]],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while _state(service, job["uid"])[1] == 0 and child.poll() is None:
            assert time.monotonic() < deadline, "the revert never committed a batch"
            time.sleep(0.005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()

    status, deleted, left = _state(service, job["uid"])
    assert deleted + left == created  # every committed batch is whole: counted = gone
    if service.db.dialect == "sqlite":  # the file's own checks
        _check_file(db_path)

    if status != "complete":  # killed midway (the usual case): its worker is dead, a rerun takes over
        done = service.revert_import(job["uid"])
    else:
        done = service.get_import_job(job["uid"])
    assert done["revert"]["status"] == "complete"
    assert done["revert"]["deleted"] == done["revert"]["processed"] == created
    assert service.list_contacts()["count"] == 0
    for term in ("Ann1", "Lee19999", "person5", "55"):
        assert service.list_contacts(search=term)["count"] == 0, term
    service.create_contact({"firstName": "Zed", "email": "zed@example.com"})  # reuses a freed pk
    assert service.list_contacts(search="Ann1")["count"] == 0
    assert service.list_contacts(search="ze")["count"] == 1
