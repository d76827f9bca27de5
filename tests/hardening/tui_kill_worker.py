"""A warm, headless ParsalinkApp driven by Pilot, for test_tui_kills.py to SIGKILL.

    python tui_kill_worker.py DB      (then one JSON line on stdin: {"log", "seed", "gen"})

Starts the real app (``app.run_test()``) on the database, loads the first page, prints "ready"
and waits for its line (so the test pays the start-up while the previous child works). Then it
triages until it is killed: moves the cursor,
selects a few rows and presses a stage key (a bulk change), presses a stage key on one row, or
opens the edit form, changes several fields and presses ctrl+s. Before each key that writes, it
appends its intent to the log (a JSON line, flushed to the kernel, so it survives SIGKILL): the
contacts, what they hold now (read through the app's own service) and what the key should
make of them. Right after the service call that writes returns (its transaction committed) it
appends ``committed``, and after the key has been handled ``done``. The test kills it at a random
moment and compares the log with the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from random import Random
from typing import Any

EDIT_FIELDS = ("lastName", "title", "phone", "notes", "tags", "emailOptOut")
SURNAMES = ("Okafor", "Lindqvist", "Nakamura", "Fontaine", "Moreau", "Castillo", "Ó Briain", "Zieliński")


async def drive(db: str) -> None:
    from parsalink_tui.service import Service
    from parsalink_tui.tui.app import ParsalinkApp
    from parsalink_tui.tui.contact_form import ContactForm
    from parsalink_tui.tui.contacts_screen import ContactsScreen
    from parsalink_tui.validation import STAGE_VALUES

    service = Service.open(db)
    app = ParsalinkApp(service=service, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, ContactsScreen), screen
        os.write(1, b"ready\n")  # the raw fd: Textual may capture sys.stdout while it runs
        line = await asyncio.to_thread(sys.__stdin__.readline)
        if not line.strip():
            return
        task = json.loads(line)
        rng, gen = Random(task["seed"]), task["gen"]
        log = open(task["log"], "a", encoding="utf-8")  # noqa: SIM115, ASYNC230 - kept open until the kill

        def write(entry: dict[str, Any]) -> None:
            # A SIGKILL can cut a write that crosses a page boundary (Linux stops between pages):
            # the leading newline starts every entry on a line of its own even after a cut one.
            log.write("\n" + json.dumps({"gen": gen, "t": time.time(), **entry}, ensure_ascii=False) + "\n")
            log.flush()  # in the kernel now: a SIGKILL cannot lose it

        def logged(method: Any) -> Any:
            def call(*args: Any, **kwargs: Any) -> Any:
                result = method(*args, **kwargs)
                write({"event": "committed"})
                return result

            return call

        service.set_stages_where = logged(service.set_stages_where)  # type: ignore[method-assign]
        service.update_contact = logged(service.update_contact)  # type: ignore[method-assign]
        # The page may be stale (the previous child wrote meanwhile): start from what is stored.
        screen.reload()
        await pilot.pause()
        write({"event": "ready"})
        seq = 0
        while True:
            seq += 1
            if rng.random() < 0.6:
                await pilot.press(rng.choice(("down", "down", "down", "up", "pagedown", "pageup")))
            kind = rng.choices(("bulk", "single", "edit"), (4, 2, 3))[0]
            if kind in ("bulk", "single"):
                if kind == "bulk":
                    if rng.random() < 0.2:
                        await pilot.press("ctrl+a")  # the whole page
                    else:
                        await pilot.press("space", *["shift+down"] * rng.randrange(1, 6))
                    ids = sorted(screen.selected)
                else:
                    ids = [screen.table.current_id]
                number = rng.randint(1, len(STAGE_VALUES))
                before = {cid: service.get_contact(cid)["stage"] for cid in ids}
                write({"seq": seq, "event": "intent", "kind": "stage", "ids": ids,
                       "stage": STAGE_VALUES[number - 1], "before": before})  # fmt: skip
                await pilot.press(str(number))
                write({"seq": seq, "event": "done"})
                if screen.selected:
                    await pilot.press("escape")
            else:
                cid = screen.table.current_id
                await pilot.press("e")
                await pilot.pause()
                form = app.screen
                assert isinstance(form, ContactForm), form
                current = service.get_contact(cid)
                wanted = {
                    "lastName": f"{rng.choice(SURNAMES)} {gen}.{seq}",
                    "title": f"Title {gen}.{seq}",
                    "phone": f"+1415555{rng.randrange(10_000):04d}",
                    "notes": f"Call {gen}.{seq}\nthen write it down",
                    "tags": [f"kill{gen}", f"s{seq % 4}"],
                    "emailOptOut": rng.random() < 0.5,
                }
                fields = {name: wanted[name] for name in rng.sample(EDIT_FIELDS, rng.randint(2, len(EDIT_FIELDS)))}
                for name, value in fields.items():
                    if name == "tags":
                        form.query_one("#tags").value = ", ".join(value)
                    elif name == "notes":
                        form.query_one("#notes").text = value
                    else:
                        form.query_one(f"#{name}").value = value
                write({"seq": seq, "event": "intent", "kind": "edit", "id": cid, "fields": fields,
                       "before": {name: current[name] for name in EDIT_FIELDS}})  # fmt: skip
                await pilot.press("ctrl+s")
                await pilot.pause()
                saved = app.screen is screen
                write({"seq": seq, "event": "done", "saved": saved})
                if not saved:  # refused (it should not be): leave the form, keep going
                    await pilot.press("escape", "y")


def main() -> None:
    asyncio.run(drive(sys.argv[1]))


if __name__ == "__main__":
    main()
