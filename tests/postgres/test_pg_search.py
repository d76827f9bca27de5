"""Search on PostgreSQL finds exactly what search on SQLite finds (backends.pg_search).

The SQLite side is the real app: contacts created through ``Service`` and searched with
``Service.list_contacts(search=…)``. The same stored rows are copied into a PostgreSQL table
carrying ``pg_search``'s DDL and searched with its condition; the two sets of ids must be equal
for every term of a list chosen to hit each part of the rule (case folding beyond ASCII, accents
kept, phone digits and extensions, 1/2/3+ characters, LIKE wildcards, quotes, separators).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from parsalink_tui.backends import pg_search
from parsalink_tui.backends.text_fold import fold
from tests import pg_cluster as cluster
from tests.test_search_short import PEOPLE as SHORT_SEARCH_PEOPLE
from tests.test_search_short import create_people

psycopg = pytest.importorskip("psycopg")


@pytest.fixture(scope="module")
def pg(pg_cluster: str) -> str:
    """A database of its own in the session's cluster (tests/conftest.py), owned by the test role."""
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute("CREATE DATABASE pgsearch")
    return pg_cluster.replace("@/parsalink?", "@/pgsearch?", 1)


# (first, last, email, phone) as typed; the app normalizes them (NFC, E.164 phones).
PEOPLE = [
    *SHORT_SEARCH_PEOPLE,  # tests/test_search_short.py's, and:
    ("Emile", "Zoła", "emile.z@example.com", "555-987-6543 x123"),
    ("Jörg", "STRAẞE", "jorg@strasse.example", "+4930123456"),
    ("Jan", "Straße", "jan@example.de", None),
    ("Σωκράτης", "ΠΑΠΑΣ", "sokrates@example.gr", None),
    ("İlker", "Işık", "sahin@example.com.tr", None),
    ("ilker", "isik", "ilker2@example.com.tr", None),
    ("Kelvin", "Kanal", "k@example.com", None),  # the Kelvin sign, NFC makes it K
    ("Percent", "100% Sure", "pct@example.com", None),
    ("Under", "Score_Man", "under_score@example.com", None),
    ("Back", "Slash\\Man", "back@example.com", None),
    ("Quote", 'Say "Hi"', "quote@example.com", None),
    ("Emoji", "😀 Smile", "emoji@example.com", None),
    ("Coder", "👩‍💻", "dev@example.com", None),
    ("Micro", "µ-Scale", "micro@example.com", None),
    ("ǅemal", "Ǉubić", "dz@example.com", None),
    ("Ꭰa", "Cherokee", "chr@example.com", None),
    ("Long", "Shſ", "ls@example.com", None),
    ("Twelve", "Digits9090", "d9090@example.com", "+14155550123;ext=77"),
]

