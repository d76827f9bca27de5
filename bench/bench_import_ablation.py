"""What the import would cost without each index it maintains (measure-only; issue 14).

    python bench/bench_import_ablation.py [--runs 3] [--variants shipped,no-short,...]

Times the validated import of both 10 MB bench files (``bench/gen_contacts_csv.py [--intl]``)
through the real job path, as ``bench_import.py`` does (a fresh process and database per import;
``Service.start_import`` + ``work_imports`` until the job is complete), in these variants:

* ``shipped``: as shipped;
* ``no-short``: without the short-term index: ``contact_short`` and its triggers dropped, the
  writer's statement for it a no-op, and the validation process not making the words
  (``rows.short_grams_json`` replaced in that process by a function returning an empty string);
* ``no-list``: without the seven non-unique contact indexes (``ix_contact_*``);
* ``no-trigram``: without the trigram index: ``contact_fts`` and its triggers dropped, the
  writer's statement for it a no-op;
* ``none``: all three dropped: the table, its pk and its two unique indexes (``id``,
  ``email_key``: table constraints) remain.

Nothing in parsalink_tui changes: each variant is applied inside the bench's child process
(module attributes patched, schema objects dropped on the fresh database before the import).
Every round runs ``sqlite-utils insert --csv`` of each file once and every variant on it, the
variants in a rotating order; it prints, per file and variant, the medians of wall time (until
the job is complete), its ratio to sqlite-utils' median (run before and after the round's
variants), the CPU of each process and of both against sqlite-utils' (the whole command's), and
"busier": the CPU of the busier process against sqlite-utils' CPU, what the wall ratio would
approach on two free cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_import
from gen_contacts_csv import DEFAULT_OUT, INTL_OUT, generate, generate_intl

LIST_INDEXES = ("ix_contact_created", "ix_contact_updated", "ix_contact_stage_created", "ix_contact_assigned_created",
                "ix_contact_last_name", "ix_contact_stage_rank", "ix_contact_job")  # fmt: skip
SHORT, TRIGRAM, LIST = "short", "trigram", "list"
VARIANTS: dict[str, frozenset[str]] = {
    "shipped": frozenset(),
    "no-short": frozenset({SHORT}),
    "no-list": frozenset({LIST}),
    "no-trigram": frozenset({TRIGRAM}),
    "none": frozenset({SHORT, TRIGRAM, LIST}),
}
# The validation process's code with the short-term words replaced (no JSON string to make).
_NO_WORDS = "import parsalink_tui.importing.rows as r; r.short_grams_json = lambda *a: '\"\"'; "


def _drop_search(service: Any, table: str) -> None:
    """Drops the FTS5 table ``table`` and its triggers; the job's code stops writing to it."""
    from parsalink_tui.importing import bulk_sqlite, search_merge

    with service.db.write() as conn:
        conn.exec_driver_sql(f"DROP TRIGGER {table}_ai")
        conn.exec_driver_sql(f"DROP TRIGGER {table}_au")
        conn.exec_driver_sql(f"DROP TRIGGER {table}_ad")
        conn.exec_driver_sql(f"DROP TABLE {table}")
    search_merge.SEARCH_TABLES = tuple(name for name in search_merge.SEARCH_TABLES if name != table)
    if table == "contact_fts":
        bulk_sqlite._TRIGRAM_RANGE = "SELECT ?, ?"
    else:
        bulk_sqlite._SHORT_RANGE = "SELECT ?1, ?2"


def _no_short_words() -> None:
    """The short-term words not made, in this process and in the validation process it starts."""
    from parsalink_tui.importing import rows, validate_process, writer

    rows.short_grams_json = writer.short_grams_json = lambda *args: '""'
    marker = "from parsalink_tui.importing.validate_process import child_main"
    assert marker in validate_process._CHILD_CODE
    validate_process._CHILD_CODE = validate_process._CHILD_CODE.replace(marker, _NO_WORDS + marker)


