"""The failed rows of an import as a CSV to fix and import again, safe to open in a spreadsheet.

Layout: the file's own header with an ``error`` column in front, then each failed row's
original cells with its message. The message goes first because a ragged row (the most
confusing error) has too few or too many cells for a column at the end to line up; and when
the file is itself an earlier error report, its old ``error`` column is replaced, not repeated.
Re-importing ignores the ``error`` column (it maps to no field).

Formula injection: every cell, headers and messages included, goes through
:func:`~parsalink_tui.csv_guard.guard` (a leading ``'`` before ``=`` ``+`` ``-`` ``@`` tab or
CR), and the file starts with the guard's marker line, so the importer takes the quote off
again (only in files that start so): a phone "+1 555…" written as "'+1 555…" comes back as it
was, and so does every other cell.

Encoding: UTF-8 with a byte-order mark (Excel needs it to read UTF-8) and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from ..csv_guard import MARKER, guard

ERROR_COLUMN = "error"


def error_table(header: list[str], rows: Iterable[tuple[int, str, list[str]]]) -> list[list[str]]:
    """Header and rows of the report (not yet neutralised): error column first."""
    replace = bool(header) and header[0].strip().casefold() == ERROR_COLUMN
    table = [[ERROR_COLUMN, *(header[1:] if replace else header)]]
    for _, message, cells in rows:
        table.append([message, *(cells[1:] if replace else cells)])
    return table


def to_csv(table: Iterable[list[str]]) -> str:
    """CSV text (CRLF line ends, minimal quoting): the marker line, then every cell guarded."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([MARKER])
    for cells in table:
        writer.writerow([guard(cell) for cell in cells])
    return out.getvalue()


def error_csv_bytes(header: list[str], rows: Iterable[tuple[int, str, list[str]]]) -> bytes:
    """The whole report, encoded as written to disk: UTF-8 with BOM."""
    return to_csv(error_table(header, rows)).encode("utf-8-sig")
