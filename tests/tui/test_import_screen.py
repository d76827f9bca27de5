"""The import screen through Pilot: picking a file and its mapping preview, changing the mapping,
refusals, a live import while the user triages, the job's contacts in the list, recent imports,
a failed job, and the start-up resume."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Select, Static

from parsalink_tui.importing import runner
from parsalink_tui.tui.contacts_screen import ContactsScreen
from parsalink_tui.tui.import_screen import ImportScreen
from parsalink_tui.tui.import_setup import IGNORE, MappingSelect

from .conftest import SIZE
from .helpers import big_csv, home, insert_job, leads_csv, notes, settle, status, type_text


def screen_of(pilot: Pilot) -> ImportScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen), screen
    return screen


def text_of(pilot: Pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def mapping(pilot: Pilot) -> dict[str, str]:
    """Header → the field its Select shows ("" = ignored)."""
    screen = screen_of(pilot)
    headers = [str(s.render()) for s in screen.query(".map-header").results(Static)]
    return {h: str(sel.value) for h, sel in zip(headers, screen.query(MappingSelect), strict=True)}


async def wait_until(pilot: Pilot, ready: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.1)


async def start_and_finish(pilot: Pilot) -> ImportScreen:
    """Start the previewed import (ctrl+s) and wait until its job has ended."""
    await pilot.press("ctrl+s")
    screen = screen_of(pilot)
    await wait_until(pilot, lambda: screen.view == "job" and screen.job_view.ended)
    return screen


async def open_and_type_path(pilot: Pilot, path: str) -> None:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    await pilot.press("ctrl+l")
    await type_text(pilot, path)
    await pilot.press("enter")
    await settle(pilot, 0.3)


# ---------------------------------------------------------------- picking a file


async def test_picking_a_file_in_the_tree_shows_the_mapping_and_first_rows(demo_service, make_app, in_folder):
    leads_csv(in_folder)
    (in_folder / "notes.txt").write_text("not offered")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        screen = screen_of(pilot)
        assert screen.view == "setup"
        tree = screen.query_one("#tree")
        assert [str(n.label) for n in tree.root.children] == ["leads.csv"]  # folders and .csv only
        await pilot.press("down", "enter")  # the first file
        await settle(pilot, 0.3)
        assert mapping(pilot) == {
            "First Name": "firstName", "Last Name": "lastName", "E-mail": "email", "Phone": "phone",
            "Company": "accountName", "Lead Status": "stage", "Fax": "",
        }  # fmt: skip
        assert "leads.csv" in text_of(pilot, "#file-info") and "5 rows" in text_of(pilot, "#file-info")
        rows = screen.query_one("#first-rows", DataTable)
        assert rows.row_count == 5
        checks = [str(rows.get_row_at(n)[-1]) for n in range(5)]
        assert checks[0] == "ok" and checks[1] == "Invalid email format" and checks[3].startswith("Invalid phone")
        # Cells are user data: "[bold]Stone[/]" is shown as typed, not as markup.
        assert "Bob [bold]Stone[/]" in [str(rows.get_row_at(n)[1]) for n in range(5)]
        assert not demo_service.list_import_jobs()  # previewing writes nothing


async def test_a_typed_path_is_completed_and_previewed(demo_service, make_app, in_folder):
    leads_csv(in_folder, "Leads-2026.csv")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await type_text(pilot, "lea")
        await settle(pilot)
        await pilot.press("right")  # accepts the completion
        assert screen_of(pilot).query_one("#path").value == "Leads-2026.csv"
        await pilot.press("enter")
        await settle(pilot, 0.3)
        assert mapping(pilot)["E-mail"] == "email"


# ---------------------------------------------------------------- changing the mapping


async def test_changing_a_mapping_updates_the_preview(demo_service, make_app, in_folder):
    (in_folder / "es.csv").write_text(
        "Nombre,Correo,Teléfono,Móvil\nAna,ana@example.com,,+1 415 555 0199\nLuis,luis@example.com,,+1 415 555 0198\n",
        encoding="utf-8",
    )
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "es.csv")
        screen = screen_of(pilot)
        # Not a name any export uses, but its cells are addresses.
        assert mapping(pilot)["Correo"] == "email"
        selects = {h: s for h, s in zip(mapping(pilot), screen.query(MappingSelect), strict=True)}
        selects["Correo"].value = IGNORE
        await settle(pilot, 0.3)
        assert mapping(pilot)["Correo"] == ""
        assert "no column holds email addresses" in text_of(pilot, "#setup-message")
        selects["Correo"].value = "email"
        await settle(pilot, 0.3)
        assert mapping(pilot)["Correo"] == "email"
        assert "no column holds" not in text_of(pilot, "#setup-message")
        rows = screen.query_one("#first-rows", DataTable)
        assert str(rows.get_row_at(0)[2]) == "ana@example.com"
        assert str(rows.get_row_at(0)[-1]) == "firstName or lastName is required"
        selects["Nombre"].value = "fullName"
        await settle(pilot, 0.3)
        assert str(rows.get_row_at(0)[1]) == "Ana" and str(rows.get_row_at(0)[-1]) == "ok"
        # Phone reads several columns: Móvil is added to Teléfono (empty here, so Móvil's number).
        selects["Teléfono"].value = "phone"
        await settle(pilot, 0.3)
        selects["Móvil"].value = "phone"
        await settle(pilot, 0.3)
        assert mapping(pilot)["Móvil"] == "phone" and mapping(pilot)["Teléfono"] == "phone"
        assert str(rows.get_row_at(0)[3]) == "+14155550199"
        # Any other field is one column: sending Móvil to notes after Nombre had it ignores Nombre.
        selects["Teléfono"].value = "notes"
        await settle(pilot, 0.3)
        selects["Nombre"].value = "notes"
        await settle(pilot, 0.3)
        assert mapping(pilot)["Nombre"] == "notes" and mapping(pilot)["Teléfono"] == ""
        selects["Nombre"].value = "fullName"
        await settle(pilot, 0.3)
        # ...and the import uses the mapping on screen.
        await start_and_finish(pilot)
        job = demo_service.list_import_jobs()[0]
        assert job["status"] == "complete" and job["successCount"] == 2
        ana = demo_service.list_contacts(search="ana@example.com")["results"][0]
        assert ana["phone"] == "+14155550199"


async def test_a_file_with_two_email_and_phone_columns_imports_every_row(demo_service, make_app, in_folder):
    """The Selects report the values they are built with; that is no change of mapping, and
    must not leave only the last email and phone column."""
    (in_folder / "g.csv").write_text(
        "Name,E-mail 1 - Value,E-mail 2 - Value,Mobile Phone,Home Phone\n"
        "Ana Ruiz,ana@example.com,,+1 415 555 0100,\nLuis Paz,luis@example.com,,+1 415 555 0101,\n"
        "Tom Lee,,tom2@example.com,,+1 415 555 0103\n",
        encoding="utf-8",
    )
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "g.csv")
        await settle(pilot, 0.3)
        assert mapping(pilot) == {"Name": "fullName", "E-mail 1 - Value": "email", "E-mail 2 - Value": "email",
                                  "Mobile Phone": "phone", "Home Phone": "phone"}
        await start_and_finish(pilot)
    job = demo_service.list_import_jobs()[0]
    assert job["status"] == "complete" and job["successCount"] == 3, job
    tom = demo_service.list_contacts(search="tom2@example.com")["results"][0]
    assert tom["phone"] == "+14155550103"


# ---------------------------------------------------------------- refusals


async def test_refusals_are_shown_and_the_screen_stays(demo_service, make_app, in_folder):
    (in_folder / "contacts.txt").write_text("Email\na@example.com\n")
    (in_folder / "huge.csv").touch()
    os.truncate(in_folder / "huge.csv", 11 * 1024 * 1024)  # sparse: 11 MB without writing them
    (in_folder / "no-email.csv").write_text("Name,Company\nAnn,Acme\n")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "contacts.txt")
        screen = screen_of(pilot)
        assert "is not a .csv file" in text_of(pilot, "#setup-message")
        assert any(n.startswith("Cannot import this file:") and "not a .csv file" in n for n in notes(pilot.app))
        await pilot.press("ctrl+l", "ctrl+u")
        await type_text(pilot, "huge.csv")
        await pilot.press("enter")
        await settle(pilot, 0.3)
        assert "the import limit is 10 MB" in text_of(pilot, "#setup-message")
        # Previewed with a warning (so a column can be mapped), refused at start by the core.
        await pilot.press("ctrl+u")
        await type_text(pilot, "no-email.csv")
        await pilot.press("enter")
        await settle(pilot, 0.3)
        await pilot.press("ctrl+s")
        await settle(pilot, 0.3)
        assert "no column holds email addresses" in text_of(pilot, "#setup-message")
        assert pilot.app.screen is screen and screen.view == "setup"
        assert demo_service.list_import_jobs() == []  # refused before any job existed


# ---------------------------------------------------------------- a live import


@pytest.fixture
def held_import(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Imports in batches of 256 rows that wait, after the second commit, until the test sets the
    returned event: the job is certainly running while the test triages, on any machine. The wait
    is between transactions, where real work (reading, validating) would be."""
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 256)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 256)
    release = threading.Event()
    wrote = runner.Pace.wrote
    batches = itertools.count(1)

    def held(self: runner.Pace, records: int, seconds: float) -> None:
        wrote(self, records, seconds)
        if next(batches) >= 2:
            release.wait(20)

    monkeypatch.setattr(runner.Pace, "wrote", held)
    yield release
    release.set()


