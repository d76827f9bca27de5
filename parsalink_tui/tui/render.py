"""Turning user data into terminal text safely: plain ``Text``/``Content``, never markup.

Everything a user (or an imported file) typed goes through :func:`clean` before it reaches the
screen: control characters are dropped, so an escape sequence stored by another tool prints as
harmless text, and ``Text``/``Content`` are built from it as literal strings, so ``[bold]`` is
shown as typed (rule 2 of docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.content import Content

from ..validation import STAGE_LABELS, STAGE_VALUES, strip_control

# Badge colours chosen to read on both dark and light themes (the text colour is part of it).
STAGE_STYLES: dict[str, str] = {
    "new": "bold #ffffff on #3b6fd8",
    "contacted": "bold #0b1a24 on #5ec4e8",
    "engaged": "bold #ffffff on #8a4fd6",
    "proposal_sent": "bold #1d1400 on #e8b33a",
    "negotiation": "bold #1d0b00 on #f0813a",
    "customer": "bold #ffffff on #2f8f3a",
    "inactive": "bold #ffffff on #6b6f80",
}


def clean(value: Any) -> str:
    """A value as one line of printable text ("" for None)."""
    if value is None:
        return ""
    return strip_control(str(value))


def path_text(value: Any) -> str:
    """A path or file name as one line of plain text, every character you could not see made visible.

    File names may hold anything but "/" and NUL: an escape sequence (``esc\\x1b[31m.csv``) must
    not reach the terminal, and two files whose names differ only in a control character must
    not look alike, so such characters are shown as ``\\xNN``/``\\uXXXX`` instead of dropped. A
    byte that is not UTF-8 (Python's surrogate escape) is shown as ``\\xNN`` too. Markup is
    harmless: callers build ``Text``/``Content`` from it literally.
    """
    text = "" if value is None else str(value)
    if text.isprintable():  # the common case
        return text
    return "".join(ch if ch.isprintable() else _escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def clean_block(value: Any) -> str:
    """Multi-line text (notes) with line breaks kept and other controls dropped."""
    if value is None:
        return ""
    return strip_control(str(value), keep_newlines=True)


def cell(value: Any, style: str = "") -> Text:
    """A table cell: literal text, no markup, no wrapping."""
    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")


def content(value: Any, style: str = "") -> Content:
    """Literal ``Content`` for a Static/Label."""
    return Content.styled(clean(value), style) if style else Content(clean(value))


def stage_label(stage: str | None) -> str:
    return STAGE_LABELS.get(stage or "", clean(stage))


def stage_number(stage: str) -> int:
    return STAGE_VALUES.index(stage) + 1 if stage in STAGE_VALUES else 0


def stage_badge(stage: str | None) -> Text:
    """The coloured stage badge used in the table."""
    return Text(f" {stage_label(stage)} ", style=STAGE_STYLES.get(stage or "", "reverse"), no_wrap=True)


def full_name(contact: dict[str, Any]) -> str:
    name = " ".join(clean(p) for p in (contact.get("firstName"), contact.get("lastName")) if p)
    return name or "(no name)"


def date_only(iso: str | None) -> str:
    """``2025-01-15T10:30:00Z`` → ``2025-01-15``: absolute dates keep pictures stable."""
    return (iso or "")[:10]


def when(iso: str | None) -> str:
    """``2025-01-15T10:30:00Z`` → ``2025-01-15 10:30`` (UTC)."""
    if not iso:
        return ""
    return f"{iso[:10]} {iso[11:16]}"
