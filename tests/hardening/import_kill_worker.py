"""A warm ``parsalink-tui import work`` process for test_import_kills.py.

    python import_kill_worker.py        (then one line on stdin: the database path)

Imports the CLI and the import pipeline, prints "ready", waits for the database path, then runs
exactly what the detached worker of ``import start`` runs: ``parsalink-tui --db PATH import
work`` (claim the next job, resume it after its last committed row, run it to the end). The
test SIGKILLs it at a random moment.
"""

from __future__ import annotations

import importlib
import sys

PRELOAD = ("email_validator", "phonenumbers", "parsalink_tui.service", "parsalink_tui.importing.jobs",
           "parsalink_tui.importing.reading", "parsalink_tui.importing.rows", "parsalink_tui.importing.runner",
           "parsalink_tui.importing.writer", "parsalink_tui.importing.bulk_sqlite")  # fmt: skip


def main() -> None:
    for name in PRELOAD:  # loaded now, so the kill window is the import itself
        importlib.import_module(name)
    from parsalink_tui.cli import run

    print("ready", flush=True)
    db = sys.stdin.readline().strip()
    if not db:
        return
    run(["--db", db, "import", "work"])


if __name__ == "__main__":
    main()
