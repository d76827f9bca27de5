"""Contact create/get/update/delete through the service: validation, normalisation, audit."""

from __future__ import annotations

import pytest

from parsalink_tui.errors import DuplicateEmailError, NotFoundError, ValidationError
from parsalink_tui.schemas import DETAIL_FIELDS

from .conftest import make_contact

pytestmark = pytest.mark.both_backends  # every test taking `service`: on SQLite and on PostgreSQL


def test_create_returns_reference_shape_with_defaults(service):
    user = service.add_user("Alex Johnson", "alex@example.com")
    c = service.create_contact({
        "firstName": "Sarah", "lastName": "Kim", "email": "Sarah.Kim@EXAMPLE.com",
        "phone": "(555) 987-6543", "title": "Engineering Manager", "accountName": "TechCorp",
        "assignedTo": user["id"], "tags": ["saas", "inbound", " SaaS "], "notes": "Met at SaaStr",
    })  # fmt: skip
    assert tuple(c) == DETAIL_FIELDS
    assert c["id"].startswith("cnt_") and len(c["id"]) == 30
    assert c["email"] == "Sarah.Kim@example.com"  # domain lowercased, local part kept
    assert c["phone"] == "+15559876543"
    assert c["stage"] == "new"
    assert c["accountName"] == "TechCorp" and c["accountId"].startswith("acc_")
    assert c["assignedToName"] == "Alex Johnson"
    assert c["tags"] == ["saas", "inbound"]
    assert c["emailOptOut"] is False and c["emailBounced"] is False
    assert c["createdAt"].endswith("Z") and c["createdAt"] == c["updatedAt"]
    assert service.get_contact(c["id"]) == c


def test_account_name_finds_existing_account_case_insensitively(service):
    acc = service.add_account("Acme Corp")
    c = make_contact(service, accountName="acme corp")
    assert c["accountId"] == acc["id"] and c["accountName"] == "Acme Corp"
    assert len(service.list_accounts()) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com"}, "firstName"),
        ({"firstName": "A"}, "email"),
        ({"firstName": "A", "email": "not-an-email"}, "email"),
        ({"firstName": "A", "email": "a@example.com", "phone": "12"}, "phone"),
        ({"firstName": "A", "email": "a@example.com", "stage": "hot"}, "stage"),
        ({"firstName": "A", "email": "a@example.com", "accountId": "acc_nope"}, "accountId"),
        ({"firstName": "A", "email": "a@example.com", "assignedTo": "usr_nope"}, "assignedTo"),
        ({"firstName": "A", "email": "a@example.com", "emailOptOut": "yes"}, "emailOptOut"),
        ({"firstName": "A", "email": "a@example.com", "tags": 5}, "tags"),
        ({"firstName": "A", "email": "a@example.com", "colour": "red"}, "colour"),
        ({"firstName": "A" * 101, "email": "a@example.com"}, "firstName"),
    ],
)
def test_create_refuses_invalid_fields_naming_them(service, body, field):
    with pytest.raises(ValidationError) as err:
        service.create_contact(body)
    assert err.value.field == field
    assert str(err.value).startswith(field)
    assert service.list_contacts()["count"] == 0


def test_invalid_email_message_is_the_references(service):
    with pytest.raises(ValidationError) as err:
        make_contact(service, email="john@@example.com")
    assert err.value.message == "Invalid email format"


def test_invalid_phone_names_the_value(service):
    with pytest.raises(ValidationError, match="abc123"):
        make_contact(service, phone="abc123")


def test_possible_but_unassigned_numbers_are_accepted(service):
    assert make_contact(service, phone="+1 555 123 4567")["phone"] == "+15551234567"


def test_stage_labels_are_accepted(service):
    assert make_contact(service, stage="Proposal Sent")["stage"] == "proposal_sent"


def test_emails_are_unique_case_insensitively_and_name_the_existing_contact(service):
    first = make_contact(service)
    with pytest.raises(DuplicateEmailError) as err:
        make_contact(service, email="SARAH.KIM@example.com", firstName="Other")
    assert err.value.existing_id == first["id"]
    assert first["id"] in str(err.value)


def test_a_duplicate_email_only_the_database_catches_names_the_existing_contact(service, monkeypatch):
    # As when another writer adds the address between the check and the insert: the unique
    # email_key constraint refuses it, and the message still names the contact that has it.
    first = make_contact(service)
    monkeypatch.setattr("parsalink_tui.contacts._check_email_free", lambda *args, **kwargs: None)
    with pytest.raises(DuplicateEmailError) as err:
        make_contact(service, email="SARAH.kim@example.com")
    assert err.value.existing_id == first["id"]
    assert service.list_contacts()["count"] == 1


def test_control_characters_are_stripped_but_note_newlines_kept(service):
    c = make_contact(service, firstName="Sa\x1b[31mrah\x07", title="VP\tSales", notes="line 1\r\nline 2\x00")
    assert c["firstName"] == "Sa[31mrah"
    assert c["title"] == "VP Sales"
    assert c["notes"] == "line 1\nline 2"


