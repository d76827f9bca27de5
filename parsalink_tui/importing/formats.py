"""Which reader a file gets: chosen by its name's extension, once, when the job is created.

The kind is stored in the job's settings (``"format"``), so the worker and the validation
process read the stored bytes the same way even if the file has been renamed since; jobs
created before vCards were read have no kind and are CSV.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .reading import CsvSource, open_csv

if TYPE_CHECKING:
    from .vcard import VcardSource

CSV, VCARD = "csv", "vcard"
#: Every kind of file the importer reads.
KINDS: tuple[str, ...] = (CSV, VCARD)
#: File name endings the importer takes, and the reader each one gets.
ENDINGS: dict[str, str] = {".csv": CSV, ".vcf": VCARD, ".vcard": VCARD}


def kind_of(filename: str) -> str | None:
    """"csv" or "vcard" for a name the importer takes, else None."""
    lowered = filename.lower()
    return next((kind for ending, kind in ENDINGS.items() if lowered.endswith(ending)), None)


def open_source(data: bytes, kind: str | None) -> CsvSource | VcardSource:
    """The records of ``data`` read as ``kind`` (None: CSV)."""
    if kind == VCARD:
        from .vcard import open_vcard

        return open_vcard(data)
    return open_csv(data)
