"""Undo and redo never overwrite a change made elsewhere; they do what still fits and say the rest.

"Elsewhere" is a second ``Service`` on the same file (another process: the CLI, the HTTP API),
writing between the user's change and their ``u`` / ``ctrl+y``.
"""

from __future__ import annotations

import pytest

from .conftest import SIZE
from .helpers import elsewhere, home, open_form, page_contacts, settle

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases


def last_message(app) -> str:
    return str(list(app._notifications)[-1].message)


def messages(app) -> str:
    return " | ".join(str(n.message) for n in app._notifications)


def stages(service, ids):
    return [service.get_contact(cid)["stage"] for cid in ids]


async def start(pilot, service, ids, stage="new"):
    """Settle; put ``ids`` at ``stage`` first (a known starting point)."""
    await settle(pilot)
    service.set_stages(dict.fromkeys(ids, stage))
    home(pilot).reload()
    await settle(pilot)


async def three_to_customer(pilot, service) -> list[str]:
    """The page's first three contacts: from New to Customer, as one bulk change."""
    await settle(pilot)
    ids = [c["id"] for c in page_contacts(pilot)][:3]
    await start(pilot, service, ids)
    await pilot.press("space", "shift+down", "shift+down", "6")
    return ids


async def test_stage_undo_skips_a_contact_moved_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        ids = await three_to_customer(pilot, demo_service)
        with elsewhere(demo_service) as other:
            other.set_stages({ids[1]: "inactive"})
        await pilot.press("u")
        assert stages(demo_service, ids) == ["new", "inactive", "new"]  # the other change stays
        assert last_message(app) == (
            "Undo: 2 contacts back to New · 1 changed stage elsewhere, left as it is · ctrl+y to redo"
        )
        # Redo is symmetric: it moves only what the undo moved, and only if still there.
        with elsewhere(demo_service) as other:
            other.set_stages({ids[2]: "engaged"})
        await pilot.press("ctrl+y")
        assert stages(demo_service, ids) == ["customer", "inactive", "engaged"]
        assert last_message(app) == (
            "Redo: 1 contact → Customer · 1 changed stage elsewhere, left as it is · u to undo"
        )


