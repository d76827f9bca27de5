"""TUI responsiveness at 100k contacts, measured through Pilot; prints medians. Run by hand:

    python bench/bench_tui.py              # builds bench/out/tui-100k.db once (about 10 s)

Targets (from the issue): start → first painted table ≤ 1.5 s; search keystroke → updated table
≤ 150 ms (debounce included); stage key → updated row ≤ 100 ms; page change ≤ 100 ms.
"Start" runs in a fresh interpreter each time, so it includes importing Textual and the core.
Each interactive figure ends at the first frame the app produces after the change is in the widget.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
DB = OUT / "tui-100k.db"
CONTACTS = 100_000
RUNS = 7


def build() -> None:
    from parsalink_tui.demo import fill_demo
    from parsalink_tui.service import Service

    if DB.exists():
        return
    OUT.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    svc = Service.open(DB)
    fill_demo(svc.db, contacts=CONTACTS, seed=1)
    svc.close()
    print(f"built {DB.name}: {CONTACTS:,} contacts in {time.perf_counter() - t0:.1f} s")


async def _startup() -> float:
    """One start, in this (fresh) process: seconds from before the imports to the painted table."""
    t0 = time.perf_counter()
    from parsalink_tui.service import Service
    from parsalink_tui.tui.app import ParsalinkApp

    app = ParsalinkApp(service=Service.open(DB), cursor_blink=False)
    async with app.run_test(size=(120, 35)) as pilot:
        while not (hasattr(app.screen, "table") and app.screen.table.row_count):
            await asyncio.sleep(0.002)
        await pilot.pause()
        return time.perf_counter() - t0


class FrameClock:
    """Records when the app produces a screen update (``App._display`` is where a frame goes out)."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        original = app._display

        def spy(screen, renderable):  # type: ignore[no-untyped-def]
            if renderable is not None:
                self.frames.append(time.perf_counter())
            return original(screen, renderable)

        app._display = spy

    async def painted_after(self, moment: float) -> float:
        while not self.frames or self.frames[-1] <= moment:
            await asyncio.sleep(0)
        return next(f for f in self.frames if f > moment)


async def measure(pilot, clock: FrameClock, key: str, done) -> float:  # type: ignore[no-untyped-def]
    """Seconds from pressing ``key`` to the first frame after ``done()`` became true.

    Pilot's own ``press`` waits for the app to go idle (~60 ms here even for a cursor move),
    so the key is pressed in a task and the clock stops at the frame, not when press returns.
    """
    t0 = time.perf_counter()
    task = asyncio.create_task(pilot.press(key))
    while not done():
        await asyncio.sleep(0)
    changed = time.perf_counter()
    painted = await clock.painted_after(changed)
    await task
    return painted - t0


async def _interactive() -> dict[str, list[float]]:
    from parsalink_tui.service import Service
    from parsalink_tui.tui.app import ParsalinkApp

    results: dict[str, list[float]] = {"search keystroke": [], "stage key": [], "page change": []}
    app = ParsalinkApp(service=Service.open(DB), cursor_blink=False)
    async with app.run_test(size=(120, 35)) as pilot:
        clock = FrameClock(app)
        screen = app.screen
        while not (hasattr(screen, "table") and screen.table.row_count):
            await asyncio.sleep(0.002)
            screen = app.screen
        await pilot.pause(0.3)

        for _ in range(RUNS):  # page change: the next page is in the table and painted
            page = screen.query_state.page
            results["page change"].append(await measure(pilot, clock, "pagedown", lambda page=page: screen.query_state.page != page))
            await app.workers.wait_for_complete()

        for n in range(RUNS):  # stage key: the highlighted row's badge changes in place
            cid = screen.table.current_id
            stage, key = (("engaged", "3"), ("customer", "6"))[n % 2]
            if screen.rows[cid]["stage"] == stage:
                stage, key = "negotiation", "5"
            results["stage key"].append(
                await measure(pilot, clock, key, lambda cid=cid, stage=stage: screen.rows[cid]["stage"] == stage)
            )
            await app.workers.wait_for_complete()
        for _ in range(RUNS):  # put the data back
            await pilot.press("u")

        # Search: the last keystroke of a term (debounce included) until the filtered page is painted.
        await pilot.press("slash")
        for term in ("smi", "joh", "gar", "lee", "wil", "ada", "kim")[:RUNS]:
            screen.query_one("#search").value = ""
            while screen.query_state.search:
                await asyncio.sleep(0.001)
            await pilot.pause(0.1)
            for ch in term[:-1]:
                await pilot.press(ch)
            await pilot.pause(0.2)
            await app.workers.wait_for_complete()
            results["search keystroke"].append(
                await measure(pilot, clock, term[-1], lambda term=term: screen.query_state.search == term)
            )
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--one-start":
        print(asyncio.run(_startup()))
        return
    build()
    starts = []
    for _ in range(RUNS):
        out = subprocess.run([sys.executable, __file__, "--one-start"], capture_output=True, text=True, check=True)
        starts.append(float(out.stdout.strip().splitlines()[-1]))
    results = {"start to first painted table": starts, **asyncio.run(_interactive())}
    targets = {"start to first painted table": 1.5, "search keystroke": 0.15, "stage key": 0.1, "page change": 0.1}
    print(f"{CONTACTS:,} contacts, {RUNS} runs each, medians (min–max):")
    for name, values in results.items():
        med = statistics.median(values)
        verdict = "ok" if med <= targets[name] else "OVER"
        print(f"  {name:<30} {med * 1000:8.1f} ms  ({min(values) * 1000:.0f}–{max(values) * 1000:.0f})"
              f"  target ≤ {targets[name] * 1000:.0f} ms  {verdict}")


if __name__ == "__main__":
    main()
