"""Start the TUI on an open service (imported lazily by the CLI: Textual loads only here)."""

from __future__ import annotations

import sys
from typing import Any


def run_tui(service: Any) -> None:
    """Run the app; an unexpected crash (Textual prints its traceback) exits with status 1."""
    from .app import ParsalinkApp

    app = ParsalinkApp(service=service)
    try:
        app.run()
    finally:
        hand_off_imports(service)
    if app.return_code:
        sys.exit(app.return_code)


def hand_off_imports(service: Any) -> None:
    """An import still running when the TUI quits goes on in a detached worker process.

    The app's worker thread is stopped first (it releases its job at the next batch), so the
    new process can claim the job and resume after the last committed batch.
    """
    from ..importing.runner import has_claimable_job, spawn_worker, stop_worker

    stop_worker(service.db)
    if has_claimable_job(service.db):
        spawn_worker(service.db.target)
        print("An import is still running; it goes on in the background (parsalink-tui import list).", file=sys.stderr)
