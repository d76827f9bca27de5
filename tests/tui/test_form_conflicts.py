"""The edit form against writes made elsewhere (issue: a save used to send every field back).

A second ``Service`` on the same file plays "another process" (the CLI, the HTTP API): it
writes between the form opening and ``ctrl+s``.
"""

from __future__ import annotations

import pytest
from textual.widgets import Button

from parsalink_tui.service import Service
from parsalink_tui.tui.contact_form import ContactForm
from parsalink_tui.tui.form_conflict import ConflictNote

from .conftest import SIZE
from .helpers import elsewhere, home, open_form, settle

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases


@pytest.fixture(autouse=True)
def _no_live_refresh(monkeypatch):
    """These tests show what a save meets; the form's own look every 2 s is tested on its own."""
    monkeypatch.setattr("parsalink_tui.tui.contact_form.REFRESH_SECONDS", 3600)


@pytest.fixture
def one_contact(service):
    """A service on a fresh database holding one contact; returns (service, contact id)."""
    c = service.create_contact({"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com",
                                "title": "Engineering Manager", "tags": ["saas", "inbound"]})  # fmt: skip
    return service, c["id"]


def write_elsewhere(service: Service, contact_id: str, data: dict) -> None:
    with elsewhere(service) as other:
        other.update_contact(contact_id, data)


async def save_meanwhile(pilot, service: Service, contact_id: str, theirs: dict, mine: dict) -> ContactForm:
    """Open the form, let another process write ``theirs``, put ``mine`` in the widgets, ctrl+s."""
    form = await open_form(pilot, "e")
    write_elsewhere(service, contact_id, theirs)
    for field, value in mine.items():
        form.query_one(f"#{field}").value = value
    await pilot.press("ctrl+s")
    await settle(pilot)
    return form


