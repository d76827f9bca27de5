"""``JobView``: one import job — progress while it runs; counts, row errors and duplicates after.

The screen feeds it: :meth:`JobView.show` with each poll (the job without its issues), and
:meth:`JobView.show_issues` once with the full job when it has ended. Only the first
:data:`MAX_ISSUE_ROWS` errors and duplicates go into the tables (a DataTable of thousands of
rows is slow to draw); the failed-rows CSV has them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, ProgressBar, Static

from .import_watch import ENDED, duplicate_count
from .render import cell, clean, path_text, when

MAX_ISSUE_ROWS = 200
ROW_WIDTH = 7
ID_WIDTH = 30  # cnt_ + a 26-character ULID
CHROME = 10  # the view's padding, a table's border and its scrollbar
# Badge colours that read on dark and light themes (as the stage badges).
STATUS_STYLES: dict[str, str] = {
    "queued": "bold #ffffff on #6b6f80",
    "processing": "bold #1d1400 on #e8b33a",
    "complete": "bold #ffffff on #2f8f3a",
    "failed": "bold #ffffff on #c0392b",
    "reverted": "bold #ffffff on #6b6f80",
}


def status_badge(status: str) -> Text:
    return Text(f" {clean(status)} ", style=STATUS_STYLES.get(status, "reverse"), no_wrap=True)


def shown_status(job: dict[str, Any]) -> str:
    """The job's status as the TUI shows it: a complete job whose revert completed is "reverted"."""
    return "reverted" if job.get("revertedAt") else str(job["status"])


def took(job: dict[str, Any]) -> str:
    """How long the job ran, from its own timestamps ("" while it runs): no clock involved."""
    try:
        started = datetime.fromisoformat(str(job["startedAt"]))
        finished = datetime.fromisoformat(str(job["finishedAt"]))
    except (TypeError, ValueError):
        return ""
    seconds = max(0, int((finished - started).total_seconds()))
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min {seconds % 60} s"


def count_line(job: dict[str, Any]) -> Content:
    errors, duplicates = job["errorCount"], duplicate_count(job)
    return Content.assemble(
        "Rows ", (f"{job['processedRows']:,}", "bold"), f" of {job['totalRows']:,}",
        "   ·   Imported ", (f"{job['successCount']:,}", "bold $text-success"),
        "   ·   Errors ", (f"{errors:,}", "bold $text-error" if errors else "bold"),
        "   ·   Duplicates ", (f"{duplicates:,}", "bold $text-warning" if duplicates else "bold"),
    )  # fmt: skip


REVERT_SHOWN = 3  # protected contacts named in the revert line; the CLI's job JSON has them all


def revert_line(job: dict[str, Any]) -> Content:
    """What the job's revert did (or has done so far), and which contacts it left alone."""
    revert = job["revert"]
    counts = f"{revert['deleted']:,} deleted · {revert['restored']:,} restored"
    if revert["status"] == "complete":
        head = Content.assemble(("Reverted ", "bold"), f"{when(job.get('revertedAt'))} · {counts}")
    else:
        head = Content.assemble(("Reverting… ", "bold"), f"{revert['processed']:,} of {revert['total']:,} · {counts}")
    protected = revert.get("protectedCount") or 0
    if not protected:
        return head
    named = [clean(p.get("email") or p["id"]) for p in (revert.get("protected") or [])[:REVERT_SHOWN]]
    more = f", and {protected - len(named):,} more" if protected > len(named) else ""
    return Content.assemble(
        head, (f" · {protected:,} left alone (changed since the import)", "$text-warning"),
        f": {', '.join(named)}{more}" if named else "",
    )  # fmt: skip


def meta_line(job: dict[str, Any]) -> Content:
    parts = [f"source {clean(job['sourceName'])}" if job.get("sourceName") else "no source"]
    parts.append(f"queued {when(job['createdAt'])}")
    if job.get("finishedAt"):  # the duration says when it started
        duration = took(job)
        parts.append(f"finished {when(job['finishedAt'])}" + (f" (took {duration})" if duration else ""))
    elif job.get("startedAt"):
        parts.append(f"started {when(job['startedAt'])}")
    return Content(" · ".join(parts))


