"""The TUI on PostgreSQL while the server restarts (team mode, docs/team.md "When the server
goes away"): every action during the outage is one plain notification, the app stays up, nothing
is half-written; once the server is back the next action works and other processes' changes show
up again, without restarting the app.

The cluster is this module's own (tests/pg_restart.py), so stopping it leaves the session's alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import psycopg
import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.service import Service
from parsalink_tui.tui.contacts_screen import ContactsScreen

from ..conftest import make_contact
from ..pg_cluster import pg_ctl
from ..pg_restart import PASSWORD
from .conftest import SIZE
from .helpers import home, open_form, settle, status

pytestmark = pytest.mark.postgres
#: What a message during the outage says: the server cannot be reached (a new connection), or
#: the connection was lost (one open when the server went).
PROBLEM = re.compile(r"cannot connect to postgresql://ann@/\w+\?host=\S+: |the connection to the database server was lost")


@pytest.fixture
def url(restart_url: str) -> str:
    return restart_url


@pytest.fixture
def service(url: str) -> Iterator[Service]:
    svc = Service(open_postgres(url))
    for n in range(5):
        make_contact(svc, email=f"p{n}@example.com", lastName=f"Person{n}")
    yield svc
    svc.close()


def outage_toast(app) -> str:
    """The one error notification on screen (the same failure again replaces its toast), one
    plain line naming the problem: no traceback, no password, no markup. Returns its title."""
    shown = [n for n in app._notifications if n.severity == "error" and not n.has_expired]
    assert len(shown) == 1, [(n.title, n.message) for n in shown]
    toast = shown[0]
    assert PROBLEM.search(toast.message), toast.message
    assert "\n" not in toast.message and "Traceback" not in toast.message and PASSWORD not in toast.message
    assert not toast.markup
    return toast.title


def down(url: str, mode: str = "fast") -> None:
    pg_ctl(url, "stop", "-m", mode)


def up(url: str) -> None:
    pg_ctl(url, "start")


@pytest.fixture
def fast_refresh(monkeypatch) -> None:
    """The list looks for changes (and so runs into the outage) every 0.1 s."""
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 0.1)


async def test_stage_key_move_and_reload_while_the_server_is_down(service, url, make_app, fast_refresh):
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "of 5" in status(pilot)
        screen = home(pilot)
        first = screen.table.current_id
        stage = screen.rows[first]["stage"]
        activity = len(service.list_activity(first))

        down(url)
        await pilot.pause(0.3)  # the change watcher runs into the outage
        await pilot.press("3")  # engaged
        assert outage_toast(app) == "Stage not changed"
        await pilot.press("down", "up")
        await pilot.press("slash", "P", "e", "r")  # each letter reloads the list
        await settle(pilot)
        await pilot.press("escape")
        assert outage_toast(app) == "Could not load contacts"
        assert isinstance(app.screen, ContactsScreen) and app.is_running
        await pilot.press("enter")  # the detail view cannot load: back on the list
        await settle(pilot)
        assert app.screen is screen
        outage_toast(app)

        up(url)
        await settle(pilot)
        # Nothing was half-written: the contact is at the stage it had.
        assert service.get_contact(first)["stage"] == stage
        assert len(service.list_activity(first)) == activity
        # The next actions work, without restarting the app.
        screen.reload(cursor=first)
        await settle(pilot)
        assert "of 5" in status(pilot)
        screen.table.move_cursor(row=0)
        target = screen.table.current_id
        await pilot.press("3")
        await settle(pilot)
        assert service.get_contact(target)["stage"] == "engaged"


async def test_a_page_that_could_not_load_is_not_counted_as_turned(service, url, make_app):
    for n in range(5, 70):
        make_contact(service, email=f"p{n}@example.com", lastName=f"Person{n}")
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        shown = status(pilot)
        assert shown.startswith("rows 1–")
        down(url)
        await pilot.press("pagedown")
        await settle(pilot)
        outage_toast(app)
        assert status(pilot) == shown and screen.query_state.page == 1  # still the first page
        up(url)
        await pilot.press("pagedown")  # the next page, not the one after it
        await settle(pilot)
        assert screen.query_state.page == 2
        assert status(pilot).startswith(f"rows {screen.query_state.limit + 1}–")


async def test_the_form_saves_nothing_while_down_and_saves_once_back(service, url, make_app):
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        form.query_one("#firstName").value = "Nora"
        form.query_one("#lastName").value = "Outage"
        form.query_one("#email").value = "nora.outage@example.com"
        down(url)
        await pilot.press("ctrl+s")
        await settle(pilot)
        outage_toast(app)
        assert app.screen is form  # still open, with what was typed
        assert form.query_one("#email").value == "nora.outage@example.com"

        up(url)
        assert service.list_contacts(search="nora.outage")["count"] == 0  # nothing half-written
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ContactsScreen)
        assert service.list_contacts(search="nora.outage")["count"] == 1
        assert "of 6" in status(pilot)


async def test_the_change_watcher_reconnects_after_a_restart(service, url, make_app, fast_refresh):
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "of 5" in status(pilot)
        down(url, "immediate")  # as a crash: no goodbye to the clients
        await pilot.pause(0.5)  # several watcher rounds while the server is down
        assert app.is_running
        up(url)
        await pilot.pause(0.5)
        await settle(pilot)
        with psycopg.connect(url) as other:  # another process's change
            other.execute("UPDATE contact SET last_name = 'Renamed' WHERE email = 'p0@example.com'")
        for _ in range(50):
            await pilot.pause(0.1)
            if any(c["lastName"] == "Renamed" for c in home(pilot).rows.values()):
                break
        assert any(c["lastName"] == "Renamed" for c in home(pilot).rows.values())