def prepare(dropped: frozenset[str]):  # type: ignore[no-untyped-def]
    def apply(service: Any) -> None:
        if SHORT in dropped:
            _drop_search(service, "contact_short")
            _no_short_words()
        if TRIGRAM in dropped:
            _drop_search(service, "contact_fts")
        if LIST in dropped:
            with service.db.write() as conn:
                for name in LIST_INDEXES:
                    conn.exec_driver_sql(f"DROP INDEX {name}")

    return apply


def job_cpu(result: dict) -> float:
    """CPU of both processes until the job is complete (the checkpoint after it left out, as
    bench_import.report does)."""
    return result["cpu_self"] + result["cpu_children"] - (result["worker_done"] - result["seconds"])


def busier(result: dict) -> float:
    """CPU of the busier of the two processes until the job is complete: with two free cores the
    import takes at least that long (the other runs alongside)."""
    return max(result["cpu_self"] - (result["worker_done"] - result["seconds"]), result["cpu_children"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of: " + ", ".join(VARIANTS))
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        bench_import.child(*args.child, prepare=prepare(VARIANTS[args.variant]))
        return
    variants = args.variants.split(",")
    if unknown := set(variants) - set(VARIANTS):
        parser.error(f"unknown variant(s): {', '.join(sorted(unknown))}")
    bench_import.OUT.mkdir(exist_ok=True)
    files = {"bench": DEFAULT_OUT, "intl": INTL_OUT}
    for name, path in files.items():
        if not path.exists():
            rows, size = (generate_intl if name == "intl" else generate)(path)
            print(f"generated {path}: {rows:,} rows, {size:,} bytes")
    print(f"{args.runs} rounds; {os.cpu_count()} CPUs; load average {_load()}")
    imports: dict[tuple[str, str], list[dict]] = {(f, v): [] for f in files for v in variants}
    plain: dict[str, list[tuple[float, float]]] = {f: [] for f in files}
    loads = [os.getloadavg()[0]]
    for n in range(args.runs):
        first = n % len(variants)
        order = variants[first:] + variants[:first]  # rotated: no variant always first
        for name, path in files.items():
            plain[name].append(bench_import.run_sqlite_utils(path))
            cells = [f"sqlite-utils {plain[name][-1][0]:.2f} s"]
            for variant in order:
                got = bench_import.run_import(path, script=__file__, options=("--variant", variant))
                imports[name, variant].append(got)
                cells.append(f"{variant} {got['seconds']:.2f} s (CPU {job_cpu(got):.2f})")
            plain[name].append(bench_import.run_sqlite_utils(path))  # before and after: the round's load
            cells.append(f"sqlite-utils {plain[name][-1][0]:.2f} s")
            loads.append(os.getloadavg()[0])
            print(f"  round {n + 1} {name}: " + ", ".join(cells), flush=True)
    for name in files:
        wall = statistics.median(w for w, _ in plain[name])
        cpu = statistics.median(c for _, c in plain[name])
        print(f"\n== {name}: sqlite-utils median {wall:.2f} s, CPU {cpu:.2f} s")
        print(f"  {'variant':12s} {'wall':>7s} {'ratio':>6s} {'import CPU':>10s} {'valid. CPU':>10s} {'both':>6s} "
              f"{'CPU ratio':>9s} {'busier':>7s}")  # fmt: skip
        for variant in variants:
            got = imports[name, variant]
            assert len({r["created"] for r in got}) == 1, "every variant imports the same contacts"
            seconds = statistics.median(r["seconds"] for r in got)
            both = statistics.median(job_cpu(r) for r in got)
            print(f"  {variant:12s} {seconds:6.2f}s {seconds / wall:5.2f}x "
                  f"{statistics.median(r['cpu_self'] - (r['worker_done'] - r['seconds']) for r in got):9.2f}s "
                  f"{statistics.median(r['cpu_children'] for r in got):9.2f}s {both:5.2f}s {both / cpu:8.2f}x "
                  f"{statistics.median(busier(r) for r in got) / cpu:6.2f}x")  # fmt: skip
    print(f"\nload average (1 min) over the rounds: {min(loads):.2f}-{max(loads):.2f}; at the end: {_load()}")


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
