"""The failed rows of an import as a CSV to fix and import again, safe to open in a spreadsheet.

Layout: the file's own header with an ``error`` column in front, then each failed row's
original cells with its message. The message goes first because a ragged row (the most
confusing error) has too few or too many cells for a column at the end to line up; and when
the file is itself an earlier error report, its old ``error`` column is replaced, not repeated.
Re-importing ignores the ``error`` column (it maps to no field).

Formula injection (OWASP "CSV Injection"): a cell starting with ``=``, ``+``, ``-``, ``@``, tab
or carriage return is run as a formula by Excel, LibreOffice and Google Sheets, so it is written
with a leading ``'``, which spreadsheets show as text. Every cell gets this, headers and
messages included. The importer drops that quote again (``rows.unquote_formula``), so a phone
"+1 555…" written as "'+1 555…" comes back as it was.

Encoding: UTF-8 with a byte-order mark (Excel needs it to read UTF-8) and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from .rows import FORMULA_START

ERROR_COLUMN = "error"


def neutralize(cell: str) -> str:
    """The cell as a spreadsheet will show it rather than evaluate it."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def error_table(header: list[str], rows: Iterable[tuple[int, str, list[str]]]) -> list[list[str]]:
    """Header and rows of the report (not yet neutralised): error column first."""
    replace = bool(header) and header[0].strip().casefold() == ERROR_COLUMN
    table = [[ERROR_COLUMN, *(header[1:] if replace else header)]]
    for _, message, cells in rows:
        table.append([message, *(cells[1:] if replace else cells)])
    return table


def to_csv(table: Iterable[list[str]]) -> str:
    """CSV text (CRLF line ends, minimal quoting) with every cell neutralised."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    for cells in table:
        writer.writerow([neutralize(cell) for cell in cells])
    return out.getvalue()


def error_csv_bytes(header: list[str], rows: Iterable[tuple[int, str, list[str]]]) -> bytes:
    """The whole report, encoded as written to disk: UTF-8 with BOM."""
    return to_csv(error_table(header, rows)).encode("utf-8-sig")
