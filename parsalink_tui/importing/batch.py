"""What the validation (its own process, or the worker itself) hands the writer, and the two ways
a worker's job ends early. Kept apart from ``writer`` so that the validation process imports
no database code: SQLAlchemy alone is ~18 MB of its peak memory (tests/import/test_validation_imports.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .rows import CleanRow


class LostJob(Exception):
    """The job is no longer ours (another worker took it over as stale): nothing was written."""


class Stopped(Exception):
    """The worker was asked to stop; the job is released for the next worker."""


@dataclass
class Batch:
    """What one transaction writes: validated rows, row errors, and how far the file got."""

    rows: list[CleanRow] = field(default_factory=list)
    errors: list[tuple[int, str, list[str]]] = field(default_factory=list)  # row, message, cells
    records: int = 0  # records consumed (each is a success, an error or a duplicate)
    last_row: int = 0  # spreadsheet row number of the last record consumed
