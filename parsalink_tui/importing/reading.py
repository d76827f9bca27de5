"""Reading an uploaded CSV: bytes → text → records, with row numbers a user can find.

People bring files from spreadsheets and CRMs, not from a CSV specification: UTF-8 with or
without a BOM, UTF-16 from Excel's "Unicode text", Windows-1252 from older Excel and Outlook,
semicolons where the decimal separator is a comma, an Excel ``sep=;`` line, LinkedIn's
"Notes:" preamble, classic-Mac CR line endings. This module accepts all of those, refuses what
is not text with a message that says so, and numbers records the way the user will look for
them (see :class:`CsvSource`).

Parsing is Python's C ``csv`` module over the decoded text; nothing here loops over characters
in Python, so a 10 MB file parses in a fraction of a second.

Row numbers: the 1-based record number counting every record from the top of the file, where a
quoted field with line breaks stays one record. Preamble lines, blank lines, an Excel ``sep=``
line and the header all count, because they are lines the user sees when opening the file in
a text editor (Excel hides ``sep=``; a text editor, where people go looking for row 14, shows
it). With no preamble the header is row 1 and the first contact is row 2.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from parsalink_tui.csv_guard import is_marker, unguard
from parsalink_tui.errors import ParsalinkError
from parsalink_tui.importing import mapping

#: The import body cap from the reference ("10 MB CSV body cap").
MAX_FILE_BYTES = 10 * 1024 * 1024

#: Delimiters the detector chooses between, in tie-break order.
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")

_DELIMITER_SAMPLE_RECORDS = 30  # records parsed per candidate delimiter
_HEADER_SEARCH_RECORDS = 100  # how far down a preamble may push the header
_BINARY_SAMPLE_CHARS = 65536


class ImportFileError(ParsalinkError):
    """The file cannot be read as CSV (empty, binary, NUL bytes, no header row)."""


class UnreadableRecord(list[str]):
    """A record the reader could not make cells of (a vCard that does not parse): no cells, and
    the reason, which the row validator reports as the row's error."""

    def __init__(self, problem: str) -> None:
        super().__init__()
        self.problem = problem


class BinaryContent(ImportFileError):
    """The bytes are not text: a known binary format, NUL bytes, control characters, or a
    byte-order mark the rest of the file does not follow. Such a file's import job is created
    and fails with this message (the issue's rule), where other unreadable files are refused."""


# --- decoding -------------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook?)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office document (an Excel .xls workbook?)"),
    (b"\x1f\x8b", "a gzip archive"),
)

# C0 controls other than tab, LF, VT, FF, CR, plus DEL: common in binary, rare in text.
_CONTROL_CHARS = re.compile("[\x01-\x08\x0e-\x1f\x7f]")
# cp1252 leaves these five bytes undefined; WHATWG's windows-1252 maps them as latin-1 does.
_CP1252_HOLES = frozenset(b"\x81\x8d\x8f\x90\x9d")
_C1_BYTES = re.compile(b"[\x80-\x9f]")