async def test_single_stage_undo_names_the_contact(demo_service, make_app):
    app = make_app(demo_service, advance_after_stage=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = page_contacts(pilot)[0]
        await start(pilot, demo_service, [first["id"]])
        await pilot.press("3")
        with elsewhere(demo_service) as other:
            other.set_stages({first["id"]: "customer"})
        await pilot.press("u")
        assert stages(demo_service, [first["id"]]) == ["customer"]
        name = f"{first['firstName']} {first['lastName']}"
        assert last_message(app) == f"Nothing undone: {name}'s stage was changed elsewhere to Customer; left as is"
        assert app.history.done == [] and app.history.undone == []


async def test_bulk_stage_undo_survives_a_contact_deleted_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        ids = await three_to_customer(pilot, demo_service)
        with elsewhere(demo_service) as other:
            other.delete_contact(ids[2])
        await pilot.press("u")
        assert stages(demo_service, ids[:2]) == ["new", "new"]
        assert last_message(app) == "Undo: 2 contacts back to New · 1 was deleted elsewhere · ctrl+y to redo"
        await pilot.press("ctrl+y")
        assert stages(demo_service, ids[:2]) == ["customer", "customer"]


async def test_delete_undo_waits_while_the_email_belongs_to_another(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        victim = page_contacts(pilot)[0]
        demo_service.add_note(victim["id"], "Keep me")
        await pilot.press("d", "y")
        await settle(pilot)
        with elsewhere(demo_service) as other:
            taker = other.create_contact({"firstName": "New", "lastName": "Owner", "email": victim["email"]})
        await pilot.press("u")
        await settle(pilot)
        message = last_message(app)
        assert message.startswith(f"Nothing undone: {victim['firstName']} {victim['lastName']} not restored: ")
        assert f"now belongs to contact {taker['id']}" in message and "nothing of it is lost" in message
        assert len(app.history.done) == 1  # the snapshot is still there
        demo_service.update_contact(taker["id"], {"email": "someone.else@example.com"})
        await pilot.press("u")
        await settle(pilot)
        assert demo_service.get_contact(victim["id"])["email"] == victim["email"]
        assert "Keep me" in [n["text"] for n in demo_service.list_notes(victim["id"])]


async def test_bulk_delete_undo_restores_what_it_can_and_keeps_the_rest(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = page_contacts(pilot)[:3]
        await pilot.press("space", "shift+down", "shift+down", "d", "y")
        await settle(pilot)
        with elsewhere(demo_service) as other:
            other.create_contact({"firstName": "Re", "lastName": "Used", "email": rows[1]["email"]})
        await pilot.press("u")
        await settle(pilot)
        assert demo_service.get_contact(rows[0]["id"])["id"] == rows[0]["id"]
        assert demo_service.get_contact(rows[2]["id"])["id"] == rows[2]["id"]
        assert last_message(app).startswith("Undo: 2 contacts restored · ")
        assert len(app.history.done) == 1 and len(app.history.undone) == 1


async def test_edit_undo_restores_only_fields_not_changed_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        before = demo_service.get_contact(cid)
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#title").value = "Mine"
        app.screen.query_one("#phone").value = "+1 415 555 0199"
        await pilot.press("ctrl+s")
        await settle(pilot)
        with elsewhere(demo_service) as other:
            other.update_contact(cid, {"title": "Theirs"})
        await pilot.press("u")
        now = demo_service.get_contact(cid)
        assert (now["title"], now["phone"]) == ("Theirs", before["phone"])
        assert last_message(app) == (
            f"Undo: edited {before['firstName']} {before['lastName']} · "
            "Title was changed elsewhere to 'Theirs'; left as is · ctrl+y to redo"
        )
        await pilot.press("ctrl+y")  # redoes the phone only: the title was never undone
        now = demo_service.get_contact(cid)
        assert (now["title"], now["phone"]) == ("Theirs", "+14155550199")


async def test_redo_of_a_delete_keeps_a_contact_changed_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        await pilot.press("d", "y")
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        with elsewhere(demo_service) as other:
            other.update_contact(cid, {"title": "Promoted"})
        await pilot.press("ctrl+y")
        assert demo_service.get_contact(cid)["title"] == "Promoted"
        assert "was changed elsewhere (Title); not deleted" in last_message(app)


async def test_create_undo_keeps_a_contact_changed_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        form.query_one("#firstName").value = "Zed"
        form.query_one("#email").value = "zed@example.com"
        await pilot.press("ctrl+s")
        await settle(pilot)
        cid = demo_service.list_contacts(search="zed@example.com")["results"][0]["id"]
        with elsewhere(demo_service) as other:
            other.add_note(cid, "not about the fields")  # notes and tasks are not a change of the contact
            other.update_contact(cid, {"tags": ["hot"]})
        await pilot.press("u")
        assert demo_service.get_contact(cid)["tags"] == ["hot"]
        assert last_message(app) == "Nothing undone: Zed was changed elsewhere (Tags); not deleted"


async def test_note_undo_keeps_a_note_edited_elsewhere(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#note-text").text = "Call Tuesday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        note = demo_service.list_notes(cid)[-1]
        with elsewhere(demo_service) as other:
            other.update_note(note["id"], "Call Wednesday")
        await pilot.press("u")
        assert demo_service.list_notes(cid)[-1]["text"] == "Call Wednesday"
        assert last_message(app) == "Nothing undone: the note was edited elsewhere; kept"


async def test_a_stage_key_does_not_move_a_contact_moved_elsewhere_unseen(demo_service, make_app, monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 3600)  # no refresh meanwhile
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = [c["id"] for c in page_contacts(pilot)][:2]
        await start(pilot, demo_service, ids)
        with elsewhere(demo_service) as other:
            other.set_stages({ids[0]: "negotiation"})
        await pilot.press("space", "shift+down", "3")  # both rows show New; one is not any more
        assert stages(demo_service, ids) == ["negotiation", "engaged"]
        assert home(pilot).rows[ids[0]]["stage"] == "negotiation"  # shown now
        assert "Not moved: 1 changed stage elsewhere, left as it is" in messages(app)
        await pilot.press("3")  # seen now: the key moves it
        assert stages(demo_service, ids) == ["engaged", "engaged"]
        await pilot.press("u")
        assert stages(demo_service, ids) == ["negotiation", "engaged"]


async def test_delete_keeps_a_contact_changed_elsewhere_since_shown(demo_service, make_app, monkeypatch):
    monkeypatch.setattr("parsalink_tui.tui.contacts_screen.REFRESH_SECONDS", 3600)  # no refresh meanwhile
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = page_contacts(pilot)[:2]
        with elsewhere(demo_service) as other:
            other.update_contact(rows[1]["id"], {"title": "Just promoted"})
        await pilot.press("space", "shift+down", "d", "y")
        await settle(pilot)
        assert demo_service.get_contact(rows[1]["id"])["title"] == "Just promoted"
        assert demo_service.list_contacts(search=rows[0]["email"])["count"] == 0
        name = f"{rows[1]['firstName']} {rows[1]['lastName']}"
        assert f"Not deleted, changed elsewhere since shown: {name} (Title)" in messages(app)


async def test_detail_delete_keeps_a_contact_changed_elsewhere_since_opened(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        await pilot.press("enter")
        await pilot.pause()
        with elsewhere(demo_service) as other:
            other.update_contact(cid, {"emailOptOut": True})
        await pilot.press("d", "y")
        await pilot.pause()
        assert demo_service.get_contact(cid)["emailOptOut"] is True
        assert "was changed elsewhere (Opted out of email); shown now" in last_message(app)
