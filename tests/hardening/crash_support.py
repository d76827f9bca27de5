"""Shared pieces of the crash and concurrent-use tests: realistic CSV files from the benchmark's
generator, pre-started ("warm") child processes to kill, seeds, and readers of what an import
left in the tables.

A warm child has already imported the app's modules and waits for one line on stdin; the
harnesses start the next one while the current one runs, so a kill cycle costs the work being
killed, not Python's start-up. What the child runs after that line is the real code path (the
CLI's ``import work`` command, or the real Textual app).
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from .conftest import note

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

#: The owners named in the generator's Owner column: they exist, as they would for a real team
#: (bench/bench_import.py adds the same three). Without them 60% of rows are errors.
OWNERS = (("Alex Johnson", "alex@parsalink.example"), ("Maria Garcia", "maria@parsalink.example"), ("Sam Lee", None))


@cache
def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_contacts_csv", ROOT / "bench" / "gen_contacts_csv.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_csv(path: Path, size: int, seed: int = 20260608) -> tuple[Path, int]:
    """bench/gen_contacts_csv.py's realistic export, cut at ``size`` bytes; (path, data rows)."""
    rows, _ = _generator().generate(path, size=size, seed=seed)
    return path, rows


TEN_MB = 10 * 1024 * 1024 - 4096  # the generator's default: just under the import cap


def run_seed(name: str) -> int:
    """The seed for one harness: ``$PARSALINK_HARDENING_SEED`` to repeat a run, else a fresh one.

    Printed (and listed under "hardening figures") so a failure can be replayed.
    """
    fixed = os.environ.get("PARSALINK_HARDENING_SEED")
    seed = int(fixed) if fixed else random.SystemRandom().randrange(1, 2**31)
    line = f"seed for {name}: {seed} (PARSALINK_HARDENING_SEED={seed} repeats it)"
    print(line)
    note(line)
    return seed


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


# ---------------------------------------------------------------- warm children


class WarmPool:
    """Keeps one child of ``script`` started and "ready" ahead of the one in use."""

    def __init__(self, script: Path, *args: str) -> None:
        self.cmd = [sys.executable, str(script), *args]
        self.spare: subprocess.Popen[str] | None = None
        self.started: list[subprocess.Popen[str]] = []

    def _start(self) -> subprocess.Popen[str]:
        proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, cwd=ROOT)  # fmt: skip
        self.started.append(proc)
        return proc

    def take(self, line: str) -> subprocess.Popen[str]:
        """A ready child that has been sent ``line`` (it starts working at once)."""
        proc = self.spare or self._start()
        self.spare = self._start()
        assert proc.stdout is not None and proc.stdin is not None
        ready = proc.stdout.readline().strip()
        assert ready == "ready", f"child did not start: {ready!r} {proc.stderr.read() if proc.stderr else ''}"
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        return proc

    def close(self) -> None:
        """End the children this pool started that are still running (by pid, never by name)."""
        for proc in self.started:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def sigkill(proc: subprocess.Popen[Any]) -> bool:
    """SIGKILL ``proc`` if it still runs and reap it; True if the kill landed."""
    if proc.poll() is not None:
        return False
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return proc.returncode == -signal.SIGKILL


# ---------------------------------------------------------------- reading the file as it is


