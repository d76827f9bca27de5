"""Revert benchmark: import ~90k contacts in one job, then time ``import revert`` of it.

    python bench/bench_revert.py [--runs 1] [--rows 90000] [--edited 100] [--baseline]

1. Writes a deterministic CSV of ``--rows`` contacts under bench/out/ unless it exists, in the
   style of bench/gen_contacts_csv.py (its names, companies, phones and tags) but with fewer
   columns and unique emails, so ~90k contacts fit in one import under the 10 MB cap (that
   generator's 10 MB file holds ~68k rows, some of them errors and duplicates).
2. Each run: a fresh database, the import run to the end (timed too), ``--edited`` of its
   contacts given a note (so the revert has contacts to protect), then ``Service.revert_import``
   timed: the whole revert, and its longest batch (the longest the write lock is held; other
   writers wait at most that long).
3. With ``--baseline``: the same import deleted in one statement
   (``DELETE FROM contact WHERE import_job_uid = ?``, the per-row search triggers firing), the
   way the issue measured 15.5 s.

Prints medians of the runs. The machine may be shared: a single run is a rough figure.
The databases live in bench/out/ (gitignored) and are deleted after each run.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen_contacts_csv import COMPANY_WORDS, FIRST, LAST, TAGS, _phone, _quote, _slug

from parsalink_tui.service import Service


def write_csv(path: Path, rows: int, seed: int = 20260608) -> None:
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("First Name,Last Name,Email,Phone,Company,Tags\r\n")
        for n in range(rows):
            first, last, company = rng.choice(FIRST), rng.choice(LAST), rng.choice(COMPANY_WORDS)
            email = f"{_slug(first)}.{_slug(last)}{n}@{_slug(company)}.com"
            tags = ", ".join(rng.sample(TAGS, rng.choice((0, 1, 1, 2))))
            cells = (first, last, email, _phone(rng), f"{company} Inc", tags)
            fh.write(",".join(_quote(cell) for cell in cells) + "\r\n")


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def imported(db: Path, csv: Path) -> tuple[Service, str, float]:
    service = Service.open(_fresh(db))
    started = time.perf_counter()
    uid = service.start_import(csv, run=False)["uid"]
    service.work_imports()
    took = time.perf_counter() - started
    job = service.get_import_job(uid, with_issues=False)
    assert job["status"] == "complete", job
    return service, uid, took


def one_run(csv: Path, edited: int) -> dict[str, float]:
    db = OUT / "bench-revert.db"
    service, uid, import_seconds = imported(db, csv)
    try:
        ids = [c["id"] for c in service.list_contacts(limit=edited)["results"]] if edited else []
        for cid in ids:
            service.add_note(cid, "called back")
        batches: list[float] = []
        last = [time.perf_counter()]

        def progress(state: dict) -> None:
            now = time.perf_counter()
            batches.append(now - last[0])
            last[0] = now

        started = last[0] = time.perf_counter()
        job = service.revert_import(uid, progress=progress)
        seconds = time.perf_counter() - started
        revert = job["revert"]
        assert revert["status"] == "complete" and revert["protectedCount"] == len(ids), revert
        return {"import": import_seconds, "revert": seconds, "longest_batch": max(batches),
                "batches": len(batches), "deleted": revert["deleted"]}  # fmt: skip
    finally:
        service.close()
        _fresh(db)


def baseline(csv: Path) -> float:
    db = OUT / "bench-revert-baseline.db"
    service, uid, _ = imported(db, csv)
    service.close()
    try:
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("PRAGMA foreign_keys = ON")
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("DELETE FROM contact WHERE import_job_uid = ?", (uid,))
        conn.execute("COMMIT")
        seconds = time.perf_counter() - started
        conn.close()
        return seconds
    finally:
        _fresh(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rows", type=int, default=90_000)
    parser.add_argument("--edited", type=int, default=100, help="contacts given a note after the import")
    parser.add_argument("--baseline", action="store_true", help="also time a one-statement delete")
    args = parser.parse_args()
    csv = OUT / f"contacts-{args.rows // 1000}k.csv"
    if not csv.exists():
        write_csv(csv, args.rows)
    print(f"{csv.name}: {csv.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows")
    runs = [one_run(csv, args.edited) for _ in range(args.runs)]
    for key in ("import", "revert", "longest_batch"):
        values = [run[key] for run in runs]
        print(f"{key:>14}: median {statistics.median(values):6.2f} s  ({', '.join(f'{v:.2f}' for v in values)})")
    print(f"{'batches':>14}: {runs[0]['batches']}, deleted {runs[0]['deleted']:,}, left alone {args.edited}")
    if args.baseline:
        print(f"{'one DELETE':>14}: {baseline(csv):6.2f} s (per-row search triggers)")


if __name__ == "__main__":
    main()
