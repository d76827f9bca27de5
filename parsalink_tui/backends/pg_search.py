"""Substring search over name, email and phone, PostgreSQL flavour (``pg_trgm``).

The same answers as ``search_sqlite`` (the rule: ``search_terms`` and docs/team-search.md):

- ``contact.search_text``: first name + " " + last name (trimmed of spaces, as SQLite's
  ``trim``), a line break, the email — folded as SQLite's FTS5 folds (``text_fold``; the SQL
  function :data:`FOLD_FUNCTION` and Python's :func:`~.text_fold.fold` use the one table). A text
  term (never holding a line break) is found in it by ``LIKE`` exactly when it is a substring of
  the name, "first last" or the email.
- ``contact.search_phone``: the phone's digits, as SQLite indexes them (no "+", no extension).
- Both are generated columns (``STORED``): PostgreSQL keeps them in step on every INSERT,
  UPDATE and COPY, so no trigger or write path can forget them, and DELETE needs nothing.
- A GIN ``gin_trgm_ops`` index on each serves terms of 3+ characters; terms of 1–2 characters
  read the same columns without an index (measured: bench/bench_pg_search.py, docs/team-search.md).

``pg_trgm`` must be installed in the database (``CREATE EXTENSION pg_trgm``, once, by a role
allowed to): :func:`install` tries and otherwise says what to run; then :data:`DDL`.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..search_terms import search_term
from .text_fold import fold, fold_pairs

TRIGRAM_MIN = 3  # pg_trgm finds a term in its index when it has a trigram: 3+ characters


FOLD_BLOCK = 128  # characters per translate(): its cost grows with the length of its list


def _fold_function() -> str:
    """PL/pgSQL for :func:`~.text_fold.fold`. ASCII text (most names and emails) is lower()
    under "C", which folds A-Z only, as FTS5. Otherwise, when a character FTS5 folds is there
    (one regular expression, compiled once per session), translate() each block of the table
    that has one: translate() compares every character with its whole list, so one list of
    1,031 cost 0.3-0.5 ms a row; blocks of 128 keep a row with a capital "Ø" or "Σ" at ~12 µs.
    Folding twice changes nothing (every fold is its own fold), so the blocks' order is free."""
    pairs = sorted(fold_pairs())
    assert not any("'" in a + b for a, b in pairs)
    every = "".join(a for a, _ in pairs)
    steps = []
    for i in range(0, len(pairs), FOLD_BLOCK):
        block = pairs[i : i + FOLD_BLOCK]
        source, target = "".join(a for a, _ in block), "".join(b for _, b in block)
        steps.append(f"        IF x ~ '[{source}]' THEN x := translate(x, '{source}', '{target}'); END IF;")
    body = "\n".join(steps)
    return f"""CREATE OR REPLACE FUNCTION parsalink_search_fold(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fold$
DECLARE x text := lower(t COLLATE "C");
BEGIN
    IF octet_length(x) = char_length(x) OR x !~ '[{every}]' THEN
        RETURN x;
    END IF;
{body}
    RETURN x;
END $fold$"""


FOLD_FUNCTION = _fold_function()

# What search reads of a contact (generated columns; add them to the contact table).
SEARCH_TEXT_SQL = (
    "parsalink_search_fold(btrim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''), ' ') || E'\\n' || email)"
)
SEARCH_PHONE_SQL = "replace(split_part(phone, ';', 1), '+', '')"

EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
TRIGRAM_INDEXES = ("ix_contact_search_trgm", "ix_contact_phone_trgm")

# The search part of the schema, one script for the contact table (first_name, last_name, email,
# phone): run it in the schema's transaction after :func:`install` (which turns a missing
# extension into a clear message; once pg_trgm is there, IF NOT EXISTS needs no privilege).
DDL = (
    ";\n".join((
        EXTENSION,
        FOLD_FUNCTION,
        f"ALTER TABLE contact ADD COLUMN search_text text GENERATED ALWAYS AS ({SEARCH_TEXT_SQL}) STORED",
        f"ALTER TABLE contact ADD COLUMN search_phone text GENERATED ALWAYS AS ({SEARCH_PHONE_SQL}) STORED",
        f"CREATE INDEX {TRIGRAM_INDEXES[0]} ON contact USING gin (search_text gin_trgm_ops)",
        f"CREATE INDEX {TRIGRAM_INDEXES[1]} ON contact USING gin (search_phone gin_trgm_ops)",
    ))
    + ";\n"
)  # fmt: skip


class MissingExtension(Exception):
    """pg_trgm is not installed and this role may not install it."""


def install(conn: Any) -> None:
    """Make sure pg_trgm is in the database (psycopg connection; in the caller's transaction, or
    its own in autocommit). Without it and without the right to create it, a one-line
    :class:`MissingExtension` naming what an administrator must run."""
    import psycopg

    have = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()
    if have is None:
        try:
            with conn.transaction():  # a savepoint inside the caller's transaction, else its own
                conn.execute(EXTENSION)
        except psycopg.Error as exc:  # InsufficientPrivilege, or contrib (pg_trgm) not installed
            raise MissingExtension(
                "search needs PostgreSQL's pg_trgm extension: as a database owner or superuser run "
                f"CREATE EXTENSION pg_trgm; ({type(exc).__name__})"
            ) from None


