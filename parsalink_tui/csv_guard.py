"""Formula-injection guard for the CSV files this app writes, and undoing it on re-import.

Spreadsheets (Excel, LibreOffice, Google Sheets) run a cell starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return as a formula (OWASP "CSV Injection"). Every CSV this app writes
(``import errors`` and ``contacts export``) writes such a cell with a leading ``'``, which
spreadsheets show as text.

The guard must come off again when the file is imported, but only from files this app wrote:
a user's own file may hold a real ``'-dash`` title. So every file written here starts with
:data:`MARKER_LINE`, a one-cell line the reader recognises (:func:`is_marker`) and skips as a
preamble; only then are cells unguarded. The guard is exactly invertible: a cell that already
starts with quotes before a formula character (``'=x``) gets one more (``''=x``), so
``unguard(guard(c)) == c`` for every cell ``c``, control characters included.
"""

from __future__ import annotations

import re

#: The first characters that make a spreadsheet evaluate a cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: The first line of every CSV this app writes. One cell (no delimiter, no quote), so readers
#: and spreadsheets see a note above the header; it tells a person why cells start with "'".
MARKER = "# parsalink-tui CSV: a ' before = + - @ tab or CR at the start of a cell is removed on import"
_MARKER_KEY = "# parsalink-tui csv:"

# Quotes, then a formula character: a guarded cell (one quote more than its original had).
_GUARDED = re.compile("'+[=+\\-@\t\r]")
_NEEDS_GUARD = re.compile("'*[=+\\-@\t\r]")


#: The first characters a cell needing a guard can start with; most cells start with none of
#: them, and a caller with many cells can skip the call for those (see exporting/csv_out.py).
FIRST_CHARS = frozenset("'=+-@\t\r")


def guard(cell: str) -> str:
    """The cell as a spreadsheet will show rather than evaluate it."""
    return "'" + cell if cell[:1] in FIRST_CHARS and _NEEDS_GUARD.match(cell) else cell


def unguard(cell: str) -> str:
    """Undo :func:`guard` (only for cells of a file that starts with the marker)."""
    return cell[1:] if cell[:1] == "'" and _GUARDED.match(cell) else cell


def is_marker(cells: list[str]) -> bool:
    """True for the first record of a file this app wrote: the marker cell, then nothing (a
    spreadsheet that saves the file again pads the line with empty cells)."""
    return bool(cells) and cells[0].strip().casefold().startswith(_MARKER_KEY) and not "".join(cells[1:]).strip()
