"""Validation in a child process: the same outcome as in-process, resume, failures that fail the
job with a readable message, and no child left running when its worker stops or is killed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from parsalink_tui.importing import runner, validate_process
from parsalink_tui.importing.validate_process import ValidationProcess
from parsalink_tui.service import Service

from .helpers import assert_counters_match, big_csv, query, table_counts

OWNERS = (("Sam Lee", "sam@example.com"), ("Ann Lee", "ann.lee@example.com"))


def mixed_csv(path: Path, rows: int) -> Path:
    """A preamble, quoted line breaks, blank lines, owners, stages, tags, accounts, and every
    kind of row error and duplicate, so rows, numbers and messages have something to differ in."""
    lines = ["Exported from Example CRM\n", "\n",
             "First Name,Last Name,Email,Phone,Company,Stage,Tags,Owner,Notes\n"]  # fmt: skip
    for n in range(rows):
        email = f"p{n}@example.com"
        if n % 37 == 0:
            email = f"p{n}.example.com"  # bad email
        elif n % 41 == 0 and n > 5:
            email = f"P{n - 5}@Example.com"  # duplicate of an earlier row
        stage = "bogus" if n % 89 == 0 else ("Working - Contacted", "customer", "", "new")[n % 4]
        owner = "Nobody Here" if n % 97 == 0 else ("Sam Lee", "ann.lee@example.com", "", "")[n % 4]
        notes = f'"line one\nline two {n}"' if n % 7 == 0 else ""
        lines.append(f'Ann{n},Lee{n},{email},+1 415 555 {n % 10000:04d},Acme {n % 13},{stage},'
                     f'"warm, t{n % 5}",{owner},{notes}\n')  # fmt: skip
        if n % 53 == 0:
            lines.append(",,,,,,,,\n")  # a blank record: skipped, but it keeps its row number
    path.write_text("".join(lines), encoding="utf-8")
    return path


class Spy:
    """Records the validation processes the runner starts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[ValidationProcess] = []
        original = ValidationProcess.start.__func__  # type: ignore[attr-defined]

        def start(cls, *args, **kwargs):
            child = original(cls, *args, **kwargs)
            self.started.append(child)
            return child

        monkeypatch.setattr(ValidationProcess, "start", classmethod(start))


def outcome(db: Path, uid: str) -> dict:
    """What a job left behind, without ids or times: the job's counts and issues, and each
    contact with its owner, account and tags by name."""
    service = Service.open(db)
    try:
        job = service.get_import_job(uid)
    finally:
        service.close()
    conn = sqlite3.connect(db)
    try:
        contacts = conn.execute(
            "SELECT c.email, c.first_name, c.last_name, c.phone, c.stage, c.notes, u.name, a.name, "
            "(SELECT group_concat(t.name, '|') FROM (SELECT t.name FROM contact_tag ct JOIN tag t "
            " ON t.id = ct.tag_id WHERE ct.contact_pk = c.pk ORDER BY ct.position) t) "
            "FROM contact c LEFT JOIN app_user u ON u.id = c.assigned_to LEFT JOIN account a ON a.id = c.account_id "
            "ORDER BY c.pk"
        ).fetchall()
        audit_rows = [json.loads(d)["row"] for (d,) in conn.execute(
            "SELECT detail FROM activity WHERE action = 'imported' ORDER BY id")]  # fmt: skip
    finally:
        conn.close()
    keep = ("status", "totalRows", "processedRows", "successCount", "errorCount", "errors", "errorMessage")
    duplicates = [(d["row"], d["email"]) for d in job["duplicates"]]
    return {**{k: job[k] for k in keep}, "duplicates": duplicates, "contacts": contacts, "audit_rows": audit_rows}


def run_in(db: Path, csv_path: Path) -> str:
    service = Service.open(db)
    try:
        for name, email in OWNERS:
            service.add_user(name, email)
        uid = service.start_import(csv_path, run=False)["uid"]
        service.work_imports()
        return uid
    finally:
        service.close()


def test_a_child_imports_exactly_as_in_process(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 700)  # several batches ...
    monkeypatch.setattr(validate_process, "CHUNK_ROWS", 100)  # ... each joined from several chunks
    path = mixed_csv(tmp_path / "mixed.csv", 3000)
    spy = Spy(monkeypatch)
    monkeypatch.setattr(validate_process, "MIN_RECORDS", 10**9)
    here = outcome(tmp_path / "here.db", run_in(tmp_path / "here.db", path))
    assert spy.started == []
    monkeypatch.setattr(validate_process, "MIN_RECORDS", 0)
    child = outcome(tmp_path / "child.db", run_in(tmp_path / "child.db", path))
    assert len(spy.started) == 1
    assert child == here
    assert here["status"] == "complete" and here["errorCount"] > 100 and len(here["duplicates"]) > 50
    assert here["totalRows"] == 3000 and here["processedRows"] == 3000
    assert spy.started[0]._process.poll() == 0  # done, exited and reaped


def test_small_files_are_validated_in_process(service, tmp_path, monkeypatch):
    spy = Spy(monkeypatch)
    body = service.start_import(big_csv(tmp_path / "small.csv", 200), run=False)
    service.work_imports()
    assert service.get_import_job(body["uid"])["status"] == "complete"
    assert spy.started == []
    lines = b"a\n" * validate_process.MIN_RECORDS
    assert validate_process.worth_a_process(lines, 0)
    assert not validate_process.worth_a_process(lines, 1)  # resuming: fewer records left


