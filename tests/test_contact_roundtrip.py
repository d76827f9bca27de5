"""A contact read with get can be sent back to update (and create) as it is: read-only fields are
ignored, as Django REST framework ignores them, accountId with its own accountName is fine, and
only a contradiction or a key that is neither writable nor read-only is an error."""

from __future__ import annotations

import json

import pytest

from parsalink_tui.errors import ValidationError
from parsalink_tui.schemas import DETAIL_FIELDS, READ_ONLY_FIELDS, WRITABLE_FIELDS

from .conftest import make_contact
from .test_cli import fails, ok_json


def test_every_field_of_the_contact_object_is_writable_or_read_only() -> None:
    assert set(DETAIL_FIELDS) <= set(WRITABLE_FIELDS) | set(READ_ONLY_FIELDS)
    assert not set(WRITABLE_FIELDS) & set(READ_ONLY_FIELDS)


@pytest.mark.both_backends
def test_a_contact_read_with_get_updates_as_it_is(service) -> None:
    user = service.add_user("Alex", "alex@example.com")
    made = make_contact(service, accountName="TechCorp", assignedTo=user["id"], tags=["warm"])
    body = service.get_contact(made["id"])
    body["title"] = "CTO"
    updated = service.update_contact(made["id"], body)
    assert updated["title"] == "CTO" and updated["accountId"] == made["accountId"]
    assert updated["id"] == made["id"] and updated["createdAt"] == made["createdAt"]
    assert [a["field"] for a in service.list_activity(made["id"]) if a["action"] == "updated"] == ["title"]


@pytest.mark.both_backends
def test_read_only_fields_are_ignored_not_applied(service) -> None:
    made = make_contact(service)
    sent = {"id": "cnt_other", "createdAt": "2000-01-01T00:00:00Z", "updatedAt": "2000-01-01T00:00:00Z",
            "assignedToName": "Nobody", "lastName": "Park"}
    updated = service.update_contact(made["id"], sent)
    assert updated["id"] == made["id"] and updated["createdAt"] == made["createdAt"]
    assert updated["assignedToName"] is None and updated["lastName"] == "Park"
    created = service.create_contact({**sent, "firstName": "New", "email": "new@example.com"})
    assert created["id"] != "cnt_other" and created["createdAt"] != "2000-01-01T00:00:00Z"


@pytest.mark.both_backends
def test_account_id_with_a_matching_name_any_case_is_fine(service) -> None:
    made = make_contact(service, accountName="TechCorp")
    same = service.update_contact(made["id"], {"accountId": made["accountId"], "accountName": "techcorp"})
    assert same["accountId"] == made["accountId"] and same["accountName"] == "TechCorp"
    cleared = service.update_contact(made["id"], {"accountId": None, "accountName": None})
    assert cleared["accountId"] is None
    other = service.add_account("Globex")
    moved = service.update_contact(made["id"], {"accountId": other["id"], "accountName": "Globex"})
    assert moved["accountName"] == "Globex"
    assert len(service.list_accounts()) == 2


@pytest.mark.parametrize("pair", ["other-name", "null-id", "null-name"])
@pytest.mark.both_backends
def test_a_contradiction_between_account_id_and_name_is_an_error(service, pair: str) -> None:
    made = make_contact(service, accountName="TechCorp")
    service.add_account("Globex")
    body = {"other-name": {"accountId": made["accountId"], "accountName": "Globex"},
            "null-id": {"accountId": None, "accountName": "TechCorp"},
            "null-name": {"accountId": made["accountId"], "accountName": None}}[pair]
    with pytest.raises(ValidationError) as caught:
        service.update_contact(made["id"], body)
    assert caught.value.field == "accountName" and "both matching" in str(caught.value)
    assert service.get_contact(made["id"])["accountName"] == "TechCorp"


@pytest.mark.parametrize("create", [True, False], ids=["create", "update"])
@pytest.mark.both_backends
def test_a_key_neither_writable_nor_read_only_is_an_error_naming_it(service, create: bool) -> None:
    made = make_contact(service)
    body = {"fristName": "Sara", "firstName": "Sara", "email": "sara@example.com"}
    with pytest.raises(ValidationError) as caught:
        service.create_contact(body) if create else service.update_contact(made["id"], body)
    assert caught.value.field == "fristName" and "unknown field" in str(caught.value)


def test_get_then_update_through_the_cli(cli) -> None:
    made = ok_json(cli("contacts", "create", "--data", json.dumps(
        {"firstName": "Sarah", "email": "sarah@example.com", "accountName": "TechCorp"})))
    read = ok_json(cli("contacts", "get", made["id"]))
    updated = ok_json(cli("contacts", "update", made["id"], "--data", "-", stdin=json.dumps({**read, "title": "VP"})))
    assert updated["title"] == "VP" and updated["accountName"] == "TechCorp"
    fails(cli("contacts", "update", made["id"], "--data", json.dumps({**read, "fristName": "x"})), "fristName", code=1)
