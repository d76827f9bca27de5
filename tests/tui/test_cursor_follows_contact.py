"""The cursor stays on its contact when the page is reloaded for changes made elsewhere
(docs/tui-safety.md, "The cursor stays on its contact").

Another process (here: a second ``Service`` on the same file) adds contacts that sort first;
the list reloads by itself; a stage key pressed afterwards must change the contact the user
highlighted, and no other.
"""

from __future__ import annotations

import pytest

from parsalink_tui.service import Service
from parsalink_tui.validation import STAGE_VALUES

from .conftest import SIZE
from .helpers import elsewhere, home, notes, settle, status

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases

FAST = 0.1  # REFRESH_SECONDS in these tests


@pytest.fixture(autouse=True)
def fast_refresh(monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", FAST)


def all_stages(service: Service) -> dict[str, str]:
    out: dict[str, str] = {}
    page = 1
    while True:
        data = service.list_contacts(page=page, limit=100)
        out.update({c["id"]: c["stage"] for c in data["results"]})
        if not data["next"]:
            return out
        page += 1


def add_elsewhere(service: Service, n: int, prefix: str = "New") -> None:
    with elsewhere(service) as other:
        for i in range(n):
            other.create_contact({"firstName": f"{prefix}{i}", "lastName": "Elsewhere",
                                  "email": f"{prefix.lower()}{i}.elsewhere@example.com"})  # fmt: skip


async def wait_for_total(pilot, total: int) -> None:
    for _ in range(100):  # no key pressed: the screen notices on its own
        if f"of {total:,}" in status(pilot):
            break
        await pilot.pause(FAST)
    assert f"of {total:,}" in status(pilot)
    await settle(pilot)


def other_stage_key(stage: str) -> tuple[str, str]:
    """A stage key that changes a contact now at ``stage``: (key, the stage it sets)."""
    n = 3 if stage != STAGE_VALUES[2] else 4
    return str(n), STAGE_VALUES[n - 1]


async def highlight_row_3(pilot):
    """The screen once settled, the cursor moved to row 3; (screen, the highlighted contact's id)."""
    await settle(pilot)
    screen = home(pilot)
    await pilot.press("down", "down", "down")
    assert screen.table.cursor_row == 3
    return screen, screen.table.current_id


async def press_and_check(pilot, service: Service, chosen: str, before: dict[str, str]) -> None:
    key, stage = other_stage_key(before[chosen])
    await pilot.press(key)
    await settle(pilot)
    after = all_stages(service)
    changed = {cid for cid in after if after[cid] != before.get(cid, after[cid])}
    assert changed == {chosen}
    assert after[chosen] == stage


async def test_a_stage_key_after_a_reload_changes_the_highlighted_contact(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        _, chosen = await highlight_row_3(pilot)
        add_elsewhere(demo_service, 2)  # newer: they sort first, above the cursor
        await wait_for_total(pilot, 502)
        await press_and_check(pilot, demo_service, chosen, all_stages(demo_service))
        # It was still on the page, two rows further down.
        assert [c["id"] for c in demo_service.list_contacts(limit=6)["results"]][5] == chosen


async def test_the_page_follows_a_contact_pushed_off_it(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await highlight_row_3(pilot)
        limit = screen.query_state.limit
        await pilot.press("space", "down")  # row 3 selected, cursor on row 4
        selected, chosen = set(screen.selected), screen.table.current_id
        add_elsewhere(demo_service, limit + 2)  # the whole page moves down past its end
        await wait_for_total(pilot, 500 + limit + 2)
        assert screen.query_state.page == 2
        assert screen.table.current_id == chosen
        assert screen.table.cursor_row == 4 + 2
        assert screen.selected == selected  # it came along: still on the page you see
        assert f"rows {limit + 1:,}–" in status(pilot)
        screen.selected.clear()  # a stage key then acts on the highlighted contact alone
        await press_and_check(pilot, demo_service, chosen, all_stages(demo_service))


async def test_a_highlighted_contact_deleted_elsewhere_keeps_the_row_and_says_so(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        screen, chosen = await highlight_row_3(pilot)
        with elsewhere(demo_service) as other:
            other.delete_contact(chosen)
        await wait_for_total(pilot, 499)
        assert screen.table.cursor_row == 3
        assert screen.table.current_id != chosen
        assert any("Cursor: The highlighted contact left this list" in n for n in notes(app)), notes(app)


async def test_triage_in_a_stage_filter_does_not_skip_the_next_contact(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        await pilot.press("s")  # stage filter: the first stage
        await settle(pilot)
        assert screen.query_state.stage == STAGE_VALUES[0]
        total = screen.total
        following = screen.table.page_ids()[1]
        await pilot.press("2")  # leaves the filter; the cursor moves on to the next contact
        await settle(pilot)
        assert screen.table.current_id == following
        await wait_for_total(pilot, total - 1)  # the reload (this commit) drops the changed contact
        assert screen.table.current_id == following
        assert screen.table.cursor_row == 0
