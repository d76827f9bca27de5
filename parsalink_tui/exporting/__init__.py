"""Exporting contacts: every contact a list filter matches, streamed as CSV, vCard or JSON.

``export_contacts`` runs inside one read transaction (see ``listing.every_match``): the file is
one consistent snapshot, written chunk by chunk, so a million contacts never sit in memory.

* **CSV** (``csv_out``): the import's own header names, so the file re-imports with no mapping;
  every cell guarded against formula injection, and the first line is ``csv_guard.MARKER``, so
  the importer takes the guards off again (and only then).
* **vCard** (``vcard_out``): 4.0, or 3.0; what vCard has no property for travels as
  ``X-PARSALINK-…`` properties, which the vCard importer reads.
* **JSON** (``json_out``): an array of full contact objects, the ``contacts get`` shape.

Round trip: an export imported into a database with the same users (matched by email) gives
the same contacts: names, email, phone, title, stage, account, owner, tags, notes and flags.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection

from ..errors import ParsalinkError, ValidationError
from ..listing import check_ordering, count_contacts, every_match, make_filters
from ..validation import strip_control

FORMATS = ("csv", "vcard", "json")
VCARD_VERSIONS = (3, 4)
#: The format a file name's ending asks for (the TUI's export prompt).
EXTENSIONS = {".csv": "csv", ".vcf": "vcard", ".vcard": "vcard", ".json": "json"}


def format_for(path: str | os.PathLike[str]) -> str:
    """The export format a file name asks for by its ending; ValidationError for another one."""
    fmt = EXTENSIONS.get(Path(path).suffix.lower())
    if fmt is None:
        raise ValidationError("file", f"name it .csv, .vcf or .json (the ending picks the format), not {Path(path).name!r}")
    return fmt


@contextmanager
def new_file(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A new file at ``path``, created 0600 (it holds personal data), never over an existing
    one; removed again if the block fails (half an export is no export)."""
    shown = strip_control(str(path))
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise ParsalinkError(f"{shown} exists; name a new file") from None
    except OSError as exc:
        raise ParsalinkError(f"cannot create {shown}: {exc.strerror}") from None
    except ValueError:  # a NUL in the name
        raise ParsalinkError(f"{shown!r} is not a file name") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
    except BaseException:
        os.unlink(path)
        raise


def writer_for(fmt: str, out: BinaryIO, *, vcard_version: int = 4) -> Any:
    """The writer of ``fmt`` on ``out``: ``begin()``, ``write(chunk)`` per chunk, ``end()``."""
    if fmt == "csv":
        from .csv_out import CsvWriter

        return CsvWriter(out)
    if fmt == "json":
        from .json_out import JsonWriter

        return JsonWriter(out)
    if fmt == "vcard":
        if vcard_version not in VCARD_VERSIONS:
            raise ValidationError("vcardVersion", f"must be 3 or 4, not {vcard_version!r}")
        from .vcard_out import VcardWriter

        return VcardWriter(out, version=vcard_version)
    raise ValidationError("format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")


def export_contacts(
    conn: Connection,
    out: BinaryIO,
    *,
    fmt: str = "csv",
    vcard_version: int = 4,
    ordering: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    **filters: Any,
) -> int:
    """Write every contact the list ``filters`` match to ``out`` in ``fmt``; returns how many.

    ``filters`` and ``ordering`` are the list's (stage, assigned_to, search, created_after,
    created_before, tags, import_job), checked the same way. ``progress(done, total)`` is
    called after each chunk. Bad parameters raise before anything is written.
    """
    f = make_filters(**filters)
    check_ordering(ordering)  # a bad ordering is refused before the first byte
    writer = writer_for(fmt, out, vcard_version=vcard_version)
    total = count_contacts(conn, f)
    done = 0
    writer.begin()
    for chunk in every_match(conn, f, total, ordering=ordering):
        writer.write(chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, total)
    writer.end()
    return done