async def test_import_runs_while_the_user_triages(demo_service, make_app, in_folder, held_import):
    big_csv(in_folder / "big.csv", 8000)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "big.csv")
        await pilot.press("ctrl+s")
        screen = screen_of(pilot)
        await wait_until(
            pilot, lambda: screen.view == "job" and (screen.job_view.job or {}).get("processedRows", 0) > 0
        )
        uid = screen.job_uid
        assert uid is not None and screen.job_view.job["status"] == "processing"
        # Leave the screen: the import goes on; triage and page on the contacts list meanwhile.
        await pilot.press("escape")
        await settle(pilot)
        contacts = home(pilot)
        first = contacts.table.current_id
        await pilot.press("3")  # Engaged
        assert demo_service.get_contact(first)["stage"] == "engaged"
        assert demo_service.get_import_job(uid, with_issues=False)["status"] == "processing"
        await pilot.press("pagedown")
        await settle(pilot)
        # Past page 1; the page follows the highlighted contact as the import's newer contacts
        # sort in above it (docs/tui-safety.md), so it may be further on than page 2.
        assert contacts.query_state.page >= 2
        target = contacts.table.current_id
        await pilot.press("6")  # Customer, on the page shown
        assert demo_service.get_contact(target)["stage"] == "customer"
        assert demo_service.get_import_job(uid, with_issues=False)["status"] == "processing"
        held_import.set()
        # The app says when the job ends, here on the contacts list.
        await wait_until(pilot, lambda: any(n.startswith("Import complete") for n in notes(pilot.app)))
        job = demo_service.get_import_job(uid)
        assert job["status"] == "complete" and job["successCount"] == 7840 and job["errorCount"] == 160
        assert any("big.csv: 7,840 imported · 160 errors · 0 duplicates · i to see it" in n for n in notes(pilot.app))
        # Opening the import screen again shows that job, finished, with its errors.
        await pilot.press("i")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.view == "job" and screen.job_uid == uid
        assert screen.query_one("#job-errors", DataTable).row_count == 160


