"""At 60×20 nothing that matters is cut off: the import options, recent imports' counts, the
form's duplicate-email message."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets import DataTable, Label

from parsalink_tui.tui.import_recent import fit_columns
from parsalink_tui.tui.import_screen import ImportScreen

from .helpers import insert_job, settle, type_text

SMALL = (60, 20)


def within(widget, screen) -> bool:
    """The widget is drawn whole inside the screen's width and height."""
    region = widget.region
    return region.width > 0 and region.right <= screen.size.width and region.bottom <= screen.size.height


async def test_the_start_button_shows_whole_at_60x20(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        start = screen.query_one("#start")
        assert within(start, screen), (start.region, screen.size)
        assert start.region.width >= len("Start import  ctrl+s")
        for name in ("#source", "#on-duplicate"):
            assert within(screen.query_one(name), screen), name


def test_recent_import_counts_are_never_cut():
    cells = {"rows": ["100,000/100,000"], "imported": ["99,998"], "errors": ["2"], "dups": ["0"],
             "status": [" complete "], "took": ["3 s"], "queued": ["2026-06-08 10:01"]}  # fmt: skip
    for width in (60, 80, 100, 120, 160):
        columns = fit_columns(width, cells)
        used = sum(w + 2 for _, _, w in columns)
        assert used <= width - 8, (width, columns)  # the view's padding, border and scrollbar
        for key, _, w in columns:
            for text in cells.get(key, ()):
                assert len(text) <= w, (width, key, w, text)
        keys = [k for k, _, _ in columns]
        assert keys[:3] == ["file", "status", "rows"]


async def test_recent_imports_at_60x20_show_whole_counts(demo_service, make_app, db_path):
    insert_job(db_path, "job-big", filename="big.csv", total=100_000, success=99_998,
               errors=[(7, "Invalid email format"), (9, "Invalid email format")])  # fmt: skip
    app = make_app(demo_service)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("i", "r")
        await settle(pilot)
        table = app.screen.query_one("#recent-table", DataTable)
        texts = [str(c) for c in table.get_row_at(0)]
        assert "100,000/100,000" in texts
        widths = {str(col.key.value): col.width for col in table.columns.values()}
        assert widths["rows"] >= len("100,000/100,000")
        assert sum(w + 2 for w in widths.values()) <= table.content_region.width


async def test_the_duplicate_email_message_shows_the_whole_contact_id_at_60x20(demo_service, make_app):
    taken = demo_service.create_contact({"firstName": "Alexandra", "lastName": "Montgomery-Worthington",
                                         "email": "alexandra.montgomery-worthington@example-company.com"})  # fmt: skip
    app = make_app(demo_service)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Dup")
        await pilot.press("tab", "tab")
        await type_text(pilot, taken["email"])
        await pilot.press("tab")
        await settle(pilot)
        label = app.screen.query_one("#err-email", Label)
        lines = [strip.text for strip in label.render_lines(Region(0, 0, label.size.width, label.size.height))]
        assert taken["id"] in " ".join(line.strip() for line in lines), lines
        assert label.region.right <= app.screen.size.width
