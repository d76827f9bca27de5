"""User data is shown literally, bad data never crashes, the empty database offers demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from parsalink_tui.service import Service
from parsalink_tui.tui.commands import ContactCommands
from parsalink_tui.tui.detail_screen import DetailScreen
from parsalink_tui.tui.help_screen import HelpScreen

from ..conftest import CORPORA
from .conftest import SIZE
from .helpers import home, page_contacts, settle, status

pytestmark = pytest.mark.both_backends  # hostile data, failures and undo: behaviour on both databases

PAYLOADS = json.loads((CORPORA / "security" / "tui_injection_payloads.json").read_text(encoding="utf-8"))


def cell_texts(screen) -> list[str]:
    table = screen.table
    return [str(getattr(c, "plain", c)) for row in range(table.row_count) for c in table.get_row_at(row)]


async def test_markup_and_escape_sequences_are_shown_literally(service, make_app):
    markup = PAYLOADS["rich_textual_markup"]
    for n, payload in enumerate(markup):
        service.create_contact({"firstName": payload, "lastName": payload, "email": f"m{n}@example.com",
                                "title": payload, "tags": [payload.replace(",", " ").replace(";", " ")]})
    # Escape sequences are stripped on input by the core; write some raw, as another tool might.
    # (PostgreSQL's text cannot hold a NUL byte at all: those payloads are SQLite's alone.)
    raw = [p for p in PAYLOADS["terminal_escape"] if service.db.dialect == "sqlite" or "\x00" not in p]
    escaped = [(service.create_contact({"firstName": "Esc", "email": f"e{n}@example.com"})["id"], payload)
               for n, payload in enumerate(raw)]
    with service.db.write() as conn:
        for cid, payload in escaped:
            conn.execute(text("UPDATE contact SET last_name = :v, title = :v WHERE id = :id"), {"v": payload, "id": cid})
    app = make_app(service)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = home(pilot)
        cells = cell_texts(screen)
        for payload in markup:
            assert any(payload in c for c in cells), payload  # literal, brackets and all
        assert not any("\x1b" in c or "\x07" in c or "\x9b" in c or "\x00" in c for c in cells)
        # The detail view of each one renders too.
        for cid in list(screen.rows):
            screen.open_contact(cid)
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
            assert "\x1b" not in shown
            await pilot.press("escape")
        await pilot.press("slash")
        for ch in "[bold]":
            await pilot.press(ch)
        await settle(pilot)
        assert "“[bold]”" in status(pilot)


async def test_core_errors_become_notifications(service, make_app):
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        screen.query_state.created_after = "not a date"  # bypasses the filter bar's own check
        screen.reload()
        await pilot.pause()
        assert any("createdAfter" in str(n.message) for n in app._notifications)
        assert app.is_running


async def test_opening_a_contact_that_cannot_be_read_says_so_and_keeps_the_list(service, make_app):
    """Deleted elsewhere (or the database unreachable): one notification, back on the list.
    (The detail view loaded on mount and again on its first resume, and popped a screen each
    time it failed: the contacts screen went too, leaving a blank app.)"""
    for n in range(3):
        service.create_contact({"firstName": "Gone", "lastName": f"N{n}", "email": f"g{n}@example.com"})
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        service.delete_contact(screen.table.current_id)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        failures = [n for n in app._notifications if n.title == "Could not open the contact"]
        assert len(failures) == 1


async def test_empty_database_offers_demo_data(service, make_app):
    app = make_app(service, demo_contacts=120)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        empty = screen.query_one("#empty")
        assert empty.display and "D" in str(empty.render()) and "demo" in str(empty.render())
        assert status(pilot).startswith("no contacts")
        await pilot.press("D")
        await settle(pilot, 0.3)
        assert service.list_contacts()["count"] == 120
        assert not empty.display
        assert "of 120" in status(pilot)
        assert len(app.users) == 5 and all(c["stage"] for c in page_contacts(pilot))
        await pilot.press("D")  # a second time: refused politely, nothing added
        await settle(pilot)
        assert service.list_contacts()["count"] == 120


@pytest.mark.sqlite_only("the key list: nothing in it comes from the database")
async def test_help_lists_every_binding(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        from parsalink_tui.tui.contacts_screen import ContactsScreen

        for binding in ContactsScreen.BINDINGS:
            if not binding.description.startswith("Stage →"):
                assert binding.description in shown, binding.description
        await pilot.press("escape")
        assert home(pilot) is app.screen


async def test_palette_jumps_to_a_contact_and_filters_by_stage(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        target = demo_service.list_contacts(limit=1, ordering="lastName")["results"][0]
        provider = ContactCommands(app.screen)
        hits = [hit async for hit in provider.search(target["email"])]
        jump = [h for h in hits if h.text and h.text.startswith("Jump to")]
        assert jump and target["email"] in jump[0].text
        jump[0].command()
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen) and app.screen.contact_id == target["id"]
        hits = [hit async for hit in provider.search("stage: negotiation")]
        best = max(hits, key=lambda h: h.score)
        best.command()
        await settle(pilot)
        assert home(pilot).query_state.stage == "negotiation"


def test_core_never_imports_textual():
    root = Path(__file__).resolve().parents[2] / "parsalink_tui"
    for path in root.rglob("*.py"):
        if "tui" in path.relative_to(root).parts:
            continue
        source = path.read_text(encoding="utf-8")
        assert "import textual" not in source and "from textual" not in source, path


def test_undo_history_without_textual(service):
    from parsalink_tui.tui.undo import History, StageChange

    made = service.create_contact({"firstName": "A", "email": "a@example.com"})
    history = History(service)
    before = service.set_stages({made["id"]: "customer"})
    history.record(StageChange(before=before, after={made["id"]: "customer"}))
    assert history.undo() is not None and service.get_contact(made["id"])["stage"] == "new"
    assert history.redo() is not None and service.get_contact(made["id"])["stage"] == "customer"
    assert history.redo() is None
    history.record(StageChange(before={made["id"]: "customer"}, after={made["id"]: "inactive"}))
    assert history.undone == []


@pytest.mark.sqlite_only("about the SQLite file under tmp_path")
def test_service_fixture_is_isolated(service: Service, db_path: Path):
    assert service.db.path == db_path
