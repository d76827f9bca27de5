"""Make the SVG screenshots in screenshots/ from the real app on the seed-1 demo data.

    python scripts/screenshots.py            # writes screenshots/*.svg (120×35, one at 80×24)

Each picture is the app driven through Pilot, as a user would, on a fresh demo database in a
temporary folder (never the per-user file).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service
from parsalink_tui.tui.app import ParsalinkApp

OUT = Path(__file__).resolve().parents[1] / "screenshots"

# name: (terminal size, keys; "type:..." types text, "light" switches to the light theme)
SHOTS: dict[str, tuple[tuple[int, int], list[str]]] = {
    "contacts": ((120, 35), []),
    "contacts-80x24": ((80, 24), []),
    "contacts-light": ((120, 35), ["light"]),
    "filtered": ((120, 35), ["slash", "type:son", "escape", "s", "s", "s", "space", "shift+down"]),
    "triage": ((120, 35), ["3", "6", "2"]),
    "detail": ((120, 35), ["enter"]),
    "form-errors": ((120, 35), ["n", "type:Ann", "tab", "tab", "type:not-an-email", "tab", "type:12", "tab"]),
    "help": ((120, 35), ["question_mark"]),
    "empty": ((120, 35), []),
}


async def shoot(name: str, size: tuple[int, int], keys: list[str], folder: Path) -> Path:
    service = Service.open(folder / f"{name}.db")
    if name != "empty":
        fill_demo(service.db, contacts=500, seed=1)
    app = ParsalinkApp(service=service, cursor_blink=False)
    try:
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            for key in keys:
                if key == "light":
                    app.theme = "textual-light"
                elif key.startswith("type:"):
                    for ch in key[5:]:
                        await pilot.press(ch)
                else:
                    await pilot.press(key)
                await pilot.pause()
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            path = Path(app.save_screenshot(filename=f"{name}.svg", path=str(OUT)))
    finally:
        service.close()
    return path


async def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in names or list(SHOTS):
            size, keys = SHOTS[name]
            print(await shoot(name, size, keys, Path(tmp)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
