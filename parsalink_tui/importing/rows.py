"""One CSV record → a clean contact, or the row error a user can act on.

The same rules as creating a contact by hand (``contacts.clean_input``): email required and
valid ("Invalid email format"), a first or last name, phone to E.164, stage by value or label,
tags split on "," or ";", text fields cleaned of control characters and length-checked. On top
of those, what imports need: a HubSpot/Salesforce stage ("Working - Contacted") is translated
(``mapping.translate_stage``), a lone "Name" column is split into first and last name, an
assignee may be a user id, email or name, and yes/no columns accept the usual spellings. (The
formula guard of a file this app wrote is taken off by the reader, ``reading.CsvSource``, before
any cell gets here: a user's own ``'-dash`` stays as written.)

Decisions: a stage is first read as one of ours (value or label, any case), then through
``translate_stage``; anything else is a row error listing our values. An owner that names no
user (or matches several: a shared name or email) is a row error rather than an unassigned contact: the preview
shows it, and ``field_mappings`` can map the owner column to null. Yes/no cells take
true/yes/y/1/t/x/on (and "unsubscribed") or false/no/n/0/f/off or blank; anything else is an
error naming the field.

Speed: this runs once per record (~70k for a 10 MB file), so per-row work is a handful of dict
lookups and the cached validators of ``validation``. Values that repeat across rows (stage,
tags, owner, company, yes/no cells) are resolved once per distinct text and cached for the job.
Nothing here touches the database; accounts and tags are resolved to ids by ``writer``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..search_sqlite import short_grams_json
from ..validation import (
    TEXT_LIMITS,
    clean_field,
    email_key,
    nfc,
    normalize_email,
    normalize_phone,
    normalize_stage,
    normalize_tags,
    strip_control,
)
from .mapping import RowMapper, split_full_name, split_tags, translate_stage
from .reading import UnreadableRecord, row_width_error

_TRUE = frozenset({"true", "yes", "y", "1", "t", "x", "on", "unsubscribed", "optedout", "opted out"})
_FALSE = frozenset({"", "false", "no", "n", "0", "f", "off", "subscribed"})
_CACHE_LIMIT = 50_000  # distinct texts per cache; a hostile file cannot grow one without bound


class _Refused(str):
    """A cached refusal: the row error message for a value that is wrong wherever it appears."""


class RowError(Exception):
    """A record that cannot become a contact; ``message`` is what the job's errors list shows."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class CleanRow:
    """A validated record: contact column values plus the names writer resolves to ids."""

    row: int
    email: str
    key: str  # validation.email_key(email): the uniqueness key
    first_name: str | None
    last_name: str | None
    phone: str | None
    title: str | None
    stage: str
    account_name: str | None
    assigned_to: str | None
    notes: str | None
    email_opt_out: int
    email_bounced: int
    tags: list[str]
    grams: str = '""'  # search_sqlite.short_grams_json of the row: made here, in the validation process

    def api(self) -> dict[str, Any]:
        """The values under the API's field names (for previews)."""
        return {
            "firstName": self.first_name, "lastName": self.last_name, "email": self.email,
            "phone": self.phone, "title": self.title, "stage": self.stage,
            "accountName": self.account_name, "assignedTo": self.assigned_to, "tags": self.tags,
            "notes": self.notes, "emailOptOut": bool(self.email_opt_out),
            "emailBounced": bool(self.email_bounced),
        }  # fmt: skip


class UnknownOwner(RowError):
    """An owner cell that names no user."""


class AmbiguousOwner(RowError):
    """An owner cell that matches several users."""


class Assignees:
    """Resolves an owner cell to a user id: by id (exact), else by email (``email_key``) or name,
    both ignoring case. A cell matching more than one user is an error rather than a guess: a
    name two users share, or an email that users created before emails were unique (schema v3)
    still share; the user id tells them apart."""

    def __init__(self, users: Iterable[Mapping[str, Any]]) -> None:
        self.ids: set[str] = set()
        self.by_key: dict[str, list[str]] = {}
        for user in users:
            self.ids.add(user["id"])
            keys = {strip_control(user["name"]).casefold()}
            if user.get("email"):
                keys.add(email_key(user["email"]))
            for key in keys:
                self.by_key.setdefault(key, []).append(user["id"])

    def resolve(self, text: str) -> str:
        if text in self.ids:
            return text
        found = self.by_key.get(email_key(text), [])  # email_key is the case folding names use too
        if not found:
            raise UnknownOwner(f"assignedTo: no user {text!r} (give a user id, email or name)")
        if len(found) > 1:
            raise AmbiguousOwner(f"assignedTo: owner {text!r} is ambiguous: {len(found)} users; give the user id")
        return found[0]