def _latin1_for_cp1252_holes(exc: UnicodeError) -> tuple[str, int]:
    """codecs error handler: decode a byte cp1252 leaves undefined as its latin-1 character."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    if not all(byte in _CP1252_HOLES for byte in bad):
        raise exc
    return bad.decode("latin-1"), exc.end


codecs.register_error("parsalink-cp1252-holes", _latin1_for_cp1252_holes)


def _refuse_binary(data: bytes) -> None:
    """Raise for well-known binary formats so the user learns what they actually picked."""
    head = data[:16]
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise BinaryContent(f"the file looks like {what}, not a CSV text file")


def _refuse_nul(data: bytes | str) -> None:
    """NUL never belongs in CSV text; it usually means binary or BOM-less UTF-16."""
    if isinstance(data, str):
        at = data.find("\x00")
        line = data.count("\n", 0, at) + 1
    else:
        at = data.find(b"\x00")
        line = data.count(b"\n", 0, at) + 1
    if at >= 0:
        raise BinaryContent(
            f"the file contains NUL bytes (first on line {line}); it does not look like a CSV "
            "text file (if it is UTF-16, save it as UTF-8)"
        )


def decode(data: bytes) -> tuple[str, str]:
    """Decode uploaded bytes to text; return (text, codec name used).

    UTF-8 first (a BOM is dropped: "utf-8-sig"); UTF-16/32 when the file starts with their
    BOM; otherwise a single-byte fallback, like the reference's latin-1 one but preferring
    cp1252 when bytes 0x80-0x9F appear: in latin-1 those are invisible control characters, in
    cp1252 they are curly quotes, dashes and the euro sign, which is what Excel and Outlook on
    Windows meant.
    Raises :class:`ImportFileError` for an empty file, known binary formats, NUL bytes and
    text dense with control characters.
    """
    if not data:
        raise ImportFileError("the file is empty")
    _refuse_binary(data)
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        codec = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    else:
        codec = ""
    if codec:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise BinaryContent(
                f"the file starts with a {codec.upper()} byte-order mark but is not valid "
                f"{codec.upper()} (byte {exc.start})"
            ) from None
        endian = "le" if data[:2] == b"\xff\xfe" else "be"
        name = f"{codec}-{endian}"
        _refuse_nul(text)
    else:
        _refuse_nul(data)
        if data.startswith(codecs.BOM_UTF8):
            name, raw = "utf-8-sig", data[3:]
        else:
            name, raw = "utf-8", data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            if _C1_BYTES.search(raw):
                name, text = "cp1252", raw.decode("cp1252", "parsalink-cp1252-holes")
            else:
                name, text = "latin-1", raw.decode("latin-1")
    sample = text[:_BINARY_SAMPLE_CHARS]
    controls = len(_CONTROL_CHARS.findall(sample))
    if controls >= 8 and controls > len(sample) // 100:
        raise BinaryContent(
            f"the file has {controls} control characters in its first {len(sample)} characters; "
            "it does not look like a CSV text file"
        )
    return text, name


# --- dialect ---------------------------------------------------------------------------------

_SEP_LINE = re.compile(r'"?sep=([^\w"\r\n ])"?[ \t]*(?:\r\n|\r|\n|$)', re.IGNORECASE)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _reader(text: str, delimiter: str, *, lazy: bool = False) -> Iterator[list[str]]:
    """The one csv reader configuration used everywhere, so counts and numbers agree.

    Lines end at \\r\\n, \\n or a bare \\r; the csv module keeps line breaks inside quoted
    fields as written. ``lazy`` feeds lines from a regex scan instead of ``io.StringIO``, whose
    set-up copies the whole text (~20 ms for 10 MB): right for peeking at the first records.
    :meth:`CsvSource.records` is lazy too: the copy is 4 bytes a character (~40 MB for a 10 MB
    file, the largest allocation of an import) and saves only ~25 ms a pass.
    """
    lines: Iterator[str]
    if lazy:
        lines = (match.group() for match in _LINE.finditer(text))
    else:
        lines = io.StringIO(text, newline="")
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True,
                      skipinitialspace=False, strict=False)


def is_blank(cells: list[str]) -> bool:
    """A record with no cells, or only empty/whitespace cells (",,,," rows Excel leaves)."""
    return not "".join(cells).strip()


def detect_delimiter(text: str, skip: int = 0) -> str:
    """The delimiter that splits the first records into the most rows of one width (>1).

    Each candidate parses the first records with quotes honoured, so delimiters inside quoted
    fields do not count (csv.Sniffer guesses from raw character counts and gets those wrong).
    Score: how many records share the most common width, then that width (a ';' file with
    decimal commas has a consistent width 2 with ',' but a wider one with ';'), then the order
    of DELIMITERS. ``skip`` records (a sep= line) are ignored. Default ",".
    """
    best: tuple[int, int, int] = (0, 0, 0)
    chosen = ","
    for order, delimiter in enumerate(DELIMITERS):
        reader = _reader(text, delimiter, lazy=True)
        records = islice(reader, skip, skip + _DELIMITER_SAMPLE_RECORDS)
        widths = Counter(len(cells) for cells in records if len(cells) > 1 and not is_blank(cells))
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (count, width, -order)
        if score > best:
            best, chosen = score, delimiter
    return chosen


# --- header ----------------------------------------------------------------------------------

_EMAILISH = re.compile(r"[^@\s]+@[^@\s]+")
_NUMBERISH = re.compile(r"[+\-]?[\d.,:/() ]+")


def _looks_like_labels(cells: list[str]) -> bool:
    """A row of column names rather than data: no emails, no numbers, no repeats."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    if len(filled) < 2 or len({cell.casefold() for cell in filled}) != len(filled):
        return False
    # Length first: _EMAILISH.search is quadratic on a long cell without "@" (a 5 MB header
    # cell took hours), and a cell over 100 characters is no label anyway.
    return not any(
        len(cell) > 100 or _EMAILISH.search(cell) or _NUMBERISH.fullmatch(cell) for cell in filled
    )