async def test_reopening_the_screen_reattaches_to_the_running_job(demo_service, make_app, in_folder, held_import):
    big_csv(in_folder / "big.csv", 4000)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "big.csv")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen_of(pilot).view == "job")
        uid = screen_of(pilot).job_uid
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.view == "job" and screen.job_uid == uid and not screen.job_view.ended
        held_import.set()
        await wait_until(pilot, lambda: screen.job_view.ended)  # followed live to the end
        assert screen.job_view.job["processedRows"] == 4000


# ---------------------------------------------------------------- the job's contacts


async def test_show_contacts_from_this_job_filters_the_list(demo_service, make_app, in_folder):
    leads_csv(in_folder)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "leads.csv")
        screen = await start_and_finish(pilot)
        uid = screen.job_uid
        await pilot.press("c")
        await settle(pilot)
        contacts = home(pilot)
        assert contacts.query_state.import_job == uid
        assert sorted(c["email"] for c in contacts.rows.values()) == [
            "ann.lee@example.com", "cara.diaz@example.com", "eve.park@example.com",
        ]  # fmt: skip
        assert "of 3" in status(pilot) and "imported from leads.csv" in status(pilot)
        await pilot.press("2")  # triage them right away
        assert demo_service.get_contact(contacts.table.page_ids()[0])["stage"] == "contacted"
        await pilot.press("x")
        await settle(pilot)
        assert contacts.query_state.import_job is None
        assert "imported from" not in status(pilot) and "of 503" in status(pilot)


