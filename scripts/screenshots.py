"""Make the SVG screenshots in screenshots/ from the real app on the seed-1 demo data.

    python scripts/screenshots.py            # writes screenshots/*.svg (120×35, some at 80×24)
    python scripts/screenshots.py import-done help   # just these

Each picture is the app driven through Pilot, as a user would, on a fresh demo database in a
temporary folder (never the per-user file). The import pictures run real imports of a small
generated export first (one is left "processing" by a worker on another machine, so it holds
still for the picture).
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service
from parsalink_tui.timeutil import now_store
from parsalink_tui.tui.app import ParsalinkApp

OUT = Path(__file__).resolve().parents[1] / "screenshots"


def trade_show_csv(folder: Path) -> Path:
    """A booth's lead list: 240 good rows, a few bad emails, phones and owners, some repeats."""
    lines = ["First Name,Last Name,Email,Phone,Company,Lead Status,Owner,Fax"]
    for n in range(250):
        email = f"visitor{n}@example.com"
        phone = f"+1 415 555 {n:04d}"
        owner = "Sam Lee" if n % 3 else ""
        if n % 41 == 7:
            email = f"visitor{n}.example.com"
        if n % 53 == 11:
            phone = "555-01"
        if n % 67 == 5:
            owner = "Jordan Blake"
        if n % 61 == 30:
            email = f"VISITOR{n - 20}@example.com"  # met twice at the booth
        lines.append(f"Ann{n},Lee{n},{email},{phone},Acme {n % 9},Working - Contacted,{owner},")
    path = folder / "trade-show-leads.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prepare_imports(service: Service, folder: Path) -> None:
    """A finished import with errors and duplicates, a failed one and one still running."""
    source = service.add_source("Trade Show")
    done = service.start_import(trade_show_csv(folder), source_uid=source["uid"], run=False)
    service.work_imports()
    failed = service.start_import(trade_show_csv(folder).rename(folder / "hubspot-export.csv"), run=False)
    conn = sqlite3.connect(service.db.path)
    with conn:  # the stored upload vanished: the job fails with a readable reason
        conn.execute("DELETE FROM import_file WHERE job_uid = ?", (failed["uid"],))
    service.work_imports()
    with conn:  # a job another machine is running, a third of the way in
        conn.execute(
            "INSERT INTO import_job (uid, filename, status, total_rows, processed_rows, success_count, "
            "error_count, duplicate_count, source_uid, created_at, started_at, worker, heartbeat_at) "
            "SELECT 'shot-running', 'contacts-10mb.csv', 'processing', 67997, 24576, 23870, 512, 194, "
            "source_uid, :now, :now, 'elsewhere:1:1', '2999-01-01T00:00:00.000000Z' "
            "FROM import_job WHERE uid = :done",
            {"done": done["uid"], "now": now_store()},
        )
    conn.close()


def prepare_folder(service: Service, folder: Path) -> None:
    """Exports to pick from (the file tree shows the working directory)."""
    (folder / "archive").mkdir()
    trade_show_csv(folder)


# name: (terminal size, keys, prepare); "type:..." types text, "light" switches to the light theme
SHOTS: dict[str, tuple[tuple[int, int], list[str], Callable[[Service, Path], None] | None]] = {
    "contacts": ((120, 35), [], None),
    "contacts-80x24": ((80, 24), [], None),
    "contacts-light": ((120, 35), ["light"], None),
    "filtered": ((120, 35), ["slash", "type:son", "escape", "s", "s", "s", "space", "shift+down"], None),
    "triage": ((120, 35), ["3", "6", "2"], None),
    "detail": ((120, 35), ["enter"], None),
    "form-errors": ((120, 35), ["n", "type:Ann", "tab", "tab", "type:not-an-email", "tab", "type:12", "tab"], None),
    "help": ((120, 35), ["question_mark"], None),
    "empty": ((120, 35), [], None),
    "import-setup": ((120, 35), ["i", "down", "down", "enter"], prepare_folder),
    "import-setup-80x24": ((80, 24), ["i", "down", "down", "enter"], prepare_folder),
    "import-progress": ((120, 35), ["i"], prepare_imports),
    "import-done": ((120, 35), ["i", "r", "down", "down", "enter"], prepare_imports),
    "import-done-80x24": ((80, 24), ["i", "r", "down", "down", "enter"], prepare_imports),
    "import-failed": ((120, 35), ["i", "r", "down", "enter"], prepare_imports),
    "import-recent": ((120, 35), ["i", "r"], prepare_imports),
    "import-contacts": ((120, 35), ["i", "r", "down", "down", "enter", "c"], prepare_imports),
}


async def settle(app: ParsalinkApp) -> None:
    # A DirectoryTree's loader waits on its queue as long as the tree exists: never "complete".
    ending = [w for w in app.workers if w.group != "_loader"]
    if ending:
        await app.workers.wait_for_complete(ending)


async def shoot(name: str, size: tuple[int, int], keys: list[str], folder: Path,
                prepare: Callable[[Service, Path], None] | None) -> Path:  # fmt: skip
    work = folder / name
    work.mkdir()
    service = Service.open(work / f"{name}.db")
    if name != "empty":
        fill_demo(service.db, contacts=500, seed=1)
    if prepare is not None:
        prepare(service, work)
    service.resume_imports = lambda: None  # type: ignore[method-assign]  # the pictured jobs hold still
    app = ParsalinkApp(service=service, cursor_blink=False)
    here = os.getcwd()
    os.chdir(work)
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.2)
            await settle(app)
            for key in keys:
                if key == "light":
                    app.theme = "textual-light"
                elif key.startswith("type:"):
                    for ch in key[5:]:
                        await pilot.press(ch)
                else:
                    await pilot.press(key)
                await pilot.pause()
                await settle(app)
            await pilot.pause(0.3)
            await settle(app)
            await pilot.pause()
            path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))
    finally:
        os.chdir(here)
        service.close()
    return path


async def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(SHOTS):
            size, keys, prepare = SHOTS[name]
            print(await shoot(name, size, keys, Path(tmp), prepare))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
