"""list_contacts: every parameter, pagination links, ordering, and errors naming the parameter."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from parsalink_tui.errors import InvalidPageError, ValidationError
from parsalink_tui.schemas import LIST_FIELDS

pytestmark = pytest.mark.both_backends  # every test taking `service`: on SQLite and on PostgreSQL


@pytest.fixture(autouse=True, params=["sort-matches", "walk-index"])
def plan(request, monkeypatch):
    """Run every test under both page plans (list_contacts picks one from the match count)."""
    monkeypatch.setattr("parsalink_tui.listing.WALK_BUDGET", 10**9 if request.param == "walk-index" else 0)
    return request.param


@pytest.fixture
def people(service):
    """Five contacts with known stages, tags, owners and creation times."""
    alex = service.add_user("Alex")
    rows = [
        ("John", "Smith", "john.smith@example.com", "+15551234567", "engaged", ["enterprise", "warm"], alex["id"], "2025-01-15T10:30:00.000000Z"),
        ("Jane", "Smithers", "jane@acme.example", "+442079460958", "new", ["warm"], None, "2025-02-01T00:00:00.000000Z"),
        ("Bob", "Jones", "bob@example.com", None, "customer", ["Enterprise"], alex["id"], "2025-03-01T12:00:00.000000Z"),
        ("Ann", "Lee", "ann.lee@example.org", "+15559876543", "engaged", [], None, "2025-04-01T00:00:00.000000Z"),
        ("Émile", "Zola", "emile@example.com", None, "inactive", ["cold"], None, "2025-05-01T00:00:00.000000Z"),
    ]
    ids = {}
    for first, last, email, phone, stage, tags, owner, created in rows:
        c = service.create_contact({"firstName": first, "lastName": last, "email": email, "phone": phone,
                                    "stage": stage, "tags": tags, "assignedTo": owner})  # fmt: skip
        ids[first] = c["id"]
        with service.db.write() as conn:
            conn.execute(text("UPDATE contact SET created_at = :c, updated_at = :c WHERE id = :i"), {"c": created, "i": c["id"]})
    return {"ids": ids, "alex": alex["id"]}


def names(result):
    return [r["firstName"] for r in result["results"]]


def test_default_list_is_newest_first_in_reference_shape(service, people):
    result = service.list_contacts()
    assert list(result) == ["count", "next", "previous", "results"]
    assert result["count"] == 5 and result["next"] is None and result["previous"] is None
    assert names(result) == ["Émile", "Ann", "Bob", "Jane", "John"]
    assert tuple(result["results"][0]) == LIST_FIELDS
    assert result["results"][4]["createdAt"] == "2025-01-15T10:30:00Z"


@pytest.mark.uses_search
def test_pagination_links_keep_filters(service, people):
    p1 = service.list_contacts(limit=2, tags="warm,enterprise", stage=None)
    assert p1["count"] == 1
    p1 = service.list_contacts(limit=2, search="example")
    assert p1["count"] == 5 and names(p1) == ["Émile", "Ann"]
    assert p1["previous"] is None
    q = parse_qs(urlparse(p1["next"]).query)
    assert urlparse(p1["next"]).path == "/api/contacts/"
    assert q == {"page": ["2"], "limit": ["2"], "search": ["example"]}
    p3 = service.list_contacts(page=3, limit=2, search="example")
    assert names(p3) == ["John"] and p3["next"] is None
    assert parse_qs(urlparse(p3["previous"]).query)["page"] == ["2"]
    with pytest.raises(InvalidPageError):  # past the end: tests/test_pagination_end.py
        service.list_contacts(page=9)


def test_stage_filter_accepts_value_or_label(service, people):
    assert sorted(names(service.list_contacts(stage="engaged"))) == ["Ann", "John"]
    assert names(service.list_contacts(stage="Customer")) == ["Bob"]


def test_assigned_to_filter(service, people):
    assert names(service.list_contacts(assigned_to=people["alex"])) == ["Bob", "John"]
    assert names(service.list_contacts(assigned_to="none")) == ["Émile", "Ann", "Jane"]
    with pytest.raises(ValidationError) as err:
        service.list_contacts(assigned_to="usr_nobody")
    assert err.value.field == "assignedTo"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith", ["Jane", "John"]),
        ("SMI", ["Jane", "John"]),
        ("john smith", ["John"]),
        ("n smi", ["John"]),
        ("acme.ex", ["Jane"]),
        ("(555) 123", ["John"]),
        ("555-987-6543", ["Ann"]),
        ("+44 20 7946", ["Jane"]),
        ("20794", ["Jane"]),
        ("zo", ["Émile"]),
        ("oB", ["Bob"]),
        ("55", ["Ann", "John"]),
        ("nobody", []),
        ('"quoted', []),
        ("50%_", []),
    ],
)
@pytest.mark.uses_search
def test_search_is_substring_of_name_email_phone(service, people, query, expected):
    assert names(service.list_contacts(search=query)) == sorted(expected, key=["Émile", "Ann", "Bob", "Jane", "John"].index)


def test_tags_filter_needs_every_tag_case_insensitively(service, people):
    assert names(service.list_contacts(tags="ENTERPRISE")) == ["Bob", "John"]
    assert names(service.list_contacts(tags="enterprise,warm")) == ["John"]
    assert names(service.list_contacts(tags=["warm"])) == ["Jane", "John"]
    assert service.list_contacts(tags="nosuchtag")["count"] == 0


def test_created_after_and_before(service, people):
    assert names(service.list_contacts(created_after="2025-03-01")) == ["Émile", "Ann", "Bob"]
    assert names(service.list_contacts(created_before="2025-02-01")) == ["John"]
    assert names(service.list_contacts(created_after="2025-01-15T10:30:00Z", created_before="2025-02-01T00:00:01")) == ["Jane", "John"]
    # An offset is honoured: 11:30+01:00 is 10:30Z.
    assert names(service.list_contacts(created_after="2025-01-15T11:30:01+01:00", created_before="2025-02-01")) == []


@pytest.mark.uses_search
def test_filters_combine(service, people):
    r = service.list_contacts(stage="engaged", tags="warm", search="smith", assigned_to=people["alex"])
    assert names(r) == ["John"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("createdAt", ["John", "Jane", "Bob", "Ann", "Émile"]),
        ("-createdAt", ["Émile", "Ann", "Bob", "Jane", "John"]),
        ("lastName", ["Bob", "Ann", "John", "Jane", "Émile"]),
        ("-lastName", ["Émile", "Jane", "John", "Ann", "Bob"]),
        ("stage", ["Jane", "Ann", "John", "Bob", "Émile"]),
        ("-stage", ["Émile", "Bob", "John", "Ann", "Jane"]),
    ],
)
def test_ordering(service, people, ordering, expected):
    assert names(service.list_contacts(ordering=ordering)) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [  # a missing name sorts before every name, ascending (SQLite's NULL order), on both databases
        ("lastName", ["Bea", "Cher", "Al", "ann", "Ann"]),
        ("-lastName", ["Ann", "ann", "Al", "Cher", "Bea"]),
    ],
)
def test_last_name_ordering_with_missing_names_and_mixed_case(service, ordering, expected):
    for n, (first, last) in enumerate([("Ann", "zeta"), ("ann", "Berg"), ("Al", "berg"), ("Cher", None), ("Bea", "")]):
        service.create_contact({"firstName": first, "lastName": last, "email": f"m{n}@example.com"})
    assert names(service.list_contacts(ordering=ordering)) == expected


def test_updated_at_ordering_follows_changes(service, people):
    service.update_contact(people["ids"]["Bob"], {"title": "CTO"})
    assert names(service.list_contacts(ordering="-updatedAt"))[0] == "Bob"
    assert names(service.list_contacts(ordering="updatedAt"))[-1] == "Bob"


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": 0}, "page"),
        ({"page": "x"}, "page"),
        ({"limit": 500}, "limit"),
        ({"limit": 0}, "limit"),
        ({"stage": "hot"}, "stage"),
        ({"created_after": "yesterday"}, "createdAfter"),
        ({"created_before": "2025-13-01"}, "createdBefore"),
        ({"ordering": "email"}, "ordering"),
    ],
)
def test_invalid_parameters_name_themselves(service, params, name):
    with pytest.raises(ValidationError) as err:
        service.list_contacts(**params)
    assert err.value.field == name


def test_limit_and_deep_pages(service):
    for n in range(25):
        service.create_contact({"firstName": f"P{n:02d}", "email": f"p{n}@example.com"})
    r = service.list_contacts(limit=100)
    assert r["count"] == 25 and len(r["results"]) == 25
    page3 = service.list_contacts(page=3, limit=10)
    assert names(page3) == [f"P{n:02d}" for n in range(4, -1, -1)]


def test_stage_counts_ignore_the_stage_filter(service, people):
    counts = service.stage_counts(stage="engaged", tags="warm")
    assert counts == {"new": 1, "contacted": 0, "engaged": 1, "proposal_sent": 0, "negotiation": 0, "customer": 0, "inactive": 0}


@pytest.mark.sqlite_only("checks SQLite's FTS5 index itself")
def test_search_index_follows_updates_and_deletes(service, people):
    jid = people["ids"]["John"]
    service.update_contact(jid, {"lastName": "Doe", "phone": "+15550001111"})
    assert names(service.list_contacts(search="john smith")) == []
    assert names(service.list_contacts(search="john doe")) == ["John"]
    assert names(service.list_contacts(search="0001111")) == ["John"]
    service.delete_contact(jid)
    assert service.list_contacts(search="john doe")["count"] == 0
    with service.db.write() as conn:  # raises if the index disagrees with what the triggers fed it
        conn.execute(text("INSERT INTO contact_fts(contact_fts) VALUES ('integrity-check')"))


@pytest.mark.parametrize("ordering", ["-createdAt", "createdAt", "lastName", "-lastName", "stage", "-stage", "-updatedAt"])
def test_contact_position_is_the_place_in_the_list(service, people, ordering):
    listed = [c["id"] for c in service.list_contacts(ordering=ordering)["results"]]
    assert [service.contact_position(cid, ordering=ordering) for cid in listed] == list(range(len(listed)))
    warm = [c["id"] for c in service.list_contacts(ordering=ordering, tags=["warm"])["results"]]
    assert [service.contact_position(cid, ordering=ordering, tags=["warm"]) for cid in warm] == [0, 1]


@pytest.mark.uses_search
def test_contact_position_is_none_outside_the_list(service, people):
    ids = people["ids"]
    assert service.contact_position(ids["Bob"], stage="new") is None  # does not match
    assert service.contact_position(ids["Jane"], stage="new", search="smith") == 0
    service.delete_contact(ids["Ann"])
    assert service.contact_position(ids["Ann"]) is None
    assert service.contact_position("cnt_nope") is None