def _similar_width(width: int, following: list[int]) -> bool:
    """Records after a header of ``width`` are mostly about as wide (or there are none).

    Compared with the most common width of the next records rather than the very next one,
    so a short preamble line followed by a wide header is not taken for the header.
    """
    if not following:
        return True
    usual = Counter(following[:20]).most_common(1)[0][0]
    return abs(usual - width) <= max(1, width // 5)


def find_header(records: list[tuple[int, list[str]]]) -> tuple[int, list[str]] | None:
    """Pick the header among the first (row number, cells) records, or None.

    The header is the first record that has at least two non-empty cells (or one cell that
    maps to email: a plain list of addresses), names at least one column real exports use
    (mapping.is_known_header), and is followed by records of similar width. LinkedIn's
    "Notes:" paragraph is one cell, so it never qualifies. For files whose columns we do not
    know (a,b,c) the first record with two or more non-empty cells is the header if it reads
    as labels (no emails, numbers or repeats); a first row like "John Doe,John,Doe,
    john@doe.example" means the file has no header, and it is refused.
    """
    rows = [(number, cells) for number, cells in records if not is_blank(cells)]
    widths = [len(cells) for _, cells in rows]
    for index, (number, cells) in enumerate(rows):
        filled = [cell for cell in cells if cell.strip()]
        single_email = len(filled) == 1 and mapping.guess_field(filled[0]) == "email"
        if (
            (len(filled) >= 2 or single_email)
            and any(mapping.is_known_header(cell) for cell in filled)
            and _similar_width(len(cells), widths[index + 1 :])
        ):
            return number, cells
    for index, (number, cells) in enumerate(rows):
        if sum(1 for cell in cells if cell.strip()) >= 2:
            if _looks_like_labels(cells) and _similar_width(len(cells), widths[index + 1 :]):
                return number, cells
            return None
    return None


_CONTROL_ANY = re.compile("[\x00-\x1f\x7f-\x9f]")


def display_header(cells: list[str]) -> list[str]:
    """Header names as shown and as keys of a mapping: one line, unique, never empty.

    Whitespace runs (including line breaks from a wrapped Excel header cell) and control
    characters become one space, so a name fits a one-line widget, cannot carry terminal
    escapes, and can be typed in field_mappings. An empty header cell
    becomes "Column N" (1-based) and a repeated name gets " (2)", " (3)", so every column can
    be named and none is lost from a dict keyed by header.
    """
    names: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(cells, start=1):
        base = " ".join(_CONTROL_ANY.sub(" ", cell).split()) or f"Column {index}"
        name, copy = base, 1
        while name in seen:
            copy += 1
            name = f"{base} ({copy})"
        seen.add(name)
        names.append(name)
    return names


# --- the source ------------------------------------------------------------------------------


@dataclass
class CsvSource:
    """A decoded CSV ready to iterate: dialect and header settled, records not yet parsed.

    ``header`` holds display names (see display_header), ``raw_header`` the cells as written,
    ``header_row`` the header's row number. Records are parsed again on each call to
    :meth:`records` rather than kept, so memory stays at the decoded text.
    """

    text: str = field(repr=False)
    encoding: str
    delimiter: str
    header: list[str]
    raw_header: list[str]
    header_row: int
    has_sep_line: bool = False
    guarded: bool = False  # written by this app (csv_guard's marker line): cells are unguarded
    _count: int | None = field(default=None, init=False, repr=False)

    @property
    def plain_tags(self) -> bool:
        """Tags cells are this app's own comma lists (no export conventions to undo)."""
        return self.guarded

    def records(self, start_after_row: int = 0) -> Iterator[tuple[int, list[str]]]:
        """Yield (row number, cells) for each non-blank record after the header.

        ``start_after_row`` resumes a job after its last committed row. Ragged rows are
        yielded as they are (see :func:`row_width_error`); cells are not stripped.
        """
        skip = max(self.header_row, start_after_row)
        rows = islice(_reader(self.text, self.delimiter, lazy=True), skip, None)
        if self.guarded:
            rows = ([unguard(cell) for cell in cells] for cells in rows)
        for number, cells in enumerate(rows, start=skip + 1):
            if not is_blank(cells):
                yield number, cells

    def count(self) -> int:
        """Number of non-blank data records (the job's totalRows); parsed once, then cached."""
        if self._count is None:
            self._count = sum(1 for _ in self.records())
        return self._count

    def sample(self, size: int = 100) -> list[list[str]]:
        """The first ``size`` data records' cells, for previews and mapping.guess_mapping."""
        return [cells for _, cells in islice(self.records(), size)]


def row_width_error(cells: list[str], header_width: int) -> str | None:
    """The row error for a ragged record, or None when its width is acceptable.

    Extra cells that are all empty are accepted: spreadsheets pad rows with trailing commas,
    and they carry no data to lose. Missing cells are an error because the values that are
    there may have shifted into the wrong columns.
    """
    width = len(cells)
    if width == header_width or (width > header_width and is_blank(cells[header_width:])):
        return None
    return f"row has {width} fields, the header has {header_width}"


def _raise_field_limit() -> None:
    """Let one cell be as large as the whole upload; the csv default (128 KiB) is too small."""
    if csv.field_size_limit() < MAX_FILE_BYTES + 1:
        csv.field_size_limit(MAX_FILE_BYTES + 1)


def open_csv(data: bytes) -> CsvSource:
    """Decode, detect the dialect and find the header of an uploaded CSV.

    Raises :class:`ImportFileError` for a file over MAX_FILE_BYTES, an empty file (or one of
    blank lines), binary content, NUL bytes, a vCard, and a file with no recognisable header row.
    A file that starts with ``csv_guard.MARKER`` was written by this app: its cells are
    unguarded as they are read (``CsvSource.guarded``); no other file's are.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"the file is {len(data) / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB"
        )
    text, encoding = decode(data)
    if text.lstrip("\ufeff \t\r\n")[:11].upper() == "BEGIN:VCARD":
        raise ImportFileError("the file is a vCard, not CSV; name it .vcf to import it as vCards")
    _raise_field_limit()
    sep = _SEP_LINE.match(text)
    skip = 1 if sep else 0
    delimiter = sep.group(1) if sep else detect_delimiter(text)
    numbered = enumerate(_reader(text, delimiter, lazy=True), start=1)
    head = list(islice(numbered, skip, _HEADER_SEARCH_RECORDS))
    if all(is_blank(cells) for _, cells in head):
        raise ImportFileError("the file is empty (no rows)")
    found = find_header(head)
    if found is None:
        first = next(cells for _, cells in head if not is_blank(cells))
        preview = delimiter.join(first)[:60]
        raise ImportFileError(
            f"no header row found: the first row ({preview!r}) looks like data; the first line "
            "must name the columns, e.g. First Name,Last Name,Email"
        )
    header_row, raw = found
    guarded = is_marker(head[0][1])
    if guarded:
        raw = [unguard(cell) for cell in raw]
    return CsvSource(text=text, encoding=encoding, delimiter=delimiter,
                     header=display_header(raw), raw_header=list(raw), header_row=header_row,
                     has_sep_line=bool(sep), guarded=guarded)
