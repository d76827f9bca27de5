"""What a search query looks for, whatever the database: one rule for every backend.

A query (controls already stripped and whitespace collapsed by ``listing.make_filters``) is
either a phone query — digits with only ``+ - ( ) .`` and spaces, optionally followed by an
extension after a number of 6+ digits ("555-987-6543 x123", the stored "+15559876543;ext=123"),
which is dropped — looking for its digits in the phone's digits (:func:`phone_digits`); or a text
query, looked for as written (case folded) in the first name, the last name, "first last" and
the email. ``search_sqlite`` and ``backends.pg_search`` turn a :class:`SearchTerm` into their
index's condition. The full rule: docs/listing.md and docs/team-search.md.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_PHONE_LIKE = re.compile(r"^[\d\s+\-().]+$")
# A phone-like number followed by an extension, as typed or as stored: "555-987-6543 x123",
# "+15559876543;ext=123". The number part is searched; extensions are not indexed.
_MIN_NUMBER_DIGITS = 6  # fewer, and "12x3" is more likely part of a name or an address
_WITH_EXTENSION = re.compile(r"^([\d\s+\-().]*\d[\s.]*?)\s*(?:;\s*ext\s*=|ext\.?|x|#)\s*\d+$", re.IGNORECASE)


#: Columns a backend keeps on ``contact`` only for search, derived from the others by the
#: database (PostgreSQL's generated columns, ``backends.pg_search``): never copied, restored or shown.
DERIVED_COLUMNS = frozenset({"search_text", "search_phone"})


class SearchTerm(NamedTuple):
    """What to look for: ``text`` in the phone's digits (``phone``) or in names and email."""

    phone: bool
    text: str


def normalize_query(query: str) -> str:
    return " ".join(query.split())


def search_term(query: str) -> SearchTerm | None:
    """What ``query`` looks for; None for a query with nothing to search for."""
    term = normalize_query(query)
    if not term:
        return None
    number = _WITH_EXTENSION.match(term)
    if number is not None and sum(ch.isdigit() for ch in number.group(1)) >= _MIN_NUMBER_DIGITS:
        term = number.group(1).strip()
    digits = "".join(ch for ch in term if ch.isdigit())
    if digits and _PHONE_LIKE.match(term):
        return SearchTerm(True, digits)
    return SearchTerm(False, term)


def phone_digits(phone: str) -> str:
    """The digits search indexes of a stored phone: the number's, without the "+" and without an
    extension ("+15559876543;ext=123" → "15559876543"), as ``migrations.phone_digits_sql``.
    An extension's digits are not searchable: "123" would otherwise find every desk 123."""
    return phone.partition(";")[0].replace("+", "")
