"""Exact fast paths in front of email-validator and phonenumbers.

An import of ~70k rows must validate in well under a second, but the libraries cost tens of
microseconds a call (email-validator ~30-60 µs, phonenumbers.parse ~15-40 µs). Caching whole
values does not help: addresses and numbers are nearly all distinct. What repeats is structure:

* Email: the domain part. For a local part that is a plain ASCII dot-atom, the library's verdict
  on ``local@domain`` is fully determined by its verdict on the domain (checked once per domain
  through the library itself, as ``a@domain``), plus three length sums and the RFC 2142 role-name
  lowercasing. An internationalised local part ("björn.müller") that is NFC and passes the
  library's own character check is kept as written, its length counted in UTF-8 bytes.
  Everything else (quotes, display names, other non-ASCII local parts, no "@") goes to the
  library unchanged.
* Phone: plain shapes — an optional leading "+", ASCII digits and `` ().-`` separators — where
  ``parse`` reduces to "country code + national significant number" and ``is_possible_number``
  is a lookup of that number's length in the country's metadata, whatever the region. A
  national prefix ("030 …" in DE, "(02) …" in AU, "+44 (0)20 …") is stripped by parse's own two
  steps (the library's prefix stripping, then its length rule for keeping the prefix), and
  leading zeros that are no prefix stay, as parse keeps them. International prefixes ("00 44 …"),
  a country code glued to a national number (except NANP's "1" + 10 digits), extensions and
  letters go to the library.

Both paths are checked against the libraries by ``tests/test_validation.py`` (upstream test
vectors, every country calling code and region, and generated inputs) and
``tests/test_validation_intl.py`` (both bench files, plain shapes in every region by Hypothesis). This module imports both
libraries (~0.17 s), so :mod:`parsalink_tui.validation` imports it only when first needed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from re import Pattern
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, EmailSyntaxError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    DOT_ATOM_TEXT_INTL,
    EMAIL_MAX_LENGTH,
)
from email_validator.syntax import check_unsafe_chars
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumber, PhoneNumberFormat
from phonenumbers.phonenumberutil import (
    COUNTRY_CODE_TO_REGION_CODE,
    SUPPORTED_REGIONS,
    ValidationResult,
    _test_number_length,
)
from phonenumbers.phonenumberutil import (
    _maybe_strip_national_prefix_carrier_code as _strip_national_prefix,
)

# ---------------------------------------------------------------- email

# RFC 2142 role mailboxes the library lowercases ("Info@" → "info@").
_ROLE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=8192)
def _library_email(address: str) -> str | None:
    """The library's normalized form of ``address``, or None if it refuses it."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@lru_cache(maxsize=8192)
def _domain_verdict(domain_part: str) -> tuple[str, int] | None:
    """The library's verdict on a domain part: (normalized domain, length budget) or None.

    Asked through the public API with the shortest possible local part, "a". A refusal then
    holds for every local part: the domain checks do not look at the local part, and the length
    limits only get harder with a longer one. The budget is the longest of the three forms the
    library length-checks (input, normalized, IDNA ASCII), in UTF-8 bytes, minus the "a@".
    """
    try:
        checked = validate_email("a@" + domain_part, check_deliverability=False)
    except EmailNotValidError:
        return None
    longest = max(
        len(domain_part.encode("utf-8")),
        len(checked.domain.encode("utf-8")),
        len(checked.ascii_domain),
    )
    return checked.domain, longest


def email_normalized(address: str) -> str | None:
    """What ``validate_email(address, check_deliverability=False).normalized`` gives, or None.

    ``address`` must already be stripped (the library assumes so too).
    """
    local, at, domain_part = address.partition("@")
    # DOT_ATOM_TEXT is the library's own first test of a local part; it is ASCII-only, so the
    # local part needs no Unicode normalization and cannot start a quoted string or display name.
    if not at:
        return _library_email(address)
    if DOT_ATOM_TEXT.match(local) is None:
        if local.isascii() or not _plain_intl_local(local):
            return _library_email(address)
        size = len(local.encode("utf-8"))
    else:
        size = len(local)
        if local.lower() in _ROLE_MAILBOXES:
            local = local.lower()
    verdict = _domain_verdict(domain_part)
    if verdict is None:
        return None
    domain, longest = verdict
    if size + 1 + longest > EMAIL_MAX_LENGTH:
        return None
    return local + "@" + domain


