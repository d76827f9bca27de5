"""Start the TUI on an open service (imported lazily by the CLI: Textual loads only here)."""

from __future__ import annotations

from typing import Any


def run_tui(service: Any) -> None:
    from .app import ParsalinkApp

    ParsalinkApp(service=service).run()
