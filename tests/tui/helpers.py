"""Shared helpers for the Pilot tests."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from parsalink_tui.tui.contacts_screen import ContactsScreen


async def settle(pilot: Pilot, delay: float = 0.15) -> None:
    """Let debounce timers fire and background workers (stage counts, demo data) finish."""
    await pilot.pause(delay)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot: Pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def home(pilot: Pilot) -> ContactsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ContactsScreen), screen
    return screen


def status(pilot: Pilot) -> str:
    return str(home(pilot).query_one("#status", Static).render())


def page_contacts(pilot: Pilot) -> list[dict]:
    """The contacts on the visible page, in table order."""
    screen = home(pilot)
    return [screen.rows[cid] for cid in screen.table.page_ids()]
