"""``RecentImports``: the last 50 import jobs (the reference's "Recent Imports" panel).

Read with ``list_import_jobs(with_issues=False)``: counts and times only, cheap enough to redo
on every poll while a job runs. Enter on a row asks the screen to open it
(:class:`RecentImports.Opened`).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from .import_job_view import status_badge, took
from .import_watch import duplicate_count
from .render import cell, path_text, when

# (key, label, width, shown from this many cells); "file" takes the width that is left.
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
CHROME = 8  # the view's padding, the table's border and its scrollbar


def fit_columns(width: int) -> list[tuple[str, str, int]]:
    """The columns for a ``width``-cell screen; the file name gets what the others leave."""
    shown = [(key, label, w) for key, label, w, min_width in COLUMNS if width >= min_width]
    fixed = sum(w + 2 for key, _, w in shown if key != "file")
    file_width = max(COLUMNS[0][2], width - CHROME - fixed - 2)
    return [(key, label, file_width if key == "file" else w) for key, label, w in shown]


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
        columns = fit_columns(self.app.size.width)
        if columns != self._columns:
            self._columns = columns
            table.clear(columns=True)
            for key, label, width in columns:
                table.add_column(Text(label, style="bold"), width=width, key=key)
        table.clear()
        for job in jobs:
            table.add_row(*self._cells(job), key=job["uid"])
        if current is not None and current in table.rows:
            table.move_cursor(row=table.get_row_index(current), animate=False)
        table.border_subtitle = f"{len(jobs)} of the last 50" if jobs else ""
        hint = "enter shows a job with its row errors and duplicates" if jobs else "No imports yet: n starts one"
        self.query_one("#recent-hint", Static).update(Content(hint))

    def _cells(self, job: dict[str, Any]) -> list[Any]:
        rows = f"{job['processedRows']:,}/{job['totalRows']:,}"
        cells: dict[str, Any] = {
            "file": cell(path_text(job["filename"])),
            "status": status_badge(job["status"]),
            "rows": Text(rows, justify="right", no_wrap=True),
            "imported": _number(job["successCount"], "green"),
            "errors": _number(job["errorCount"], "red"),
            "dups": _number(duplicate_count(job), "yellow"),
            "source": cell(job.get("sourceName")),
            "queued": cell(when(job["createdAt"]), "dim"),
            "took": Text(took(job), style="dim", justify="right", no_wrap=True),
        }
        return [cells[key] for key, _, _ in self._columns]

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
