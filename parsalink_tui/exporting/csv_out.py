"""Contacts as CSV: the import's own column names, formula-guarded cells, the guard's marker.

UTF-8 with a byte-order mark (Excel needs it) and CRLF line ends, as the errors CSV. The owner
is written as the user's email (their name when they have none), which the importer matches
to a user of the database it imports into; tags as one comma-separated cell.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping
from typing import Any, BinaryIO

from ..csv_guard import FIRST_CHARS, MARKER, guard
from ..timeutil import to_api

#: Columns of the export. The contact fields are the importer's own names (mapping.FIELDS);
#: id and the timestamps are for people reading it (the importer ignores them: it cannot set them).
COLUMNS = (
    "id", "firstName", "lastName", "email", "phone", "title", "stage", "accountName", "assignedTo",
    "tags", "notes", "emailOptOut", "emailBounced", "createdAt", "updatedAt",
)  # fmt: skip


def owner_of(row: Mapping[str, Any]) -> str:
    """How the owner travels in an export: the user's email, else their name ("" unassigned)."""
    return row["assigned_to_email"] or row["assigned_to_name"] or ""


def cells_of(row: Mapping[str, Any], tags: list[str]) -> list[str]:
    return [
        row["id"], row["first_name"] or "", row["last_name"] or "", row["email"], row["phone"] or "",
        row["title"] or "", row["stage"], row["account_name"] or "", owner_of(row), ", ".join(tags),
        row["notes"] or "", "true" if row["email_opt_out"] else "false",
        "true" if row["email_bounced"] else "false", to_api(row["created_at"]) or "", to_api(row["updated_at"]) or "",
    ]  # fmt: skip


class CsvWriter:
    """Writes the header, then each chunk of (row, tags) as guarded CSV rows."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self._text = io.StringIO(newline="")
        self._csv = csv.writer(self._text, lineterminator="\r\n")

    def _flush(self) -> None:
        self.out.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()

    def begin(self) -> None:
        self.out.write(codecs.BOM_UTF8)
        self._csv.writerow([MARKER])
        self._csv.writerow(COLUMNS)
        self._flush()

    def write(self, chunk: list[tuple[Mapping[str, Any], list[str]]]) -> None:
        writerow = self._csv.writerow
        for row, tags in chunk:
            writerow([guard(cell) if cell[:1] in FIRST_CHARS else cell for cell in cells_of(row, tags)])
        self._flush()

    def end(self) -> None:
        self.out.flush()
