"""List/search/count latency at scale (run by hand; not a test).

    python bench/bench_list.py            # 100k and 1M databases under bench/out/
    python bench/bench_list.py --sizes 100000 --runs 7

Builds (once) demo databases with ``parsalink-tui demo`` and times ``Service.list_contacts``
for the queries the issue names, printing the median of several warm runs. As a baseline in
the same process it times the naive way — ``LIKE '%q%'`` over the three columns — for the
search query, and prints the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from parsalink_tui.service import Service

OUT = Path(__file__).resolve().parent / "out"


def build(size: int) -> Path:
    path = OUT / f"list-{size}.db"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "parsalink_tui", "--db", str(path), "demo", "--contacts", str(size), "--seed", "7"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        print(f"built {path.name} in {time.perf_counter() - t0:.1f} s")
    return path


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for size in args.sizes:
        svc = Service.open(build(size))
        user = svc.list_users()[0]["id"]
        cases = {
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
        print(f"\n{size:,} contacts — median of {args.runs} runs (ms), target ≤ {30 if size <= 100_000 else 100} ms")
        for name, params in cases.items():
            ms = median_ms(lambda p=params: svc.list_contacts(**p), args.runs)
            print(f"  {name:28s} {ms:8.1f}")
        with svc.db.read() as conn:
            count_ms = median_ms(lambda: conn.execute(text("SELECT count(*) FROM contact")).scalar(), args.runs)
        print(f"  {'count(*)':28s} {count_ms:8.1f}")
        ours = median_ms(lambda: svc.list_contacts(search="smi"), args.runs)
        base = median_ms(lambda: naive_like(svc, "smi", ("first_name", "last_name", "email")), args.runs)
        print(f"  baseline LIKE '%smi%' scan {base:8.1f}  → trigram search is {base / ours:.0f}× faster")
        # What 1-2 character terms did before contact_short: LIKE over four columns.
        short = median_ms(lambda: svc.list_contacts(search="an"), args.runs)
        base_short = median_ms(lambda: naive_like(svc, "an", ("first_name", "last_name", "email", "phone")), args.runs)
        print(f"  baseline LIKE '%an%' scan  {base_short:8.1f}  → short-term index is {base_short / short:.0f}× faster")
        svc.close()


if __name__ == "__main__":
    main()