TERMS = [
    # 1 and 2 characters (SQLite: contact_short), in several cases and scripts
    "a", "A", "ø", "Ø", "é", "e", "É", "ë", "ß", "ẞ", "s", "ss", "σ", "Σ", "ς", "İ", "i", "ı", "I",
    "k", "K", "µ", "μ", "ǆ", "ǅ", "Ǆ", "ꭰ", "Ꭰ", "ſ", "S", "ł", "Ł", "%", "_", "\\", "'", '"', "+",
    "@", ".", "-", "😀", "👩", "\u200d", "ab", "AB", "Ab", "b a", "n ", "zo", "ZO", "l\u180e", "\u180e",
    "%a", "a%", "_a", "e_", "\\m", "'n", "''", '"h', "😀 ", "@e",
    # digits: phone-like queries look in the phone's digits only, 1 and 2 digits in contact_short
    "1", "5", "12", "55", "77", "0", "123", "555", "(555) 123", "+1 555", "555.987", "555-987-6543 x123",
    "+15559876543;ext=123", "+14155550123;ext=77", "x123", "ext=77", "١٢٣", "²",
    # 3+ characters (SQLite: contact_fts trigram)
    "straße", "STRASSE", "strasse", "STRAẞE", "σωκ", "ΣΩΚ", "παπας", "ΠΑΠΑΣ", "παπασ", "İlk", "ilk", "işı",
    "IŞI", "kel", "KEL", "µ-s", "μ-s", "ǅem", "ǆem", "dže", "ꭰa", "Ꭰa", "shſ", "shs", "100%", "0% s",
    "%%%", "e_m", "e_c", "score_", "h\\m", "\\ma", 'say "', '"hi"', "o'n", "O'NEIL", "😀 s", "👩‍💻",
    "mary ann", "ann de", "y a", "ry a", "nicky øster", "nicky ø", "y ø", "cky", "ÉMILE", "émile", "emile",
    "zoë", "ZOË", "zoe", "zoła", "ZOŁA", "zola", "@example.c", ".com.tr", "@EXAMPLE.COM", "mckay.exa",
    "...", "---", "()", "a\u180eb", "zzz", "nicky@", "digits9090", "s90", "9090",
]  # fmt: skip


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory):
    """The contacts created through the app on SQLite: (Service, stored rows)."""
    from parsalink_tui.service import Service

    svc = Service.open(tmp_path_factory.mktemp("sqlite") / "search.db")
    create_people(svc, PEOPLE)
    yield svc, [tuple(r) for r in _rows(svc)]
    svc.close()


def _rows(svc) -> list[tuple]:
    from sqlalchemy import text

    with svc.db.read() as conn:
        return conn.execute(text("SELECT pk, id, first_name, last_name, email, phone FROM contact")).all()


def _make_table(conn) -> None:
    conn.execute("DROP TABLE IF EXISTS contact")
    conn.execute(
        "CREATE TABLE contact (pk bigint PRIMARY KEY, id text NOT NULL UNIQUE, first_name text, "
        "last_name text, email text NOT NULL, phone text)"
    )
    pg_search.install(conn)
    conn.execute(pg_search.DDL)


