"""1-2 character search terms on PostgreSQL: where the time goes, and what cheaper-to-import
designs would give (docs/team-search.md, "Short terms at 1M"; issue 13).

    python bench/bench_pg_short.py                     # list_1000000 of the kept cluster, 64k-row COPY
    python bench/bench_pg_short.py --size 100000 --runs 7 --insert-rows 0

Counts, on the demo database ``list_N`` of the cluster kept in ``bench/out/pg`` (built by
``bench/bench_list.py`` when missing; the index and table made here are dropped at the end),
the contacts matching each 1-2 character term of bench_list.py by each way of finding them,
interleaved run by run (the machine is shared: A/B in one loop), medians in ms, with the load
average before and after:

- ``scan``: today's condition (``pg_search``: ``column COLLATE "C" LIKE '%t%'``), the plan
  PostgreSQL picks (a parallel scan of the contact heap);
- ``scan-1``: the same without parallel workers;
- ``strpos``: ``strpos(column, t) > 0`` instead of the LIKE (what pg_search had before);
- ``heap``: ``count(*)`` by a parallel scan of the contact heap with no test (reading the rows);
- ``deform``: the same with ``column IS NULL`` (reading the rows and reaching the late search
  column: every column before it is walked; no string test);
- ``narrow``: a covering btree ``(pk) INCLUDE (search_text, search_phone)`` scanned index-only
  (``enable_seqscan``/``enable_bitmapscan`` off: the planner prefers the heap scan), the LIKE
  evaluated on the index tuple;
- ``bits``: a lower bound for a per-row signature: a side table's covering btree ``(pk)
  INCLUDE (sig)``, ``sig`` a bigint with one bit per letter a-z and digit of ``search_text``
  and per digit of ``search_phone``, scanned index-only with ``sig & m = m``. Exact for 1
  character; for 2 it is only the prefilter (both characters present), with no recheck (the
  same prefilter with the LIKE on each passing contact row is timed after the table);
- ``floor``: ``count(*)`` over the primary key index (21 MB at 1M): visiting every contact once
  in the narrowest index there is, with no test at all.

Then (``--insert-rows``) the cost a COPY pays per row for the structures above, in a throwaway
cluster, as bench_pg_search.py measures it: the contact table with the generated search
columns and trigram indexes (c), plus the narrow btree, plus a generated ``sig`` column
(a PL/pgSQL function of the folded text: 46 ``strpos``), alone and with its btree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_list
import bench_pg_search as bps
import pg_kept

from parsalink_tui.backends.pg_search import SEARCH_PHONE_SQL, SEARCH_TEXT_SQL, search_match

TERMS = ("a", "an", "ky", "qv", "ż", "7", "55")
VARIANTS = ("scan", "scan-1", "strpos", "heap", "deform", "narrow", "bits", "floor")
NARROW = "CREATE INDEX IF NOT EXISTS ix_bench_short ON contact (pk) INCLUDE (search_text, search_phone)"


def bit(ch: str, phone: bool) -> int | None:
    """The signature bit of one folded character: a-z 0-25, text digits 26-35, phone digits 36-45."""
    if phone:
        return 36 + int(ch)
    if "a" <= ch <= "z":
        return ord(ch) - ord("a")
    if "0" <= ch <= "9":
        return 26 + int(ch)
    return None


def sig_sql(text: str, phone: str) -> str:
    """The signature as one SQL expression over two columns (strpos per character: no subquery,
    so it may be a generated column)."""
    parts = [f"((strpos({text}, '{chr(97 + i)}') > 0)::int::int8 << {i})" for i in range(26)]
    parts += [f"((strpos({text}, '{d}') > 0)::int::int8 << {26 + d})" for d in range(10)]
    parts += [f"((strpos(coalesce({phone}, ''), '{d}') > 0)::int::int8 << {36 + d})" for d in range(10)]
    return "(" + " | ".join(parts) + ")"  # each part in parentheses: << and | bind alike


# For a generated column (which may not read another generated column): a function of the folded
# text and the phone digits, so that the fold runs once a row.
SIG_FUNCTION = f"""CREATE OR REPLACE FUNCTION bench_sig(t text, d text) RETURNS int8
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$ BEGIN RETURN {sig_sql("t", "d")}; END $$"""
SIG_COLUMN = f"ALTER TABLE contact ADD COLUMN sig int8 GENERATED ALWAYS AS (bench_sig({SEARCH_TEXT_SQL}, {SEARCH_PHONE_SQL})) STORED"


def prepare(conn) -> None:
    conn.execute(NARROW)
    if conn.execute("SELECT to_regclass('bench_sig') IS NULL").fetchone()[0]:
        conn.execute(
            f"CREATE TABLE bench_sig AS SELECT pk, {sig_sql('search_text', 'search_phone')} AS sig FROM contact"
        )
        conn.execute("CREATE INDEX ix_bench_sig ON bench_sig (pk) INCLUDE (sig)")
    conn.execute("VACUUM ANALYZE contact")
    conn.execute("VACUUM ANALYZE bench_sig")


def query(variant: str, term: str) -> tuple[str, dict, tuple[str, ...]]:
    """(count SQL, params, SET statements) of one variant for one term."""
    m = search_match(term)
    params = {"p": m.expr}
    cond = m.on("c", "%(p)s")
    hint = ("SET enable_seqscan = off", "SET enable_bitmapscan = off")
    if variant == "scan":
        return f"SELECT count(*) FROM contact c WHERE {cond}", params, ()
    if variant == "scan-1":
        return f"SELECT count(*) FROM contact c WHERE {cond}", params, ("SET max_parallel_workers_per_gather = 0",)
    if variant == "strpos":
        return f"SELECT count(*) FROM contact c WHERE strpos({m.column}, %(t)s) > 0", {"t": term_text(m)}, ()
    noindex = ("SET enable_indexonlyscan = off", "SET enable_indexscan = off", "SET enable_bitmapscan = off")
    if variant == "heap":
        return "SELECT count(*) FROM contact c", {}, noindex
    if variant == "deform":
        return f"SELECT count(*) FROM contact c WHERE {m.column} IS NULL", {}, noindex
    if variant == "narrow":
        return f"SELECT count(*) FROM contact c WHERE {cond}", params, hint
    if variant == "bits":
        bits = [bit(ch, m.column == "search_phone") for ch in m.expr.strip("%")]
        mask = sum(1 << b for b in set(bits) if b is not None)
        return "SELECT count(*) FROM bench_sig WHERE sig & %(m)s = %(m)s", {"m": mask}, hint
    return "SELECT count(*) FROM contact", {}, ()


def term_text(m) -> str:
    """The term as the LIKE pattern holds it, unescaped (none of bench's terms needs escaping)."""
    return m.expr[1:-1]


def timed_ms(conn, variant: str, term: str) -> tuple[float, int]:
    sql, params, sets = query(variant, term)
    conn.execute("RESET ALL")
    for s in sets:
        conn.execute(s)
    t0 = time.perf_counter()
    n = conn.execute(sql, params).fetchone()[0]
    return (time.perf_counter() - t0) * 1000, n


def plan_of(conn, variant: str, term: str) -> str:
    sql, params, sets = query(variant, term)
    conn.execute("RESET ALL")
    for s in sets:
        conn.execute(s)
    lines = [r[0] for r in conn.execute("EXPLAIN " + sql, params)]
    return next((line.strip().removeprefix("->  ").split("  (")[0] for line in lines if "Scan" in line), lines[0])


def recheck(conn, term: str, runs: int) -> tuple[float, int]:
    """A 2-character text term by the signature as a prefilter (both characters present), each
    passing row's LIKE read from the contact heap: the exact count a signature could give."""
    m = search_match(term)
    mask = sum(1 << b for b in {bit(ch, False) for ch in term})
    sql = ("SELECT count(*) FROM bench_sig s JOIN contact c ON c.pk = s.pk WHERE s.sig & %(m)s = %(m)s "
           f"AND {m.on('c', '%(p)s')}")  # fmt: skip
    conn.execute("RESET ALL")
    n = conn.execute(sql, {"m": mask, "p": m.expr}).fetchone()[0]
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn.execute(sql, {"m": mask, "p": m.expr}).fetchone()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), n


