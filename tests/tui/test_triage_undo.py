"""Stage keys, selection, and undo/redo of every kind of change (through Pilot and the database)."""

from __future__ import annotations

import pytest

from parsalink_tui.tui.detail_screen import DetailScreen

from .conftest import SIZE
from .helpers import home, page_contacts, settle, status, type_text

pytestmark = pytest.mark.both_backends  # stage keys, undo, conditional edits: behaviour on both databases


def stages_in_db(service, ids):
    return {cid: service.get_contact(cid)["stage"] for cid in ids}


async def test_stage_key_changes_the_row_and_moves_down(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        first = page_contacts(pilot)[0]
        target = "engaged" if first["stage"] != "engaged" else "customer"
        key = "3" if target == "engaged" else "6"
        await pilot.press(key)
        assert demo_service.get_contact(first["id"])["stage"] == target
        assert screen.rows[first["id"]]["stage"] == target
        cell = screen.table.get_cell(first["id"], "stage")
        assert target.capitalize() in cell.plain  # the badge changed in place
        assert screen.table.cursor_row == 1  # one key per contact
        await settle(pilot)
        assert screen.query_one("#stages").counts == demo_service.stage_counts()
        # The activity log has it.
        log = demo_service.list_activity(first["id"])
        assert log[-1]["action"] == "stage_changed" and log[-1]["newValue"] == target


async def test_advance_setting_off_keeps_the_cursor(demo_service, make_app):
    app = make_app(demo_service, advance_after_stage=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert home(pilot).table.cursor_row == 0


async def test_next_and_previous_stage_keys(demo_service, make_app):
    app = make_app(demo_service, advance_after_stage=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        await pilot.press("1", "right_square_bracket", "right_square_bracket")
        assert demo_service.get_contact(cid)["stage"] == "engaged"
        await pilot.press("left_square_bracket")
        assert demo_service.get_contact(cid)["stage"] == "contacted"
        await pilot.press("left_square_bracket", "left_square_bracket")  # stops at the first stage
        assert demo_service.get_contact(cid)["stage"] == "new"


async def test_selection_bulk_stage_and_undo_redo(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = home(pilot)
        ids = [c["id"] for c in page_contacts(pilot)]
        original = stages_in_db(demo_service, ids)
        await pilot.press("space", "shift+down", "shift+down")  # rows 0, 1, 2
        assert screen.selected == set(ids[:3])
        assert "3 selected" in status(pilot)
        await pilot.press("6")
        assert stages_in_db(demo_service, ids[:3]) == dict.fromkeys(ids[:3], "customer")
        assert stages_in_db(demo_service, ids[3:]) == {i: original[i] for i in ids[3:]}
        assert any("3 contacts → Customer" in str(n.message) for n in app._notifications)
        await pilot.press("u")
        assert stages_in_db(demo_service, ids) == original  # exactly the prior values
        assert [screen.rows[i]["stage"] for i in ids[:3]] == [original[i] for i in ids[:3]]
        await pilot.press("ctrl+y")
        assert stages_in_db(demo_service, ids[:3]) == dict.fromkeys(ids[:3], "customer")
        await pilot.press("ctrl+z")
        assert stages_in_db(demo_service, ids) == original
        # Select the page, clear, then nothing is selected.
        await pilot.press("ctrl+a")
        assert screen.selected == set(ids)
        await pilot.press("escape")
        assert screen.selected == set()


async def test_many_levels_of_undo(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = [c["id"] for c in page_contacts(pilot)][:5]
        original = stages_in_db(demo_service, ids)
        await pilot.press("7", "7", "7", "7", "7")  # five contacts, one key each
        assert set(stages_in_db(demo_service, ids).values()) == {"inactive"}
        await pilot.press("u", "u", "u")
        after = stages_in_db(demo_service, ids)
        assert [after[i] for i in ids[2:]] == [original[i] for i in ids[2:]]
        assert [after[i] for i in ids[:2]] == ["inactive", "inactive"]
        await pilot.press("u", "u")
        assert stages_in_db(demo_service, ids) == original
        await pilot.press("u")  # nothing left: says so, changes nothing
        assert stages_in_db(demo_service, ids) == original
        await pilot.press("ctrl+y", "ctrl+y")
        assert [stages_in_db(demo_service, ids)[i] for i in ids[:2]] == ["inactive", "inactive"]


async def test_delete_asks_then_undo_restores_notes_and_tasks(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        demo_service.add_note(cid, "Keep me")
        demo_service.add_task(cid, "Call back", "2026-10-20")
        before = demo_service.get_contact(cid)
        notes, tasks = demo_service.list_notes(cid), demo_service.list_tasks(cid)
        await pilot.press("d")
        await pilot.press("n")  # no: nothing happens
        assert demo_service.get_contact(cid)["id"] == cid
        await pilot.press("d", "y")
        await settle(pilot)
        assert demo_service.list_contacts(search=before["email"])["count"] == 0
        assert "of 499" in status(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert demo_service.get_contact(cid) == before
        assert demo_service.list_notes(cid) == notes and "Keep me" in [n["text"] for n in notes]
        assert demo_service.list_tasks(cid) == tasks and "Call back" in [t["title"] for t in tasks]
        assert home(pilot).table.current_id == cid
        await pilot.press("ctrl+y")  # redo deletes again
        assert demo_service.list_contacts(search=before["email"])["count"] == 0
        await pilot.press("u")
        assert demo_service.get_contact(cid) == before


async def test_bulk_delete_is_one_undo(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = [c["id"] for c in page_contacts(pilot)][:3]
        await pilot.press("space", "shift+down", "shift+down", "d", "y")
        await settle(pilot)
        assert demo_service.list_contacts()["count"] == 497
        await pilot.press("u")
        assert demo_service.list_contacts()["count"] == 500
        assert all(demo_service.get_contact(i)["id"] == i for i in ids)


async def test_edit_then_undo_restores_every_field(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        before = demo_service.get_contact(cid)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        form.query_one("#title").value = "Chief Triage Officer"
        form.query_one("#accountName").value = "Brand New Account Ltd"
        form.query_one("#tags").value = "vip, warm"
        form.query_one("#emailBounced").value = True
        await pilot.press("ctrl+s")
        await settle(pilot)
        edited = demo_service.get_contact(cid)
        assert edited["title"] == "Chief Triage Officer"
        assert edited["accountName"] == "Brand New Account Ltd"
        assert edited["tags"] == ["vip", "warm"] and edited["emailBounced"] is True
        await pilot.press("u")
        restored = demo_service.get_contact(cid)
        assert {k: v for k, v in restored.items() if k != "updatedAt"} == {
            k: v for k, v in before.items() if k != "updatedAt"
        }
        await pilot.press("ctrl+y")
        assert demo_service.get_contact(cid)["title"] == "Chief Triage Officer"


async def test_new_contact_then_undo_and_redo(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await pilot.pause()
        await type_text(pilot, "Zed")
        await pilot.press("tab")
        await type_text(pilot, "Quinn")
        await pilot.press("tab")
        await type_text(pilot, "zed.quinn@example.com")
        await pilot.press("ctrl+s")
        await settle(pilot)
        found = demo_service.list_contacts(search="zed.quinn@example.com")["results"]
        assert len(found) == 1
        assert home(pilot).table.current_id == found[0]["id"]  # the cursor is on the new contact
        await pilot.press("u")
        assert demo_service.list_contacts(search="zed.quinn@example.com")["count"] == 0
        await pilot.press("ctrl+y")
        assert demo_service.list_contacts(search="zed.quinn@example.com")["count"] == 1


async def test_detail_shows_everything_and_adds_notes_and_tasks(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = page_contacts(pilot)[0]["id"]
        demo_service.update_contact(cid, {"emailOptOut": True, "notes": "Likes email"})
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DetailScreen)
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "opted out of email" in text and "Likes email" in text and "Activity" in text
        await pilot.press("a")
        await pilot.pause()
        await type_text(pilot, "Wants a demo")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert [n["text"] for n in demo_service.list_notes(cid)][-1] == "Wants a demo"
        await pilot.press("t")
        await pilot.pause()
        await type_text(pilot, "Send deck")
        await pilot.press("tab")
        await type_text(pilot, "2026-11-02")
        await pilot.press("enter")
        await pilot.pause()
        assert ("Send deck", "2026-11-02") in [(t["title"], t["due"]) for t in demo_service.list_tasks(cid)]
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        assert "Wants a demo" in text and "Send deck" in text
        await pilot.press("u")  # undoes the task
        assert "Send deck" not in [t["title"] for t in demo_service.list_tasks(cid)]
        await pilot.press("4")  # stage keys work here too
        assert demo_service.get_contact(cid)["stage"] == "proposal_sent"
        await pilot.press("escape")
        await settle(pilot)
        assert home(pilot).rows[cid]["stage"] == "proposal_sent"
