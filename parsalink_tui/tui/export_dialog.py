"""``ExportDialog``: export the contacts list's current view to a file named in a prompt.

The view is the list's filters, search and sort (``ListQuery``), every matching contact, not
the page. The file name's ending picks the format (``.csv``, ``.vcf``/``.vcard``, ``.json``);
the file is new (never over one) and ``0600``. The export runs in a thread worker through
``Service.export_to_file`` with a progress bar; ``escape`` cancels it and the half-written file
is removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static
from textual.worker import get_current_worker

from ..errors import ParsalinkError
from ..timeutil import now_utc
from .render import clean, path_text
from .widgets import TextInput
from .workers import background


class ExportCancelled(Exception):
    """Raised from the progress callback when the dialog's worker was cancelled."""


def default_name(folder: Path) -> str:
    """``contacts-YYYYMMDD.csv`` in ``folder``, or ``-2``, ``-3``… when that name is taken."""
    stem = f"contacts-{now_utc():%Y%m%d}"
    n = 1
    while (folder / (f"{stem}.csv" if n == 1 else f"{stem}-{n}.csv")).exists():
        n += 1
    return f"{stem}.csv" if n == 1 else f"{stem}-{n}.csv"


class ExportDialog(ModalScreen[None]):
    """The file to export the view to; enter exports (with progress), escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    def __init__(self, filters: dict[str, Any], ordering: str, described: str) -> None:
        super().__init__()
        self.filters = filters
        self.ordering = ordering
        self.described = described
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Export this view", "bold"))
            yield Static(Content.styled(self.described, "dim"), id="export-view")
            yield Label("File (.csv, .vcf or .json: the ending picks the format)")
            yield TextInput(value=default_name(Path.cwd()), id="export-path", max_length=4096)
            yield ProgressBar(id="export-progress", show_eta=False)
            yield Label("", classes="field-error", id="export-error")
            yield Static(Content.styled("enter export · escape cancel", "dim"))

    def on_mount(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False

    @on(Input.Submitted, "#export-path")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.running:
            return
        name = event.value.strip()
        if not name:
            self.query_one("#export-error", Label).update("Name the file")
            return
        self.running = True
        self.query_one("#export-error", Label).update("")
        bar = self.query_one("#export-progress", ProgressBar)
        bar.display = True
        bar.update(total=None, progress=0)
        self.run_export(Path(name).expanduser())

    @background(group="export", failure="Export failed")
    def run_export(self, path: Path) -> None:
        worker = get_current_worker()

        def progress(done: int, total: int) -> None:
            if worker.is_cancelled:
                raise ExportCancelled
            self.app.call_from_thread(self._progress, done, total)

        try:
            result = self.app.service.export_to_file(path, ordering=self.ordering, progress=progress, **self.filters)
        except ExportCancelled:
            return
        except (ParsalinkError, OSError) as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, str(exc))
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done, result)

    def _progress(self, done: int, total: int) -> None:
        if self.is_attached:
            self.query_one("#export-progress", ProgressBar).update(total=max(total, 1), progress=done)

    def _failed(self, message: str) -> None:
        self.running = False
        self.app.notify(message, title="Export failed", severity="error", timeout=8, markup=False)
        if self.is_attached:
            self.query_one("#export-progress", ProgressBar).display = False
            self.query_one("#export-error", Label).update(Content(clean(message)))

    def _done(self, result: dict[str, Any]) -> None:
        count = result["count"]
        self.app.notify(f"Exported {count:,} contact{'s' if count != 1 else ''} to {path_text(result['path'])}",
                        title="Export", markup=False)  # fmt: skip
        if self.is_attached:
            self.dismiss(None)

    def action_cancel(self) -> None:
        """Close; a running export stops at its next chunk and its file is removed."""
        self.workers.cancel_group(self, "export")
        self.dismiss(None)
