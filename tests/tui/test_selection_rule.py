"""The selection rule: only contacts on the page you see are selected, so the stage keys and
``d`` never act on a contact the user cannot see (docs/tui-safety.md)."""

from __future__ import annotations

import pytest

from parsalink_tui.tui.confirm import ConfirmScreen
from parsalink_tui.tui.render import full_name

from .conftest import SIZE
from .helpers import home, page_contacts, settle, status, type_text

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases


@pytest.fixture(autouse=True)
def _said(monkeypatch):
    """Every notification the app raised, kept after its toast times out (typing a whole email
    into the search, one reload a letter, may take longer than a toast stays)."""
    from parsalink_tui.tui.app import ParsalinkApp

    real = ParsalinkApp.notify

    def notify(self, message, *, title="", **kwargs):
        self.__dict__.setdefault("said", []).append(f"{title}: {message}")
        real(self, message, title=title, **kwargs)

    monkeypatch.setattr(ParsalinkApp, "notify", notify)


def notes(app) -> list[str]:
    return app.__dict__.get("said", [])


async def select_first_then_search_for_another(pilot):
    """Select the first row, then search for a contact that hides it; returns (hidden, shown)."""
    await settle(pilot)
    first, other = page_contacts(pilot)[0], page_contacts(pilot)[5]
    await pilot.press("space")
    assert home(pilot).selected == {first["id"]}
    await pilot.press("slash")
    await type_text(pilot, other["email"])
    await pilot.press("enter")  # back to the table
    await settle(pilot)
    assert [c["id"] for c in page_contacts(pilot)] == [other["id"]]
    return first, other


async def test_a_search_that_hides_a_selected_contact_deselects_it(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        hidden, shown = await select_first_then_search_for_another(pilot)
        assert home(pilot).selected == set()
        assert "selected" not in status(pilot)
        assert "Selection: 1 selected contact no longer shown: deselected" in notes(app)
        before = demo_service.get_contact(hidden["id"])["stage"]
        target = "proposal_sent" if shown["stage"] != "proposal_sent" else "negotiation"
        await pilot.press("4" if target == "proposal_sent" else "5")
        assert demo_service.get_contact(hidden["id"])["stage"] == before  # the hidden one stays
        assert demo_service.get_contact(shown["id"])["stage"] == target  # the one you see moves


async def test_delete_never_asks_about_a_contact_you_cannot_see(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        _hidden, shown = await select_first_then_search_for_another(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == f"Delete {full_name(shown)}?"  # not the hidden {hidden['id']}
        await pilot.press("escape")


async def test_another_page_deselects_the_rows_left_behind(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+a")
        n = len(page_contacts(pilot))
        await pilot.press("pagedown")
        await settle(pilot)
        assert home(pilot).selected == set()
        assert f"Selection: {n} selected contacts no longer shown: deselected" in notes(app)