@pytest.fixture(scope="module")
def pg_conn(pg: str, stored):
    _, rows = stored
    with psycopg.connect(pg) as conn:
        _make_table(conn)
        with conn.cursor().copy("COPY contact (pk, id, first_name, last_name, email, phone) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        conn.commit()
        conn.autocommit = True  # reads only from here: no transaction left open between tests
        yield conn


def sqlite_ids(svc, term: str) -> set[str]:
    """Every contact the SQLite app's list finds for ``term`` (all pages)."""
    ids: set[str] = set()
    page = 1
    while True:
        listed = svc.list_contacts(search=term, limit=100, page=page)
        ids |= {c["id"] for c in listed["results"]}
        if listed["next"] is None:
            return ids
        page += 1


def pg_ids(conn, term: str) -> set[str]:
    from parsalink_tui.listing import make_filters

    query = make_filters(search=term).search  # the filter's own cleaning, as listing passes it on
    found = pg_search.search_condition(query) if query else None
    if found is None:
        return {r[0] for r in conn.execute("SELECT id FROM contact")}
    condition, params = found
    return {r[0] for r in conn.execute(f"SELECT c.id FROM contact c WHERE {condition}", params)}


@pytest.mark.parametrize("term", TERMS)
def test_postgres_finds_what_sqlite_finds(stored, pg_conn, term: str) -> None:
    svc, _ = stored
    assert pg_ids(pg_conn, term) == sqlite_ids(svc, term)


def test_the_terms_tell_rules_apart(stored) -> None:
    """Guards the list above: it holds terms that SQLite answers differently from a plain
    lower()/ILIKE or an accent-blind search, so a wrong rule cannot pass by luck."""
    svc, _ = stored
    ids = {term: sqlite_ids(svc, term) for term in TERMS}
    assert ids["ẞ"] == ids["ß"] and ids["ß"]  # capital sharp s folds
    assert ids["ς"] == ids["σ"] and ids["σ"]  # final sigma folds to sigma (lower() leaves it)
    assert ids["İlk"] and ids["ilk"] and ids["İlk"].isdisjoint(ids["ilk"])  # İ not folded (lower(): i̇)
    assert ids["é"] < ids["e"] and ids["zola"] and ids["zoła"] and ids["zola"] != ids["zoła"]  # accents kept
    assert not ids["9090"] and ids["digits9090"] and ids["123"]  # digits look in phones only
    assert not ids["77"]  # an extension's digits are not searched
    assert len(ids["%"]) == 1 and len(ids["_"]) == 2 and not ids["%%%"]  # wildcards are literal
    assert ids["ſ"] == ids["s"] and ids["µ"] == ids["μ"] and ids["μ"]
    assert ids["ꭰa"] != ids["Ꭰa"]  # Cherokee is not folded


def test_update_and_delete_keep_postgres_search_in_step(pg: str, stored) -> None:
    _, rows = stored
    with psycopg.connect(pg, autocommit=True) as owner:
        owner.execute("CREATE DATABASE pgsearch_edits")
    with psycopg.connect(pg.replace("/pgsearch?", "/pgsearch_edits?")) as conn:
        _make_table(conn)
        with conn.cursor().copy("COPY contact (pk, id, first_name, last_name, email, phone) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        jan = conn.execute("SELECT id FROM contact WHERE email = 'jan@example.de'").fetchone()[0]
        assert pg_ids(conn, "straße") >= {jan}
        conn.execute("UPDATE contact SET last_name = 'Ωmega', phone = '+19995550000;ext=42' WHERE id = %s", (jan,))
        assert jan not in pg_ids(conn, "straße")
        assert pg_ids(conn, "ωme") == {jan} and pg_ids(conn, "ΩME") == {jan}
        assert pg_ids(conn, "999") == {jan} and jan not in pg_ids(conn, "42")
        conn.execute("DELETE FROM contact WHERE id = %s", (jan,))
        assert pg_ids(conn, "ωme") == set()
        conn.rollback()


def test_fold_table_is_sqlites() -> None:
    """text_fold's table is what SQLite's FTS5 tokenizers do, for every code point."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
    con.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    points = [cp for cp in range(1, 0x110000) if not 0xD800 <= cp <= 0xDFFF]
    con.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", ((cp, f"a{chr(cp)}a") for cp in points))
    sqlite_fold = {doc: term[1] for term, doc in con.execute("SELECT term, doc FROM v")}
    assert len(sqlite_fold) == len(points)
    assert {cp: f for cp, f in sqlite_fold.items() if f != chr(cp)} == {
        cp: fold(chr(cp)) for cp in points if fold(chr(cp)) != chr(cp)
    }


def test_postgres_fold_function_is_the_table(pg_conn) -> None:
    """The SQL function folds every code point (and mixed text) as text_fold.fold does."""
    chunks = ["".join(chr(cp) for cp in range(lo, min(lo + 4096, 0x110000)) if not 0xD800 <= cp <= 0xDFFF)
              for lo in range(1, 0x110000, 4096)]  # fmt: skip
    chunks += ["Straẞe ΣΟΦΊΑ İlker", "plain ascii MIXED", "ÀB" * 50, "x" + "Ꭰ" * 3]
    got = pg_conn.execute("SELECT parsalink_search_fold(s) FROM unnest(%s::text[]) WITH ORDINALITY u(s, n) "
                          "ORDER BY n", (chunks,)).fetchall()  # fmt: skip
    assert [r[0] for r in got] == [fold(c) for c in chunks]


def test_without_the_extension_and_the_right_to_create_it_a_clear_error(pg: str) -> None:
    admin = cluster.admin_url(pg)
    with psycopg.connect(admin, autocommit=True) as su:
        su.execute("CREATE DATABASE pgsearch_no_trgm")
        su.execute("CREATE ROLE clerk LOGIN PASSWORD 'x'")
    host = psycopg.conninfo.conninfo_to_dict(pg)["host"]
    try:
        with psycopg.connect(cluster.socket_url(Path(host), "clerk", "pgsearch_no_trgm", "x")) as conn:
            with pytest.raises(pg_search.MissingExtension, match=r"CREATE EXTENSION pg_trgm"):
                pg_search.install(conn)
            assert conn.execute("SELECT 1").fetchone() == (1,)  # the transaction is still usable
    finally:
        with psycopg.connect(admin, autocommit=True) as su:
            su.execute("DROP DATABASE pgsearch_no_trgm")
            su.execute("DROP ROLE clerk")


@pytest.mark.parametrize(
    ("text", "pattern"),
    [("100%", "%100\\%%"), ("a_b", "%a\\_b%"), ("c:\\x", "%c:\\\\x%"), ("plain", "%plain%")],
)
def test_like_pattern_takes_wildcards_literally(text: str, pattern: str) -> None:
    assert pg_search.like_pattern(text) == pattern


POOL = "aAbBeEéÉèßẞsSσΣςİiIıøØkKµμǅǆ%_\\'\" -.😀👩‍💻Ꭰꭰ"


def test_random_names_and_terms_agree(pg: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Many random contacts and terms (substrings of what is stored, their case changed), seeded:
    PostgreSQL and the SQLite app find the same ids for every one."""
    import random

    from parsalink_tui.service import Service

    rng = random.Random(20261203)
    word = lambda n: "".join(rng.choice(POOL) for _ in range(n)).strip() or "x"
    people = [
        (word(rng.randint(1, 8)), word(rng.randint(1, 8)), f"p{n}.{rng.choice(['ab', 'Ab', 'zz'])}@ex{n % 7}.com",
         rng.choice([None, f"+1415555{n:04d}", f"+1415555{n:04d};ext={rng.randint(1, 99)}"]))
        for n in range(150)
    ]  # fmt: skip
    svc = Service.open(tmp_path_factory.mktemp("random") / "random.db")  # 150: lists of 2 pages
    try:
        create_people(svc, people)
        rows = [tuple(r) for r in _rows(svc)]
        with psycopg.connect(pg, autocommit=True) as owner:
            owner.execute("CREATE DATABASE pgsearch_random")
        with psycopg.connect(pg.replace("/pgsearch?", "/pgsearch_random?"), autocommit=True) as conn:
            _make_table(conn)
            with conn.cursor().copy("COPY contact (pk, id, first_name, last_name, email, phone) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            fields = [f for _, _, first, last, email, phone in rows
                      for f in (first, last, f"{first} {last}", email, phone) if f]  # fmt: skip
            terms = []
            for _ in range(400):
                source = rng.choice(fields)
                start = rng.randrange(len(source))
                term = source[start : start + rng.randint(1, 5)]
                terms.append("".join(ch.upper() if rng.random() < 0.3 else ch for ch in term))
            terms += [word(rng.randint(1, 4)) for _ in range(100)]
            wrong = [t for t in terms if pg_ids(conn, t) != sqlite_ids(svc, t)]
            assert wrong == []
            assert sum(1 for t in terms[:50] if sqlite_ids(svc, t)) > 25  # the terms do find contacts
    finally:
        svc.close()


def emails(svc, **filters) -> set[str]:
    """The emails of every contact the app lists with ``filters`` (all pages)."""
    found: set[str] = set()
    page = 1
    while True:
        listed = svc.list_contacts(limit=100, page=page, **filters)
        found |= {c["email"] for c in listed["results"]}
        if listed["next"] is None:
            return found
        page += 1


def test_the_app_on_postgres_lists_what_it_lists_on_sqlite(stored, pg_url: str) -> None:
    """End to end: the same contacts created through the app on each database; every term's
    list (count, every page) and stage counts are the same."""
    from parsalink_tui.backends.postgres import open_postgres
    from parsalink_tui.service import Service

    lite, _ = stored
    svc = Service(open_postgres(pg_url))
    try:
        create_people(svc, PEOPLE)
        for term in TERMS:
            assert (term, emails(svc, search=term)) == (term, emails(lite, search=term))
            assert svc.stage_counts(search=term) == lite.stage_counts(search=term)
    finally:
        svc.close()
