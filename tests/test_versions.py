"""Version stamps and write preconditions (the core of "no update overwrites another it did not see")."""

from __future__ import annotations

import pytest

from parsalink_tui.errors import ConflictError

from .conftest import make_contact

pytestmark = pytest.mark.both_backends  # every test taking `service`: on SQLite and on PostgreSQL


def test_every_write_changes_the_version_and_a_no_op_does_not(service):
    c, v1 = service.create_contact(
        {"firstName": "Ann", "email": "ann@example.com"}, with_version=True
    )
    _, v2 = service.update_contact(c["id"], {"title": "CEO"}, with_version=True)
    assert v2 > v1
    _, v3 = service.update_contact(c["id"], {"tags": ["vip"]}, with_version=True)
    assert v3 > v2
    service.set_stage([c["id"]], "engaged")
    _, v4 = service.get_contact(c["id"], with_version=True)
    assert v4 > v3
    _, v5 = service.update_contact(c["id"], {"title": "CEO"}, with_version=True)  # nothing changes
    assert v5 == v4


def test_if_version_refuses_a_stale_write_and_changes_nothing(service):
    c = make_contact(service)
    _, seen = service.get_contact(c["id"], with_version=True)
    service.update_contact(c["id"], {"title": "Other process"})
    with pytest.raises(ConflictError) as exc:
        service.update_contact(c["id"], {"lastName": "Mine"}, if_version=seen)
    assert exc.value.fields == [] and exc.value.version > seen
    assert service.get_contact(c["id"])["lastName"] == "Kim"
    current_version = exc.value.version
    assert service.update_contact(c["id"], {"lastName": "Mine"}, if_version=current_version)["lastName"] == "Mine"


def test_expected_refuses_only_fields_changed_on_both_sides(service):
    c = make_contact(service, title="Old", tags=["a"])
    seen = service.get_contact(c["id"])
    service.update_contact(c["id"], {"title": "CLI title", "tags": ["cli"]})
    # Changing only the last name: the other process's title and tags stay.
    out = service.update_contact(c["id"], {"lastName": "Lee"}, expected=seen)
    assert (out["lastName"], out["title"], out["tags"]) == ("Lee", "CLI title", ["cli"])
    # Changing the title the user saw as "Old", now "CLI title": a conflict naming the field.
    with pytest.raises(ConflictError) as exc:
        service.update_contact(c["id"], {"title": "Mine", "firstName": "Sue"}, expected=seen)
    assert exc.value.fields == ["title"]
    assert exc.value.current["title"] == "CLI title"
    assert service.get_contact(c["id"])["firstName"] == "Sarah"  # nothing of the refused write applied
