"""One- and two-character search (the contact_short index): exact substring answers, the same
words whether the triggers' SQL or the import's Python made them, and an index that follows
every change."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from parsalink_tui.migrations import SHORT_POSITIONS, SHORT_TOKENIZER, short_grams_sql, short_words_sql
from parsalink_tui.search_sqlite import search_match, short_grams, short_words

PEOPLE = [
    ("Nicky", "Øster", "nicky.o@example.com", "+15551234567"),
    ("Zoë", "McKay", "zoe+crm@mckay.example", None),
    ("Li", None, "li@x.io", "+442079460958"),
    (None, "O'Neil", "o.neil@example.org", "+12025550143"),
    ("Émile", "Zola", "emile@example.com", None),
    ("A", "B", "ab@cd.ef", "+33142685300"),
    ("Mary Ann", "de la Cruz", "maryann_dlc@example.net", "+5511987654321"),
]


def create_people(service, people) -> dict[str, str]:
    """Create (first, last, email, phone) contacts through the service; their ids by email."""
    ids = {}
    for first, last, email, phone in people:
        body = {"email": email, "phone": phone}
        if first:
            body["firstName"] = first
        if last:
            body["lastName"] = last
        ids[email] = service.create_contact(body)["id"]
    return ids


@pytest.fixture
def crowd(service):
    return create_people(service, PEOPLE)


def truth(term: str, people=PEOPLE) -> set[str]:
    """Emails of the contacts a term should find: case-insensitive substring of a name or the
    email, or, for a phone-like term, of the phone's digits."""
    match = search_match(term)
    assert match is not None
    if match.expr.startswith('"##'):
        digits = "".join(ch for ch in term if ch.isdigit())
        return {e for _, _, e, p in people if p and digits in p.replace("+", "")}
    t = term.lower()
    return {e for f, la, e, _ in people if any(t in (v or "").lower() for v in (f, la, e))}


def found(service, term: str) -> set[str]:
    result = service.list_contacts(search=term, limit=100)
    assert result["count"] == len(result["results"])
    return {r["email"] for r in result["results"]}


def every_short_term() -> list[str]:
    terms: set[str] = set()
    for values in PEOPLE:
        for v in values:
            if v:
                v = v.lower()
                terms.update(v)
                terms.update(v[i : i + 2] for i in range(len(v) - 1))
    return sorted(t for t in terms if t.strip() == t and t)


def test_every_one_and_two_character_term_finds_exactly_its_contacts(service, crowd):
    terms = every_short_term()
    assert len(terms) > 150
    for term in terms:
        assert found(service, term) == truth(term), term


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("ky", {"nicky.o@example.com"}),
        ("KA", {"zoe+crm@mckay.example"}),
        ("ø", {"nicky.o@example.com"}),  # Unicode case folding: Ø
        ("ë", {"zoe+crm@mckay.example"}),
        ("'n", {"o.neil@example.org"}),
        ("+", {"zoe+crm@mckay.example"}),  # not the phones' "+": phones match by digits
        ("55", {"nicky.o@example.com", "o.neil@example.org", "maryann_dlc@example.net"}),
        ("(2", {"nicky.o@example.com", "li@x.io", "o.neil@example.org", "ab@cd.ef", "maryann_dlc@example.net"}),
        ("qz", set()),
        ('"', set()),
        ("_d", {"maryann_dlc@example.net"}),
        ("%", set()),
    ],
)
def test_short_terms(service, crowd, term, expected):
    assert found(service, term) == expected


def test_short_search_combines_with_filters_and_pages(service, crowd):
    service.update_contact(crowd["li@x.io"], {"stage": "engaged"})
    assert found(service, "li") == {"li@x.io"}
    assert service.list_contacts(search="e", stage="engaged")["count"] == 0
    assert service.list_contacts(search="i", stage="engaged")["count"] == 1
    everyone = service.list_contacts(search="e", limit=2)
    assert everyone["count"] == len(truth("e")) and len(everyone["results"]) == 2
    assert service.stage_counts(search="i")["engaged"] == 1


def test_the_index_follows_updates_deletes_and_restores(service, crowd):
    nicky = crowd["nicky.o@example.com"]
    service.update_contact(nicky, {"firstName": "Bob", "email": "bob.o@example.com", "phone": "+12025550199"})
    assert found(service, "ky") == set()
    assert "bob.o@example.com" in found(service, "bo")
    assert "bob.o@example.com" in found(service, "99")
    snapshot = service.delete_contact(nicky)
    assert "bob.o@example.com" not in found(service, "bo")
    service.restore_contact(snapshot)
    assert "bob.o@example.com" in found(service, "bo")
    for cid in crowd.values():
        service.delete_contact(cid)
    assert found(service, "e") == set() and found(service, "55") == set()


