"""``RecentImports``: the last 50 import jobs (the reference's "Recent Imports" panel).

Read with ``list_import_jobs(with_issues=False)``: counts and times only, cheap enough to redo
on every poll while a job runs. Enter on a row asks the screen to open it
(:class:`RecentImports.Opened`).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from .import_job_view import shown_status, status_badge, took
from .import_watch import duplicate_count
from .render import cell, path_text, when

# (key, label, width on a roomy screen, shown from this many cells); "file" takes the width that is left.
COLUMNS: tuple[tuple[str, str, int, int], ...] = (
    ("file", "File", 14, 0),
    ("status", "Status", 12, 0),
    ("rows", "Rows", 13, 0),
    ("imported", "Imported", 8, 0),
    ("errors", "Errors", 7, 0),
    ("dups", "Dups", 6, 0),
    ("source", "Source", 14, 140),
    ("queued", "Queued (UTC)", 16, 90),
    ("took", "Took", 8, 100),
)
# Which columns go first when the screen is too narrow for all of them (the last ones first).
PRIORITY = ("file", "status", "rows", "imported", "errors", "dups", "queued", "took", "source")
NAMES = ("file", "source")  # names may be cut (with "…"); numbers, times and statuses never are
ROOMY = 100  # from this width columns keep their roomy widths (wider if their cells need it)
FILE_MIN = 10
CHROME = 8  # the view's padding, the table's border and its scrollbar


def fit_columns(width: int, cells: dict[str, list[str]] | None = None) -> list[tuple[str, str, int]]:
    """The columns for a ``width``-cell screen, none of them cutting its ``cells`` (key → texts).

    Each column but the names is as wide as its label and its widest cell (at least its roomy
    width when the screen is roomy); columns are dropped from the end of :data:`PRIORITY` until the rest fit;
    the file name gets what the others leave.
    """
    cells = cells or {}
    budget = width - CHROME
    widths = {}
    for key, label, roomy, _ in COLUMNS:
        if key in NAMES:
            widths[key] = roomy
            continue
        needed = max([cell_len(label), *(cell_len(t) for t in cells.get(key, ()))])
        widths[key] = max(roomy, needed) if width >= ROOMY else needed
    shown_from = {key: min_width for key, _, _, min_width in COLUMNS}
    chosen = {"file"}
    used = FILE_MIN + 2
    for key in PRIORITY[1:]:
        cost = widths[key] + 2  # a cell's padding
        if width < shown_from[key] or used + cost > budget:
            break
        chosen.add(key)
        used += cost
    widths["file"] = max(FILE_MIN, budget - used + FILE_MIN)
    return [(key, label, widths[key]) for key, label, _, _ in COLUMNS if key in chosen]


def _number(value: int, style: str = "") -> Text:
    return Text(f"{value:,}", style=style if value else "dim", justify="right", no_wrap=True)


class RecentImports(Vertical):
    """The recent-imports table."""

    class Opened(Message):
        """The user chose the job ``uid`` (enter or click)."""

        def __init__(self, uid: str) -> None:
            super().__init__()
            self.uid = uid

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs: list[dict[str, Any]] = []
        self._columns: list[tuple[str, str, int]] = []

    def compose(self) -> ComposeResult:
        yield DataTable(id="recent-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="recent-hint")

    def on_mount(self) -> None:
        self.query_one("#recent-table").border_title = "Recent imports"

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#recent-table", DataTable)

    def load(self) -> None:
        """Read the jobs again and redraw, keeping the cursor on the same job."""
        jobs: list[dict[str, Any]] | None = None
        with self.app.reporting("Could not list imports"):
            jobs = self.app.service.list_import_jobs(with_issues=False)
        if jobs is None:
            return
        self.jobs = jobs
        table = self.table
        current = self.current_uid
        rows = [self._cells(job) for job in jobs]
        columns = fit_columns(self.app.size.width, {key: [row[key].plain for row in rows] for key, *_ in COLUMNS})
        if columns != self._columns:
            self._columns = columns
            table.clear(columns=True)
            for key, label, width in columns:
                table.add_column(Text(label, style="bold"), width=width, key=key)
        table.clear()
        for job, row in zip(jobs, rows, strict=True):
            table.add_row(*[row[key] for key, _, _ in columns], key=job["uid"])
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        table.border_subtitle = f"{len(jobs)} of the last 50" if jobs else ""
        hint = "enter shows a job with its row errors and duplicates" if jobs else "No imports yet: n starts one"
        self.query_one("#recent-hint", Static).update(Content(hint))

    def _cells(self, job: dict[str, Any]) -> dict[str, Text]:
        rows = f"{job['processedRows']:,}/{job['totalRows']:,}"
        cells: dict[str, Text] = {
            "file": cell(path_text(job["filename"])),
            "status": status_badge(shown_status(job)),
            "rows": Text(rows, justify="right", no_wrap=True),
            "imported": _number(job["successCount"], "green"),
            "errors": _number(job["errorCount"], "red"),
            "dups": _number(duplicate_count(job), "yellow"),
            "source": cell(job.get("sourceName")),
            "queued": cell(when(job["createdAt"]), "dim"),
            "took": Text(took(job), style="dim", justify="right", no_wrap=True),
        }
        return cells

    @property
    def current_uid(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return str(key.value)

    @on(DataTable.RowSelected, "#recent-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.Opened(str(event.row_key.value)))
