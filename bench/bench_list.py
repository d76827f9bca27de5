"""List/search/count latency at scale on SQLite and PostgreSQL (run by hand; not a test).

    python bench/bench_list.py            # 100k and 1M databases under bench/out/, both backends
    python bench/bench_list.py --sizes 100000 --runs 7 --backends sqlite

Builds (once) demo databases with ``parsalink-tui demo`` (same seed on both backends: an SQLite
file ``bench/out/list-N.db`` and a database ``list_N`` in a PostgreSQL cluster kept in
``bench/out/pg``, started and stopped by this bench, ``bench/pg_kept.py``) and times
``Service.list_contacts`` for the queries the issue names, printing per backend the median of
several warm runs side by side. As a baseline in the same process it times the naive way —
``LIKE '%q%'`` over the three columns — for the search query, and prints the ratio. Then the
whole process through the CLI (``parsalink-tui --db … contacts list …``): the slowest query
against a bare first page (target ≤ 1.25×). ``--backends`` defaults to both when the
PostgreSQL server binaries are there (``tests/pg_cluster.py``), else SQLite alone. Building the
PostgreSQL databases the first time took 11 s (100k) and 135 s (1M) on the 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pg_kept

from parsalink_tui.service import Service

OUT = Path(__file__).resolve().parent / "out"


def demo(target: str, size: int, label: str) -> None:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "parsalink_tui", "--db", target, "demo", "--contacts", str(size), "--seed", "7"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    print(f"built {label} in {time.perf_counter() - t0:.1f} s")


def build(size: int) -> Path:
    path = OUT / f"list-{size}.db"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        demo(str(path), size, path.name)
    return path


def build_pg(database, size: int) -> str:
    """The URL of database ``list_N`` in the kept cluster, filled with demo data once (a marker
    file says the load finished; delete ``bench/out/pg`` to rebuild)."""
    url = database(f"list_{size}")
    marker = pg_kept.FOLDER / f"built-{size}"
    if not marker.exists():
        demo(url, size, f"PostgreSQL list_{size}")
        marker.touch()
    return url


def median_ms(fn, runs: int) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def naive_like(svc: Service, term: str, columns: tuple[str, ...]) -> None:
    """The naive search: count and first page by ``LIKE '%term%'`` over ``columns`` (a scan)."""
    with svc.db.read() as conn:
        q = {"q": f"%{term}%"}
        where = " OR ".join(f"{column} LIKE :q" for column in columns)
        conn.execute(text(f"SELECT count(*) FROM contact WHERE {where}"), q).scalar()
        conn.execute(text(f"SELECT * FROM contact WHERE {where} ORDER BY created_at DESC LIMIT 20"), q).all()


def cli_ms(target: str, params: dict, runs: int) -> float:
    """Median wall time (ms) of a whole ``parsalink-tui --db TARGET contacts list …`` process."""
    args = [a for k, v in params.items() for a in (f"--{k.replace('_', '-')}", str(v))]
    cmd = [sys.executable, "-m", "parsalink_tui", "--db", target, "contacts", "list", *args]
    run = lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return median_ms(run, runs)


def cases_for(user: str) -> dict[str, dict]:
    return {
        "first page": {},
        "stage=engaged": {"stage": "engaged"},
        "assignedTo": {"assigned_to": user},
        "search 'smi'": {"search": "smi"},
        "search 'zzq' (no match)": {"search": "zzq"},
        "search phone '(555) 12'": {"search": "(555) 12"},
        "search 2 chars 'ky'": {"search": "ky"},
        "search 2 chars 'an'": {"search": "an"},
        "search 1 char 'a'": {"search": "a"},
        "search phone 2 digits '55'": {"search": "55"},
        "createdAfter": {"created_after": "2026-06-01"},
        "createdBefore": {"created_before": "2025-03-01"},
        "tags=enterprise": {"tags": "enterprise"},
        "tags=enterprise,warm": {"tags": "enterprise,warm"},
        "stage+tags+search": {"stage": "engaged", "tags": "enterprise", "search": "son"},
        "stage+tags+search 'an'": {"stage": "engaged", "tags": "enterprise", "search": "an"},
        "page 2000": {"page": 2000},
        "ordering=lastName": {"ordering": "lastName"},
        "ordering=-updatedAt": {"ordering": "-updatedAt"},
        "stage + ordering=-updatedAt": {"stage": "engaged", "ordering": "-updatedAt"},
        "ordering=stage page 500": {"ordering": "stage", "page": 500},
    }


def baselines(name: str, svc: Service, runs: int) -> None:
    """The naive scans against our search, on one backend."""
    ours = median_ms(lambda: svc.list_contacts(search="smi"), runs)
    base = median_ms(lambda: naive_like(svc, "smi", ("first_name", "last_name", "email")), runs)
    print(f"  {name + ':':11s} baseline LIKE '%smi%' scan {base:8.1f}  → trigram search is {base / ours:.0f}× faster")
    # What 1-2 character terms did before contact_short (SQLite): LIKE over four columns.
    short = median_ms(lambda: svc.list_contacts(search="an"), runs)
    base_short = median_ms(lambda: naive_like(svc, "an", ("first_name", "last_name", "email", "phone")), runs)
    print(f"  {name + ':':11s} baseline LIKE '%an%' scan  {base_short:8.1f}  → short-term search is "
          f"{base_short / short:.0f}× faster")  # fmt: skip


def bench_size(size: int, targets: dict[str, str], runs: int, cli_runs: int) -> None:
    """Every query on every backend in ``targets`` (name → --db target), printed side by side."""
    services = {name: Service.open(target) for name, target in targets.items()}
    # Users' ids are random per build: each backend's first user (same seed, same name).
    users = {name: svc.list_users()[0]["id"] for name, svc in services.items()}
    names = list(cases_for("").keys())
    head = "".join(f"{name:>11s}" for name in services)
    print(f"\n{size:,} contacts — median of {runs} runs (ms), target ≤ {30 if size <= 100_000 else 100} ms")
    print(f"  {'':28s}{head}")
    slowest: dict[str, tuple[float, dict]] = {name: (0.0, {}) for name in services}
    for case in names:
        cells = ""
        for name, svc in services.items():
            params = cases_for(users[name])[case]
            ms = median_ms(lambda p=params, s=svc: s.list_contacts(**p), runs)
            slowest[name] = max(slowest[name], (ms, params), key=lambda t: t[0])
            cells += f" {ms:10.1f}"
        print(f"  {case:28s}{cells}")
    cells = ""
    for svc in services.values():
        with svc.db.read() as conn:
            cells += (
                f" {median_ms(lambda c=conn: c.execute(text('SELECT count(*) FROM contact')).scalar(), runs):10.1f}"
            )
    print(f"  {'count(*)':28s}{cells}")
    for name, svc in services.items():
        baselines(name, svc, runs)
        svc.close()
    print(f"  CLI, whole process (median of {cli_runs}), target: slowest ≤ 1.25× a bare first page")
    for name, target in targets.items():
        ms, params = slowest[name]
        bare = cli_ms(target, {}, cli_runs)
        worst = cli_ms(target, params, cli_runs)
        shown = " ".join(f"{k}={v}" for k, v in params.items()) or "first page"
        print(f"  {name + ':':11s} bare first page {bare:7.0f}  slowest ({shown}) {worst:7.0f}  → {worst / bare:.2f}×")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--cli-runs", type=int, default=5)
    default = "sqlite,postgresql" if pg_kept.available() else "sqlite"
    ap.add_argument("--backends", default=default, help=f"comma-separated (default here: {default})")
    args = ap.parse_args()
    backends = args.backends.split(",")
    with contextlib.ExitStack() as stack:
        database = stack.enter_context(pg_kept.kept_cluster()) if "postgresql" in backends else None
        for size in args.sizes:
            targets = {}
            if "sqlite" in backends:
                targets["sqlite"] = str(build(size))
            if database is not None:
                targets["postgresql"] = build_pg(database, size)
            bench_size(size, targets, args.runs, args.cli_runs)


if __name__ == "__main__":
    main()
