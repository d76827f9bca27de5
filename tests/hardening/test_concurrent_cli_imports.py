"""Two CLI imports started at once on one database, from files that share emails.

Two real ``python -m parsalink_tui import start --wait`` processes start together (each waits
on a go-file after Python's start-up, so their starts overlap), each with a realistic export:
``a.csv`` (~8.5k rows) and ``b.csv`` (~7k rows of its own plus 1,500 of a.csv's records, a third
of them with the email upper-cased). Jobs run one at a time per database, so whichever was
claimed first must import exactly as it would alone, and the other exactly as it would alone
except that every row whose email the first job created is a duplicate instead. Checked:

* both processes exit 0 and print a complete job; ``integrity_check`` is ok;
* each job's counters equal the tables; every email is in the contact table once;
* per job, the created rows, error rows and duplicate rows are exactly the expected ones, so
  each shared email is a duplicate in exactly one of the two jobs (and created by the other).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from random import Random

from parsalink_tui.service import Service
from parsalink_tui.validation import email_key

from .conftest import tally
from .crash_support import (
    OWNERS,
    Outcome,
    assert_counters_match_tables,
    generate_csv,
    import_outcome,
    integrity,
    job_row,
    raw,
    reference_import,
    run_seed,
)

SHARED = 1500
STARTER = """
import sys, time
from pathlib import Path
from parsalink_tui.cli import run
go = Path(sys.argv[1])
while not go.exists():
    time.sleep(0.001)
run(sys.argv[2:])
"""


def records(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return rows[0], rows[1:]


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def after(first: Outcome, alone: Outcome) -> Outcome:
    """What a job that runs second makes: as alone, but rows whose email the first job created
    are duplicates."""
    taken = {email_key(contact[0]) for contact in first.created.values()}
    created = {r: c for r, c in alone.created.items() if email_key(c[0]) not in taken}
    duplicates = dict(alone.duplicates)
    duplicates.update({r: c[0] for r, c in alone.created.items() if email_key(c[0]) in taken})
    return Outcome(created, dict(alone.errors), duplicates)


def test_two_cli_imports_at_once_with_shared_emails(tmp_path: Path) -> None:
    rng = Random(run_seed("two CLI imports"))
    a, _ = generate_csv(tmp_path / "a.csv", 1_300_000, seed=101)
    b_own, _ = generate_csv(tmp_path / "b-own.csv", 1_100_000, seed=202)
    header, a_rows = records(a)
    _, b_rows = records(b_own)
    shared = [list(row) for row in rng.sample(a_rows, SHARED)]
    for row in shared[: SHARED // 3]:
        row[2] = row[2].upper()
    mixed = b_rows + shared
    rng.shuffle(mixed)
    b = write(tmp_path / "b.csv", header, mixed)

    template = tmp_path / "template.db"
    service = Service.open(template)
    try:
        for name, email in OWNERS:
            service.add_user(name, email)
    finally:
        service.close()
    _, alone_a, _ = reference_import(template, a, tmp_path / "ref-a.db")
    _, alone_b, _ = reference_import(template, b, tmp_path / "ref-b.db")
    keys_a = {email_key(c[0]) for c in alone_a.created.values()}
    keys_b = {email_key(c[0]) for c in alone_b.created.values()}
    overlap = keys_a & keys_b
    assert len(overlap) > SHARED // 2  # most shared rows are valid in both files

    db = tmp_path / "shared.db"
    db.write_bytes(template.read_bytes())
    go = tmp_path / "go"
    procs = []
    for path in (a, b):
        procs.append(subprocess.Popen(
            [sys.executable, "-c", STARTER, str(go), "--db", str(db), "import", "start", "--wait", str(path)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        ))  # fmt: skip
    time.sleep(0.8)  # both have imported the CLI and wait on the go-file
    go.touch()
    jobs = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
        job = json.loads(out)
        assert job["status"] == "complete", job
        jobs.append(job)

    with raw(db) as conn:
        integrity(conn)
        rows = {job["uid"]: job_row(conn, job["uid"]) for job in jobs}
        outcomes = {job["uid"]: import_outcome(conn, job["uid"]) for job in jobs}
        for uid, outcome in outcomes.items():
            assert_counters_match_tables(conn, uid, outcome)
        contacts, distinct = conn.execute("SELECT count(*), count(DISTINCT email_key) FROM contact").fetchone()
    assert contacts == distinct == len(keys_a | keys_b)
    uid_a, uid_b = jobs[0]["uid"], jobs[1]["uid"]
    # One job at a time: the one claimed first finished before the other started.
    first, second = sorted((uid_a, uid_b), key=lambda uid: rows[uid]["started_at"])
    assert rows[first]["finished_at"] <= rows[second]["started_at"]
    alone = {uid_a: alone_a, uid_b: alone_b}
    want = {first: alone[first], second: after(alone[first], alone[second])}
    for uid in (uid_a, uid_b):
        for part in ("created", "errors", "duplicates"):
            assert getattr(outcomes[uid], part) == getattr(want[uid], part), ("a" if uid == uid_a else "b", part)
    # Each shared email: created by one job, a duplicate in the other.
    dup_keys = {uid: {email_key(e) for e in outcomes[uid].duplicates.values()} for uid in outcomes}
    made_keys = {uid: {email_key(c[0]) for c in outcomes[uid].created.values()} for uid in outcomes}
    for key in overlap:
        assert (key in made_keys[uid_a]) != (key in made_keys[uid_b]), key
        other = uid_b if key in made_keys[uid_a] else uid_a
        assert key in dup_keys[other], key
    tally("two CLI imports at once: rows imported (both jobs)", sum(j["processedRows"] for j in jobs))
    tally("two CLI imports at once: shared emails, each a duplicate in exactly one job", len(overlap))
    print(f"first job: {'a' if first == uid_a else 'b'}; shared emails {len(overlap)}")
