"""The list catches up by itself with commits made elsewhere (an import in another process)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import SIZE
from .helpers import home, settle, status

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases


async def test_list_refreshes_when_another_process_adds_contacts(demo_service, make_app, monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 0.1)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "of 500" in status(pilot)
        cursor_before = home(pilot).table.cursor_row
        await pilot.press("down", "down")
        chosen = home(pilot).table.current_id
        body = '{"firstName": "Zed", "lastName": "Outside", "email": "zed.outside@example.com"}'
        subprocess.run(
            [sys.executable, "-m", "parsalink_tui", "--db", demo_service.db.target, "contacts", "create", "--data", body],
            check=True, capture_output=True,
        )  # fmt: skip
        for _ in range(50):  # no key pressed: the screen notices on its own
            await pilot.pause(0.1)
            if "of 501" in status(pilot):
                break
        assert "of 501" in status(pilot)
        await settle(pilot)
        screen = home(pilot)
        # The cursor stayed on the contact the user left it on, one row down under the newer one.
        assert screen.table.current_id == chosen
        assert screen.table.cursor_row == cursor_before + 3
        assert any(c["lastName"] == "Outside" for c in screen.rows.values())  # newest first: on page 1


async def test_no_reload_without_commits(demo_service, make_app, monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 0.05)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        calls = []
        original = screen.reload
        monkeypatch.setattr(screen, "reload", lambda *a, **k: (calls.append(a), original(*a, **k)))
        await pilot.pause(0.5)
        assert calls == []
