"""Reading vCard files (``.vcf``, ``.vcard``): each card becomes one record of the CSV path.

A :class:`VcardSource` looks to the rest of the importer like a CSV whose columns are the
import's own field names (:data:`COLUMNS`, each mapped to itself), so row rules, duplicates,
source stamping, ``--on-duplicate``, resuming and ``import errors`` are the CSV path's, not a
copy. A record's row number is the card's number in the file (1-based).

What real exports need, and who does it:

* **Splitting into cards: here.** vobject's ``readComponents`` stops at the first card it
  cannot parse, so the file is cut at its ``BEGIN:VCARD`` / ``END:VCARD`` lines first and a
  bad card is one row error (:class:`~.reading.UnreadableRecord`); the rest import.
* **Unfolding and Android's quoted-printable soft line breaks: here.** vCard 2.1 writers
  (Android, Outlook) end a quoted-printable line with ``=`` and go on at the start of the next
  line, unindented; vobject reads that next line as a property and fails.
* **Skipping ``PHOTO``/``LOGO``/``SOUND``/``KEY``: here**, before parsing: their base64 is
  never decoded or kept (Android writes it unindented, which vobject would fail on).
* **Each property line: vobject** (``parseLine``: groups such as Apple's ``item1.EMAIL``,
  parameters, 2.1's bare ``TEL;CELL;PREF``, quoted values).
* **Quoted-printable with ``CHARSET``: here** (a few lines): vobject's decoding fails the
  card on a charset Python does not know or bytes that are not in it, and skips a lower-case
  ``quoted-printable``; here those fall back to UTF-8, Windows-1252, then Latin-1.
* **Values: vobject's escape decoder** (``stringToTextValues``), split here by the
  property's kind: vobject's own text decoding keeps only what comes before the first
  unescaped comma (2.1 writers do not escape them: ``NOTE:Call Tue, Thu`` would lose "Thu").
* **vCard 4.0:** ``PREF=1..100`` and ``TEL;VALUE=uri:tel:…`` are read here (vobject knows
  3.0 only); everything else 4.0 writes (khard, vdirsyncer) reads as 3.0.

Fields: ``N`` gives first and last name (``FN`` is the full name used when ``N`` has none),
the preferred ``EMAIL`` and ``TEL`` (4.0 ``PREF=n``, 3.0 ``TYPE=pref``, 2.1 ``PREF``; else the
first; a fax or pager only when there is no other number), ``ORG`` (its first part) → account,
``TITLE``, ``CATEGORIES`` → tags (Google's system groups left out), ``NOTE``, and this app's
own ``X-PARSALINK-STAGE``, ``-OWNER``, ``-EMAIL-OPT-OUT``, ``-EMAIL-BOUNCED`` (see
``exporting/vcard_out.py``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice

from ..validation import strip_control
from .mapping import FIELDS, is_google_system_group
from .reading import MAX_FILE_BYTES, BinaryContent, ImportFileError, UnreadableRecord, decode

#: The columns of a vCard source: every import field, in the CSV path's order.
COLUMNS: tuple[str, ...] = FIELDS
_AT = {name: index for index, name in enumerate(COLUMNS)}

#: This app's own properties for what vCard has no property for (written by the vCard export).
X_FIELDS = {
    "X-PARSALINK-STAGE": "stage",
    "X-PARSALINK-OWNER": "assignedTo",
    "X-PARSALINK-EMAIL-OPT-OUT": "emailOptOut",
    "X-PARSALINK-EMAIL-BOUNCED": "emailBounced",
}
OUR_PRODID = "-//parsalink-tui//EN"

_BLOBS = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
# At the start of a line: an indented "END:VCARD" is the continuation of a folded value.
_EDGE = re.compile(r"^(BEGIN|END)[ \t]*:[ \t]*VCARD[ \t]*$", re.MULTILINE | re.IGNORECASE)
_NO_PREF = 101  # 4.0 PREF runs 1 (most preferred) to 100


class NotVcard(BinaryContent):
    """A ``.vcf`` file that holds no vCard: like binary content, its job is created and fails
    with this reason (the issue's rule), and previews refuse it."""


@dataclass
class VcardSource:
    """A decoded vCard file cut into cards; cards are parsed when records are read."""

    text: str = field(repr=False)
    encoding: str
    spans: list[tuple[int, int, str]] = field(repr=False)  # (start, end, structural problem)
    header: list[str] = field(default_factory=lambda: list(COLUMNS))
    raw_header: list[str] = field(default_factory=lambda: list(COLUMNS))
    header_row: int = 0
    delimiter: str | None = None
    guarded: bool = False
    plain_tags: bool = True  # categories arrive as a list: no CSV export conventions apply

    def records(self, start_after_row: int = 0) -> Iterator[tuple[int, list[str]]]:
        """(card number, cells) for each card after ``start_after_row``; a card that cannot be
        read yields an :class:`UnreadableRecord` saying why."""
        for number in range(start_after_row + 1, len(self.spans) + 1):
            start, end, problem = self.spans[number - 1]
            if problem:
                yield number, UnreadableRecord(f"card {number}: {problem}")
                continue
            try:
                yield number, card_cells(self.text[start:end])
            except _CardError as exc:
                yield number, UnreadableRecord(f"card {number}: {exc}")

    def count(self) -> int:
        return len(self.spans)

    def sample(self, size: int = 100) -> list[list[str]]:
        return [cells for _, cells in islice(self.records(), size)]


def open_vcard(data: bytes) -> VcardSource:
    """Decode a vCard file and find its cards (nothing is parsed yet).

    Raises ImportFileError for a file over the cap or empty, BinaryContent for bytes that are
    not text, :class:`NotVcard` for text without a single ``BEGIN:VCARD`` line.
    """
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(
            f"the file is {len(data) / 1048576:.1f} MB; the limit is {MAX_FILE_BYTES // 1048576} MB"
        )
    text, encoding = decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    spans = split_cards(text)
    if not spans:
        raise NotVcard(
            "the file holds no vCard (no BEGIN:VCARD line); if it is a CSV file, name it .csv"
        )
    return VcardSource(text=text, encoding=encoding, spans=spans)


def split_cards(text: str) -> list[tuple[int, int, str]]:
    """(start, end, problem) of each card's body, in file order; ``problem`` is empty for a
    card closed by ``END:VCARD``. Text outside cards is ignored."""
    spans: list[tuple[int, int, str]] = []
    start: int | None = None
    for edge in _EDGE.finditer(text):
        if edge.group(1).upper() == "BEGIN":
            if start is not None:
                spans.append((start, edge.start(), "no END:VCARD before the next BEGIN:VCARD"))
            start = edge.end()
        elif start is not None:
            spans.append((start, edge.start(), ""))
            start = None
    if start is not None:
        spans.append((start, len(text), "the file ends inside this card (no END:VCARD)"))
    return spans


class _CardError(Exception):
    """A card that cannot be read; the message says why."""


def _name_of(line: str) -> str:
    """The property name of a raw line, without its group ("item1.PHOTO;…:…" → "PHOTO")."""
    return line.split(":", 1)[0].split(";", 1)[0].rpartition(".")[2].strip().upper()


def logical_lines(body: str) -> list[str]:
    """The card's property lines: folded lines joined, quoted-printable soft line breaks
    joined, blank lines and the PHOTO/LOGO/SOUND/KEY properties (with their base64) left out."""
    out: list[str] = []
    parts: list[str] | None = None  # the line being joined
    qp = skipping = False
    for raw in body.split("\n"):
        if parts is not None and qp and parts[-1].rstrip(" \t").endswith("="):
            parts[-1] = parts[-1].rstrip(" \t")[:-1]  # a soft line break: the value goes on
            parts.append(raw[1:] if raw[:1] in (" ", "\t") else raw)
            continue
        if raw[:1] in (" ", "\t"):  # folded
            if parts is not None:
                parts.append(raw[1:])
            continue
        if not raw.strip() or (skipping and ":" not in raw):  # blank, or unindented base64
            continue
        if parts is not None:
            out.append("".join(parts))
        skipping = _name_of(raw) in _BLOBS
        parts = None if skipping else [raw]
        qp = not skipping and "QUOTED-PRINTABLE" in raw.split(":", 1)[0].upper()
    if parts is not None:
        out.append("".join(parts))
    return out


@dataclass
class _Line:
    name: str
    params: dict[str, list[str]]
    singletons: list[str]
    value: str  # quoted-printable decoded; backslash escapes still in


def _parse(line: str) -> _Line:
    """One property line through vobject's line grammar, quoted-printable values decoded."""
    from vobject.base import VObjectError, parseLine

    try:
        name, params, value, _group = parseLine(line)
    except VObjectError:
        shown = strip_control(line)
        raise _CardError(f"cannot read the line {shown[:60]!r}{'…' if len(shown) > 60 else ''}") from None
    table: dict[str, list[str]] = {}
    singletons: list[str] = []
    for param in params:
        if len(param) == 1:
            singletons.append(param[0].upper())
        else:
            table.setdefault(param[0].upper(), []).extend(param[1:])
    encodings = {v.upper() for v in table.get("ENCODING", [])} | set(singletons)
    if "QUOTED-PRINTABLE" in encodings:
        value = _decode_qp(value, table.get("CHARSET", ["utf-8"])[0])
    return _Line(name.upper(), table, singletons, value)


def _decode_qp(value: str, charset: str) -> str:
    """A quoted-printable value in its CHARSET; UTF-8, Windows-1252, then Latin-1 when the
    charset is unknown or wrong. (vobject's own decoding fails the card on either, and skips
    a lower-case "quoted-printable".) Line breaks become escaped ones, as in 3.0 text."""
    raw = codecs.decode(value.encode("utf-8"), "quoted-printable")
    for codec in (charset, "utf-8", "cp1252"):
        try:
            text = raw.decode(codec)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        text = raw.decode("latin-1")
    return text.replace("\\", "\\\\").replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _unescape(value: str) -> str:
    """A text value with its backslash escapes decoded (\\n, \\, \\; \\\\), nothing split."""
    if "\\" not in value:
        return value
    from vobject.vcard import stringToTextValues

    return "".join(stringToTextValues(value, listSeparator=None))


def _split(value: str, separator: str) -> list[str]:
    """A structured (";") or list (",") value, split on unescaped separators and unescaped."""
    if "\\" not in value:
        return value.split(separator)
    from vobject.vcard import stringToTextValues

    parts = stringToTextValues(value, listSeparator=separator, charList=separator)
    return [_unescape(part) for part in parts]


def _name_parts(value: str) -> list[str]:
    """N's components (family; given; …); several values in one (unescaped commas) joined by a
    space, as vobject's Name does; an escaped comma is part of the name."""
    if "\\" not in value:
        return [" ".join(part.split(",")) for part in value.split(";")]
    from vobject.vcard import splitFields

    return [" ".join(part) if isinstance(part, list) else part for part in splitFields(value)]


def _types(line: _Line) -> set[str]:
    found = {t.strip().upper() for v in line.params.get("TYPE", []) for t in v.split(",")}
    return found | {s.upper() for s in line.singletons}


def _preference(line: _Line) -> int:
    """1 (most preferred) … 100, or 101 when the line does not say."""
    rank = _NO_PREF
    for value in line.params.get("PREF", []):
        if value.strip().isdigit():
            rank = min(rank, max(1, int(value)))
    if "PREF" in _types(line):
        rank = min(rank, 1)
    return rank


def _phone_value(line: _Line) -> str:
    value = _unescape(line.value).strip()
    if value[:4].lower() == "tel:":
        value = value[4:].split(";", 1)[0]  # parameters such as ;ext=102 are not stored
    elif "URI" in (v.upper() for v in line.params.get("VALUE", [])):
        return ""  # a sip: or other URI is no phone number
    return value


def _email_value(line: _Line) -> str:
    value = _unescape(line.value).strip()
    return value[7:] if value[:7].lower() == "mailto:" else value


def card_cells(body: str) -> list[str]:
    """The cells (in :data:`COLUMNS` order) of one card's body; _CardError if unreadable."""
    cells = [""] * len(COLUMNS)
    emails: list[tuple[int, int, str]] = []
    phones: list[tuple[int, int, int, str]] = []
    notes: list[str] = []
    categories: list[str] = []
    ours = False
    for order, raw in enumerate(logical_lines(body)):
        line = _parse(raw)
        name = line.name
        if name == "N":
            parts = _name_parts(line.value) + ["", ""]
            if not cells[_AT["lastName"]] and not cells[_AT["firstName"]]:
                cells[_AT["lastName"]], cells[_AT["firstName"]] = parts[0], parts[1]
        elif name == "FN":
            cells[_AT["fullName"]] = cells[_AT["fullName"]] or _unescape(line.value)
        elif name == "EMAIL":
            value = _email_value(line)
            if value:
                emails.append((_preference(line), order, value))
        elif name == "TEL":
            value = _phone_value(line)
            if value:
                fax = bool(_types(line) & {"FAX", "PAGER"})
                phones.append((_preference(line), fax, order, value))
        elif name == "ORG":
            cells[_AT["accountName"]] = cells[_AT["accountName"]] or _split(line.value, ";")[0]
        elif name == "TITLE":
            cells[_AT["title"]] = cells[_AT["title"]] or _unescape(line.value)
        elif name == "CATEGORIES":
            categories.extend(_split(line.value, ","))
        elif name == "NOTE":
            notes.append(_unescape(line.value))
        elif name in X_FIELDS:
            cells[_AT[X_FIELDS[name]]] = _unescape(line.value)
        elif name == "PRODID":
            ours = _unescape(line.value).strip() == OUR_PRODID
    if emails:
        cells[_AT["email"]] = min(emails)[2]
    if phones:
        cells[_AT["phone"]] = min(phones)[3]
    cells[_AT["notes"]] = "\n".join(note for note in notes if note.strip())
    cells[_AT["tags"]] = ",".join(
        tag for tag in categories if tag.strip() and (ours or not is_google_system_group(tag))
    )
    return cells


