"""What an import holds in memory: the import process's peak counts towards the < 200 MB of a
10 MB import (docs/speed.md, docs/import-speed.md). Each test pins one structure that is no
longer built or kept, not a number of megabytes of the whole process."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from parsalink_tui.importing import validate_process
from parsalink_tui.importing.validate_process import ValidationProcess

from .helpers import big_csv

# Runs in a fresh interpreter: SQLite's own allocations (sqlite3_memory_used) after a job is
# queued, and the stored bytes, as the worker will read them.
_QUEUE_A_JOB = """
import ctypes, json, sys, _sqlite3
from parsalink_tui.service import Service
sqlite = ctypes.CDLL(_sqlite3.__file__)
sqlite.sqlite3_memory_used.restype = ctypes.c_int64
service = Service.open(sys.argv[1])
before = sqlite.sqlite3_memory_used()
uid = service.start_import(sys.argv[2], run=False)["uid"]
held = sqlite.sqlite3_memory_used() - before
with service.db.read() as conn:
    stored = conn.exec_driver_sql("SELECT data FROM import_file WHERE job_uid = ?", (uid,)).scalar()
print(json.dumps({"held": held, "same": stored == open(sys.argv[2], "rb").read()}))
"""


def test_queueing_a_job_leaves_no_copy_of_the_file_in_sqlite(tmp_path):
    """sqlite3 keeps the last parameters of each cached statement: a file bound to the INSERT
    stayed in SQLite's memory (~10 MB of a 10 MB import's peak) while the connection lived.
    Written through blob I/O instead, SQLite holds nothing of it once the job is queued."""
    path = big_csv(tmp_path / "big.csv", 120_000)  # ~9 MB; SQLite's page cache holds ~2 MB of it
    done = subprocess.run([sys.executable, "-c", _QUEUE_A_JOB, str(tmp_path / "app.db"), str(path)],
                          capture_output=True, text=True, check=True)  # fmt: skip
    result = json.loads(done.stdout)
    assert result["same"]
    assert result["held"] < path.stat().st_size / 3, result  # a bound copy is the whole file


def test_the_validation_process_runs_at_most_a_bounded_queue_ahead(tmp_path):
    """Chunks the writer has not taken yet are held as pickled bytes in the import process; the
    queue is bounded so that a child faster than the writer waits instead of piling up the rest
    of the file (up to ~10 MB of a 10 MB import's peak)."""
    data = big_csv(tmp_path / "big.csv", 60_000).read_bytes()  # ~60 chunks
    settings = {"header": ["First Name", "Last Name", "Email", "Phone", "Company", "Tags"],
                "mapping": {"First Name": "firstName", "Email": "email"}, "region": "US"}  # fmt: skip
    child = ValidationProcess.start(data, settings, [], 0, 512)
    try:
        deadline = time.monotonic() + 60
        while child._queue.qsize() < validate_process.QUEUE_CHUNKS and child._process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert child._process.poll() is None, "the child validated the whole file with nobody reading"
        assert child._queue.qsize() == validate_process.QUEUE_CHUNKS <= 24
    finally:
        child.close()


def test_the_queue_holds_a_whole_batch():
    """A child ahead of the writer sends full chunks: the queue holds more than the largest batch,
    so the bound never makes a batch wait for records the child could have sent already."""
    from parsalink_tui.importing import runner

    assert validate_process.QUEUE_CHUNKS * validate_process.CHUNK_ROWS > runner.MAX_BATCH_ROWS


def test_a_jobs_page_cache_is_at_most_16_mb(service, tmp_path, monkeypatch):
    """The job's connection has its own page cache, full for most of a 10 MB import: 32 MB of
    the import process's peak before, 16 MB now (the pages it rereads come from the OS's cache:
    ~6k more reads of 16 KiB for a 10 MB file, ~1% of the writer's CPU)."""
    from parsalink_tui.importing import writer

    seen: list[int] = []
    write = writer.BatchWriter.write

    def spy(self, job, batch):
        seen.append(job.raw.execute("PRAGMA cache_size").fetchone()[0])
        return write(self, job, batch)

    monkeypatch.setattr(writer.BatchWriter, "write", spy)
    body = service.start_import(big_csv(tmp_path / "small.csv", 50), run=False)
    service.work_imports()
    assert service.get_import_job(body["uid"], with_issues=False)["status"] == "complete"
    assert seen and all(-16 * 1024 <= size < 0 for size in seen), seen  # negative: KiB