def messages(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


def notes_shown(form: ContactForm) -> dict[str, str]:
    return {note.field: note.text for note in form.query(ConflictNote)}


async def test_a_save_keeps_fields_changed_elsewhere(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await save_meanwhile(
            pilot, service, cid, theirs={"title": "CLI title", "tags": ["cli"]}, mine={"lastName": "Lee"}
        )
        home(pilot)  # saved and closed: no conflict, the user changed only the last name
        saved = service.get_contact(cid)
        assert (saved["lastName"], saved["title"], saved["tags"]) == ("Lee", "CLI title", ["cli"])
        assert "Changed elsewhere and kept: Title, Tags" in messages(app)
        # Undo takes back the last name only, not the other process's title and tags.
        await pilot.press("u")
        back = service.get_contact(cid)
        assert (back["lastName"], back["title"], back["tags"]) == ("Kim", "CLI title", ["cli"])


async def test_a_field_changed_on_both_sides_is_a_conflict_shown_with_both_values(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(
            pilot,
            service,
            cid,
            theirs={"title": "CLI title", "tags": ["cli"]},
            mine={"title": "My title", "lastName": "Lee"},
        )
        assert app.screen is form  # refused: nothing saved
        assert service.get_contact(cid)["lastName"] == "Kim"
        assert notes_shown(form) == {"title": "Title was changed elsewhere to 'CLI title'"}
        assert form.query_one("#title").value == "My title"  # the user's value stays in the field
        assert form.query_one("#tags").value == "cli"  # untouched field: refreshed
        assert "Tags" in messages(app)
        # Keep mine: save again.
        await pilot.press("ctrl+s")
        await settle(pilot)
        home(pilot)
        saved = service.get_contact(cid)
        assert (saved["title"], saved["lastName"], saved["tags"]) == ("My title", "Lee", ["cli"])


async def test_use_theirs_puts_the_other_value_in_the_field(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(
            pilot,
            service,
            cid,
            theirs={"title": "CLI title", "emailOptOut": True},
            mine={"title": "My title", "emailOptOut": False, "lastName": "Lee"},
        )
        assert app.screen is form
        assert form.query_one("#emailOptOut").value is True  # untouched by the user: refreshed
        assert list(notes_shown(form)) == ["title"]
        await pilot.click("#conflict-title-theirs")
        await pilot.pause()
        assert form.query_one("#title").value == "CLI title"
        assert notes_shown(form) == {}
        await pilot.press("ctrl+s")
        await settle(pilot)
        home(pilot)
        saved = service.get_contact(cid)
        assert (saved["title"], saved["lastName"], saved["emailOptOut"]) == ("CLI title", "Lee", True)


async def test_keep_mine_button_dismisses_the_note(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(pilot, service, cid, theirs={"title": "CLI title"}, mine={"title": "My title"})
        assert isinstance(form.query_one("#conflict-title-mine"), Button)
        await pilot.click("#conflict-title-mine")
        await pilot.pause()
        assert notes_shown(form) == {}
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert service.get_contact(cid)["title"] == "My title"


async def test_the_same_change_on_both_sides_is_no_conflict(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(
            pilot,
            service,
            cid,
            theirs={"title": "Same", "firstName": "Sal"},
            mine={"title": "Same", "firstName": "Sue"},
        )
        assert list(notes_shown(form)) == ["firstName"]  # the title agrees: not a conflict


async def test_only_the_same_change_on_both_sides_saves_at_once(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await save_meanwhile(
            pilot, service, cid, theirs={"title": "Same", "tags": ["cli"]}, mine={"title": "Same", "lastName": "Lee"}
        )
        home(pilot)
        saved = service.get_contact(cid)
        assert (saved["title"], saved["lastName"], saved["tags"]) == ("Same", "Lee", ["cli"])


@pytest.mark.sqlite_only("a snapshot: the same drawing on both databases")
def test_conflict_display(snap_compare, one_contact, make_app):
    # Title changed in the form and elsewhere; tags changed only elsewhere (refreshed); ctrl+s.
    service, cid = one_contact

    async def run_before(pilot) -> None:
        await save_meanwhile(
            pilot, service, cid, theirs={"title": "CLI title", "tags": ["cli"]}, mine={"title": "My title"}
        )

    assert snap_compare(make_app(service), terminal_size=SIZE, run_before=run_before)


async def test_an_open_form_takes_in_changes_made_elsewhere(one_contact, make_app, monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contact_form.REFRESH_SECONDS", 0.1)
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot, "e")
        form.query_one("#title").value = "My title"
        write_elsewhere(service, cid, {"title": "CLI title", "tags": ["cli"]})
        for _ in range(50):  # no key pressed: the form notices on its own
            await pilot.pause(0.1)
            if form.query(ConflictNote):
                break
        assert notes_shown(form) == {"title": "Title was changed elsewhere to 'CLI title'"}
        assert form.query_one("#tags").value == "cli"
        assert form.query_one("#title").value == "My title"
        assert "Updated from elsewhere: Tags" in messages(app)
        await pilot.press("ctrl+s")  # seen: saves the user's title at once
        await settle(pilot)
        home(pilot)
        assert service.get_contact(cid)["title"] == "My title"


async def test_a_second_change_elsewhere_updates_the_note(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(pilot, service, cid, theirs={"title": "CLI title"}, mine={"title": "My title"})
        write_elsewhere(service, cid, {"title": "Third title"})
        await pilot.press("ctrl+s")  # refused again: the title moved on since the note
        await settle(pilot)
        assert app.screen is form
        assert notes_shown(form) == {"title": "Title was changed elsewhere to 'Third title'"}
        await pilot.click("#conflict-title-theirs")
        await pilot.pause()
        assert form.query_one("#title").value == "Third title"


async def test_the_other_value_is_shown_as_plain_text(one_contact, make_app):
    service, cid = one_contact
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await save_meanwhile(pilot, service, cid, theirs={"title": "[b]Boss[/b] C:\\x"}, mine={"title": "Mine"})
        label = form.query_one("#conflict-title .conflict-text")
        assert str(label.render()) == "⚠ Title was changed elsewhere to '[b]Boss[/b] C:\\x'"
