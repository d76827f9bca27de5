"""The contacts list: first page, every filter, clearing, sorting and paging (through Pilot)."""

from __future__ import annotations

from parsalink_tui.validation import STAGE_VALUES

from .conftest import SIZE
from .helpers import home, page_contacts, settle, status, type_text


async def test_first_page_fills_the_table_and_status(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        limit = screen.query_state.limit
        assert 10 <= limit <= 40  # one page that fits the terminal
        assert screen.table.row_count == limit
        assert status(pilot).startswith(f"rows 1–{limit} of 500")
        expected = demo_service.list_contacts(limit=limit)["results"]
        assert [c["id"] for c in page_contacts(pilot)] == [c["id"] for c in expected]
        bar = screen.query_one("#stages")
        assert bar.counts == demo_service.stage_counts()


async def test_search_updates_as_you_type(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "smi")
        await settle(pilot)
        expected = demo_service.list_contacts(search="smi", limit=100)
        assert 0 < expected["count"] < 500
        assert f"of {expected['count']}" in status(pilot)
        assert "search “smi”" in status(pilot)
        for contact in page_contacts(pilot):
            hay = " ".join(str(contact.get(k) or "") for k in ("firstName", "lastName", "email", "phone")).lower()
            assert "smi" in hay
        # Stage counts follow the other filters.
        assert home(pilot).query_one("#stages").counts == demo_service.stage_counts(search="smi")


async def test_stage_filter_cycles_with_s(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        counts = demo_service.stage_counts()
        await pilot.press("s", "s", "s")  # all → new → contacted → engaged
        await settle(pilot)
        assert home(pilot).query_state.stage == "engaged"
        assert {c["stage"] for c in page_contacts(pilot)} == {"engaged"}
        assert f"of {counts['engaged']}" in status(pilot)
        await pilot.press("S")
        await settle(pilot)
        assert home(pilot).query_state.stage == "contacted"


async def test_assignee_filter_from_the_keyboard(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")  # opens the assignee list: "Anyone", "Unassigned", then the users by name
        await pilot.pause()
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        expected = demo_service.list_contacts(assigned_to="none")["count"]
        assert home(pilot).query_state.assigned_to == "none"
        assert all(c["assignedTo"] is None for c in page_contacts(pilot))
        assert f"of {expected}" in status(pilot) and "unassigned" in status(pilot)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("down", "enter")  # from "Unassigned" to the first user
        await settle(pilot)
        first_user = demo_service.list_users()[0]
        assert home(pilot).query_state.assigned_to == first_user["id"]
        assert all(c["assignedTo"] == first_user["id"] for c in page_contacts(pilot))


async def test_tags_and_created_range_filters_combine(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("t")
        await type_text(pilot, "warm")
        await pilot.press("escape", "c")
        await type_text(pilot, "2025-06-01")
        await pilot.press("tab")
        await type_text(pilot, "2026-01-01")
        await settle(pilot)
        expected = demo_service.list_contacts(tags="warm", created_after="2025-06-01", created_before="2026-01-01")
        assert 0 < expected["count"] < 500
        assert f"of {expected['count']}" in status(pilot)
        for contact in page_contacts(pilot):
            assert "warm" in contact["tags"]
            assert "2025-06-01" <= contact["createdAt"][:10] < "2026-01-01"
        # An unfinished date does not apply (the previous value stays) and is marked invalid.
        await pilot.press("backspace")
        await settle(pilot)
        assert home(pilot).query_one("#created_before").has_class("-invalid")
        assert f"of {expected['count']}" in status(pilot)


async def test_one_key_clears_every_filter(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "son")
        await pilot.press("escape", "s", "t")
        await type_text(pilot, "smb")
        await pilot.press("escape")
        await settle(pilot)
        assert "of 500" not in status(pilot)
        await pilot.press("x")
        await settle(pilot)
        screen = home(pilot)
        assert "of 500" in status(pilot)
        assert not screen.query_state.filtered
        assert screen.query_one("#search").value == "" and screen.query_one("#tags").value == ""


async def test_no_match_shows_a_hint(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, "zzzqqq")
        await settle(pilot)
        empty = home(pilot).query_one("#empty")
        assert empty.display and "x" in str(empty.render())
        assert status(pilot).startswith("no contacts")


async def test_sort_cycles_and_flips(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o", "o")  # created → updated → name
        await settle(pilot)
        screen = home(pilot)
        assert screen.query_state.ordering == "lastName"
        names = [c["lastName"].casefold() for c in page_contacts(pilot)]
        assert names == sorted(names)
        await pilot.press("O")
        await settle(pilot)
        assert screen.query_state.ordering == "-lastName"
        await pilot.press("o")
        await settle(pilot)
        stages = [STAGE_VALUES.index(c["stage"]) for c in page_contacts(pilot)]
        assert stages == sorted(stages)
        assert "sorted by stage ↑" in status(pilot)


async def test_paging_keys_and_moving_past_the_ends(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        n = screen.query_state.limit
        page2 = demo_service.list_contacts(page=2, limit=n)["results"]
        await pilot.press("pagedown")
        assert status(pilot).startswith(f"rows {n + 1}–{2 * n} of 500")
        assert [c["id"] for c in page_contacts(pilot)] == [c["id"] for c in page2]
        await pilot.press("pageup")
        assert status(pilot).startswith(f"rows 1–{n} of 500")
        # Down past the last row goes on to the next page's first row; up from there comes back.
        screen.table.move_cursor(row=n - 1)
        await pilot.press("down")
        assert screen.query_state.page == 2 and screen.table.cursor_row == 0
        await pilot.press("up")
        assert screen.query_state.page == 1 and screen.table.cursor_row == n - 1
        await pilot.press("G")
        last = -(-500 // n)
        assert screen.query_state.page == last
        assert status(pilot).startswith(f"rows {(last - 1) * n + 1}–500 of 500")
        await pilot.press("pagedown")  # nothing after the last page
        assert screen.query_state.page == last
        await pilot.press("g")
        assert screen.query_state.page == 1


async def test_small_terminal_fits_a_smaller_page(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = home(pilot)
        assert screen.table.row_count == screen.query_state.limit < 20
        assert screen.table.column_keys()[:2] == ["name", "email"]
        assert "stage" in screen.table.column_keys()