# ---------------------------------------------------------------- recent imports


async def test_recent_imports_list_and_detail(demo_service, make_app, db_path):
    source = demo_service.add_source("Trade Show")
    insert_job(db_path, "job-old", filename="old.csv", total=3, success=2, errors=[(3, "Invalid email format")],
               created="2026-06-01T09:00:00.000000Z", source_uid=source["uid"])  # fmt: skip
    insert_job(db_path, "job-new", filename="new.csv", total=4, success=3,
               duplicates=[(4, "ann@example.com", "cnt_01HZX0000000000000000000AA")],
               created="2026-06-02T09:00:00.000000Z")  # fmt: skip
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")  # no job running, none started here: a new import
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.view == "setup"
        await pilot.press("r")
        await settle(pilot)
        assert screen.view == "recent"
        table = screen.query_one("#recent-table", DataTable)
        assert [str(table.get_row_at(n)[0]) for n in range(table.row_count)] == ["new.csv", "old.csv"]
        assert [str(c) for c in table.get_row_at(1)[1:6]] == [" complete ", "3/3", "2", "1", "0"]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.view == "job" and screen.job_uid == "job-old"
        assert "old.csv" in text_of(pilot, "#job-title")
        assert "source Trade Show" in text_of(pilot, "#job-meta")
        assert "finished 2026-06-01 09:00 (took 46 s)" in text_of(pilot, "#job-meta")
        errors = screen.query_one("#job-errors", DataTable)
        assert [str(c) for c in errors.get_row_at(0)] == ["3", "Invalid email format"]
        assert not screen.query_one("#job-dups").display  # no duplicates: no empty table
        await pilot.press("escape")  # back to the list it came from
        await settle(pilot)
        assert screen.view == "recent"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ContactsScreen)


async def test_recent_imports_from_the_command_palette(demo_service, make_app, db_path):
    insert_job(db_path, "job-1", filename="one.csv", total=1, success=1)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "recent imports")
        await settle(pilot, 0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(pilot).view == "recent"


async def test_a_failed_job_shows_its_error_message(demo_service, make_app, db_path, in_folder):
    import sqlite3

    body = demo_service.start_import(leads_csv(in_folder), run=False)
    conn = sqlite3.connect(db_path)
    with conn:  # the stored upload is gone (e.g. deleted by hand): the job cannot run
        conn.execute("DELETE FROM import_file")
    conn.close()
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        # Started by the app's start-up resume; the ending is announced.
        await wait_until(pilot, lambda: any(n.startswith("Import failed") for n in notes(pilot.app)))
        assert "leads.csv: the uploaded file is no longer stored" in " ".join(notes(pilot.app))
        await pilot.press("i")
        await settle(pilot)
        screen = screen_of(pilot)
        assert screen.view == "job" and screen.job_uid == body["uid"]
        assert "Failed: the uploaded file is no longer stored; start the import again" in text_of(pilot, "#job-message")
        await pilot.press("r")
        await settle(pilot)
        table = screen.query_one("#recent-table", DataTable)
        assert str(table.get_row_at(0)[1]) == " failed "


# ---------------------------------------------------------------- start-up


async def test_a_job_that_ends_before_the_app_lists_the_jobs_is_still_announced(
        demo_service, make_app, db_path, in_folder, monkeypatch):
    """The start-up resume may end a job (here: it fails at once) before the app has looked at
    the jobs; a loaded machine did exactly that. Its ending is announced all the same."""
    import sqlite3

    demo_service.start_import(leads_csv(in_folder), run=False)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("DELETE FROM import_file")
    conn.close()
    # The worker wins the race: the job has run (and failed) when resume_imports returns.
    monkeypatch.setattr(demo_service, "resume_imports", demo_service.work_imports)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any(n.startswith("Import failed") for n in notes(pilot.app)), timeout=10)
        assert "leads.csv: the uploaded file is no longer stored" in " ".join(notes(pilot.app))


