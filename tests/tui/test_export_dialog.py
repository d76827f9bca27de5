"""``X`` on the contacts list: export the current view (filters, search, sort) to a named file."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Label

from parsalink_tui.tui.export_dialog import ExportDialog

from .conftest import SIZE
from .helpers import home, settle, type_text


async def open_dialog(pilot: Pilot) -> ExportDialog:
    await pilot.press("X")
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, ExportDialog), dialog
    return dialog


async def name_file(pilot: Pilot, dialog: ExportDialog, name: str) -> None:
    dialog.query_one("#export-path", Input).value = ""
    await type_text(pilot, name)
    await pilot.press("enter")


async def wait_closed(pilot: Pilot, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while isinstance(pilot.app.screen, ExportDialog):
        assert time.monotonic() < deadline, "the export did not finish"
        await pilot.pause(0.1)


async def test_x_exports_the_filtered_sorted_view(demo_service, make_app, in_folder):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home(pilot).change_query(stage="engaged", sort="lastName", descending=False)
        await settle(pilot)
        dialog = await open_dialog(pilot)
        assert dialog.query_one("#export-path", Input).value.startswith("contacts-")
        assert "stage Engaged" in str(dialog.query_one("#export-view").render())
        await name_file(pilot, dialog, "engaged.json")
        await wait_closed(pilot)
        assert any("Exported" in n.message and "engaged.json" in n.message for n in app._notifications)
    path = in_folder / "engaged.json"
    assert path.stat().st_mode & 0o777 == 0o600
    exported = [c["id"] for c in json.loads(path.read_text("utf-8"))]
    expected, page = [], 1
    while True:  # every matching contact, in the view's order: not just the visible page
        listed = demo_service.list_contacts(stage="engaged", ordering="lastName", page=page, limit=100)
        expected += [c["id"] for c in listed["results"]]
        if not listed["next"]:
            break
        page += 1
    assert exported == expected and len(expected) > 20


async def test_the_ending_picks_the_format_and_a_taken_name_is_refused(demo_service, make_app, in_folder):
    taken = in_folder / "taken.csv"
    taken.write_text("mine")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot)
        await name_file(pilot, dialog, "taken.csv")
        await settle(pilot, 0.3)
        assert pilot.app.screen is dialog  # the dialog stays, saying why
        assert "exists" in str(dialog.query_one("#export-error", Label).render())
        await name_file(pilot, dialog, "people.xlsx")
        await settle(pilot, 0.3)
        assert ".csv, .vcf or .json" in str(dialog.query_one("#export-error", Label).render())
        await name_file(pilot, dialog, "people.vcf")
        await wait_closed(pilot)
        await pilot.press("X")
        await settle(pilot)
        await pilot.press("escape")  # cancel closes without writing
        await settle(pilot)
        assert not isinstance(pilot.app.screen, ExportDialog)
    assert taken.read_text() == "mine"
    assert (in_folder / "people.vcf").read_bytes().count(b"BEGIN:VCARD") == 500
    assert sorted(p.name for p in in_folder.iterdir()) == ["people.vcf", "taken.csv"]


async def test_an_exported_csv_reimports_through_the_import_screen_rules(demo_service, make_app, in_folder):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        home(pilot).change_query(search="son")
        await settle(pilot)
        dialog = await open_dialog(pilot)
        await name_file(pilot, dialog, "son.csv")
        await wait_closed(pilot)
    rows = list(csv.reader(io.StringIO((in_folder / "son.csv").read_text("utf-8-sig"))))
    assert rows[1][:4] == ["id", "firstName", "lastName", "email"]
    assert len(rows) - 2 == demo_service.list_contacts(search="son")["count"]
