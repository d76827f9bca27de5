"""Contract tests: /api/contacts/ and /api/contacts/{id}/ as the reference and DRF answer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.both_backends  # the API on SQLite and on PostgreSQL (tests/conftest.py)


def test_create_returns_201_the_full_contact_and_its_etag(api):
    response = api.post("/api/contacts/", json={"firstName": "Sarah", "email": "Sarah.Kim@Example.com", "tags": ["saas"]})
    assert response.status_code == 201
    body = response.json()
    assert body == api.service.get_contact(body["id"])
    assert response.headers["etag"] == '"1"'


def test_get_returns_the_contact_with_its_etag(api):
    made = api.create()
    response = api.get(f"/api/contacts/{made['id']}/")
    assert response.status_code == 200
    assert response.json() == made
    assert response.headers["etag"] == '"1"'


def test_unknown_contact_is_404_not_found(api):
    for response in (api.get("/api/contacts/cnt_nope/"), api.patch("/api/contacts/cnt_nope/", json={}),
                     api.delete("/api/contacts/cnt_nope/")):  # fmt: skip
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_patch_changes_only_the_given_fields_and_bumps_the_etag(api):
    made = api.create(title="CTO")
    response = api.patch(f"/api/contacts/{made['id']}/", json={"stage": "engaged"})
    assert response.status_code == 200
    assert response.json()["stage"] == "engaged"
    assert response.json()["title"] == "CTO"
    assert response.headers["etag"] == '"2"'


def test_patch_with_the_current_etag_applies(api):
    made = api.create()
    response = api.patch(f"/api/contacts/{made['id']}/", json={"stage": "customer"}, headers={"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.json()["stage"] == "customer"


def test_patch_with_a_stale_etag_is_412_and_changes_nothing(api):
    made = api.create()
    api.patch(f"/api/contacts/{made['id']}/", json={"title": "CEO"})
    response = api.patch(f"/api/contacts/{made['id']}/", json={"stage": "customer"}, headers={"If-Match": '"1"'})
    assert response.status_code == 412
    assert "changed elsewhere" in response.json()["detail"]
    assert response.headers["etag"] == '"2"'
    assert api.service.get_contact(made["id"])["stage"] == "new"


def test_if_match_star_applies_and_foreign_or_weak_tags_never_match(api):
    made = api.create()
    assert api.patch(f"/api/contacts/{made['id']}/", json={"title": "A"}, headers={"If-Match": "*"}).status_code == 200
    for tag in ('W/"2"', '"abc"', "2"):
        response = api.patch(f"/api/contacts/{made['id']}/", json={"title": "B"}, headers={"If-Match": tag})
        assert response.status_code == 412, tag


def test_delete_is_204_without_a_body_and_keeps_the_audit_rows(api):
    made = api.create()
    response = api.delete(f"/api/contacts/{made['id']}/")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/api/contacts/{made['id']}/").status_code == 404
    assert [row["action"] for row in api.service.list_activity(made["id"])] == ["created", "deleted"]


def test_the_audit_log_names_the_token_that_made_each_change(api):
    made = api.create()
    api.patch(f"/api/contacts/{made['id']}/", json={"stage": "engaged"})
    rows = api.service.list_activity(made["id"])
    assert {row["actor"] for row in rows} == {f"token:{api.token_id}"}
    local = api.service.create_contact({"firstName": "Local", "email": "local@example.com"})
    assert "actor" not in api.service.list_activity(local["id"])[0]


def test_invalid_field_is_400_naming_it(api):
    response = api.post("/api/contacts/", json={"firstName": "A", "email": "not-an-email"})
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert isinstance(response.json()["email"], list)


def test_a_body_that_is_not_an_object_is_a_non_field_error(api):
    response = api.post("/api/contacts/", json=["a"])
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_unparsable_json_is_400(api):
    response = api.post("/api/contacts/", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_a_body_that_is_not_json_is_415(api):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"Content-Type": content_type} if content_type else {}
        response = api.post("/api/contacts/", content=b"firstName=A", headers=headers)
        assert response.status_code == 415, content_type
        assert "Unsupported media type" in response.json()["detail"]
    made = api.create()
    assert api.patch(f"/api/contacts/{made['id']}/", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


def test_wrong_method_is_405(api):
    assert api.client.put("/api/contacts/", headers=api.auth, json={}).status_code == 405
    response = api.client.post("/api/contacts/x/", headers=api.auth, json={})
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}


def test_list_pages_with_absolute_links_keeping_the_other_parameters(api):
    for n in range(5):
        api.create(email=f"p{n}@example.com", tags=["saas"])
    first = api.get("/api/contacts/?limit=2&tags=saas&foo=bar")
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["previous"] is None
    link = urlsplit(body["next"])
    assert (link.scheme, link.netloc, link.path) == ("http", "testserver", "/api/contacts/")
    assert parse_qs(link.query) == {"limit": ["2"], "tags": ["saas"], "foo": ["bar"], "page": ["2"]}
    second = api.get(body["next"]).json()
    assert parse_qs(urlsplit(second["previous"]).query) == {"limit": ["2"], "tags": ["saas"], "foo": ["bar"]}
    third = api.get(second["next"]).json()
    assert len(third["results"]) == 1 and third["next"] is None
    seen = [c["id"] for page in (body, second, third) for c in page["results"]]
    assert len(set(seen)) == 5


def test_page_past_the_last_is_404_invalid_page(api):
    api.create()
    assert api.get("/api/contacts/?page=2").json() == {"detail": "Invalid page."}
    assert api.get("/api/contacts/?page=2").status_code == 404
    assert api.get("/api/contacts/?page=1").status_code == 200


def test_unknown_parameters_and_empty_values_are_ignored(api):
    api.create()
    response = api.get("/api/contacts/?stage=&assignedTo=&tags=&createdAfter=&page=&limit=&whatever=1")
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_invalid_values_of_known_parameters_are_400_naming_them(api):
    cases = {"stage=nope": "stage", "limit=500": "limit", "page=x": "page", "createdAfter=yesterday": "createdAfter",
             "ordering=size": "ordering"}  # fmt: skip
    for query, name in cases.items():
        response = api.get(f"/api/contacts/?{query}")
        assert response.status_code == 400, query
        assert list(response.json()) == [name], query


def test_filters_and_search_reach_the_core(api):
    api.create(email="a@example.com", lastName="Alpha", stage="engaged")
    api.create(email="b@example.com", lastName="Beta")
    assert [c["lastName"] for c in api.get("/api/contacts/?stage=engaged").json()["results"]] == ["Alpha"]
    assert [c["lastName"] for c in api.get("/api/contacts/?search=beta").json()["results"]] == ["Beta"]


def test_changes_and_jobs_are_shared_with_the_tui_and_the_cli_on_the_same_file(api, tmp_path):
    watcher = api.service.watch_changes()  # what the TUI polls to refresh
    api.create()
    assert watcher.changed()
    watcher.close()
    csv = tmp_path / "cli.csv"
    csv.write_bytes(b"Email\ncli@example.com\n")
    queued = api.service.start_import(csv, run=False)  # as `import start` does
    seen = api.get(f"/api/crm/contacts/import-jobs/{queued['uid']}/")
    assert (seen.status_code, seen.json()["filename"]) == (200, "cli.csv")


def test_the_cores_own_invalid_page_error_is_404_invalid_page(api, monkeypatch):
    from parsalink_tui import errors

    class InvalidPageError(errors.ValidationError):  # as the core may define it
        def __init__(self) -> None:
            super().__init__("page", "past the last page")

    monkeypatch.setattr(errors, "InvalidPageError", InvalidPageError, raising=False)

    def past_the_end(*args, **kwargs):
        raise InvalidPageError()

    monkeypatch.setattr(type(api.service), "list_contacts", past_the_end)
    response = api.get("/api/contacts/?page=9")
    assert (response.status_code, response.json()) == (404, {"detail": "Invalid page."})