class JobView(Vertical):
    """Progress and outcome of one import job."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.job: dict[str, Any] | None = None
        self.issues_shown_for: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="job-summary"):
            yield Static(id="job-title")
            yield ProgressBar(total=100, show_eta=False, id="job-bar")
            yield Static(id="job-counts")
            yield Static(id="job-meta")
            yield Static(id="job-message")
            yield Static(id="job-revert")
        yield Static(id="job-wait")
        with Vertical(id="job-issues"):
            yield DataTable(id="job-errors", cursor_type="row", zebra_stripes=True)
            yield DataTable(id="job-dups", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#job-summary").border_title = "Import job"
        self.query_one("#job-revert").display = False

    def _set_columns(self) -> None:
        """Columns that fit the screen's width, so a long message needs no sideways scrolling."""
        inner = self.app.size.width - CHROME
        errors = self.query_one("#job-errors", DataTable)
        errors.clear(columns=True)
        errors.add_column(Text("Row", style="bold"), width=ROW_WIDTH, key="row")
        errors.add_column(Text("Message", style="bold"), width=max(20, inner - ROW_WIDTH - 4), key="message")
        dups = self.query_one("#job-dups", DataTable)
        dups.clear(columns=True)
        existing = min(ID_WIDTH, max(12, inner - ROW_WIDTH - 6 - 24))
        dups.add_column(Text("Row", style="bold"), width=ROW_WIDTH, key="row")
        dups.add_column(Text("Email", style="bold"), width=max(16, inner - ROW_WIDTH - existing - 6), key="email")
        dups.add_column(Text("Existing contact", style="bold"), width=existing, key="existing")

    @property
    def ended(self) -> bool:
        return self.job is not None and self.job["status"] in ENDED

    def show(self, job: dict[str, Any]) -> None:
        """Draw the job's status and counts (``job`` with or without its issues)."""
        if self.job is None or self.job["uid"] != job["uid"]:
            self.issues_shown_for = None
        self.job = job
        status = job["status"]
        self.query_one("#job-title", Static).update(
            Content.assemble(
                (path_text(job["filename"]), "bold"), "   ", Content.from_rich_text(status_badge(shown_status(job)))
            )
        )
        bar = self.query_one("#job-bar", ProgressBar)
        bar.update(total=100, progress=job["progressPercent"])
        bar.set_class(status == "failed", "-failed")
        self.query_one("#job-counts", Static).update(count_line(job))
        self.query_one("#job-meta", Static).update(meta_line(job))
        message = self.query_one("#job-message", Static)
        failed = status == "failed"
        message.display = failed
        if failed:
            message.update(Content.assemble(("Failed: ", "bold"), clean(job.get("errorMessage")) or "no reason given"))
        reverting = self.query_one("#job-revert", Static)
        reverting.display = "revert" in job
        if "revert" in job:
            reverting.update(revert_line(job))
        ended = status in ENDED
        wait = self.query_one("#job-wait", Static)
        wait.display = not ended
        if not ended:
            waiting = "Waiting for the import worker…" if status == "queued" else "Importing in the background."
            wait.update(
                Content(f"{waiting} You can leave this screen (escape) and triage; you will be told when it ends.")
            )
        self.query_one("#job-issues").display = ended and self.issues_shown_for == job["uid"]

    def focus_first(self) -> None:
        """Focus the first issue table that shows, else nothing (so the screen's keys work)."""
        for table in self.query(DataTable):
            if table.display and self.query_one("#job-issues").display:
                table.focus()
                return
        self.screen.set_focus(None)

    def show_issues(self, job: dict[str, Any]) -> None:
        """Fill the row-error and duplicate tables from the full job (it has ended)."""
        self.show(job)
        errors, dups = job.get("errors") or [], job.get("duplicates") or []
        self._set_columns()
        error_table = self.query_one("#job-errors", DataTable)
        for item in errors[:MAX_ISSUE_ROWS]:
            error_table.add_row(cell(item["row"], "dim"), cell(item["message"]))
        dup_table = self.query_one("#job-dups", DataTable)
        for item in dups[:MAX_ISSUE_ROWS]:
            dup_table.add_row(cell(item["row"], "dim"), cell(item["email"]), cell(item["existingId"], "dim"))
        error_table.border_title = f"Row errors ({len(errors):,})"
        dup_table.border_title = f"Duplicates ({len(dups):,})"
        error_table.border_subtitle = f"first {MAX_ISSUE_ROWS} · E saves all" if len(errors) > MAX_ISSUE_ROWS else ""
        dup_table.border_subtitle = f"first {MAX_ISSUE_ROWS}" if len(dups) > MAX_ISSUE_ROWS else ""
        # Only the lists that have rows; none at all says so in a line instead.
        error_table.display = bool(errors)
        dup_table.display = bool(dups)
        self.issues_shown_for = job["uid"]
        issues = self.query_one("#job-issues")
        issues.display = bool(errors or dups)
        issues.set_class(bool(errors and dups), "-both")
        if not (errors or dups) and job["status"] == "complete":
            wait = self.query_one("#job-wait", Static)
            wait.update(Content("Every row was imported: no row errors, no duplicates."))
            wait.display = True
