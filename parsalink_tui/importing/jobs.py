"""Import jobs: refusing a bad upload, creating the job row, and the job in the reference's shape.

``start`` checks everything that can be checked without importing a row — the file (a regular
``.csv`` file, or a ``.vcf``/``.vcard`` one, 1 byte to 10 MB, text not binary, a header row and
at least one record), the
mapping (``field_mappings`` valid, some column feeding email), the source uid and the
``on_duplicate`` option — and raises :class:`ImportRefused` before any job exists. Otherwise it
stores a self-contained job: the uploaded bytes (table ``import_file``, kept out of the job row
because SQLite rewrites a whole row, blob included, on each progress update) and the job's
settings, so any worker process can run or resume it even if the file has moved since.

The settings live as JSON in ``import_job.field_mappings``: ``{"overrides": the user's
field_mappings, "mapping": the effective header → field mapping, "header": the header cells as
written, "region": the phone region, "format": "csv" or "vcard" (see formats.py), "actor": who
started the job, as the audit log names them (e.g. "token:tok_…" for the HTTP API; null for the
local user), and once an API token starts the job's revert, "revertActor": that token (see
revert.py)}``. Keeping the effective mapping (not just the overrides)
means a resumed job maps exactly as it started; keeping the header means ``import errors`` can
rebuild the failed rows' CSV after the stored file is deleted when the job ends.

Row numbers (in ``errors``, ``duplicates`` and ``last_row``) are spreadsheet row numbers as
:mod:`.reading` counts them: the header is row 1 unless a preamble pushes it down, and every line
a user sees in a text editor or spreadsheet counts.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, text

from ..audit import current_actor
from ..errors import ImportFileTypeRefused, ImportRefused, ImportTooLarge, NotFoundError
from ..ids import new_uid
from ..timeutil import now_store, to_api
from ..validation import strip_control
from .bulk import ImportBulk
from .formats import CSV, KINDS, VCARD, kind_of, open_source
from .mapping import FIELDS, apply_field_mappings, guess_mapping, has_email_column
from .reading import MAX_FILE_BYTES, BinaryContent, CsvSource, ImportFileError
from .saved_mappings import merge as merge_saved

if TYPE_CHECKING:
    from .vcard import VcardSource

SavedLookup = Callable[[list[str]], "dict[str, Any] | None"]

ON_DUPLICATE = ("skip", "update")
STATUSES = ("queued", "processing", "complete", "failed")
RECENT_JOBS = 50
_GUESS_SAMPLE = 100  # records guess_mapping looks at to prefer filled columns


@dataclass
class Upload:
    """An upload: its name, bytes, parsed source and effective mapping; or, for bytes that are
    not text (``binary`` says why), no source: its job fails when a worker takes it."""

    filename: str
    data: bytes
    source: CsvSource | VcardSource | None
    mapping: dict[str, str | None]
    guessed: dict[str, str | None]
    overrides: Any
    binary: str = ""
    kind: str = "csv"
    saved: dict[str, Any] | None = None  # the remembered mapping applied (see saved_mappings)


# ---------------------------------------------------------------- refusing bad files


def read_upload(path: str | os.PathLike[str]) -> tuple[str, bytes]:
    """(file name, bytes) of a regular ``.csv``, ``.vcf`` or ``.vcard`` file of 1 byte to 10 MB,
    else ImportRefused.

    Opened non-blocking and checked on the open descriptor, so a FIFO or device named
    ``x.csv`` is refused instead of hanging the caller, even if it replaced the file after a
    first look.
    """
    name = Path(path).name
    shown = strip_control(str(path))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise ImportRefused(f"{shown}: no such file") from None
    except OSError as exc:
        raise ImportRefused(f"{shown}: cannot read it ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ImportRefused(f"{shown} is a directory, not a CSV file")
    check_kind(shown, name)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ImportRefused(f"{shown}: cannot open it ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ImportRefused(f"{shown} is not a regular file (a pipe or a device?)")
        if info.st_size > MAX_FILE_BYTES:
            raise ImportTooLarge(_too_big(shown, info.st_size), "bytes", MAX_FILE_BYTES)
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ImportRefused(f"{shown}: cannot read it ({exc.strerror})") from None
    if len(data) > MAX_FILE_BYTES:
        raise ImportTooLarge(_too_big(shown, len(data)), "bytes", MAX_FILE_BYTES)
    if len(data) != info.st_size:  # truncated or grown under us: half a file is not the file
        raise ImportRefused(f"{shown} changed while it was being read; import it again once it is complete")
    if not data:
        raise ImportRefused(f"{shown} is empty (0 bytes)")
    return strip_control(name) or "import.csv", data


def upload_label(filename: str) -> str:
    """The name a job shows for an upload whose name came from a client (an HTTP multipart
    ``filename``): its last path component, controls removed. Only ever a label: no path is
    built from it."""
    name = strip_control(str(filename).replace("\\", "/").rsplit("/", 1)[-1])
    return name if name not in ("", ".", "..") else "(no name)"


def check_kind(shown: str, name: str, kinds: tuple[str, ...] = KINDS) -> str:
    """The kind ("csv", "vcard") ``name``'s ending says, when it is one of ``kinds``; else
    ImportFileTypeRefused (``shown`` is the name as the message quotes it)."""
    kind = kind_of(name)
    if kind in kinds:
        return kind
    if kinds == (CSV,):
        raise ImportFileTypeRefused(f"{shown} is not a .csv file: only CSV files are taken here", kind)
    raise ImportFileTypeRefused(f"{shown} is not a .csv file, nor a vCard (.vcf, .vcard): export the contacts as one", kind)


def check_upload_bytes(label: str, data: bytes, kinds: tuple[str, ...] = KINDS) -> None:
    """The rules :func:`read_upload` applies to a file, for bytes received under ``label``;
    ``kinds`` narrows the file kinds taken (the HTTP API's async start takes CSV only)."""
    check_kind(label, label, kinds)
    if len(data) > MAX_FILE_BYTES:
        raise ImportTooLarge(_too_big(label, len(data)), "bytes", MAX_FILE_BYTES)
    if not data:
        raise ImportRefused(f"{label} is empty (0 bytes)")


def check_row_cap(upload: Upload, max_rows: int) -> None:
    """ImportTooLarge ("rows") when ``upload`` holds more than ``max_rows`` records."""
    rows = upload.source.count() if upload.source is not None else 0
    unit = "cards" if upload.kind == VCARD else "rows"
    if rows > max_rows:
        raise ImportTooLarge(
            f"{upload.filename} has {rows:,} {unit}; at most {max_rows:,} are imported at once here", "rows", max_rows, upload.kind
        )


def _too_big(shown: str, size: int) -> str:
    return (
        f"{shown} is {size:,} bytes; the import limit is 10 MB ({MAX_FILE_BYTES:,} bytes): "
        "split the file and import the parts"
    )


def inspect_upload(filename: str, data: bytes, field_mappings: Any = None, *, need_email: bool = True,
                   accept_binary: bool = False, saved: SavedLookup | None = None,
                   saved_required: bool = False) -> Upload:  # fmt: skip
    """Decode and map an upload; ImportRefused for anything that would fail the whole job.

    ``need_email=False`` (previews) lets a file without an email column through, so the user
    can see the columns and map one. ``accept_binary`` (starting a job) lets bytes that are not
    text through, as an Upload without a source: the issue asks that "a NUL byte or binary
    content fails the job", so the job is created and its worker fails it with the reason
    (previews still refuse them, so the TUI says why before anything is queued).
    ``saved(header)`` finds a remembered mapping for the file's header row: its overrides are
    applied under ``field_mappings`` (which win); ``saved_required`` refuses a file without one.
    """
    kind = kind_of(filename) or "csv"
    try:
        source = open_source(data, kind)
    except BinaryContent as exc:
        if not accept_binary:
            raise ImportRefused(f"{filename}: {exc}") from None
        if field_mappings is not None and field_mappings != "":  # checked as far as it can be without columns
            try:
                mapped = _overrides_json(field_mappings)
            except ValueError:
                mapped = None  # apply_field_mappings says what is wrong with it
            apply_field_mappings({}, field_mappings, list(mapped) if isinstance(mapped, Mapping) else [])
        return Upload(filename, data, None, {}, {}, field_mappings, binary=str(exc), kind=kind)
    except ImportFileError as exc:
        raise ImportRefused(f"{filename}: {exc}") from None
    found = saved(source.header) if saved is not None else None
    if found is not None:
        field_mappings = merge_saved(found["mapping"], field_mappings)
    elif saved_required:
        raise ImportRefused(f"{filename}: no saved mapping for these columns (see: import mappings list)")
    sample = source.sample(_GUESS_SAMPLE)
    if need_email and not sample:
        raise ImportRefused(f"{filename} has a header row but no contacts below it")
    guessed = guess_mapping(source.header, sample)
    mapping = apply_field_mappings(guessed, field_mappings, source.header)
    if need_email and not has_email_column(mapping):
        raise ImportRefused(_no_email_message(filename, source.header))
    return Upload(filename, data, source, mapping, guessed, field_mappings, kind=kind, saved=found)


def _no_email_message(filename: str, header: list[str]) -> str:
    shown = ", ".join(repr(h) for h in header[:8]) + (", …" if len(header) > 8 else "")
    return (
        f"{filename}: no column holds email addresses (columns: {shown}); name it with "
        'field_mappings, e.g. {"E-mail": "email"}'
    )


def settings_overrides(field_mappings: Any) -> dict[str, Any]:
    """The user's overrides as a dict ({} for none); the upload was checked, so they parse."""
    value = _overrides_json(field_mappings)
    return dict(value) if isinstance(value, Mapping) else {}


def _overrides_json(field_mappings: Any) -> Any:
    if isinstance(field_mappings, str):
        return json.loads(field_mappings) if field_mappings.strip() else None
    return dict(field_mappings) if isinstance(field_mappings, Mapping) else field_mappings


# ---------------------------------------------------------------- creating a job


def create_job(
    conn: Connection,
    upload: Upload,
    bulk: ImportBulk,
    *,
    source_uid: str | None = None,
    on_duplicate: str = "skip",
    region: str = "US",
) -> dict[str, Any]:
    """Insert a queued job for ``upload`` (its bytes stored by ``bulk``, the database's
    :class:`.bulk.ImportBulk`); returns the 202 body ``{uid, status, filename}``.

    Refuses an unknown source uid or on_duplicate value (nothing is written).
    """
    if on_duplicate not in ON_DUPLICATE:
        raise ImportRefused(f"on_duplicate must be one of {', '.join(ON_DUPLICATE)}, not {on_duplicate!r}")
    source_known = (
        source_uid is None
        or conn.execute(text("SELECT 1 FROM source WHERE uid = :u"), {"u": source_uid}).first() is not None
    )
    if not source_known:
        raise ImportRefused(f"unknown source uid {source_uid!r} (see the sources list)")
    settings = {
        "overrides": _overrides_json(upload.overrides),
        "mapping": upload.mapping,
        "header": upload.source.raw_header if upload.source is not None else None,
        "region": region,
        "format": upload.kind,
        "actor": current_actor(),  # who started it: its audit rows name them, whichever worker runs it
    }
    uid = new_uid()
    conn.execute(
        text(
            "INSERT INTO import_job (uid, filename, status, source_uid, field_mappings, on_duplicate, "
            "created_at) VALUES (:uid, :filename, 'queued', :source, :settings, :dup, :now)"
        ),
        {
            "uid": uid,
            "filename": upload.filename,
            "source": source_uid,
            "settings": json.dumps(settings, ensure_ascii=False),
            "dup": on_duplicate,
            "now": now_store(),
        },
    )
    bulk.store_file(conn, uid, upload.data)
    return {"uid": uid, "status": "queued", "filename": upload.filename}


def settings_of(stored: str | None) -> dict[str, Any]:
    """The job settings stored in ``import_job.field_mappings`` (see the module docstring)."""
    return json.loads(stored) if stored else {}


# ---------------------------------------------------------------- the job, as the API shows it

_JOB_SELECT = (
    "SELECT j.uid, j.filename, j.status, j.total_rows, j.processed_rows, j.success_count, "
    "j.error_count, j.duplicate_count, j.error_message, j.created_at, j.started_at, "
    "j.finished_at, j.field_mappings, s.name AS source_name, j.revert_status, j.revert_total, j.revert_processed, "
    "j.revert_deleted, j.revert_restored, j.reverted_at, "
    "(SELECT count(*) FROM revert_protected p WHERE p.job_uid = j.uid) AS revert_protected_count "
    "FROM import_job j LEFT JOIN source s ON s.uid = j.source_uid "
)


def progress_percent(status: str, processed: int, total: int) -> int:
    """Whole percent of records processed: 100 once complete, never 100 before."""
    if status == "complete":
        return 100
    if total <= 0:
        return 0
    return min(99, processed * 100 // total)


def job_out(row: Mapping[str, Any], errors: list[dict[str, Any]] | None,
            duplicates: list[dict[str, Any]] | None,
            protected: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
    """The reference's job object. ``errors``/``duplicates`` None leaves those keys out; a job
    with a revert also has the extension fields of :func:`.revert.revert_out`."""
    from .revert import revert_out

    out: dict[str, Any] = {
        "uid": row["uid"],
        "filename": row["filename"],
        "status": row["status"],
        "progressPercent": progress_percent(row["status"], row["processed_rows"], row["total_rows"]),
        "totalRows": row["total_rows"],
        "processedRows": row["processed_rows"],
        "successCount": row["success_count"],
        "errorCount": row["error_count"],
        "errors": errors,
        "duplicates": duplicates,
        "errorMessage": row["error_message"],
        "sourceName": row["source_name"],
        "createdAt": to_api(row["created_at"]),
        "startedAt": to_api(row["started_at"]),
        "finishedAt": to_api(row["finished_at"]),
        # extension: the country of numbers written without "+"
        "region": settings_of(row["field_mappings"]).get("region"),
    }
    if errors is None:
        del out["errors"]
    if duplicates is None:
        del out["duplicates"]
    out.update(revert_out(row, protected))
    return out


def _issues(conn: Connection, uids: list[str]) -> dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    out: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {uid: ([], []) for uid in uids}
    if not uids:
        return out
    rows = conn.execute(
        text(
            "SELECT job_uid, kind, row, message, email, existing_id FROM import_issue "
            "WHERE job_uid IN :uids ORDER BY job_uid, kind, row"
        ).bindparams(bindparam("uids", expanding=True)),
        {"uids": uids},
    )
    for job_uid, kind, number, message, email, existing_id in rows:
        errors, duplicates = out[job_uid]
        if kind == "error":
            errors.append({"row": number, "message": message})
        else:
            duplicates.append({"row": number, "email": email, "existingId": existing_id})
    return out


def get_job(conn: Connection, uid: str, *, with_issues: bool = True, with_protected: bool = True) -> dict[str, Any]:
    """One job; ``with_issues=False`` leaves out the errors and duplicates lists (cheap polling)
    and the revert's protected list; ``with_protected=False`` leaves out only the latter (the
    HTTP API pages it: :func:`.revert.protected_page`)."""
    row = conn.execute(text(_JOB_SELECT + "WHERE j.uid = :uid"), {"uid": uid}).mappings().first()
    if row is None:
        raise NotFoundError("import job", uid)
    if not with_issues:
        return job_out(row, None, None)
    from .revert import protected_of

    errors, duplicates = _issues(conn, [uid])[uid]
    listed = with_protected and row["revert_status"]
    return job_out(row, errors, duplicates, protected_of(conn, uid) if listed else None)


def list_jobs(conn: Connection, limit: int = RECENT_JOBS, *, with_issues: bool = True) -> list[dict[str, Any]]:
    """The last ``limit`` jobs, most recent first, each in the detail shape.

    ``with_issues=False`` leaves out errors/duplicates: a list that is polled (the TUI's recent
    imports) should not read every issue row of 50 jobs (~60 ms for one 10 MB job's).
    """
    rows = (
        conn.execute(text(_JOB_SELECT + "ORDER BY j.created_at DESC, j.uid DESC LIMIT :n"), {"n": limit})
        .mappings()
        .all()
    )
    if not with_issues:
        return [job_out(row, None, None) for row in rows]
    issues = _issues(conn, [row["uid"] for row in rows])
    return [job_out(row, *issues[row["uid"]]) for row in rows]


# ---------------------------------------------------------------- preview


def preview(conn: Connection, path: str | os.PathLike[str], field_mappings: Any = None, *,
            rows: int = 5, region: str = "US", saved_mapping: str = "off") -> dict[str, Any]:  # fmt: skip
    """What an import of ``path`` would do, without importing: the mapping and the first rows.

    Returns ``{filename, encoding, delimiter, headerRow, totalRows, columns: [{header, field,
    guessed}], mapping, fields, rows: [{row, cells, contact, error}], region, warnings}``. ``contact`` is
    the row as it would be stored (API field names; accounts by name, not yet created) or None
    with ``error`` saying why. Duplicates are not checked here. A file with no email column is
    previewed (with a warning) so the user can pick the column; everything else ``start``
    would refuse is refused here too. ``saved_mapping``: "off", "auto" (apply a remembered
    mapping if there is one) or "required" (refuse a file without one); the one applied is
    ``savedMapping`` in the result (absent otherwise).
    """
    from .rows import RowError, RowValidator
    from .saved_mappings import find

    filename, data = read_upload(path)
    lookup = None if saved_mapping == "off" else (lambda header: find(conn, header))
    upload = inspect_upload(filename, data, field_mappings, need_email=False, saved=lookup,
                            saved_required=saved_mapping == "required")  # fmt: skip
    source = upload.source
    users = conn.execute(text("SELECT id, name, email FROM app_user")).mappings().all()
    validate = RowValidator(source.header, upload.mapping, region=region, users=users, plain_tags=source.plain_tags)
    shown = []
    for number, cells in islice(source.records(), max(0, rows)):
        try:
            contact, error = validate(number, cells).api(), None
        except RowError as exc:
            contact, error = None, exc.message
        shown.append({"row": number, "cells": cells, "contact": contact, "error": error})
    warnings = []
    if not has_email_column(upload.mapping):
        warnings.append(_no_email_message(filename, source.header))
    unknown, ambiguous = _owner_problems(source, validate, upload.mapping)
    if unknown or ambiguous:
        header = next(h for h, f in upload.mapping.items() if f == "assignedTo")
    if unknown:
        warnings.append(
            f"the column {header!r} names owners who are not users here ({_some(unknown)}): their rows "
            f"would fail. Add them as users, or ignore the column to import those contacts unassigned"
        )
    if ambiguous:
        warnings.append(
            f"the column {header!r} names ambiguous owners ({_some(ambiguous)}: each matches several "
            f"users): their rows would fail. Give user ids in that column, or ignore it"
        )
    total = source.count()
    if total == 0:
        warnings.append(f"{filename} has a header row but no contacts below it")
    out = {
        "filename": filename,
        "format": upload.kind,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "headerRow": source.header_row,
        "totalRows": total,
        "columns": [
            {"header": h, "field": upload.mapping.get(h), "guessed": upload.guessed.get(h)} for h in source.header
        ],
        "mapping": upload.mapping,
        "fields": list(FIELDS),
        "rows": shown,
        "region": region,
        "warnings": warnings,
    }
    if upload.saved is not None:
        out["savedMapping"] = upload.saved
    return out


def _some(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names[:3]) + (", …" if len(names) > 3 else "")


def _owner_problems(source: CsvSource | VcardSource, validate: Any, mapping: Mapping[str, str | None]) -> tuple[list[str], list[str]]:
    """Owner cells in the first records that would fail their rows, in order of appearance:
    (no user's: exports from HubSpot or Salesforce name their own users; ambiguous: a name or an
    email several users share). Each owner cell is checked on its own, whatever else its row holds."""
    from .rows import AmbiguousOwner, UnknownOwner

    unknown: list[str] = []
    ambiguous: list[str] = []
    if "assignedTo" not in mapping.values():
        return unknown, ambiguous
    for cells in source.sample(_GUESS_SAMPLE):
        owner = validate.mapper(cells).get("assignedTo")
        if owner and owner not in unknown and owner not in ambiguous:
            try:
                validate.owner(owner)
            except UnknownOwner:
                unknown.append(owner)
            except AmbiguousOwner:
                ambiguous.append(owner)
    return unknown, ambiguous


# ---------------------------------------------------------------- failed rows, for re-import


def error_rows(conn: Connection, uid: str) -> tuple[list[str], list[tuple[int, str, list[str]]]]:
    """The file's header cells and each failed row as (row number, message, original cells)."""
    stored = conn.execute(text("SELECT field_mappings FROM import_job WHERE uid = :u"), {"u": uid}).first()
    if stored is None:
        raise NotFoundError("import job", uid)
    header = settings_of(stored[0]).get("header") or []  # None: a binary file, never read
    rows = conn.execute(
        text("SELECT row, message, raw FROM import_issue WHERE job_uid = :u AND kind = 'error' ORDER BY row"),
        {"u": uid},
    )
    return header, [(number, message, json.loads(raw) if raw else []) for number, message, raw in rows]
