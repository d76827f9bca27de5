"""The TUI on either database: another process's change shows up by itself, and the subtitle
names the database without any password (team mode, docs/team.md)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..conftest import make_contact
from .conftest import SIZE
from .helpers import home, settle, status

pytestmark = pytest.mark.both_backends


async def test_another_processs_contact_shows_up_and_the_subtitle_names_the_database(service, make_app,
                                                                                        monkeypatch):  # fmt: skip
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 0.1)
    for n in range(3):
        make_contact(service, email=f"p{n}@example.com", lastName=f"Person{n}")
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "of 3" in status(pilot)
        subtitle = home(pilot).sub_title
        assert subtitle and ":" not in subtitle.split("@")[0].removeprefix("postgresql://")  # no user:password
        assert subtitle == service.db.short_name
        body = json.dumps({"firstName": "Zed", "lastName": "Outside", "email": "zed.outside@example.com"})
        subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", service.db.target, "contacts", "create",
                        "--data", body], check=True, capture_output=True)  # fmt: skip
        for _ in range(50):  # no key pressed: the screen notices on its own
            await pilot.pause(0.1)
            if "of 4" in status(pilot):
                break
        assert "of 4" in status(pilot)
        assert any(c["lastName"] == "Outside" for c in home(pilot).rows.values())

