"""The import screen's revert (R on a job, asks first) and remembered mappings in the preview."""

from __future__ import annotations

import pytest

from parsalink_tui.tui.confirm import ConfirmScreen
from parsalink_tui.tui.import_setup import MappingSelect

from .conftest import SIZE
from .helpers import leads_csv, notes, settle
from .test_import_screen import (
    mapping,
    open_and_type_path,
    screen_of,
    start_and_finish,
    text_of,
    wait_until,
)  # fmt: skip

pytestmark = pytest.mark.both_backends  # a revert and saved mappings from the TUI, on both databases


def emails(service) -> set[str]:
    return {c["email"] for c in service.list_contacts(limit=100)["results"]}


async def test_R_asks_then_reverts_the_job_and_names_the_contacts_left_alone(service, make_app, in_folder):
    body = service.start_import(leads_csv(in_folder), run=False)
    service.work_imports()
    assert emails(service) == {"ann.lee@example.com", "cara.diaz@example.com", "eve.park@example.com"}
    cara = next(c for c in service.list_contacts()["results"] if c["firstName"] == "Cara")
    service.add_note(cara["id"], "met at the fair")  # changed since the import: left alone
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = screen_of(pilot)
        screen.open_job(body["uid"])
        await settle(pilot)
        await pilot.press("R")  # asks first…
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("n")  # …and "no" changes nothing
        await settle(pilot)
        assert len(emails(service)) == 3 and "revert" not in service.get_import_job(body["uid"])

        await pilot.press("R")
        await settle(pilot)
        await pilot.press("y")
        await wait_until(pilot, lambda: any(n.startswith("Import reverted") for n in notes(pilot.app)))
        await settle(pilot)
        assert emails(service) == {"cara.diaz@example.com"}
        assert "Import reverted: leads.csv: 2 contacts deleted, 0 restored, 1 left alone (changed since)" in notes(pilot.app)
        assert "reverted" in text_of(pilot, "#job-title")
        line = text_of(pilot, "#job-revert")
        assert "Reverted" in line and "2 deleted" in line and "1 left alone" in line and "cara.diaz@example.com" in line
        await pilot.press("R")  # a reverted job cannot be reverted again: no question
        await settle(pilot)
        assert pilot.app.screen is screen


ODD = "Contact,Handle,Extra\n{email},{name},x\n"


async def test_a_mapping_picked_on_the_screen_is_used_for_the_next_file_with_those_columns(
    service, make_app, in_folder
):
    (in_folder / "march.csv").write_text(ODD.format(email="ann@example.com", name="Ann"))
    (in_folder / "april.csv").write_text(ODD.format(email="bob@example.com", name="Bob"))
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "march.csv")
        assert mapping(pilot)["Handle"] == ""  # the guesser cannot place it
        screen = screen_of(pilot)
        handle = next(s for s in screen.query(MappingSelect) if s.column == 1)
        handle.value = "firstName"  # as picked from its list
        await settle(pilot, 0.3)
        assert "using the mapping from" not in text_of(pilot, "#file-info")
        await start_and_finish(pilot)
        assert service.get_import_job(screen.job_uid)["successCount"] == 1
        [saved] = service.list_saved_mappings()
        assert saved["mapping"]["Handle"] == "firstName" and saved["filename"] == "march.csv"

        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+l")
        for _ in range(len("march.csv")):
            await pilot.press("backspace")
        await pilot.press(*"april.csv", "enter")
        await settle(pilot, 0.3)
        assert mapping(pilot)["Handle"] == "firstName"
        assert "using the mapping from" in text_of(pilot, "#file-info")
        assert "Using the mapping you chose for march.csv" in text_of(pilot, "#setup-message")
        # Changing one column keeps the rest of the remembered choices.
        extra = next(s for s in screen.query(MappingSelect) if s.column == 2)
        extra.value = "title"
        await settle(pilot, 0.3)
        assert mapping(pilot)["Handle"] == "firstName" and mapping(pilot)["Extra"] == "title"
        await start_and_finish(pilot)
        bob = next(c for c in service.list_contacts()["results"] if c["email"] == "bob@example.com")
        assert bob["firstName"] == "Bob" and bob["title"] == "x"
        [saved] = service.list_saved_mappings()
        assert saved["mapping"] == {"Extra": "title", "Handle": "firstName"}


async def test_ctrl_f_forgets_the_remembered_mapping_and_previews_without_it(service, make_app, in_folder):
    march = in_folder / "march.csv"
    march.write_text(ODD.format(email="ann@example.com", name="Ann"))
    service.start_import(march, field_mappings={"Handle": "firstName"}, run=False)
    service.work_imports()
    (in_folder / "april.csv").write_text(ODD.format(email="bob@example.com", name="Bob"))
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "april.csv")
        assert mapping(pilot)["Handle"] == "firstName"
        await pilot.press("ctrl+f")
        await settle(pilot, 0.3)
        assert service.list_saved_mappings() == []
        assert mapping(pilot)["Handle"] == ""
        assert "using the mapping from" not in text_of(pilot, "#file-info")
        assert "Mapping forgotten: Forgot the mapping chosen for march.csv" in notes(pilot.app)