def like_pattern(text: str) -> str:
    """``%text%`` for LIKE (backslash is the escape), with ``%``, ``_`` and ``\\`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class PgMatch(NamedTuple):
    """How PostgreSQL finds a query's contacts: ``test`` of ``column`` against ``expr`` (the
    ``:fts`` parameter listing binds). The methods are ``search_sqlite.Match``'s, for listing."""

    column: str  # search_text or search_phone
    test: str  # "like" (3+ characters: the trigram index), "scan" (1-2: no index), "none"
    expr: str

    def on(self, row: str, placeholder: str) -> str:
        """The condition on contact row ``row`` (an alias, or "" for bare columns)."""
        column = f"{row}.{self.column}" if row else self.column
        if self.test == "like":
            return f"{column} LIKE {placeholder}"
        if self.test == "scan":
            # COLLATE "C": the same test (LIKE compares characters exactly), but not in the
            # index's collation, so the planner cannot pick a scan of the whole trigram index
            # (it cannot serve 1-2 characters; at 1M it took 800 ms against 130-300 ms for the
            # table). Unlike strpos (a fixed guess of a third of the rows), LIKE's selectivity
            # comes from the column's statistics, so a rare term's page is found by a scan and
            # a sort, not by walking the created_at index through every contact.
            return f'{column} COLLATE "C" LIKE {placeholder}'

        return "FALSE"

    def rowids(self, param: str = "fts") -> str:
        """A subquery of the matching contact pks."""
        return f"SELECT s.pk FROM contact s WHERE {self.on('s', ':' + param)}"

    def member(self, pk: str, param: str = "fts") -> str:
        """``pk`` among the matches: on that row's own columns (``has_row``), never ``pk IN
        (SELECT … FROM contact …)``. The set of matches is the contact table itself, so the
        subquery only made the planner build it whole (a bitmap over every match, each row
        rechecked) before the other filters cut it down: at 1M, stage + tag + ``son`` counted
        in 290 ms that way and in 92 ms with the condition on the row, which lets the trigram
        and stage indexes be combined (BitmapAnd)."""
        return self.has_row(pk, param)

    def index(self, param: str = "fts") -> tuple[str, str, str]:
        """(table, its contact-pk column, condition) to count the matches."""
        return "contact", "pk", self.on("", ":" + param)

    def has_row(self, pk: str, param: str = "fts") -> str:
        """A condition true when contact ``pk`` matches: on that row's own columns."""
        row, dot, column = pk.rpartition(".")
        if dot and column == "pk":
            return self.on(row, ":" + param)
        return f"EXISTS (SELECT 1 FROM contact s WHERE s.pk = {pk} AND {self.on('s', ':' + param)})"


def search_match(query: str) -> PgMatch | None:
    """What SQLite's search matches for ``query``, as a :class:`PgMatch`; None for no filter."""
    term = search_term(query)
    if term is None:
        return None
    column = "search_phone" if term.phone else "search_text"
    text = term.text if term.phone else fold(_unicode61_term(term.text))
    if not text:
        return PgMatch(column, "none", "")
    if len(text) >= TRIGRAM_MIN:
        return PgMatch(column, "like", like_pattern(text))
    return PgMatch(column, "scan", like_pattern(text))


def search_condition(query: str, alias: str = "c", param: str = "search") -> tuple[str, dict[str, str]] | None:
    """:func:`search_match` as a WHERE condition over contact ``alias`` and its parameters, in
    psycopg's named style (``%(search)s``); None when the query has nothing to search for."""
    match = search_match(query)
    if match is None:
        return None
    return match.on(alias, f"%({param})s"), ({param: match.expr} if match.test != "none" else {})


# unicode61 separators that str.split() keeps (SQLite's Unicode data is older than Python's:
# U+180E MONGOLIAN VOWEL SEPARATOR was a space). SQLite's 1-2 character terms are tokenized
# by unicode61, so there one is dropped from the term; 3+ character terms keep it (trigram).
_UNICODE61_SEPARATORS = "\u180e"


def _unicode61_term(text: str) -> str:
    if len(text) >= TRIGRAM_MIN or not any(ch in _UNICODE61_SEPARATORS for ch in text):
        return text
    return "".join(ch for ch in text if ch not in _UNICODE61_SEPARATORS)


# ---------------------------------------------------------------- bulk writers (import jobs)
# A row inserted into a GIN index goes to the index's pending list; the writer that takes the
# list past gin_pending_list_limit (4 MB by default) merges it into the index, in its own
# statement. A bigger list for the job's transactions makes those merges rarer and bigger, so
# cheaper per row; the job merges what it left once at its end, so a search does not read a
# long list (docs/team.md, "Speed" / "Imports").
BULK_PENDING_LIST = "SET LOCAL gin_pending_list_limit = '64MB'"


def clean_pending_lists(conn: Any) -> None:
    """Merge the trigram indexes' pending lists into the indexes (SQLAlchemy Connection, in its
    transaction). PostgreSQL lets only the indexes' owner (or a superuser) do it."""
    for index in TRIGRAM_INDEXES:
        conn.exec_driver_sql(f"SELECT gin_clean_pending_list('{index}'::regclass)")
