"""Search on PostgreSQL 15: what each design for 1-2 character terms costs (docs/team-search.md).

    python bench/bench_pg_search.py [--sizes 64000,1000000] [--runs 5] [--variants a,b,c]

Starts a throwaway cluster (``pg_cluster``), loads contacts shaped like ours (names from
``gen_contacts_csv``, one row in 2,000 with a rare surname, US phones, some with extensions)
and, per size, times: building each search structure on the loaded table, COPY of 64k rows
into a table carrying it (the cost an import pays per row), and per term the count of matches
and the first page of 50 by created_at DESC (medians of ``--runs`` warm runs, in ms).

Variants for 1-2 character terms (3+ characters and phone digits always use the pg_trgm GIN
indexes of ``backends.pg_search``): (a) a term table (term, contact_pk) with a btree, fed by a
trigger; (b) a text[] column of every character and adjacent pair with a GIN index; (c) no
index: LIKE over ``search_text`` (what ``backends.pg_search`` does).
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_contacts_csv import FIRST, LAST

from parsalink_tui.backends import pg_search
from tests.pg_cluster import start_cluster

RARE_LAST = ("Qvist", "Żukowski", "Ødegård", "Xiong", "ẞtraße")
DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "acme.com", "globex.io", "initech.net", "hooli.xyz")
STAGES = ("new", "contacted", "engaged", "proposal_sent", "negotiation", "customer", "inactive")


@contextlib.contextmanager
def pg_cluster() -> Iterator[str]:
    """A throwaway cluster (``tests/pg_cluster.py``, the one recipe); yields its URL."""
    url, stop = start_cluster(Path(tempfile.mkdtemp(prefix="pgbench-")))
    try:
        yield url
    finally:
        stop()


def contacts(n: int, seed: int = 7) -> Iterator[tuple]:
    rng = random.Random(seed)
    for pk in range(1, n + 1):
        first = rng.choice(FIRST)
        last = rng.choice(RARE_LAST) if rng.random() < 0.0005 else rng.choice(LAST)
        email = f"{first}.{last}{pk}@{rng.choice(DOMAINS)}".lower().replace("'", "")
        phone = f"+1{rng.randint(201, 989)}{rng.randint(2000000, 9999999)}" if rng.random() < 0.8 else None
        if phone and rng.random() < 0.05:
            phone += f";ext={rng.randint(1, 999)}"
        created = f"2025-{1 + pk * 12 // (n + 1):02d}-{1 + pk % 28:02d}T{pk % 24:02d}:00:00.{pk % 1000:03d}Z"
        yield (pk, f"c{pk:08d}", first, last, email, phone, rng.choice(STAGES), created)


BASE = """CREATE TABLE contact (pk bigint PRIMARY KEY, id text NOT NULL UNIQUE, first_name text,
    last_name text, email text NOT NULL, phone text, stage text NOT NULL, created_at text NOT NULL)"""
COLUMNS = "pk, id, first_name, last_name, email, phone, stage, created_at"

SHORT_TERMS_FUNCTION = r"""CREATE OR REPLACE FUNCTION bench_short_terms(t text, d text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN string_to_array(t, NULL)
    || ARRAY(SELECT substr(t, n, 2) FROM generate_series(1, length(t) - 1) n)
    || ARRAY(SELECT E'\n' || substr(d, n, 1) FROM generate_series(1, length(d)) n)
    || ARRAY(SELECT E'\n' || substr(d, n, 2) FROM generate_series(1, length(d) - 1) n)"""
# (a): a term table kept in step by a trigger (phone terms prefixed with a line break, which no
# text term holds).
TERM_TABLE = (
    ("CREATE TABLE contact_term (term text NOT NULL, contact_pk bigint NOT NULL, PRIMARY KEY (term, contact_pk))"),
    """CREATE FUNCTION bench_term_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN DELETE FROM contact_term WHERE contact_pk = OLD.pk; END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO contact_term SELECT DISTINCT u, NEW.pk
        FROM unnest(bench_short_terms(NEW.search_text, coalesce(NEW.search_phone, ''))) u;
    END IF;
    RETURN NULL;
END $$""",
    (
        "CREATE TRIGGER contact_term_sync AFTER INSERT OR DELETE OR UPDATE OF first_name, last_name, email, phone "
        "ON contact FOR EACH ROW EXECUTE FUNCTION bench_term_sync()"
    ),
)
TERM_TABLE_FILL = ("INSERT INTO contact_term SELECT DISTINCT u, pk FROM contact, "
                   "unnest(bench_short_terms(search_text, coalesce(search_phone, ''))) u")  # fmt: skip
ARRAY_COLUMN = (
    (
        "ALTER TABLE contact ADD COLUMN search_short text[] GENERATED ALWAYS AS (bench_short_terms("
        f"{pg_search.SEARCH_TEXT_SQL}, coalesce({pg_search.SEARCH_PHONE_SQL}, ''))) STORED"
    ),
    "CREATE INDEX ix_contact_short ON contact USING gin (search_short)",
)


def short_condition(variant: str, term: str, phone: bool) -> tuple[str, dict]:
    key = ("\n" if phone else "") + (term if phone else pg_search.fold(term))
    if variant == "a":
        return "c.pk IN (SELECT contact_pk FROM contact_term WHERE term = %(search)s)", {"search": key}
    if variant == "b":
        return "c.search_short @> ARRAY[%(search)s]", {"search": key}
    return pg_search.search_condition(term)


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def median_ms(conn, sql: str, params: dict, runs: int) -> tuple[float, object]:
    result = conn.execute(sql, params).fetchall()  # warm
    times = [timed(lambda: conn.execute(sql, params).fetchall()) for _ in range(runs)]
    return statistics.median(times) * 1000, result


def copy_rows(conn, rows: list[tuple]) -> None:
    with conn.cursor().copy(f"COPY contact ({COLUMNS}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)


def setup(conn, variant: str) -> None:
    """The search structures of ``variant`` on an empty or loaded contact table."""
    conn.execute(SHORT_TERMS_FUNCTION)
    conn.execute(pg_search.DDL)
    if variant == "a":
        for ddl in TERM_TABLE[:2]:
            conn.execute(ddl)
    if variant == "b":
        for ddl in ARRAY_COLUMN:
            conn.execute(ddl)


def fresh(conn) -> None:
    conn.execute("DROP TABLE IF EXISTS contact, contact_term CASCADE")
    conn.execute("DROP FUNCTION IF EXISTS bench_term_sync() CASCADE")
    conn.execute(BASE)
    conn.execute("CREATE INDEX ix_contact_created ON contact (created_at, id)")


INSERT_VARIANTS = ("plain", "c", "c-64MB", "b", "b-python", "a-trigger", "a-python")


def insert_cost(conn, rows: list[tuple], runs: int, names: tuple[str, ...]) -> dict[str, float]:
    """Seconds to COPY ``rows`` into an empty contact table carrying each variant: ``c`` the
    generated columns and trigram indexes alone; ``b`` adds the generated text[] column, or
    ``b-python`` a plain one that the COPY fills with terms made in Python; ``a-trigger`` the
    term table fed by its trigger, ``a-python`` by a second COPY; ``-64MB``: GIN pending lists
    of 64 MB (``gin_pending_list_limit``) instead of 4 MB."""
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        for name in names:
            fresh(conn)
            variant = name.split("-")[0]
            if variant != "plain":
                setup(conn, "c" if name.startswith("b-python") else variant)
            if name.startswith("b-python"):
                conn.execute("ALTER TABLE contact ADD COLUMN search_short text[]")
                conn.execute(ARRAY_COLUMN[1])
            if name == "a-trigger":
                conn.execute(TERM_TABLE[2])
            conn.execute(f"SET gin_pending_list_limit = '{'64MB' if name.endswith('64MB') else '4MB'}'")
            conn.commit()
            t0 = time.perf_counter()
            if name.startswith("b-python"):
                with conn.cursor().copy(f"COPY contact ({COLUMNS}, search_short) FROM STDIN") as cp:
                    for row in rows:
                        cp.write_row((*row, list(python_terms(row))))
            else:
                copy_rows(conn, rows)
            if name == "a-python":
                with conn.cursor().copy("COPY contact_term (term, contact_pk) FROM STDIN") as cp:
                    for row in rows:
                        for term in python_terms(row):
                            cp.write_row((term, row[0]))
            conn.commit()
            out.setdefault(name, []).append(time.perf_counter() - t0)
    return {k: statistics.median(v) for k, v in out.items()}


def python_terms(row: tuple) -> set[str]:
    first, last, email, phone = row[2:6]
    text = pg_search.fold(f"{first or ''} {last or ''}".strip(" ") + "\n" + email)
    digits = (phone or "").partition(";")[0].replace("+", "")
    terms = set(text) | {text[i : i + 2] for i in range(len(text) - 1)}
    terms |= {"\n" + ch for ch in digits} | {"\n" + digits[i : i + 2] for i in range(len(digits) - 1)}
    return terms


TERMS = (  # (label, term, phone?)
    ("1 char, common", "a", False),
    ("1 char, rare", "ż", False),
    ("2 chars, common", "an", False),
    ("2 chars, rare", "qv", False),
    ("3+ chars, common", "son", False),
    ("3+ chars, rare", "qvis", False),
    ("1 phone digit", "7", True),
    ("2 phone digits", "55", True),
    ("3+ phone digits, common", "555", True),
    ("3+ phone digits, rare", "2345678", True),
)


def run_size(conn, n: int, runs: int, variants: list[str]) -> None:
    print(f"\n## {n:,} contacts")
    rows = list(contacts(n))
    fresh(conn)
    conn.commit()
    print(f"COPY into the plain table: {timed(lambda: (copy_rows(conn, rows), conn.commit())):.1f} s")
    t = timed(lambda: (setup(conn, "c"), conn.commit()))
    print(f"generated search columns + both trigram GIN indexes on the loaded table: {t:.1f} s")
    results: dict[str, dict[str, tuple[float, float, float, int]]] = {}
    for v in variants:  # c first: measured on the table without the other variants' columns
        if v == "b":
            t = timed(lambda: ([conn.execute(d) for d in ARRAY_COLUMN], conn.commit()))
            print(f"build (b) on the loaded table (generated text[] column + GIN): {t:.1f} s")
        if v == "a":
            conn.execute(TERM_TABLE[0])
            t = timed(lambda: (conn.execute(TERM_TABLE_FILL), conn.commit()))
            print(f"build (a) on the loaded table (term table filled by INSERT … SELECT): {t:.1f} s")
        vacuum(conn)
        print(f"sizes with ({v}):", sizes(conn))
        results[v] = measure(conn, v, runs)
    heads = " | ".join(f"count ({v}) | page ({v}) | sorted ({v})" for v in variants)
    print(f"\n| term | matches | {heads} |")
    print("|---|---:|" + "---:|" * (3 * len(variants)))
    for label, term, phone in TERMS:
        cells = []
        for v in variants:
            *ms, matches = results[v][term]
            trigram = len(term) >= pg_search.TRIGRAM_MIN and v != variants[0]
            cells += ["″"] * 3 if trigram else [f"{x:.1f}" for x in ms]
        print(f"| {label} `{term}` | {matches:,} | {' | '.join(cells)} |")


def vacuum(conn) -> None:
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = False


def sizes(conn) -> str:
    rows = conn.execute(
        "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class WHERE relname IN "
        "('contact', 'contact_term', 'ix_contact_short', 'ix_contact_search_trgm', 'ix_contact_phone_trgm') "
        "ORDER BY relname"
    ).fetchall()
    return ", ".join(f"{a} {b}" for a, b in rows)


PAGE = "ORDER BY c.created_at DESC, c.id DESC LIMIT 50"


def measure(conn, v: str, runs: int) -> dict[str, tuple[float, float, float, int]]:
    """Per term: count, the page as the planner likes it (for a search, mostly walking the
    created_at index), the page with the matches fetched and sorted (an OFFSET 0 fence), matches."""
    out = {}
    for _, term, phone in TERMS:
        if len(term) >= pg_search.TRIGRAM_MIN:
            cond, params = pg_search.search_condition(term)
        else:
            cond, params = short_condition(v, term, phone)
        count_ms, result = median_ms(conn, f"SELECT count(*) FROM contact c WHERE {cond}", params, runs)
        page_ms, _ = median_ms(conn, f"SELECT {COLUMNS} FROM contact c WHERE {cond} {PAGE}", params, runs)
        sort_ms, _ = median_ms(conn, f"SELECT * FROM (SELECT {COLUMNS} FROM contact c WHERE {cond} OFFSET 0) c {PAGE}",
                               params, runs)  # fmt: skip
        out[term] = (count_ms, page_ms, sort_ms, result[0][0])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="64000,1000000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--variants", default="c,b")
    ap.add_argument("--insert-rows", type=int, default=64000)
    ap.add_argument("--insert-variants", default=",".join(INSERT_VARIANTS))
    args = ap.parse_args()
    variants = args.variants.split(",")
    with pg_cluster() as dsn, psycopg.connect(dsn) as conn:
        print(conn.execute("SELECT version()").fetchone()[0])
        conn.execute(pg_search.EXTENSION)
        conn.commit()
        if args.insert_rows:
            rows, names = list(contacts(args.insert_rows, seed=3)), tuple(args.insert_variants.split(","))
            cost = insert_cost(conn, rows, max(1, args.runs // 2), names)
            print(f"\nCOPY of {args.insert_rows:,} rows into an empty table (median s; µs/row over plain):")
            for name, s in cost.items():
                print(f"  {name:10} {s:6.2f} s  +{(s - cost['plain']) / args.insert_rows * 1e6:5.1f} µs/row")
        for n in map(int, args.sizes.split(",")):
            run_size(conn, n, args.runs, variants)


if __name__ == "__main__":
    main()
