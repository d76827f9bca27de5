"""Import jobs and reverts while the PostgreSQL server restarts (docs/team.md "When the server
goes away"): the worker keeps the job, waits for the server, and goes on from its last committed
batch, so the job completes with the same counts as a run without the restart.

The server is stopped right after the job's first batch committed (a hook on ``Pace.wrote``,
called after each batch's commit, in the worker's thread) and started again a second later from
another thread, so the worker meets both a lost connection and a server that refuses it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.errors import DatabaseUnavailable
from parsalink_tui.importing import runner, validate_process
from parsalink_tui.service import Service

from ..hardening.conftest import invoke
from ..pg_cluster import pg_ctl
from .helpers import assert_counters_match, big_csv, query, table_counts

pytestmark = pytest.mark.postgres

ROWS = 3000
TAKEN = [f"person{n}@example.com" for n in range(1, 6)]  # in the file already: duplicates
BAD = ROWS // 50  # every 50th email of big_csv is malformed: row errors


class Restart:
    """Stops the server after the first batch of a job committed (``hooked``: the pace's method
    called after each batch's commit); starts it a second later."""

    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch, hooked: tuple[type, str] = (runner.Pace, "wrote")):
        self.url = url
        self.done = threading.Event()
        self._timer: threading.Timer | None = None
        after_commit = getattr(*hooked)

        def hook(pace: object, items: int, seconds: float) -> None:
            after_commit(pace, items, seconds)
            if self._timer is None:
                pg_ctl(url, "stop", "-m", "fast")
                self._timer = threading.Timer(1.0, self._start)
                self._timer.start()

        monkeypatch.setattr(*hooked, hook)

    def _start(self) -> None:
        pg_ctl(self.url, "start")
        self.done.set()

    def finish(self) -> None:
        """Wait for the start (the fixture's teardown must not start the server meanwhile)."""
        if self._timer is not None:
            self._timer.join(60)


def _prepare(url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, validation: str) -> tuple[Service, Path]:
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 200)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 200)
    if validation == "child":  # the file is validated by a child process (a big file's way)
        monkeypatch.setattr(validate_process, "MIN_RECORDS", 1000)
    service = Service(open_postgres(url))
    for email in TAKEN:
        service.create_contact({"firstName": "Old", "email": email})
    return service, big_csv(tmp_path / "leads.csv", ROWS)


def _children_of_this_process() -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "parsalink" in cmdline:
            found.append(cmdline)
    return found


def _assert_as_without_the_restart(service: Service, uid: str) -> None:
    job = service.get_import_job(uid)
    assert job["status"] == "complete", job["errorMessage"]
    assert (job["processedRows"], job["successCount"], job["errorCount"]) == (ROWS, ROWS - BAD - len(TAKEN), BAD)
    assert sorted(d["email"] for d in job["duplicates"]) == sorted(TAKEN)
    assert_counters_match(job, table_counts(service, uid))
    rows = [issue["row"] for issue in job["errors"] + job["duplicates"]]
    assert len(rows) == len(set(rows))  # no row recorded twice
    assert query(service, "SELECT count(*), count(DISTINCT email_key) FROM contact") == [(ROWS - BAD,) * 2]
    details = query(service, "SELECT detail FROM activity WHERE action = 'imported'")
    imported = [json.loads(detail)["importJob"] for (detail,) in details]
    assert imported == [uid] * (ROWS - BAD - len(TAKEN))  # one audit row per contact created, none twice
    assert query(service, "SELECT count(*) FROM activity WHERE action = 'created'") == [(len(TAKEN),)]
    assert _children_of_this_process() == []  # no validation process left behind


def _wait_for_end(service: Service, uid: str, restart: Restart) -> None:
    assert restart.done.wait(60), "the hook never ran: the job wrote no batch"
    for _ in range(600):  # liveness only: up to 60 s
        try:
            if service.get_import_job(uid, with_issues=False)["status"] != "processing":
                return
        except DatabaseUnavailable:
            pass
        threading.Event().wait(0.1)
    pytest.fail("the job was left processing after the server came back")


@pytest.mark.parametrize("validation", ["here", "child"])
def test_an_import_job_in_a_worker_thread_rides_out_a_server_restart(restart_url, tmp_path, monkeypatch, validation):
    service, path = _prepare(restart_url, tmp_path, monkeypatch, validation)
    restart = Restart(restart_url, monkeypatch)
    try:
        uid = service.start_import(path)["uid"]  # runs in this process's worker thread (TUI, serve)
        _wait_for_end(service, uid, restart)
        _assert_as_without_the_restart(service, uid)
    finally:
        restart.finish()
        service.close()


def test_import_start_wait_rides_out_a_server_restart(restart_url, tmp_path, monkeypatch, capsys):
    service, path = _prepare(restart_url, tmp_path, monkeypatch, "here")
    restart = Restart(restart_url, monkeypatch)
    try:
        code, out, err = invoke(capsys, monkeypatch, restart_url, "import", "start", str(path), "--wait")
        assert (code, err) == (0, ""), err
        assert restart.done.wait(60)
        uid = json.loads(out)["uid"]
        _assert_as_without_the_restart(service, uid)
    finally:
        restart.finish()
        service.close()


def test_a_revert_in_a_worker_thread_rides_out_a_server_restart(restart_url, tmp_path, monkeypatch):
    from parsalink_tui.importing import revert
    from parsalink_tui.importing.revert_runner import start_revert

    service, path = _prepare(restart_url, tmp_path, monkeypatch, "here")
    uid = service.start_import(path, run=False)["uid"]
    service.work_imports()
    created = ROWS - BAD - len(TAKEN)
    assert service.get_import_job(uid)["successCount"] == created
    for name in ("FIRST_BATCH", "MIN_BATCH", "MAX_BATCH"):
        monkeypatch.setattr(revert, name, 200)
    restart = Restart(restart_url, monkeypatch, hooked=(revert._Pace, "took"))
    try:
        start_revert(service.db, uid)  # as serve's API does: in a background thread
        assert restart.done.wait(60), "the hook never ran: the revert wrote no batch"
        for _ in range(600):  # liveness only: up to 60 s
            try:
                job = service.get_import_job(uid)
            except DatabaseUnavailable:
                job = None
            if job is not None and job["revert"]["status"] != "processing":
                break
            threading.Event().wait(0.1)
        assert job is not None and job["revert"]["status"] == "complete", job
        assert (job["revert"]["processed"], job["revert"]["deleted"]) == (created, created)
        assert sorted(email for (email,) in query(service, "SELECT email FROM contact")) == sorted(TAKEN)
    finally:
        restart.finish()
        service.close()
