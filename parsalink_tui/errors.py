"""Exceptions the core raises for user mistakes.

Every user-facing failure is a :class:`ParsalinkError`; its ``str()`` is a one-line message
that names the field, parameter or id at fault. The CLI prints it, the TUI notifies it;
neither shows a traceback for one of these.
"""

from __future__ import annotations

import re


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f]")


class ParsalinkError(Exception):
    """Base class: a problem the user can fix, with a one-line message."""

    def __str__(self) -> str:
        # Messages quote what the user gave (an id, a name): a line break or an escape sequence
        # in it is shown escaped, so the message stays one line and inert on a terminal.
        text = super().__str__()
        return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ValidationError(ParsalinkError):
    """A field value was refused.

    ``field`` is the API field (or list parameter) name, ``message`` the reason alone
    (for import row errors, where the row number gives the context).
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class DuplicateEmailError(ValidationError):
    """The email already belongs to another contact."""

    def __init__(self, email: str, existing_id: str) -> None:
        self.email = email
        self.existing_id = existing_id
        super().__init__("email", f"{email} already belongs to contact {existing_id}")


class NotFoundError(ParsalinkError):
    """No object with that id."""

    def __init__(self, kind: str, ident: str) -> None:
        self.kind = kind
        self.ident = ident
        super().__init__(f"{kind} not found: {ident}")


class ConflictError(ParsalinkError):
    """A write's precondition failed: the contact changed since the caller read it.

    ``fields`` are the API fields the caller changed that were also changed elsewhere (empty
    when a whole-resource version check failed); ``current`` is the contact as it is now and
    ``version`` its version stamp, so a caller can show both values and try again.
    """

    def __init__(self, contact_id: str, fields: list[str], current: dict, version: int) -> None:
        self.contact_id = contact_id
        self.fields = fields
        self.current = current
        self.version = version
        what = ", ".join(fields) if fields else f"now version {version}"
        super().__init__(f"contact {contact_id} was changed elsewhere since you read it ({what})")


class InvalidPageError(NotFoundError):
    """A page past the last one (page 1 of an empty list excepted).

    Django REST framework's paginator answers this with 404 ``{"detail": "Invalid page."}``;
    ``detail`` is that text, for the HTTP layer. ``str()`` names the page and the last page.
    """

    detail = "Invalid page."

    def __init__(self, page: int, last_page: int) -> None:
        self.page = page
        self.last_page = last_page
        ParsalinkError.__init__(self, f"page {page}: invalid page, the last page is {last_page}")
        self.kind, self.ident = "page", str(page)


class ItemConflictError(ParsalinkError):
    """A note or task write's precondition failed: it changed since the caller read it.

    ``kind`` is "note" or "task"; ``fields`` the API fields that no longer hold what the caller
    expected; ``current`` the item as it is now (API shape).
    """

    def __init__(self, kind: str, item_id: str, fields: list[str], current: dict) -> None:
        self.kind = kind
        self.item_id = item_id
        self.fields = fields
        self.current = current
        super().__init__(f"{kind} {item_id} was changed elsewhere since you read it ({', '.join(fields)})")


class DatabaseFileError(ParsalinkError):
    """The database file cannot be used (not ours, corrupt, read-only, newer schema)."""


class DatabaseUnavailable(DatabaseFileError):
    """The database server cannot be reached now, or the connection to it was lost: the same
    request may work once it is back (``serve`` answers 503 with ``Retry-After``)."""


class DatabasePermissionDenied(DatabaseFileError):
    """The database role may not do this (e.g. a role granted SELECT only): nothing was changed
    (``serve`` answers 403)."""


class NewerSchemaError(DatabaseFileError):
    """The database was written by a newer app: the same words for every backend."""

    def __init__(self, where: object, version: int, known: int) -> None:
        self.version = version
        super().__init__(
            f"{where} was written by a newer parsalink-tui (schema {version}, this app knows "
            f"up to {known}); upgrade parsalink-tui to open it"
        )


class NotPortedError(DatabaseFileError):
    """Something team mode (PostgreSQL) cannot do yet: one line naming it, never wrong results."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not ported to PostgreSQL yet (team mode is unfinished; docs/team.md)")


class ImportRefused(ParsalinkError):
    """An import was refused before any job was created."""


class ImportFileTypeRefused(ImportRefused):
    """An upload whose name's ending is not one of the kinds taken there; ``kind`` is what the
    name says it is ("csv", "vcard"; None for neither), so a caller can say where it goes."""

    def __init__(self, message: str, kind: str | None) -> None:
        self.kind = kind
        super().__init__(message)


class ImportTooLarge(ImportRefused):
    """An upload over a size cap: ``what`` is "bytes" (the 10 MB file cap) or "rows" (a caller's
    cap on rows, e.g. the HTTP API's synchronous import); ``limit`` is the cap; ``kind`` the
    file's kind ("csv", "vcard") when known."""

    def __init__(self, message: str, what: str, limit: int, kind: str | None = None) -> None:
        self.what = what
        self.limit = limit
        self.kind = kind
        super().__init__(message)


class RevertRefused(ParsalinkError):
    """An import job cannot be reverted: it is not complete, it was already reverted, or a live
    worker is reverting it right now (the HTTP API answers 409)."""
