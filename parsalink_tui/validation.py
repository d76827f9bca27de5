"""Normalising the contact fields users type or import: email, phone, stage, tags, free text.

Every function returns the stored form or raises :class:`~parsalink_tui.errors.ValidationError`
naming the field. Email and phone verdicts are exactly those of email-validator (syntax only, no
DNS) and phonenumbers (``is_possible_number``, stored as E.164); the exact fast paths that make
imports affordable live in :mod:`parsalink_tui.validation_fast`, imported on first use because
the two libraries cost ~0.17 s to import and most commands never validate anything.

No Textual, no database: the service layer, the importer and the CLI all call these.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from .errors import ValidationError

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "MAX_TAG_LENGTH",
    "STAGES",
    "STAGE_LABELS",
    "STAGE_VALUES",
    "clean_text",
    "email_key",
    "fold_key",
    "nfc",
    "normalize_email",
    "normalize_phone",
    "normalize_stage",
    "normalize_tags",
    "strip_control",
]

# ---------------------------------------------------------------- control characters

# C0 controls, DEL and C1 controls. Removing ESC (and the C1 CSI) defuses terminal escape
# sequences: what is left of one is printable text. Bidi marks are format characters, not
# controls, and stay (names in right-to-left scripts need them).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_DROP_CONTROLS = {code: None for code in (*range(0x20), *range(0x7F, 0xA0))}
_ONE_LINE = str.maketrans({**_DROP_CONTROLS, ord("\n"): " ", ord("\r"): " ", ord("\t"): " "})
_MULTI_LINE = str.maketrans({**_DROP_CONTROLS, ord("\n"): "\n", ord("\t"): " "})
# An unpaired surrogate is not text: it is what a non-UTF-8 byte in argv becomes (Python's
# surrogateescape) or a JSON "\\udXXX" escape; SQLite cannot store it (UTF-8 refuses it).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _refuse_surrogates(text: str, field: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise ValidationError(field, f"is not valid Unicode text (unpaired surrogate U+{ord(found.group()):04X})")


def nfc(text: str) -> str:
    """``text`` in Unicode normal form C: "e" + U+0301 (as macOS writes file names and some
    exports) becomes "é", so a search for "é" finds it. ASCII is NFC already (the common case)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def strip_control(value: str, *, keep_newlines: bool = False) -> str:
    """Remove control characters and surrounding whitespace from user text, in NFC.

    User data reaches the terminal (rule 2 of docs/architecture.md), so escape sequences and other
    controls must not survive input. Line breaks and tabs are whitespace the user meant: they
    become a space, or with ``keep_newlines`` (multi-line notes) line breaks are kept as "\\n"
    ("\\r\\n" and a lone "\\r" included) and tabs still become a space. Every text field,
    and every search query, passes here, so all text is stored and compared in NFC (:func:`nfc`).
    """
    value = nfc(value)
    if _CONTROL.search(value) is None:  # the common case: nothing to remove
        return value.strip()
    value = value.replace("\r\n", "\n")
    if keep_newlines:
        return value.replace("\r", "\n").translate(_MULTI_LINE).strip()
    return value.translate(_ONE_LINE).strip()


#: The longest each free-text contact field may be, in characters after cleaning: the one table
#: that the core's checks (so the HTTP API's 400s and the CLI's errors), an import's row errors,
#: the TUI form (its inputs' caps and its checks) and the API's schema (``maxLength``) all read.
TEXT_LIMITS: dict[str, int] = {"firstName": 100, "lastName": 100, "title": 200, "accountName": 200, "notes": 20_000}


def clean_field(value: object, field: str) -> str | None:
    """:func:`clean_text` for the contact field ``field`` (a key of TEXT_LIMITS), with its limit;
    ``notes`` keeps its line breaks."""
    return clean_text(value, field, max_length=TEXT_LIMITS[field], keep_newlines=field == "notes")


def clean_text(
    value: object, field: str, *, max_length: int = 255, keep_newlines: bool = False
) -> str | None:
    """A free-text field (name, title, notes): cleaned, None when empty, refused when too long."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, "must be a string")
    text = strip_control(value, keep_newlines=keep_newlines)
    if not text:
        return None
    if len(text) > max_length:
        raise ValidationError(field, f"longer than {max_length} characters")
    _refuse_surrogates(text, field)
    return text


# ---------------------------------------------------------------- email and phone

_fast: ModuleType | None = None


def _fast_paths() -> ModuleType:
    """Import validation_fast (and with it both libraries) the first time it is needed."""
    global _fast
    if _fast is None:
        from . import validation_fast

        _fast = validation_fast
    return _fast


def normalize_email(value: str) -> str:
    """The address email-validator accepts, in its normalized form, else ValidationError.

    Deliverability (DNS) is not checked: the app works offline. Special-use domains such as
    ``.test`` or ``.local`` are refused, as by the library's defaults. "Invalid email format" is
    the reference API's message for a refused import row, so it is the message here too.
    """
    if value is None:
        raise ValidationError("email", "Email is required")
    if not isinstance(value, str):
        raise ValidationError("email", "Invalid email format")
    text = strip_control(value)
    if not text:
        raise ValidationError("email", "Email is required")
    normalized = (_fast or _fast_paths()).email_normalized(text)
    if normalized is None:
        raise ValidationError("email", "Invalid email format")
    return normalized


def fold_key(text: str) -> str:
    """The key a name or address is matched by, ignoring case beyond ASCII: ``str.casefold`` of
    its NFC form, so "Straße", "STRASSE" and "strasse" share one. The stored keys (emails of
    contacts and users, names of accounts and tags) are all made here, and the migrations fold
    with it too (SQL ``pl_casefold``); a lookup is then a plain indexed ``=`` on any database."""
    return nfc(text).casefold()


def email_key(normalized_email: str) -> str:
    """The uniqueness key of an address: emails are unique case-insensitively (not just ASCII)."""
    return fold_key(normalized_email)


def phone_regions() -> list[str]:
    """The regions phonenumbers knows (two-letter codes, sorted): the choices of an import's region."""
    from phonenumbers import SUPPORTED_REGIONS

    return sorted(SUPPORTED_REGIONS)


