"""Import jobs killed mid-run: SIGKILL at random moments, many times, then check the file.

Each round copies a database holding the file's owners and a source, starts the import with
the real CLI (``python -m parsalink_tui import start --wait FILE``, whose worker thread runs
the job) and SIGKILLs that process at a random moment. Then warm ``import work`` processes
(the command ``import start`` detaches; see import_kill_worker.py) are started one after
another, each SIGKILLed at a random moment, until one finishes the job; then the next round.

After every kill the file is opened with plain sqlite3 and checked:

* ``PRAGMA integrity_check`` is ok and no foreign key dangles;
* the job's counters equal the tables: successCount = contacts stamped with the job = its
  "imported" audit rows, errorCount / duplicates = its import_issue rows, processedRows = all
  three; an unfinished job still has its stored file; no job ever ends "failed";
* what is committed is exactly an uninterrupted import of the same file cut at the job's
  ``last_row``: the same contacts (email, first, last, phone, stage, tags) from the same rows,
  each once, and the same error and duplicate rows — nothing from a batch that did not commit,
  nothing lost from one that did;
and after the last worker of a round, the whole outcome equals the uninterrupted import.
The uninterrupted import is run first, in this process, on a copy of the same database.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from random import Random

import pytest

from parsalink_tui.service import Service

from .conftest import record_peak, tally
from .crash_support import (
    HERE,
    OWNERS,
    TEN_MB,
    Outcome,
    WarmPool,
    assert_counters_match_tables,
    fresh,
    generate_csv,
    import_outcome,
    integrity,
    raw,
    reference_import,
    run_seed,
    sigkill,
)

WORKER = HERE / "import_kill_worker.py"


def make_template(tmp_path: Path) -> tuple[Path, str]:
    """A database with the file's owners and a "Trade Show" source; (path, source uid)."""
    path = tmp_path / "template.db"
    service = Service.open(path)
    try:
        for name, email in OWNERS:
            service.add_user(name, email)
        source = service.add_source("Trade Show")["uid"]
    finally:
        service.close()
    return path, source


def _diff(got: dict, want: dict, what: str) -> str:
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    changed = sorted(r for r in set(got) & set(want) if got[r] != want[r])
    return (f"{what}: {len(missing)} missing (rows {missing[:5]}), {len(extra)} extra (rows {extra[:5]}), "
            f"{len(changed)} different (e.g. {[(r, got[r], want[r]) for r in changed[:2]]})")  # fmt: skip


def check_file(db: Path, reference: Outcome, total_rows: int, context: str) -> dict | None:
    """Everything a kill may not break (see the module docstring); returns the job row or None."""
    with raw(db) as conn:
        integrity(conn)
        uids = [row[0] for row in conn.execute("SELECT uid FROM import_job")]
        assert len(uids) <= 1, f"{context}: {len(uids)} jobs for one import"
        if not uids:  # the CLI was killed before it committed the job: nothing at all is there
            assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == 0, context
            return None
        uid = uids[0]
        outcome = import_outcome(conn, uid)
        job = assert_counters_match_tables(conn, uid, outcome)
        want = reference.upto(job["last_row"])
        for name in ("created", "errors", "duplicates"):
            got_part, want_part = getattr(outcome, name), getattr(want, name)
            assert got_part == want_part, f"{context}: " + _diff(got_part, want_part, name)
        assert conn.execute("SELECT count(*) FROM contact").fetchone()[0] == len(outcome.created), context
        if job["status"] == "complete":
            assert job["processed_rows"] == job["total_rows"] == total_rows, context
        tally("import kills: committed rows compared with the uninterrupted import", outcome.rows)
        return job


def classify(job: dict | None, total_rows: int) -> str:
    if job is None:
        return "before the job was committed"
    if job["status"] == "complete":
        return "after the job completed (while checkpointing / exiting)"
    if job["processed_rows"] == 0:
        return "before the first batch committed"
    if job["processed_rows"] == total_rows:
        return "after the last batch, before the job was marked complete"
    return "mid-job (some batches committed, more to come)"