@pytest.mark.both_backends
def test_a_stopped_job_resumes_with_a_child_and_leaves_none_running(service, tmp_path, monkeypatch):
    monkeypatch.setattr(validate_process, "MIN_RECORDS", 0)
    spy = Spy(monkeypatch)
    uid = service.start_import(big_csv(tmp_path / "big.csv", 8000), run=False)["uid"]
    stop = threading.Event()
    original = runner.BatchWriter.write

    def write_then_stop(self, raw, batch):
        result = original(self, raw, batch)
        stop.set()
        return result

    monkeypatch.setattr(runner.BatchWriter, "write", write_then_stop)
    runner.work(service.db, stop=stop)
    monkeypatch.setattr(runner.BatchWriter, "write", original)
    first = service.get_import_job(uid)
    assert first["status"] == "processing" and 0 < first["processedRows"] < 8000
    assert spy.started[0]._process.poll() is not None  # ended with the stopped job
    assert service.work_imports() == 1  # resumes after last_row, in a new child
    assert len(spy.started) == 2 and spy.started[1]._process.poll() == 0
    job = service.get_import_job(uid)
    assert job["status"] == "complete" and job["processedRows"] == job["totalRows"] == 8000
    assert_counters_match(job, table_counts(service, uid))
    assert job["successCount"] == 8000 - 8000 // 50 and job["errorCount"] == 8000 // 50


@pytest.mark.both_backends
def test_a_child_that_dies_fails_the_job_with_a_readable_message(service, tmp_path, monkeypatch):
    monkeypatch.setattr(validate_process, "MIN_RECORDS", 0)
    original = ValidationProcess.start.__func__  # type: ignore[attr-defined]

    def start_then_kill(cls, *args, **kwargs):
        child = original(cls, *args, **kwargs)
        os.kill(child._process.pid, signal.SIGKILL)  # as the out-of-memory killer would
        return child

    monkeypatch.setattr(ValidationProcess, "start", classmethod(start_then_kill))
    uid = service.start_import(big_csv(tmp_path / "big.csv", 3000), run=False)["uid"]
    started = time.monotonic()
    service.work_imports()
    assert time.monotonic() - started < 10  # failed, not hung
    job = service.get_import_job(uid)
    assert job["status"] == "failed" and job["processedRows"] == 0
    killed = "the validation process was killed by SIGKILL before the end of the file"
    assert job["errorMessage"] == f"unexpected error: {killed}"
    assert_counters_match(job, table_counts(service, uid))


@pytest.mark.both_backends
@pytest.mark.parametrize("in_child", [False, True])
def test_an_error_inside_validation_fails_the_job_alike(service, tmp_path, monkeypatch, in_child):
    from sqlalchemy import text

    monkeypatch.setattr(validate_process, "MIN_RECORDS", 0 if in_child else 10**9)
    uid = service.start_import(big_csv(tmp_path / "big.csv", 3000), run=False)["uid"]
    ((stored,),) = query(service, "SELECT field_mappings FROM import_job WHERE uid = :uid", uid=uid)
    settings = json.loads(stored)
    settings["mapping"]["No Such Column"] = "title"  # a stored mapping the validator cannot build
    with service.db.write() as conn:
        conn.execute(text("UPDATE import_job SET field_mappings = :s WHERE uid = :uid"),
                     {"s": json.dumps(settings), "uid": uid})  # fmt: skip
    service.work_imports()
    job = service.get_import_job(uid)
    where = " (in the validation process)" if in_child else ""
    assert job["status"] == "failed"
    assert job["errorMessage"] == f"unexpected error: KeyError: 'No Such Column'{where}"


def test_a_child_exits_when_its_parent_goes_away(tmp_path):
    """The parent's end of the socket closing (as when it is SIGKILLed) ends the child."""
    data = big_csv(tmp_path / "big.csv", 30_000).read_bytes()
    settings = {"header": ["First Name", "Last Name", "Email", "Phone", "Company", "Tags"],
                "mapping": {"First Name": "firstName", "Email": "email"}, "region": "US"}  # fmt: skip
    child = ValidationProcess.start(data, settings, [], 0, 512)
    try:
        deadline = time.monotonic() + 20
        while child._queue.empty():  # it has started validating
            assert time.monotonic() < deadline
            time.sleep(0.01)
        child._sock.shutdown(2)  # what the kernel does to a killed parent's socket
        assert child._process.wait(10) == 0
    finally:
        child.close()


def test_a_killed_worker_leaves_no_validation_process(service, tmp_path, db_path):
    uid = service.start_import(big_csv(tmp_path / "big.csv", 40_000), run=False)["uid"]
    proc = subprocess.Popen([sys.executable, "-m", "parsalink_tui", "--db", str(db_path), "import", "work"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    children: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while not children and time.monotonic() < deadline and proc.poll() is None:
            try:
                children = [int(pid) for pid in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
            except OSError:
                pytest.skip("no /proc/PID/task/PID/children on this system")
            time.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert len(children) == 1, "the worker never started a validation process"
    deadline = time.monotonic() + 10
    while runner._pid_alive(children[0]):  # gone, or a zombie nobody reaps: either way not running
        assert time.monotonic() < deadline, "the validation process outlived its killed worker"
        time.sleep(0.05)
    assert service.work_imports() == 1  # and the job resumes as before
    assert service.get_import_job(uid, with_issues=False)["status"] == "complete"