async def test_a_queued_job_left_behind_runs_when_the_app_starts(demo_service, make_app, in_folder):
    body = demo_service.start_import(leads_csv(in_folder), run=False)  # as if its worker never ran
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: demo_service.get_import_job(body["uid"])["status"] == "complete")
        await wait_until(pilot, lambda: any(n.startswith("Import complete") for n in notes(pilot.app)))
        assert demo_service.get_import_job(body["uid"])["successCount"] == 3


async def test_save_failed_rows(demo_service, make_app, in_folder):
    leads_csv(in_folder)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "leads.csv")
        screen = await start_and_finish(pilot)
        await pilot.press("E")
        await settle(pilot)
        saved = in_folder / "leads-errors.csv"
        assert saved.read_bytes() == demo_service.import_errors_csv(screen.job_uid)
        assert saved.stat().st_mode & 0o777 == 0o600
        assert any("2 failed rows saved to" in n for n in notes(pilot.app))


async def test_a_new_source_is_made_and_stamped_on_the_job(demo_service, make_app, in_folder):
    leads_csv(in_folder)
    before = len(demo_service.list_sources())
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "leads.csv")
        screen = screen_of(pilot)
        source = screen.query_one("#source", Select)
        source.value = "\x00new"  # the "+ new source…" choice, as picked from the list
        await settle(pilot)
        await type_text(pilot, "Trade Show [2026]")
        await pilot.press("enter")
        await settle(pilot)
        made = next(s for s in demo_service.list_sources() if s["name"] == "Trade Show [2026]")
        assert source.value == made["uid"]
        # A name that exists (any case) is reused instead of making a twin.
        source.value = "\x00new"
        await settle(pilot)
        await type_text(pilot, "trade show [2026]")
        await pilot.press("enter")
        await settle(pilot)
        assert len(demo_service.list_sources()) == before + 1 and source.value == made["uid"]
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.view == "job" and screen.job_view.ended)
        assert demo_service.get_import_job(screen.job_uid)["sourceName"] == "Trade Show [2026]"
        assert "source Trade Show [2026]" in text_of(pilot, "#job-meta")


async def test_leaving_right_after_start_still_follows_the_job(demo_service, make_app, in_folder):
    leads_csv(in_folder)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "leads.csv")
        await pilot.press("ctrl+s", "escape")  # gone before the job is even queued
        await wait_until(pilot, lambda: any(n.startswith("Import complete") for n in notes(pilot.app)))
        assert isinstance(pilot.app.screen, ContactsScreen)
        await pilot.press("i")
        await settle(pilot)
        assert screen_of(pilot).view == "job" and screen_of(pilot).job_view.ended


async def test_a_vcard_file_is_offered_previewed_and_imported(demo_service, make_app, in_folder):
    source = Path(__file__).resolve().parents[1] / "data" / "vcard" / "khard-4.0.vcf"
    (in_folder / "people.vcf").write_bytes(source.read_bytes())
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        tree = screen_of(pilot).query_one("#tree")
        assert [str(n.label) for n in tree.root.children] == ["people.vcf"]
        await pilot.press("down", "enter")
        await settle(pilot, 0.3)
        info = text_of(pilot, "#file-info")
        assert "people.vcf" in info and "vCard" in info and "2 rows" in info
        assert mapping(pilot)["email"] == "email"
        screen = await start_and_finish(pilot)
        job = demo_service.get_import_job(screen.job_uid)
        assert job["status"] == "complete" and job["successCount"] == 2


async def test_the_region_choice_reads_national_numbers_in_the_preview_and_the_job(demo_service, make_app, in_folder):
    (in_folder / "de.csv").write_text("First Name,Email,Phone\nJörg,joerg@example.de,030 1234567\n", encoding="utf-8")
    demo_service.region = "GB"  # the app's region (PARSALINK_REGION) is the default choice
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "de.csv")
        screen = screen_of(pilot)
        region = screen.query_one("#region", Select)
        rows = screen.query_one("#first-rows", DataTable)
        assert region.value == "GB"
        assert str(rows.get_row_at(0)[3]) == "+44301234567"
        region.value = "DE"  # as picked from the list
        await wait_until(pilot, lambda: str(rows.get_row_at(0)[3]) == "+49301234567")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: screen.view == "job" and screen.job_view.ended)
        job = demo_service.get_import_job(screen.job_uid)
        assert job["region"] == "DE" and job["successCount"] == 1
        assert demo_service.list_contacts(search="joerg@example.de")["results"][0]["phone"] == "+49301234567"