def test_update_changes_only_given_fields_and_audits_each(service):
    c = make_contact(service, title="CTO", tags=["a"])
    u = service.update_contact(c["id"], {"stage": "engaged", "title": "CEO", "tags": ["a", "b"]})
    assert u["stage"] == "engaged" and u["title"] == "CEO" and u["tags"] == ["a", "b"]
    assert u["firstName"] == "Sarah" and u["email"] == c["email"]
    assert u["updatedAt"] >= c["updatedAt"]
    acts = service.list_activity(c["id"])
    assert [a["action"] for a in acts] == ["created", "stage_changed", "updated", "updated"]
    by_field = {a["field"]: a for a in acts[1:]}
    assert by_field["stage"]["oldValue"] == "new" and by_field["stage"]["newValue"] == "engaged"
    assert by_field["title"]["oldValue"] == "CTO" and by_field["title"]["newValue"] == "CEO"
    assert by_field["tags"]["oldValue"] == ["a"] and by_field["tags"]["newValue"] == ["a", "b"]


def test_update_with_no_real_change_writes_no_activity(service):
    c = make_contact(service, title="CTO")
    service.update_contact(c["id"], {"title": "CTO"})
    assert len(service.list_activity(c["id"])) == 1


def test_update_can_clear_optional_fields_but_not_both_names(service):
    c = make_contact(service, phone="+15551234567")
    assert service.update_contact(c["id"], {"phone": None, "lastName": None})["phone"] is None
    with pytest.raises(ValidationError) as err:
        service.update_contact(c["id"], {"firstName": None})
    assert err.value.field == "firstName"


def test_update_refuses_email_of_another_contact(service):
    a = make_contact(service)
    b = make_contact(service, email="b@example.com")
    with pytest.raises(DuplicateEmailError) as err:
        service.update_contact(b["id"], {"email": "sarah.KIM@example.com"})
    assert err.value.existing_id == a["id"]
    assert service.update_contact(a["id"], {"email": "Sarah.Kim@example.com"})["email"] == "Sarah.Kim@example.com"


def test_unknown_ids_are_not_found(service):
    for call in (
        lambda: service.get_contact("cnt_missing"),
        lambda: service.update_contact("cnt_missing", {"title": "x"}),
        lambda: service.delete_contact("cnt_missing"),
        lambda: service.add_note("cnt_missing", "x"),
    ):
        with pytest.raises(NotFoundError, match="cnt_missing"):
            call()


def test_delete_removes_notes_and_tasks_but_keeps_audit(service):
    c = make_contact(service)
    service.add_note(c["id"], "hello")
    service.add_task(c["id"], "call", "2026-12-01")
    service.delete_contact(c["id"])
    with pytest.raises(NotFoundError):
        service.get_contact(c["id"])
    with service.db.read() as conn:
        from sqlalchemy import text

        assert conn.execute(text("SELECT count(*) FROM note")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM task")).scalar() == 0
    actions = [a["action"] for a in service.list_activity(c["id"])]
    assert actions == ["created", "note_added", "task_added", "deleted"]


@pytest.mark.uses_search
def test_restore_puts_back_contact_with_notes_tasks_and_tags(service):
    c = make_contact(service, tags=["x", "y"], accountName="Acme")
    note = service.add_note(c["id"], "n1")
    task = service.add_task(c["id"], "t1")
    snap = service.delete_contact(c["id"])
    back = service.restore_contact(snap)
    assert back == c
    assert service.list_notes(c["id"]) == [note]
    assert service.list_tasks(c["id"]) == [task]
    assert service.list_contacts(search="sarah")["count"] == 1  # search index restored too


def test_set_stage_bulk_returns_previous_and_is_atomic(service):
    a = make_contact(service, email="a@example.com", stage="contacted")
    b = make_contact(service, email="b@example.com")
    prev = service.set_stage([a["id"], b["id"]], "engaged")
    assert prev == {a["id"]: "contacted", b["id"]: "new"}
    assert service.get_contact(b["id"])["stage"] == "engaged"
    with pytest.raises(NotFoundError):
        service.set_stage([a["id"], "cnt_missing"], "customer")
    assert service.get_contact(a["id"])["stage"] == "engaged"  # nothing of the failed change landed
    service.set_stages(prev)
    assert service.get_contact(a["id"])["stage"] == "contacted"
    assert service.get_contact(b["id"])["stage"] == "new"


def test_notes_and_tasks_lifecycle(service):
    c = make_contact(service)
    n = service.add_note(c["id"], "first\nsecond")
    assert service.update_note(n["id"], "changed")["text"] == "changed"
    t = service.add_task(c["id"], "Send proposal", "2026-12-01")
    assert t["due"] == "2026-12-01" and t["done"] is False
    done = service.set_task_done(t["id"])
    assert done["done"] is True and done["doneAt"]
    service.delete_note(n["id"])
    assert service.list_notes(c["id"]) == []
    with pytest.raises(ValidationError, match="due"):
        service.add_task(c["id"], "x", "next tuesday")
    with pytest.raises(ValidationError):
        service.add_note(c["id"], "   ")


def test_users_accounts_sources(service):
    u = service.add_user("Alex", "ALEX@Example.com")
    assert u["id"].startswith("usr_") and u["email"] == "ALEX@example.com"
    with pytest.raises(ValidationError, match="email"):
        service.add_user("Bad", "nope")
    with pytest.raises(ValidationError, match="name"):
        service.add_user("  ")
    service.add_account("Acme")
    with pytest.raises(ValidationError, match="already exists"):
        service.add_account("ACME")
    s = service.add_source("Trade Show")
    assert [x["uid"] for x in service.list_sources()] == [s["uid"]]