@contextmanager
def raw(db: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection (no app code) on a file a killed process may have left."""
    conn = sqlite3.connect(db, timeout=30)
    try:
        yield conn
    finally:
        conn.close()


def integrity(conn: sqlite3.Connection) -> None:
    result = [row[0] for row in conn.execute("PRAGMA integrity_check")]
    assert result == ["ok"], result[:10]
    bad_keys = conn.execute("PRAGMA foreign_key_check").fetchall()
    assert bad_keys == [], bad_keys[:10]


def tags_by_pk(conn: sqlite3.Connection) -> dict[int, tuple[str, ...]]:
    out: dict[int, list[tuple[int, str]]] = {}
    for pk, position, name in conn.execute(
        "SELECT ct.contact_pk, ct.position, t.name FROM contact_tag ct JOIN tag t ON t.id = ct.tag_id"
    ):
        out.setdefault(pk, []).append((position, name))
    return {pk: tuple(name for _, name in sorted(items)) for pk, items in out.items()}


Contact = tuple[Any, ...]  # (email, first, last, phone, stage, tags)


@dataclass
class Outcome:
    """What one import job left in the tables, keyed by spreadsheet row number."""

    created: dict[int, Contact] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)
    duplicates: dict[int, str] = field(default_factory=dict)  # row -> email

    def upto(self, last_row: int) -> Outcome:
        return Outcome(
            {r: c for r, c in self.created.items() if r <= last_row},
            {r: m for r, m in self.errors.items() if r <= last_row},
            {r: e for r, e in self.duplicates.items() if r <= last_row},
        )

    @property
    def rows(self) -> int:
        return len(self.created) + len(self.errors) + len(self.duplicates)


def import_outcome(conn: sqlite3.Connection, uid: str) -> Outcome:
    """Contacts the job created (by the row named in their "imported" audit row), its error and
    duplicate rows. Fails if a row made two contacts or a contact has two "imported" rows."""
    tags = tags_by_pk(conn)
    out = Outcome()
    seen_contacts: set[str] = set()
    for row, cid, pk, *values in conn.execute(
        "SELECT json_extract(a.detail, '$.row'), c.id, c.pk, c.email, c.first_name, c.last_name, c.phone, c.stage "
        "FROM contact c JOIN activity a ON a.contact_id = c.id AND a.action = 'imported' "
        "WHERE c.import_job_uid = ? AND json_extract(a.detail, '$.importJob') = ?",
        (uid, uid),
    ):
        assert row not in out.created, f"row {row} imported twice"
        assert cid not in seen_contacts, f"contact {cid} has two 'imported' audit rows"
        seen_contacts.add(cid)
        out.created[row] = (*values, tags.get(pk, ()))
    for row, kind, message, email in conn.execute(
        "SELECT row, kind, message, email FROM import_issue WHERE job_uid = ?", (uid,)
    ):
        target = out.errors if kind == "error" else out.duplicates
        assert row not in target, f"{kind} row {row} recorded twice"
        target[row] = message if kind == "error" else email
    return out


def job_row(conn: sqlite3.Connection, uid: str) -> dict[str, Any]:
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute("SELECT * FROM import_job WHERE uid = ?", (uid,)).fetchone()
    finally:
        conn.row_factory = None
    assert row is not None, uid
    return dict(row)


def assert_counters_match_tables(conn: sqlite3.Connection, uid: str, outcome: Outcome | None = None) -> dict[str, Any]:
    """The job's counters equal what its committed batches left in the tables."""
    job = job_row(conn, uid)
    outcome = outcome or import_outcome(conn, uid)
    with_uid = conn.execute("SELECT count(*) FROM contact WHERE import_job_uid = ?", (uid,)).fetchone()[0]
    imported = conn.execute(
        "SELECT count(*) FROM activity WHERE action = 'imported' AND json_extract(detail, '$.importJob') = ?", (uid,)
    ).fetchone()[0]
    assert job["success_count"] == with_uid == imported == len(outcome.created), (job, with_uid, imported)
    assert job["error_count"] == len(outcome.errors), job
    assert job["duplicate_count"] == len(outcome.duplicates), job
    assert job["processed_rows"] == outcome.rows, job
    assert job["status"] != "failed", job["error_message"]
    if job["status"] in ("queued", "processing"):
        stored = conn.execute("SELECT count(*) FROM import_file WHERE job_uid = ?", (uid,)).fetchone()[0]
        assert stored == 1, "an unfinished job lost its stored file"
    return job


def reference_import(template: Path, csv: Path, dest: Path, source: str | None = None) -> tuple[str, Outcome, float]:
    """An uninterrupted import of ``csv`` into a copy of ``template``, in this process:
    (job uid, outcome, seconds the job took). What the crash and concurrency tests compare with."""
    from parsalink_tui.service import Service

    shutil.copyfile(template, dest)
    service = Service.open(dest)
    try:
        uid = service.start_import(csv, source_uid=source, run=False)["uid"]
        started = time.perf_counter()
        assert service.work_imports() == 1
        seconds = time.perf_counter() - started
        assert service.get_import_job(uid, with_issues=False)["status"] == "complete"
    finally:
        service.close()
    with raw(dest) as conn:
        outcome = import_outcome(conn, uid)
        assert_counters_match_tables(conn, uid, outcome)
    return uid, outcome, seconds


def dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def wait_for(predicate: Any, timeout: float, what: str, step: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)