@pytest.mark.parametrize("plan", ["sort-matches", "walk-index", "walk-and-probe"])
def test_every_page_plan_gives_the_same_answer(service, crowd, monkeypatch, plan):
    monkeypatch.setattr("parsalink_tui.listing.WALK_BUDGET", 0 if plan == "sort-matches" else 10**9)
    monkeypatch.setattr("parsalink_tui.listing.PROBE_COST", 0 if plan == "walk-and-probe" else 10**12)
    for term in ("e", "ex", "55", "ky", "smi", "555"):
        pages = [service.list_contacts(search=term, limit=2, page=1)]
        while pages[-1]["next"]:  # every page to the last (one past it is an error)
            pages.append(service.list_contacts(search=term, limit=2, page=len(pages) + 1))
        emails = [r["email"] for p in pages for r in p["results"]]
        assert len(emails) == len(set(emails)) == pages[0]["count"], term
        assert set(emails) == found(service, term)


# -- the SQL (triggers) and the Python (imports) make the same words ---------------------------

# Stored text never holds control characters (they are stripped on the way in).
_chars = st.characters(blacklist_categories=("Cc", "Cs"))
_text = st.one_of(st.none(), st.text(_chars, max_size=12))
_phone = st.one_of(st.none(), st.from_regex(r"\+?[0-9]{2,15}(;ext=[0-9]{1,20})?", fullmatch=True))


def _sql_words(conn: sqlite3.Connection, first, last, email, phone) -> list[str]:
    return [row[0] for row in conn.execute(short_words_sql("?1", "?2", "?3", "?4"), (first, last, email, phone))]


@pytest.fixture(scope="module")
def positions():
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE search_position (n INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO search_position VALUES (?)", [(n,) for n in range(1, SHORT_POSITIONS + 1)])
    yield conn
    conn.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=_text, last=_text, email=st.text(_chars, min_size=1, max_size=20), phone=_phone)
def test_python_words_are_the_sql_words(positions, first, last, email, phone):
    sql = _sql_words(positions, first, last, email, phone)
    assert len(sql) == len(set(sql))  # distinct: each word indexed once
    assert sorted(sql) == sorted(short_words(first, last, email, phone))


def test_long_fields_are_cut_at_the_same_place(positions):
    long = "ab" * 200 + "XY"
    sql = _sql_words(positions, long, None, "q" * 300 + "Z", "+" + "1" * 300)
    python = short_words(long, None, "q" * 300 + "Z", "+" + "1" * 300)
    assert set(sql) == python and "XY" not in python and "Y" not in python


def test_words_made_in_python_delete_cleanly_through_the_sql_trigger(positions):
    """Thousands of contacts indexed with Python's words, deleted with the triggers' SQL words:
    a count that differed would raise "database disk image is malformed" (as it did when the
    SQL repeated words)."""
    conn = positions
    conn.execute(f"CREATE VIRTUAL TABLE temp.t USING fts5(g, content='', detail=none, columnsize=0, tokenize=\"{SHORT_TOKENIZER}\")")
    people = [(f"Kk{n}", f"Øø{n % 7}", f"P{n}@Ex{n}.example", f"+1555{n:07d}") for n in range(2000)]
    with conn:
        conn.executemany("INSERT INTO temp.t(rowid, g) VALUES (?, ?)", [(n, short_grams(*p)) for n, p in enumerate(people, 1)])
    with conn:
        for n, p in enumerate(people, 1):
            conn.execute(f"INSERT INTO temp.t(t, rowid, g) SELECT 'delete', ?1, {short_grams_sql('?2', '?3', '?4', '?5')}", (n, *p))
    conn.execute("INSERT INTO temp.t(t) VALUES ('integrity-check')")
    assert conn.execute("SELECT count(*) FROM temp.t WHERE t MATCH 'k'").fetchone() == (0,)
    conn.execute("DROP TABLE temp.t")


def test_imported_contacts_are_found_and_leave_no_words_behind(service, tmp_path):
    rows = ["First Name,Last Name,Email,Phone"]
    rows += [f"Ky{n},Øster{n % 7},person{n}@ex{n % 3}.example,+1555{n:07d}" for n in range(300)]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    body = service.start_import(path, run=False)
    service.work_imports()
    assert service.get_import_job(body["uid"])["successCount"] == 300
    assert service.list_contacts(search="ky")["count"] == 300
    assert service.list_contacts(search="ø")["count"] == 300
    assert service.list_contacts(search="x2")["count"] == 100  # ex2.example
    assert service.list_contacts(search="99")["count"] == len([n for n in range(300) if "99" in f"1555{n:07d}"])
    with service.db.write() as conn:  # the trigger's SQL words must delete exactly what the import's Python indexed
        conn.execute(text("DELETE FROM contact"))
        conn.execute(text("INSERT INTO contact_short(contact_short) VALUES ('optimize')"))
    raw = sqlite3.connect(service.db.path)
    try:
        raw.execute("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, contact_short, row)")
        left = raw.execute("SELECT term, doc FROM temp.v WHERE doc > 0").fetchall()
    finally:
        raw.close()
    assert left == []
