"""Substring search over name, email and phone, SQLite flavour (FTS5 trigram, LIKE fallback).

A PostgreSQL backend would swap this module for one using ``pg_trgm``; nothing else knows how
search is done. Semantics (documented in the README):

- case-insensitive substring of first name, last name, "first last", email or phone;
- a phone-like query (digits with only ``+ - ( ) .`` and spaces) matches the phone's digits
  whatever the punctuation: "(555) 123" finds +15551234567;
- trigram needs 3+ characters; shorter terms fall back to ``LIKE`` on the table (a scan).
"""

from __future__ import annotations

import re

_PHONE_LIKE = re.compile(r"^[\d\s+\-().]+$")


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def normalize_query(query: str) -> str:
    return " ".join(query.split())


def fts_match(query: str) -> str | None:
    """The FTS5 MATCH expression for ``query``, or None when the trigram index cannot serve it."""
    term = normalize_query(query)
    digits = "".join(ch for ch in term if ch.isdigit())
    if digits and _PHONE_LIKE.match(term):
        return "phone : " + _quote(digits) if len(digits) >= 3 else None
    return "{name email phone} : " + _quote(term) if len(term) >= 3 else None


def like_condition(query: str, params: dict[str, object]) -> str:
    """A scanning WHERE fragment over alias ``c`` for terms too short for the trigram index."""
    term = normalize_query(query)
    digits = "".join(ch for ch in term if ch.isdigit())
    if digits and _PHONE_LIKE.match(term):
        params["like"] = _like(digits)
        return "c.phone LIKE :like ESCAPE '\\'"
    params["like"] = _like(term)
    # Terms this short hold no space (queries are stripped), so "first last" adds nothing here.
    return (
        "(c.first_name LIKE :like ESCAPE '\\' OR c.last_name LIKE :like ESCAPE '\\' "
        "OR c.email LIKE :like ESCAPE '\\' OR c.phone LIKE :like ESCAPE '\\')"
    )


FTS_ROWIDS = "SELECT rowid FROM contact_fts WHERE contact_fts MATCH :fts"
