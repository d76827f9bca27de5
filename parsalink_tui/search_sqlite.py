"""Substring search over name, email and phone, SQLite flavour (two FTS5 indexes).

What a query looks for is ``search_terms`` (shared with ``backends.pg_search``, the PostgreSQL
flavour); nothing else knows how search is done. Semantics (docs/listing.md, docs/team-search.md):

- case-insensitive substring of first name, last name, "first last", email or phone;
- a phone-like query (digits with only ``+ - ( ) .`` and spaces) matches the phone's digits
  whatever the punctuation: "(555) 123" finds +15551234567; an extension (";ext=123") is not
  indexed, so its digits find nothing, and a query with one ("555-987-6543 x123", or the stored
  "+15559876543;ext=123") searches its number;
- terms of 3+ characters go to ``contact_fts`` (trigram tokenizer: any 3+ character
  substring); terms of 1–2 characters to ``contact_short``, which indexes every character and
  every pair of adjacent characters (see ``migrations.V2``). Both fold case the same way
  (Unicode, not only ASCII), and neither scans the table.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import chain
from json.encoder import encode_basestring  # the C encoder json.dumps uses: '"' + escaped + '"'
from operator import add
from typing import NamedTuple

from .migrations import SHORT_POSITIONS
from .search_terms import phone_digits, search_term

PHONE_PREFIX = "##"  # contact_short's phone words: "##" + one or two digits


class Match(NamedTuple):
    """An FTS5 table and the MATCH expression that finds a query's contacts in it."""

    table: str
    expr: str

    def rowids(self, param: str = "fts") -> str:
        """A subquery of the matching contact pks (the tables' rowids are contact pks)."""
        return f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH :{param}"

    def index(self, param: str = "fts") -> tuple[str, str, str]:
        """(table, its contact-pk column, condition): counting the matches from the index alone."""
        return self.table, "rowid", f"{self.table} MATCH :{param}"

    def has_row(self, pk: str, param: str = "fts") -> str:
        """A condition true when contact ``pk`` matches, probing the index for that one row."""
        return f"EXISTS (SELECT 1 FROM {self.table} WHERE {self.table} MATCH :{param} AND rowid = {pk})"


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def search_match(query: str) -> Match | None:
    """Where and how to find ``query`` (see ``search_terms``); None for nothing to search for."""
    term = search_term(query)
    if term is None:
        return None
    if term.phone:
        if len(term.text) >= 3:
            return Match("contact_fts", "phone : " + _quote(term.text))
        return Match("contact_short", _quote(PHONE_PREFIX + term.text))
    if len(term.text) >= 3:
        return Match("contact_fts", "{name email phone} : " + _quote(term.text))
    return Match("contact_short", _quote(term.text))


def short_grams(first: str | None, last: str | None, email: str | None, phone: str | None) -> str:
    """The text ``contact_short`` indexes for one contact: :func:`short_words` joined by spaces."""
    return " ".join(short_words(first, last, email, phone))


def short_grams_json(first: str | None, last: str | None, email: str | None, phone: str | None) -> str:
    """:func:`short_grams` as a JSON string literal (an import batch's words are joined into a
    JSON array of these in the writer, so encoding them is done where the rows are validated)."""
    return encode_basestring(short_grams(first, last, email, phone))


def short_words(first: str | None, last: str | None, email: str | None, phone: str | None) -> set[str]:
    """The words ``contact_short`` indexes for one contact: exactly the set of distinct words
    the triggers' SQL makes (``migrations.short_words_sql``), which matters: deleting a
    contact from the contentless index must name each word as often as it was indexed.

    Every character, and every pair of adjacent characters, of the first :data:`SHORT_POSITIONS`
    positions of each field. An import makes these for every row (~70 words a contact), so the
    words of names and of email domains, which repeat, are cached.
    """
    words: set[str] = set()
    if first:
        words |= _words_of(first)
    if last:
        words |= _words_of(last)
    if email:
        local, at, domain = email.rpartition("@")
        if local and len(email) <= SHORT_POSITIONS:  # its words: the local part's, the domain's (with
            words.update(local)  # the "@"), and the pair that joins them
            words.update(map(add, local, local[1:]))
            words.add(local[-1] + "@")
            words |= _words_of(at + domain)
        else:
            words |= _words_of.__wrapped__(email)
    if phone:
        digits = phone_digits(phone)
        head = digits[:SHORT_POSITIONS]
        words.update(map(PHONE_PREFIX.__add__, set(head)))
        words.update(map(PHONE_PREFIX.__add__, set(map(add, head, digits[1 : SHORT_POSITIONS + 1]))))
    return words


@lru_cache(maxsize=8192)
def _words_of(text: str) -> frozenset[str]:
    """The characters and adjacent pairs of ``text``'s first SHORT_POSITIONS positions."""
    head = text[:SHORT_POSITIONS]
    return frozenset(chain(head, map(add, head, text[1 : SHORT_POSITIONS + 1])))