def counts(url: str, runs: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        prepare(conn)
        try:
            measure(conn, runs)
        finally:  # the kept database as bench_list.py built it (the extra index could change its plans)
            conn.execute("RESET ALL")
            conn.execute("DROP INDEX IF EXISTS ix_bench_short")
            conn.execute("DROP TABLE IF EXISTS bench_sig")


def measure(conn, runs: int) -> None:
    sizes = conn.execute(
        "SELECT string_agg(relname || ' ' || pg_size_pretty(pg_relation_size(oid)), ', ' ORDER BY relname) "
        "FROM pg_class WHERE relname IN ('contact', 'contact_pkey', 'ix_bench_short', 'ix_bench_sig')"
    ).fetchone()[0]
    print(sizes)
    for v in VARIANTS:
        print(f"  {v:7s} {plan_of(conn, v, 'an')}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times: dict[tuple[str, str], list[float]] = {}
    found: dict[tuple[str, str], int] = {}
    for term in TERMS:
        for v in VARIANTS:
            timed_ms(conn, v, term)  # warm
    for _ in range(runs):
        for term in TERMS:
            for v in VARIANTS:
                ms, n = timed_ms(conn, v, term)
                times.setdefault((term, v), []).append(ms)
                found[term, v] = n
    rechecked = {term: recheck(conn, term, runs) for term in TERMS if len(term) == 2 and not term.isdigit()}
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for term, (ms, n) in rechecked.items():
        print(f"`{term}` by the `bits` prefilter, then the LIKE on the contact row: {ms:.1f} ms ({n:,} matches)")
    print(f"\n| term | matches | {' | '.join(VARIANTS)} | rows passing `bits` |")
    print("|---|---:|" + "---:|" * len(VARIANTS) + "---:|")
    for term in TERMS:
        cells = " | ".join(f"{statistics.median(times[term, v]):.1f}" for v in VARIANTS)
        print(f"| `{term}` | {found[term, 'scan']:,} | {cells} | {found[term, 'bits']:,} |")


def insert_cost(rows: int, runs: int) -> None:
    """µs per COPY'd row of each structure, over the plain table (bench_pg_search's recipe)."""
    data = list(bps.contacts(rows, seed=3))
    extra = {
        "c": (),
        "c+narrow": ("CREATE INDEX ix_bench_short ON contact (pk) INCLUDE (search_text, search_phone)",),
        "c+sig": (SIG_FUNCTION, SIG_COLUMN),
        "c+sig+btree": (SIG_FUNCTION, SIG_COLUMN, "CREATE INDEX ix_bench_sig ON contact (pk) INCLUDE (sig)"),
    }
    with bps.pg_cluster() as dsn, psycopg.connect(dsn) as conn:
        conn.execute(bps.pg_search.EXTENSION)
        conn.commit()
        out: dict[str, list[float]] = {}
        for _ in range(runs):
            for name in ("plain", *extra):
                bps.fresh(conn)
                if name != "plain":
                    bps.setup(conn, "c")
                    for ddl in extra[name]:
                        conn.execute(ddl)
                conn.commit()
                t0 = time.perf_counter()
                bps.copy_rows(conn, data)
                conn.commit()
                out.setdefault(name, []).append(time.perf_counter() - t0)
    plain = statistics.median(out["plain"])
    print(f"\nCOPY of {rows:,} rows into an empty table, medians of {runs} (load {os.getloadavg()[0]:.2f}):")
    for name, secs in out.items():
        s = statistics.median(secs)
        print(f"  {name:11s} {s:6.2f} s  +{(s - plain) / rows * 1e6:5.1f} µs/row over plain")
    c = statistics.median(out["c"])
    for name in ("c+narrow", "c+sig", "c+sig+btree"):
        print(f"  {name} over c: +{(statistics.median(out[name]) - c) / rows * 1e6:.1f} µs/row")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--insert-rows", type=int, default=64_000)
    ap.add_argument("--insert-runs", type=int, default=3)
    args = ap.parse_args()
    if args.size:
        with pg_kept.kept_cluster() as database:
            counts(bench_list.build_pg(database, args.size), args.runs)
    if args.insert_rows:
        insert_cost(args.insert_rows, args.insert_runs)


if __name__ == "__main__":
    main()
