"""Core errors → HTTP answers, in Django REST framework's shapes; the one place this is decided.

- ValidationError → 400 ``{"field": ["message"]}`` (a body that is not an object: ``non_field_errors``)
- NotFoundError → 404 ``{"detail": "Not found."}``; a page past the last → 404 ``"Invalid page."``
- ConflictError → 412 ``{"detail": …}`` with the contact's current ``ETag``
- RevertRefused → 409 ``{"detail": …}`` naming why (not complete, already reverted, being reverted)
- ImportTooLarge → 413 (over 10 MB) or 400 ``{"file": [...]}`` (over the synchronous import's
  row cap); ImportFileTypeRefused → 400 ``{"file": [...]}`` (a vCard sent to the async start
  is told where vCards go); other ImportRefused → 400 ``{"detail": …}``
- NotPortedError (something PostgreSQL cannot do yet, e.g. search) → 501 ``{"detail": …}``
- DatabaseUnavailable (the database server down or restarting, the connection lost) → 503
  ``{"detail": …}`` with ``Retry-After``, logged as one warning line
- DatabasePermissionDenied (the database role may not do this, e.g. SELECT only) → 403
  ``{"detail": …}``, logged as one warning line
- DatabaseFileError (the file went bad under the server: full disk, damaged) → 500 ``{"detail": …}``
- other ParsalinkError → 400 ``{"detail": …}``
- FastAPI's request validation → 400 in the same field shape (never its 422 shape)
- anything else → 500 ``{"detail": "Internal server error."}``, logged with its traceback
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import errors
from .bodies import FieldError

log = logging.getLogger("parsalink_tui.server")

ASYNC_IMPORT_PATH = "/api/crm/contacts/import/start/"
SYNC_IMPORT_PATH = "/api/crm/contacts/import/"
RETRY_AFTER_SECONDS = "5"  # a 503's hint: about a server restart's time


def etag(version: int) -> str:
    return f'"{version}"'


def field_errors(field: str, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({field: [message]}, status_code=status)


def detail(message: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status, headers=headers)


class InvalidPage(Exception):
    """A page number past the last page (until the core raises its own InvalidPageError)."""


def _core_error(request: Request, exc: Exception) -> JSONResponse:
    invalid_page = getattr(errors, "InvalidPageError", None)  # first: it may subclass one below
    if invalid_page is not None and isinstance(exc, invalid_page):
        return detail("Invalid page.", 404)
    if isinstance(exc, errors.ValidationError):
        return field_errors("non_field_errors" if exc.field == "body" else exc.field, exc.message)
    if isinstance(exc, errors.NotFoundError):
        return detail("Not found.", 404)
    if isinstance(exc, errors.ConflictError):
        return detail(str(exc), 412, {"ETag": etag(exc.version)})
    if isinstance(exc, errors.RevertRefused):
        return detail(str(exc), 409)
    if isinstance(exc, errors.ImportFileTypeRefused):
        where = f"; send vCard files to {SYNC_IMPORT_PATH}" if exc.kind == "vcard" else ""
        return field_errors("file", f"{exc}{where}")
    if isinstance(exc, errors.ImportTooLarge):
        if exc.what == "bytes":
            return detail(str(exc), 413)
        if exc.kind == "vcard":  # the async endpoint takes CSV only, as the reference says
            return field_errors("file", f"{exc}; split the file, or import it with `parsalink-tui import start`")
        return field_errors("file", f"{exc}; send larger files to {ASYNC_IMPORT_PATH}")
    if isinstance(exc, errors.NotPortedError):  # team mode (PostgreSQL) cannot do this yet
        return detail(str(exc), 501)
    if isinstance(exc, errors.DatabasePermissionDenied):
        log.warning("refused by the database on %s %s: %s", request.method, request.url.path, exc)
        return detail(str(exc), 403)
    if isinstance(exc, errors.DatabaseUnavailable):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        return detail(str(exc), 503, {"Retry-After": RETRY_AFTER_SECONDS})
    if isinstance(exc, errors.DatabaseFileError):
        log.error("database problem on %s %s: %s", request.method, request.url.path, exc)
        return detail(str(exc), 500)
    return detail(str(exc), 400)


def _field_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, FieldError)
    return field_errors(exc.field, exc.message)


def _invalid_page(request: Request, exc: Exception) -> JSONResponse:
    return detail("Invalid page.", 404)


_METHOD_MESSAGE = 'Method "{}" not allowed.'


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        message = "Not found."
    elif exc.status_code == 405:
        message = _METHOD_MESSAGE.format(request.method)
    elif isinstance(exc.detail, str):
        message = exc.detail
    else:
        message = HTTPStatus(exc.status_code).phrase
    return detail(message, exc.status_code, dict(exc.headers or {}))


def _request_invalid(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    out: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "header", "path")]
        out.setdefault(loc[-1] if loc else "non_field_errors", []).append(str(err.get("msg", "invalid")))
    return JSONResponse(out, status_code=400)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return detail("Internal server error.", 500)


def install(app: FastAPI) -> None:
    handlers: dict[Any, Any] = {
        errors.ParsalinkError: _core_error,
        InvalidPage: _invalid_page,
        FieldError: _field_error,
        StarletteHTTPException: _http_error,
        RequestValidationError: _request_invalid,
        Exception: _unexpected,
    }
    for cls, handler in handlers.items():
        app.add_exception_handler(cls, handler)
