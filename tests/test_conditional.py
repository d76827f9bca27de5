"""Partial conditional writes (undo/redo), delete preconditions, note and task preconditions."""

from __future__ import annotations

import pytest

from parsalink_tui.errors import ConflictError, ItemConflictError

from .conftest import make_contact

pytestmark = pytest.mark.both_backends  # every test taking `service`: on SQLite and on PostgreSQL


def test_update_where_applies_only_fields_still_as_expected(service):
    c = make_contact(service, title="Mine", phone="+14155550100")
    service.update_contact(c["id"], {"title": "Elsewhere"})
    out, skipped = service.update_contact_where(
        c["id"], {"title": "Old", "phone": None}, expected={"title": "Mine", "phone": "+14155550100"}
    )
    assert skipped == {"title": "Elsewhere"}
    assert (out["title"], out["phone"]) == ("Elsewhere", None)
    assert service.get_contact(c["id"])["phone"] is None


def test_update_where_with_nothing_to_apply_writes_nothing(service):
    c = make_contact(service, title="Mine")
    service.update_contact(c["id"], {"title": "Elsewhere"})
    _, version = service.get_contact(c["id"], with_version=True)
    _, skipped = service.update_contact_where(c["id"], {"title": "Old"}, expected={"title": "Mine"})
    assert skipped == {"title": "Elsewhere"}
    assert service.get_contact(c["id"], with_version=True)[1] == version


def test_set_stages_where_skips_contacts_moved_or_deleted_elsewhere(service):
    a = make_contact(service, email="a@example.com")["id"]
    b = make_contact(service, email="b@example.com")["id"]
    c = make_contact(service, email="c@example.com")["id"]
    service.set_stages({a: "customer", b: "customer", c: "customer"})
    service.set_stages({b: "inactive"})  # elsewhere
    service.delete_contact(c)  # elsewhere
    previous, skipped = service.set_stages_where({a: "new", b: "new", c: "new"}, dict.fromkeys((a, b, c), "customer"))
    assert previous == {a: "customer"}
    assert skipped == {b: "inactive", c: None}
    assert service.get_contact(a)["stage"] == "new" and service.get_contact(b)["stage"] == "inactive"


def test_delete_with_expected_refuses_a_contact_changed_since(service):
    c = make_contact(service, title="Seen")
    seen = service.get_contact(c["id"])
    service.update_contact(c["id"], {"title": "Elsewhere"})
    with pytest.raises(ConflictError) as exc:
        service.delete_contact(c["id"], expected=seen)
    assert exc.value.fields == ["title"]
    assert service.get_contact(c["id"])["title"] == "Elsewhere"
    service.delete_contact(c["id"], expected=service.get_contact(c["id"]))
    assert service.list_contacts()["count"] == 0


def test_delete_if_version(service):
    c = make_contact(service)
    _, seen = service.get_contact(c["id"], with_version=True)
    service.update_contact(c["id"], {"title": "Elsewhere"})
    with pytest.raises(ConflictError) as exc:
        service.delete_contact(c["id"], if_version=seen)
    assert exc.value.fields == [] and exc.value.version > seen
    service.delete_contact(c["id"], if_version=exc.value.version)
    assert service.list_contacts()["count"] == 0


def test_note_and_task_writes_check_what_the_caller_saw(service):
    cid = make_contact(service)["id"]
    note = service.add_note(cid, "First words")
    service.update_note(note["id"], "Edited elsewhere")
    with pytest.raises(ItemConflictError) as exc:
        service.update_note(note["id"], "Mine", expected_text="First words")
    assert exc.value.fields == ["text"] and exc.value.current["text"] == "Edited elsewhere"
    with pytest.raises(ItemConflictError):
        service.delete_note(note["id"], expected_text="First words")
    assert service.list_notes(cid)[0]["text"] == "Edited elsewhere"
    assert service.update_note(note["id"], "Mine", expected_text="Edited elsewhere")["text"] == "Mine"

    task = service.add_task(cid, "Call", "2026-10-01")
    seen = {"title": "Call", "due": "2026-10-01", "done": False}
    service.set_task_done(task["id"])  # elsewhere
    with pytest.raises(ItemConflictError) as exc:
        service.delete_task(task["id"], expected=seen)
    assert exc.value.fields == ["done"]
    with pytest.raises(ItemConflictError):
        service.update_task(task["id"], title="Call back", expected={"title": "Other"})
    assert service.update_task(task["id"], title="Call back", expected={"title": "Call"})["title"] == "Call back"
    service.delete_task(task["id"], expected={"title": "Call back", "done": True})
    assert service.list_tasks(cid) == []
