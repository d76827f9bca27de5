"""The list shrinking under the last page (a delete elsewhere, a filter): the screen moves to the
new last page instead of failing (the core refuses a page past the last, InvalidPageError)."""

from __future__ import annotations

from .conftest import SIZE
from .helpers import home, page_contacts, settle, status


async def test_the_last_page_emptied_elsewhere_shows_the_new_last_page(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        n = screen.query_state.limit
        await pilot.press("G")
        last = screen.query_state.page
        assert last == -(-500 // n) and last > 1
        for contact in page_contacts(pilot):  # another program deletes the whole last page
            demo_service.delete_contact(contact["id"])
        left = 500 - len(page_contacts(pilot))
        screen.reload()
        await settle(pilot)
        assert screen.query_state.page == last - 1
        assert status(pilot).startswith(f"rows {(last - 2) * n + 1}–{left} of {left}")