def kill_imports(tmp_path: Path, csv: Path, kills_wanted: int, seed: int) -> Counter[str]:
    rng = Random(seed)
    template, source = make_template(tmp_path)
    _, reference, job_seconds = reference_import(template, csv, tmp_path / "reference.db", source)
    total_rows = reference.rows
    # Kill windows from the measured speed: a warm worker's run is about the job itself; the CLI
    # adds Python's start-up and reading + checking the file (~0.5 s here). A few kills land
    # after the end on purpose (the final checkpoint, the exit).
    warm_window = job_seconds * 1.1 + 0.05
    cold_window = job_seconds * 0.9 + 0.5
    stats: Counter[str] = Counter()
    pool = WarmPool(WORKER)
    started = time.monotonic()
    try:
        while stats["kills"] < kills_wanted:
            stats["rounds"] += 1
            db = tmp_path / f"round{stats['rounds']}.db"
            shutil.copyfile(template, db)
            context = f"seed {seed}, round {stats['rounds']}"
            starter = subprocess.Popen(
                [sys.executable, "-m", "parsalink_tui", "--db", str(db), "import", "start", "--source", source,
                 "--wait", str(csv)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            time.sleep(rng.uniform(0.05, cold_window))
            if sigkill(starter):
                stats["kills"] += 1
                stats["kills of the CLI that started the import"] += 1
                job = check_file(db, reference, total_rows, f"{context}, CLI killed")
                stats[classify(job, total_rows)] += 1
            else:
                assert starter.returncode == 0, starter.stderr.read() if starter.stderr else ""
                job = check_file(db, reference, total_rows, f"{context}, CLI not killed")
            if starter.stderr:
                starter.stderr.close()
            if job is None:  # killed before its job existed: queue it again, as the user would
                service = Service.open(db)
                try:
                    service.start_import(csv, source_uid=source, run=False)
                finally:
                    service.close()
            n = 0
            while job is None or job["status"] != "complete":
                n += 1
                worker = pool.take(str(db))
                if stats["kills"] >= kills_wanted:  # enough: this one finishes the round
                    worker.wait(timeout=300)
                    landed = False
                else:
                    time.sleep(rng.uniform(0, warm_window))
                    landed = sigkill(worker)
                if landed:
                    stats["kills"] += 1
                    stats["kills of a worker process resuming the job"] += 1
                else:
                    assert worker.returncode == 0, worker.stderr.read() if worker.stderr else ""
                job = check_file(db, reference, total_rows, f"{context}, worker {n} {'killed' if landed else 'ended'}")
                if landed:
                    stats[classify(job, total_rows)] += 1
                assert n < 200, f"{context}: the job makes no progress"
            # The round's end state: the whole file, exactly as the uninterrupted import.
            with raw(db) as conn:
                final = import_outcome(conn, job["uid"])
            for name in ("created", "errors", "duplicates"):
                assert getattr(final, name) == getattr(reference, name), context
            stats["jobs completed after kills"] += 1
            fresh(db)  # a 10 MB round leaves ~130 MB (database and WAL)
    finally:
        pool.close()
    stats["seconds"] = round(time.monotonic() - started)
    print(f"import kills (seed {seed}):", dict(stats))
    return stats


def _report(stats: Counter[str], label: str) -> None:
    tally(f"{label}: kills survived", stats["kills"])
    tally(f"{label}: · mid-job kills (some batches committed)", stats["mid-job (some batches committed, more to come)"])
    tally(f"{label}: · kills of the CLI that started the import", stats["kills of the CLI that started the import"])
    tally(f"{label}: jobs completed after kills", stats["jobs completed after kills"])
    record_peak(f"{label}: seconds for the whole harness", stats["seconds"])


def test_import_killed_at_random_points(tmp_path: Path) -> None:
    """30 kills of a ~2 MB import (13k rows of the generator's realistic export)."""
    seed = run_seed("import kills")
    csv, _ = generate_csv(tmp_path / "leads.csv", 2_000_000)
    stats = kill_imports(tmp_path, csv, kills_wanted=30, seed=seed)
    assert stats["kills"] >= 30
    # The kills must land where it matters, not only before or after the work.
    assert stats["mid-job (some batches committed, more to come)"] >= 5, dict(stats)
    _report(stats, "import kills (2 MB)")


@pytest.mark.slow
def test_10mb_import_killed_at_random_points(tmp_path: Path) -> None:
    """20 kills of the 10 MB export (~70k rows)."""
    seed = run_seed("10 MB import kills")
    csv, _ = generate_csv(tmp_path / "contacts-10mb.csv", TEN_MB)
    stats = kill_imports(tmp_path, csv, kills_wanted=20, seed=seed)
    assert stats["mid-job (some batches committed, more to come)"] >= 6, dict(stats)
    _report(stats, "import kills (10 MB)")