class RowValidator:
    """Validates the records of one file for one mapping; call it with (row number, cells).

    Returns a :class:`CleanRow` or raises :class:`RowError`. ``region`` is the phone region for
    numbers without "+", ``users`` the user table's rows (id, name, email). ``plain_tags``: the
    tags cell is this app's own list (a vCard's categories, a CSV this app wrote), split on
    "," and ";" only, without the export conventions of ``mapping.split_tags``.
    """

    def __init__(
        self,
        headers: list[str],
        mapping: Mapping[str, str | None],
        *,
        region: str,
        users: Iterable[Mapping[str, Any]] = (),
        plain_tags: bool = False,
    ) -> None:
        self.width = len(headers)
        self.plain_tags = plain_tags
        self.mapper = RowMapper(mapping, headers)
        self.region = region
        self.assignees = Assignees(list(users))
        self._stages: dict[str, str | RowError] = {}
        self._tags: dict[str, list[str] | RowError] = {}
        self._owners: dict[str, str | RowError] = {}
        self._accounts: dict[str, str | None | RowError] = {}
        self._flags: dict[str, int | None] = {}

    # -- cached per distinct text -------------------------------------------------------------
    def _cached(self, cache: dict[str, Any], text: str, compute: Callable[[str], Any]) -> Any:
        """``compute(text)``, once per distinct text; a refusal is cached as its message."""
        try:
            value = cache[text]
        except KeyError:
            try:
                value = compute(text)
            except RowError as exc:
                value = _Refused(exc.message)
            except ValidationError as exc:
                value = _Refused(_row_message(exc))
            if len(cache) >= _CACHE_LIMIT:
                cache.clear()
            cache[text] = value
        if type(value) is _Refused:
            # A new exception each time: re-raising one object would grow its traceback per row.
            raise RowError(str(value))
        return value

    @staticmethod
    def _stage(text: str) -> str:
        try:
            return normalize_stage(text)
        except ValidationError as exc:
            translated = translate_stage(strip_control(text))
            if translated is None:
                raise RowError(exc.message) from None
            return translated

    def _tag_list(self, text: str) -> list[str]:
        # split_tags knows the export conventions (Google ":::", "* myContacts", Mailchimp
        # quoting); normalize_tags then applies the contact rules to the joined names.
        return normalize_tags(text if self.plain_tags else ",".join(split_tags(text)))

    @staticmethod
    def _account(text: str) -> str | None:
        return clean_field(text, "accountName")

    def _flag(self, text: str, field: str) -> int:
        value = self._flags.get(text, -1)
        if value == -1:
            key = " ".join(strip_control(text).casefold().split())
            value = 1 if key in _TRUE else 0 if key in _FALSE else None
            self._flags[text] = value
        if value is None:
            raise RowError(f"{field}: expected true or false, not {strip_control(text)!r}")
        return value

    # -- one record ---------------------------------------------------------------------------
    def __call__(self, row: int, cells: list[str]) -> CleanRow:
        if len(cells) != self.width:
            if type(cells) is UnreadableRecord:
                raise RowError(cells.problem)
            problem = row_width_error(cells, self.width)
            if problem is not None:
                raise RowError(problem)
        values = self.mapper(cells)  # stripped cells; first of several emails/phones
        get = values.get
        try:
            raw_email = get("email")
            if not raw_email:
                raise RowError("Email is required")
            email = normalize_email(raw_email)
            first = get("firstName")
            first = _text(first, "firstName") if first else None
            last = get("lastName")
            last = _text(last, "lastName") if last else None
            if first is None and last is None:
                full = get("fullName")
                if full:
                    first_part, last_part = split_full_name(strip_control(full))
                    first = clean_field(first_part, "firstName")
                    last = clean_field(last_part, "lastName")
                if first is None and last is None:
                    raise RowError("firstName or lastName is required")
            phone = get("phone")
            phone = normalize_phone(phone, self.region) if phone else None
            title = get("title")
            title = _text(title, "title") if title else None
            notes = get("notes")
            notes = clean_field(notes, "notes") if notes else None
        except ValidationError as exc:
            raise RowError(_row_message(exc)) from None
        stage = get("stage")
        tags = get("tags")
        account = get("accountName")
        owner = get("assignedTo")
        opt_out = get("emailOptOut")
        bounced = get("emailBounced")
        return CleanRow(
            row,
            email,
            email_key(email),
            first,
            last,
            phone,
            title,
            self._cached(self._stages, stage, self._stage) if stage else "new",
            self._cached(self._accounts, account, self._account) if account else None,
            self._cached(self._owners, owner, self._owner) if owner else None,
            notes,
            self._flag(opt_out, "emailOptOut") if opt_out else 0,
            self._flag(bounced, "emailBounced") if bounced else 0,
            self._cached(self._tags, tags, self._tag_list) if tags else [],
            short_grams_json(first, last, email, phone),
        )

    def _owner(self, text: str) -> str:
        return self.assignees.resolve(strip_control(text))

    def owner(self, text: str) -> str:
        """The user id an owner cell names; :class:`UnknownOwner` or :class:`AmbiguousOwner`
        (uncached, so the preview can tell them apart: the row cache keeps only messages)."""
        return self._owner(text)


# Control characters (C0, DEL, C1) and lone surrogates: what clean_text would remove or refuse.
_NOT_PLAIN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _text(value: str, field: str) -> str | None:
    """clean_field for a stripped one-line cell, without its work when the cell is plain text."""
    if _NOT_PLAIN.search(value) is not None:
        return clean_field(value, field)
    limit = TEXT_LIMITS[field]
    value = nfc(value)  # as clean_text stores it
    if len(value) > limit:
        raise ValidationError(field, f"longer than {limit} characters")
    return value


# Fields whose validation messages read on their own in a row error ("Invalid email format",
# "Invalid phone number: '12'"); the rest get the field name in front ("title: longer than …").
_SELF_EXPLAINING = frozenset({"email", "phone", "stage"})


def _row_message(exc: ValidationError) -> str:
    return exc.message if exc.field in _SELF_EXPLAINING else str(exc)
