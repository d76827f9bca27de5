"""Import benchmark: a whole 10 MB import through the real job path, against sqlite-utils.

    python bench/bench_import.py [--runs 5] [--csv FILE]

1. Generates the two deterministic ~10 MB CSVs (bench/gen_contacts_csv.py) under bench/out/
   unless they exist: the bench file (~68k rows, ~2% bad emails, ~5% odd phones, ~3% duplicate
   emails) and the international export of issue 14 (``--intl``: ~91k rows, UK/French/
   Australian/German/US phone shapes, ~400 email domains, accented names and local parts).
   Every run times both files (and sqlite-utils on each) interleaved; ``--csv FILE`` times one file.
2. Times the validated import ``--runs`` times, each in a fresh process on a fresh database
   (cold caches, as a real ``import`` command): ``Service.start_import`` (read, checks, job row)
   then the worker loop that ``import work`` runs (claim, parse, validate, dedup, batched
   writes, progress commits) until the job is complete (its ``finished_at``); also reported:
   until the worker returns, after the WAL checkpoint it runs once the job is complete. Peak
   RSS is the import process's ru_maxrss plus the high-water mark of the validation process it
   starts for big files (importing/validate_process.py; read from /proc while it runs): the
   sum of the two peaks, an upper bound of what both held at once.
3. Times ``python -m sqlite_utils insert DB contacts FILE --csv`` (a plain load: no
   validation, no duplicates check, no indexes or search) the same number of times.
4. Prints medians, rows/s, the ratios, and the targets: ≤ 0.65× sqlite-utils, < 200 MB; then the
   per-row ratio intl / bench (target ≤ 1.2×). Besides wall time, CPU time: the import's two
   processes (getrusage) against the whole sqlite-utils command's (RUSAGE_CHILDREN). On a
   loaded, shared machine wall-clock ratios move by ±15% between runs; CPU ratios much less.
5. Prints where the CPU time went — the import process (writes) and its validation process,
   from getrusage — and the least wall time two cores allow for that much work: half the total.
6. With ``--floor``, also times a what-if that is not a valid configuration: the same import with
   both search indexes and every non-unique contact index left out (its writer's search
   statements do nothing; the indexes are dropped before the job). What remains is parsing,
   validating, deduplicating and storing the rows: the floor under any index tuning.

The databases live in bench/out/ (gitignored) and are deleted after each run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

from gen_contacts_csv import DEFAULT_OUT, INTL_OUT, generate, generate_intl

USERS = (("Alex Johnson", "alex@parsalink.example"), ("Maria Garcia", "maria@parsalink.example"), ("Sam Lee", None))


def _fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


class ChildPeaks(threading.Thread):
    """Watches this process's child processes and keeps each one's last VmHWM (peak RSS, kB).

    ru_maxrss of RUSAGE_CHILDREN cannot tell: a child made by fork/vfork and exec is charged the
    parent's RSS of before the exec. The last VmHWM read is the child's own address space's
    (before its exec, a vfork child reports the parent's), missing at most POLL seconds of growth
    (VmHWM is the kernel's high-water mark, so a slow poll loses nothing before that). Not
    faster: this thread takes the import process's GIL at each look, and looking every 5 ms
    made the measured import ~0.1 s slower (medians of 6).
    """

    POLL = 0.05

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peaks: dict[int, int] = {}
        self.done = threading.Event()
        self.cpu = 0.0

    def run(self) -> None:
        try:
            self._watch()
        finally:
            self.cpu = time.thread_time()  # this thread's own CPU, not the import's

    def _watch(self) -> None:
        while not self.done.wait(self.POLL):
            for children in Path("/proc/self/task").glob("*/children"):
                try:
                    pids = children.read_text().split()
                except OSError:
                    continue
                for pid in pids:
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                    except OSError:
                        continue
                    for line in status.splitlines():
                        if line.startswith("VmHWM:"):
                            self.peaks[int(pid)] = int(line.split()[1])


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _strip_indexes(service) -> None:  # type: ignore[no-untyped-def]
    """The --floor what-if: no search index writes, no non-unique contact index."""
    from parsalink_tui.importing import bulk_sqlite

    bulk_sqlite._TRIGRAM_RANGE = "SELECT ?, ?"
    bulk_sqlite._SHORT_RANGE = "SELECT ?1, ?2"
    with service.db.write() as conn:
        names = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contact' "
                                     "AND sql IS NOT NULL").scalars().all()  # fmt: skip
        for name in names:
            conn.exec_driver_sql(f"DROP INDEX {name}")


def child(db: Path, csv_path: Path, prepare: Callable[[Any], None] | None = None) -> None:
    """One timed import in this (fresh) process; prints a JSON line. ``prepare(service)`` runs on
    the fresh database before the import (the what-ifs: ``_strip_indexes``, bench_import_ablation.py)."""
    from parsalink_tui.service import Service

    peaks = ChildPeaks()
    peaks.start()
    service = Service.open(db)
    if prepare is not None:
        prepare(service)
    for name, email in USERS:  # the file's owners exist, as they would for a real team
        service.add_user(name, email)
    source = service.add_source("Trade Show")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_self, cpu_children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
    wall_start = time.time()
    started = time.perf_counter()
    body = service.start_import(csv_path, source_uid=source["uid"], run=False)
    accepted = time.perf_counter() - started
    service.work_imports()
    worker_done = time.perf_counter() - started
    cpu_self, cpu_children = _cpu(resource.RUSAGE_SELF) - cpu_self, _cpu(resource.RUSAGE_CHILDREN) - cpu_children
    job = service.get_import_job(body["uid"])
    with service.db.read() as conn:  # finished_at, to the microsecond: when users see "complete"
        finished = conn.exec_driver_sql("SELECT finished_at FROM import_job WHERE uid = ?", (body["uid"],)).scalar()
    seconds = datetime.fromisoformat(finished).timestamp() - wall_start
    service.close()
    peaks.done.set()
    peaks.join()
    cpu_self -= peaks.cpu  # the watcher is the benchmark's, not the import's (an upper bound: since its start)
    assert job["status"] == "complete", job["errorMessage"]
    print(json.dumps({
        "seconds": seconds, "worker_done": worker_done, "accepted": accepted, "rows": job["totalRows"], "created": job["successCount"],
        "errors": job["errorCount"], "duplicates": len(job["duplicates"]),
        "rss_before_kb": rss_before, "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "child_peak_kb": max(peaks.peaks.values(), default=0), "cpu_self": cpu_self, "cpu_children": cpu_children,
    }))  # fmt: skip


def run_import(csv_path: Path, floor: bool = False, script: str = __file__, options: tuple[str, ...] = ()) -> dict:
    """One import in a fresh process: ``script --child DB CSV [--floor] OPTIONS`` (its JSON line)."""
    db = _fresh(OUT / "bench-import.db")
    try:
        cmd = [sys.executable, script, "--child", str(db), str(csv_path), *(["--floor"] * floor), *options]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        _fresh(db)


def run_sqlite_utils(csv_path: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the whole ``sqlite-utils insert --csv`` command."""
    db = _fresh(OUT / "bench-sqlite-utils.db")
    try:
        cpu = _cpu(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sqlite_utils", "insert", str(db), "contacts", str(csv_path), "--csv"],
                       check=True, capture_output=True)  # fmt: skip
        return time.perf_counter() - started, _cpu(resource.RUSAGE_CHILDREN) - cpu
    finally:
        _fresh(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--csv", type=Path, help="one file instead of the two generated ones")
    parser.add_argument("--floor", action="store_true", help="also time the import without search and list indexes")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, prepare=_strip_indexes if args.floor else None)
        return
    OUT.mkdir(exist_ok=True)
    files = {"bench": DEFAULT_OUT, "intl": INTL_OUT} if args.csv is None else {args.csv.name: args.csv}
    for name, path in files.items():
        if not path.exists():
            rows, size = (generate_intl if name == "intl" else generate)(path)
            print(f"generated {path}: {rows:,} rows, {size:,} bytes")
    print(f"{args.runs} runs, each timing every file interleaved; {os.cpu_count()} CPUs")
    results = {name: {"imports": [], "baseline": [], "floors": []} for name in files}
    for n in range(args.runs):  # interleaved, so background load hits all alike
        for name, path in files.items():
            got = results[name]
            got["imports"].append(run_import(path))
            got["baseline"].append(run_sqlite_utils(path))
            imp, (wall, cpu) = got["imports"][-1], got["baseline"][-1]
            line = (f"  run {n + 1} {name}: import {imp['seconds']:.2f} s (CPU {imp['cpu_self'] + imp['cpu_children']:.2f} s), "
                    f"sqlite-utils {wall:.2f} s (CPU {cpu:.2f} s)")  # fmt: skip
            if args.floor:
                got["floors"].append(run_import(path, floor=True))
                line += f", import without indexes {got['floors'][-1]['seconds']:.2f} s"
            print(line, flush=True)
    per_row = {}
    for name, path in files.items():
        print(f"\n== {name}: {path} ({path.stat().st_size:,} bytes)")
        per_row[name] = report(**results[name])
    if len(per_row) == 2:
        (_, wall_a, cpu_a), (_, wall_b, cpu_b) = per_row.values()
        print(f"\nper row, intl / bench: CPU {cpu_b / cpu_a:.2f}x (target ≤ 1.2x), wall {wall_b / wall_a:.2f}x")
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


def report(imports: list[dict], baseline: list[tuple[float, float]], floors: list[dict]) -> tuple[int, float, float]:
    """Prints one file's figures; returns (rows, wall per row, CPU per row) of the import."""
    first = imports[0]
    seconds = statistics.median(r["seconds"] for r in imports)
    plain = statistics.median(wall for wall, _ in baseline)
    plain_cpu = statistics.median(cpu for _, cpu in baseline)
    peak_mb = max(r["rss_peak_kb"] + r["child_peak_kb"] for r in imports) / 1024
    own_mb = max(r["rss_peak_kb"] for r in imports) / 1024
    child_mb = max(r["child_peak_kb"] for r in imports) / 1024
    base_mb = min(r["rss_before_kb"] for r in imports) / 1024
    print()
    print(f"rows: {first['rows']:,} ({first['created']:,} created, {first['errors']:,} errors, "
          f"{first['duplicates']:,} duplicates)")  # fmt: skip
    runs = ", ".join(f"{r['seconds']:.2f}" for r in imports)
    plain_runs = ", ".join(f"{s:.2f}" for s, _ in baseline)
    accepted_ms = statistics.median(r["accepted"] for r in imports) * 1000
    worker_done = statistics.median(r["worker_done"] for r in imports)
    print(
        f"validated import (start_import → job complete): median {seconds:.2f} s [{runs}], "
        f"{first['rows'] / seconds:,.0f} rows/s; accepted (202) after {accepted_ms:.0f} ms"
    )
    print(f"  worker finished, including its WAL checkpoint after the job: median {worker_done:.2f} s")
    print(
        f"sqlite-utils insert --csv (plain load): median {plain:.2f} s [{plain_runs}], "
        f"{first['rows'] / plain:,.0f} rows/s"
    )
    print(f"ratio import / sqlite-utils: {seconds / plain:.2f}x")
    print(f"peak RSS: {peak_mb:.0f} MB = import process {own_mb:.0f} MB + validation process {child_mb:.0f} MB "
          f"(import process with libraries loaded, before the import: {base_mb:.0f} MB)")  # fmt: skip
    cpu_self = statistics.median(r["cpu_self"] for r in imports)
    cpu_children = statistics.median(r["cpu_children"] for r in imports)
    after = worker_done - seconds  # the checkpoint after the job: the import process's work, not timed above
    bound = (cpu_self + cpu_children - after) / 2
    print(f"CPU (median): import process {cpu_self:.2f} s (writing; {after:.2f} s of it after the job), "
          f"validation process {cpu_children:.2f} s")  # fmt: skip
    print(f"  least wall time for that much work on 2 cores, however it is split: {bound:.2f} s "
          f"(target ≤ 0.65x sqlite-utils = {0.65 * plain:.2f} s)")  # fmt: skip
    if floors:
        floor = statistics.median(r["seconds"] for r in floors)
        floor_cpu = statistics.median(r["cpu_self"] + r["cpu_children"] for r in floors)
        print(f"what-if, no search index and no non-unique contact index (not a valid setup): median {floor:.2f} s "
              f"= {floor / plain:.2f}x sqlite-utils, CPU {floor_cpu:.2f} s")  # fmt: skip
    cpu = cpu_self + cpu_children - after
    print(f"CPU ratio (import until the job is complete, both processes / the whole sqlite-utils command, "
          f"CPU {plain_cpu:.2f} s): {cpu / plain_cpu:.2f}x")
    for label, ok in (("≤ 0.65x sqlite-utils (wall)", seconds / plain <= 0.65),
                      ("peak memory < 200 MB", peak_mb < 200)):  # fmt: skip
        print(f"  {'PASS' if ok else 'MISS'}  {label}")
    return first["rows"], seconds / first["rows"], cpu / first["rows"]


if __name__ == "__main__":
    main()