def _plain_intl_local(local: str) -> bool:
    """An internationalised local part ("björn.müller") the library takes as written.

    The library's steps for an unquoted local part that is not ASCII dot-atom: its
    internationalised dot-atom pattern, its check of each character's Unicode category
    (called here), UTF-8 encodability, then NFC normalization (here: already NFC, which
    every stored text is). Such a local part is kept as is, needs SMTPUTF8, so has no ASCII
    form and no role-name lowercasing, and its length counts in UTF-8 bytes.
    """
    if DOT_ATOM_TEXT_INTL.match(local) is None or not unicodedata.is_normalized("NFC", local):
        return False
    try:
        check_unsafe_chars(local)
        local.encode("utf-8")
    except (EmailSyntaxError, UnicodeEncodeError):
        return False
    return True


# ---------------------------------------------------------------- phone

# A leading "+" (group 1), then only digits and the separators every format uses. parse() drops
# these separators; none of them can start an extension ("x", "#", ";", ",", "~", "ext", ...),
# a second number ("/ x"), an RFC 3966 "tel:" form, or a vanity number (letters).
_PLAIN_PHONE = re.compile(r"(\+?)[0-9 ().\-]+")
_MAX_PLAIN_LENGTH = 64  # far below parse()'s 250-character cut-off
_MIN_NSN, _MAX_NSN = 2, 17  # parse() refuses national significant numbers outside this range
_COUNTRY_CODES = {str(code): code for code in COUNTRY_CODE_TO_REGION_CODE}


@lru_cache(maxsize=8192)
def _library_phone(value: str, region: str | None) -> str | None:
    """The library's verdict: the stored form when parse() succeeds and the number is possible, else None."""
    try:
        number = phonenumbers.parse(value, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return stored_phone(number)


def stored_phone(number: PhoneNumber) -> str:
    """The stored form: E.164, then the extension as RFC 3966 writes it, in ASCII digits
    ("+15559876543;ext=123"). parse() reads that form back to the same number and extension."""
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    if number.extension:
        return f"{e164};ext={phonenumbers.normalize_digits_only(number.extension)}"
    return e164


@lru_cache(maxsize=None)
def _is_possible_length(country_code: int, length: int) -> bool:
    """is_possible_number() for a national significant number of this length (leading zeros count).

    The library's check is length-only (it compares the length with the country's possible and
    local-only lengths), so one library call per (country, length) answers for all numbers.
    """
    sample = PhoneNumber(country_code=country_code, national_number=int("9" * length))
    return bool(phonenumbers.is_possible_number(sample))


@lru_cache(maxsize=None)
def _country_metadata(country_code: int) -> PhoneMetadata | None:
    """The metadata parse() uses once a "+" number's country code is known (its main region's)."""
    region = phonenumbers.region_code_for_country_code(country_code)
    return PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)


@lru_cache(maxsize=256)  # region comes from callers; keep it bounded
def _region_rules(
    region: str,
) -> tuple[int, str, Pattern[str] | None, Pattern[str] | None, bool, PhoneMetadata] | None:
    """(country code, as text, IDD pattern, national prefix pattern, 11 digits too long, metadata)."""
    if region not in SUPPORTED_REGIONS:
        return None
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return None
    general = metadata.general_desc
    eleven_too_long = 11 not in general.possible_length_local_only and 11 > max(
        general.possible_length
    )
    return (
        metadata.country_code,
        str(metadata.country_code),
        _compile(metadata.international_prefix),
        _compile(metadata.national_prefix_for_parsing),
        eleven_too_long,
        metadata,
    )


@lru_cache(maxsize=512)
def _compile(pattern: str | None) -> Pattern[str] | None:
    return re.compile(pattern) if pattern else None


