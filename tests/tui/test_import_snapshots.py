"""Pictures of the import screen (pytest-textual-snapshot) at 120×35, and a few smaller.

Deterministic: jobs are written straight into the database in a fixed state with fixed counts
and timestamps (no live worker, and the start-up resume is switched off so nothing claims them);
the file picker looks at a folder made here; the cursor does not blink.
Update after LOOKING at the new SVGs: ``pytest tests/tui/test_import_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SIZE
from .helpers import insert_job, leads_csv, settle
from .test_snapshots import steps

ERRORS = [
    (14, "Invalid email format"),
    (27, "Invalid phone number: '555-01'"),
    (41, "firstName or lastName is required"),
    (58, "Invalid email format"),
    (
        63,
        "Unknown stage 'Hot lead'; expected one of: new, contacted, engaged, proposal_sent, negotiation, customer, inactive",
    ),
    (90, "assignedTo: no user 'Jordan Blake' (give a user id, email or name)"),
    (112, "Invalid email format"),
]
DUPLICATES = [
    (33, "sarah.kim@example.com", "cnt_01J93MXKM0V3RS3DTR98H6BCFN"),
    (76, "SARAH.KIM@example.com", "cnt_01J93MXKM0V3RS3DTR98H6BCFN"),
    (104, "li.wei@example.com", "cnt_01J93MXKM020KW71NVRK6P2FHG"),
]


@pytest.fixture
def quiet_service(demo_service, monkeypatch: pytest.MonkeyPatch):
    """The demo service without its start-up resume: the fixed job rows stay as written."""
    monkeypatch.setattr(demo_service, "resume_imports", lambda: None)
    return demo_service


@pytest.fixture
def jobs(quiet_service, db_path: Path):
    """A finished job with errors and duplicates, a failed one and a running one (newest first:
    running, failed, finished, older)."""
    source = quiet_service.add_source("Trade Show")
    insert_job(db_path, "job-a", filename="webinar-2026-05.csv", total=212, success=212,
               created="2026-05-28T14:30:00.000000Z")  # fmt: skip
    insert_job(db_path, "job-b", filename="trade-show-leads.csv", total=250, success=240, errors=ERRORS,
               duplicates=DUPLICATES, created="2026-06-08T10:01:16.000000Z", source_uid=source["uid"])  # fmt: skip
    insert_job(db_path, "job-c", filename="hubspot-export.csv", status="failed", total=4812, success=2048,
               error_count=0, duplicate_count=0, processed=2048, created="2026-06-09T08:15:00.000000Z",
               error_message="unexpected error after row 2049: OSError: [Errno 28] No space left on device")  # fmt: skip
    insert_job(db_path, "job-d", filename="contacts-10mb.csv", status="processing", total=67997, success=23870,
               error_count=512, duplicate_count=194, created="2026-06-10T09:00:00.000000Z",
               source_uid=source["uid"])  # fmt: skip
    return quiet_service


def test_import_setup_with_preview(snap_compare, quiet_service, make_app, tmp_path, monkeypatch):
    assert snap_compare(make_app(quiet_service), terminal_size=SIZE, run_before=pick_leads(tmp_path, monkeypatch))


def test_import_setup_at_60x20(snap_compare, quiet_service, make_app, tmp_path, monkeypatch):
    # The options take two lines: nothing is cut off, the Start button included.
    assert snap_compare(make_app(quiet_service), terminal_size=(60, 20), run_before=pick_leads(tmp_path, monkeypatch))


def pick_leads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Steps that open a new import on a folder of exports and preview leads.csv."""
    folder = tmp_path / "exports"
    (folder / "archive").mkdir(parents=True)
    leads_csv(folder)
    leads_csv(folder, "partners.csv", rows=2)
    monkeypatch.chdir(folder)
    # i opens a new import; the tree lists archive/, leads.csv, partners.csv: pick leads.csv.
    picked = steps("i", "down", "down", "enter")

    async def run(pilot) -> None:  # type: ignore[no-untyped-def]
        await picked(pilot)
        # The preview is read in a worker and drawn after it ends, a few event-loop turns later:
        # wait for its rows rather than a fixed time (a busy machine once caught an empty table).
        for _ in range(200):
            tables = pilot.app.screen.query("#first-rows")
            if tables and tables.first().row_count:
                break
            await pilot.pause(0.05)
        # And for the screens' other workers (stage counts, a second preview) to end: a loaded run
        # once drew the 60x20 setup before one did. The app's import worker never ends: not that one.
        for _ in range(200):
            if not [w for w in pilot.app.workers if w.is_running and w.group != "imports"]:
                break
            await pilot.pause(0.05)
        await settle(pilot, 0.2)

    return run


def test_import_in_progress(snap_compare, jobs, make_app):
    # i re-attaches to the running job: a third done, with its counts so far.
    assert snap_compare(make_app(jobs), terminal_size=SIZE, run_before=steps("i"))


def test_import_finished_with_errors_and_duplicates(snap_compare, jobs, make_app):
    # Recent imports, down to the finished trade-show job, enter opens it.
    run = steps("i", "r", "down", "down", "enter")
    assert snap_compare(make_app(jobs), terminal_size=SIZE, run_before=run)


def test_import_finished_at_80x24(snap_compare, jobs, make_app):
    run = steps("i", "r", "down", "down", "enter")
    assert snap_compare(make_app(jobs), terminal_size=(80, 24), run_before=run)


def test_import_failed(snap_compare, jobs, make_app):
    run = steps("i", "r", "down", "enter")
    assert snap_compare(make_app(jobs), terminal_size=SIZE, run_before=run)


def test_recent_imports(snap_compare, jobs, make_app):
    assert snap_compare(make_app(jobs), terminal_size=SIZE, run_before=steps("i", "r"))


def test_recent_imports_at_60x20(snap_compare, jobs, make_app):
    # Counts are never cut ("67,997" whole); columns that do not fit are left out.
    assert snap_compare(make_app(jobs), terminal_size=(60, 20), run_before=steps("i", "r"))
