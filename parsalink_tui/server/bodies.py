"""Reading request bodies: JSON for contacts, multipart for uploads; 415 for anything else.

The JSON is handed to the core as received (no model coerces it): the core decides what is
valid, so a body gets the same answer over HTTP as from ``contacts create``/``update``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile

from ..importing.reading import MAX_FILE_BYTES
from ..validation import check_region


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _unsupported(request: Request) -> HTTPException:
    shown = _media_type(request) or "(none)"
    return HTTPException(415, f'Unsupported media type "{shown}" in request.')


async def read_json(request: Request) -> Any:
    """The body as JSON; 415 unless it is ``application/json`` (or ``…+json``), 400 if unparsable."""
    media = _media_type(request)
    if media != "application/json" and not media.endswith("+json"):
        raise _unsupported(request)
    raw = await request.body()
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 JSON text"
        raise HTTPException(400, f"JSON parse error - {reason}") from None


@dataclass
class Upload:
    data: bytes
    filename: str
    source_uid: str | None
    field_mappings: str | None
    on_duplicate: str
    region: str | None = None


class FieldError(Exception):
    """A multipart field is missing or wrong: 400 ``{field: [message]}``."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message


def _text_field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(name, "must be a text field, not a file")
    return value


def _region_field(form: Any) -> str | None:
    """``region`` (extension): the country of phone numbers written without "+", e.g. DE."""
    value = _text_field(form, "region")
    if value is None:
        return None
    try:
        return check_region(value)
    except ValueError as exc:
        raise FieldError("region", str(exc)) from None


async def read_upload(request: Request) -> Upload:
    """The multipart form of an import: ``file`` (required), ``source_uid``, ``field_mappings``,
    ``on_duplicate`` and ``region`` (ours). 413 for a file part over 10 MB."""
    if _media_type(request) != "multipart/form-data":
        raise _unsupported(request)
    async with request.form(max_files=1, max_fields=20) as form:
        file = form.get("file")
        if file is None:
            raise FieldError("file", "No file was submitted.")
        if not isinstance(file, UploadFile):
            raise FieldError("file", "The submitted data was not a file. Check the encoding type on the form.")
        data = await file.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise HTTPException(413, f"The file is over the import limit of 10 MB ({MAX_FILE_BYTES:,} bytes).")
        return Upload(
            data=data,
            filename=file.filename or "",
            source_uid=_text_field(form, "source_uid"),
            field_mappings=_text_field(form, "field_mappings"),
            on_duplicate=_text_field(form, "on_duplicate") or "skip",
            region=_region_field(form),
        )