# parse() keeps the national prefix when the number without it has one of these lengths.
_KEEP_PREFIX = (ValidationResult.TOO_SHORT, ValidationResult.IS_POSSIBLE_LOCAL_ONLY, ValidationResult.INVALID_LENGTH)


def _plain_number(country_code: int, nsn: str, metadata: PhoneMetadata | None) -> str | None | Literal[False]:
    """E.164 / None (not possible) for the digits after the country code (or, without "+", all
    of them) that parse() reads with ``metadata``; False when parse() would refuse their length.

    A national prefix ("0" in "030 1234567" for DE, "1" in NANP, patterns with carrier codes and
    transform rules elsewhere) is stripped as parse() does, by parse()'s own two steps: the
    library's prefix stripping, then keeping the prefix when the rest has a length that is too
    short or local-only for ``metadata``. Leading zeros that are not a national prefix stay
    ("Italian leading zeros": "+39 06 …", "030 …" in US): parse() keeps them in the national
    significant number, E.164 writes them, and the possible-length check counts them.
    """
    if not _MIN_NSN <= len(nsn) <= _MAX_NSN:
        return False
    if metadata is not None:
        prefix = _compile(metadata.national_prefix_for_parsing)
        if prefix is not None and prefix.match(nsn):
            stripped = _strip_national_prefix(nsn, metadata)[1]
            if _test_number_length(stripped, metadata) not in _KEEP_PREFIX:
                nsn = stripped
                if not _MIN_NSN <= len(nsn) <= _MAX_NSN:
                    return False
    if not _is_possible_length(country_code, len(nsn)):
        return None
    return f"+{country_code}{nsn}"


def _fast_phone(value: str, region: str | None) -> str | None | Literal[False]:
    """The library's verdict for a plain-shaped number, or False when the shape is not plain.

    Follows parse(): a "+" means a country code comes next; otherwise the region's
    international prefix ("00", "011"…, checked before anything else, so "0…" is safe past it),
    then the region's own country code glued to the front, then its national prefix could each
    rewrite the digits, so any of them sends the value to the library
    (except NANP's "1" + 10 digits, which parse() always reads as country code + number).
    """
    if len(value) > _MAX_PLAIN_LENGTH:
        return False
    shape = _PLAIN_PHONE.fullmatch(value)
    if shape is None:
        return False
    # Chained replace() is ~2x faster than translate() or re.sub() on strings this short.
    digits = (
        value.replace(" ", "").replace("-", "").replace(".", "")
        .replace("(", "").replace(")", "").replace("+", "")
    )
    if len(digits) < 3:
        return False
    if shape.group(1):
        # The region plays no part after a "+". Same search as parse(): 1, 2, then 3 digits
        # (no country code starts with 0: "+0…" finds none and goes to the library).
        for size in (1, 2, 3):
            country_code = _COUNTRY_CODES.get(digits[:size])
            if country_code is not None:
                return _plain_number(country_code, digits[size:], _country_metadata(country_code))
        return False
    rules = _region_rules(region) if region else None
    if rules is None:
        return False
    country_code, code_text, idd, national_prefix, eleven_too_long, metadata = rules
    if idd is not None and idd.match(digits):
        return False
    if digits.startswith(code_text):
        # parse() strips the default country code when the digits are too long without it, so
        # for NANP "1" + 10 digits it always does; other cases depend on patterns → library.
        nsn = digits[1:]
        if country_code == 1 and eleven_too_long and len(digits) == 11:
            if national_prefix is None or not national_prefix.match(nsn):
                return _plain_number(1, nsn, metadata)
        return False
    return _plain_number(country_code, digits, metadata)


def phone_e164(value: str, region: str | None) -> str | None:
    """What parse + is_possible_number + :func:`stored_phone` give for ``value``, or None
    (E.164, with ";ext=…" when the value has an extension).

    ``value`` must already be stripped of control characters and surrounding whitespace.
    """
    verdict = _fast_phone(value, region)
    if verdict is False:
        return _library_phone(value, region)
    return verdict


def clear_caches() -> None:
    """Forget cached verdicts (tests and benchmarks measure cold runs)."""
    for cached in (_library_email, _domain_verdict, _library_phone):
        cached.cache_clear()