def check_region(value: str) -> str:
    """``value`` as a phone region ("de" → "DE"); ValueError naming it when phonenumbers does not know it."""
    region = value.strip().upper() if isinstance(value, str) else ""
    if region not in phone_regions():
        raise ValueError(f"unknown region {value!r}: give a two-letter country code such as US, GB, DE or FR")
    return region


def normalize_phone(value: str | None, region: str | None = "US") -> str | None:
    """A phone number in E.164 ("+15551234567"), None when blank, else ValidationError. An
    extension is kept, as RFC 3966 writes it: "555-987-6543 x123" → "+15559876543;ext=123".

    Accepted when phonenumbers can parse it and calls it *possible* (right length for the
    country): the reference's own ``+1 555…`` examples are not *valid* (unassigned), and a
    stricter check would refuse them. ``region`` is the country assumed for numbers written
    without "+". A cell holding several numbers is the importer's to split, not ours.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("phone", f"must be a string, not {value!r}")
    text = strip_control(value)
    if not text:
        return None
    e164 = (_fast or _fast_paths()).phone_e164(text, region)
    if e164 is None:
        raise ValidationError("phone", f"Invalid phone number: {text!r}")
    return e164


# ---------------------------------------------------------------- stages

#: The reference's stage values and labels, in pipeline order.
STAGES: tuple[tuple[str, str], ...] = (
    ("new", "New"),
    ("contacted", "Contacted"),
    ("engaged", "Engaged"),
    ("proposal_sent", "Proposal Sent"),
    ("negotiation", "Negotiation"),
    ("customer", "Customer"),
    ("inactive", "Inactive"),
)
STAGE_VALUES: tuple[str, ...] = tuple(value for value, _ in STAGES)
STAGE_LABELS: dict[str, str] = dict(STAGES)

_SEPARATORS = re.compile(r"[\s_\-]+")


def _stage_key(text: str) -> str:
    return _SEPARATORS.sub("_", text.casefold())


_STAGE_BY_KEY = {_stage_key(name): value for value, label in STAGES for name in (value, label)}


def normalize_stage(value: str | None) -> str:
    """A stage value from a value or a label, any case, spaces/hyphens for "_"; blank → "new".

    Labels are accepted because that is what people type and what other CRMs export
    ("Proposal Sent"); "new" is the reference's default for a contact created without one.
    """
    if value is None:
        return "new"
    if not isinstance(value, str):
        raise ValidationError("stage", f"must be a stage name, not {value!r}")
    text = strip_control(value)
    if not text:
        return "new"
    stage = _STAGE_BY_KEY.get(_stage_key(text))
    if stage is None:
        expected = ", ".join(STAGE_VALUES)
        raise ValidationError("stage", f"Unknown stage {text!r}; expected one of: {expected}")
    return stage


# ---------------------------------------------------------------- tags

MAX_TAG_LENGTH = 100
_TAG_SEPARATORS = re.compile("[,;]")


def normalize_tags(value: str | list[str] | None) -> list[str]:
    """Tag names: cleaned, blanks dropped, case-insensitive duplicates dropped, order kept.

    A string is a list written out ("enterprise, warm" or "a;b", as CSV exports do). In a list,
    a name holding "," or ";" is refused rather than split: it could never be matched by the
    comma-separated ``tags`` list filter, and silently splitting it would change what was meant.
    The first spelling of a tag wins, so re-saving "Warm" does not turn it into "warm".
    """
    if value is None:
        return []
    if isinstance(value, str):
        names = _TAG_SEPARATORS.split(value)
    elif isinstance(value, (list, tuple)):
        names = list(value)
        for name in names:
            if not isinstance(name, str):
                raise ValidationError("tags", f"each tag must be a string, not {name!r}")
            if _TAG_SEPARATORS.search(name):
                raise ValidationError("tags", f"a tag cannot contain ',' or ';': {name!r}")
    else:
        raise ValidationError("tags", f"must be a list of names, not {value!r}")
    tags: list[str] = []
    seen: set[str] = set()
    for name in names:
        tag = strip_control(name)
        if not tag:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            too_long = f"tag longer than {MAX_TAG_LENGTH} characters: {tag[:20]!r}…"
            raise ValidationError("tags", too_long)
        _refuse_surrogates(tag, "tags")
        key = fold_key(tag)
        if key not in seen:
            seen.add(key)
            tags.append(tag)
    return tags
