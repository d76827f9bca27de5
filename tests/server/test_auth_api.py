"""Bearer tokens over HTTP: 401 with WWW-Authenticate for every bad token; revoke takes effect
at once; every endpoint requires a token; /openapi.json and /docs are open."""

from __future__ import annotations

import logging

import pytest

ENDPOINTS = [
    ("GET", "/api/contacts/"), ("POST", "/api/contacts/"), ("GET", "/api/contacts/cnt_x/"),
    ("PATCH", "/api/contacts/cnt_x/"), ("DELETE", "/api/contacts/cnt_x/"),
    ("POST", "/api/crm/contacts/import/start/"), ("POST", "/api/crm/contacts/import/"),
    ("GET", "/api/crm/contacts/import-jobs/"), ("GET", "/api/crm/contacts/import-jobs/x/"),
    ("GET", "/api/contacts/export/"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Bearer", "Invalid token header. Expected 'Bearer <token>'."),
        ("Basic dXNlcjpwYXNz", "Invalid token header. Expected 'Bearer <token>'."),
        ("Bearer two words", "Invalid token header. Expected 'Bearer <token>'."),
        ("Bearer plk_unknown", "Invalid token."),
        ("Bearer garbage", "Invalid token."),
    ],
)
def test_every_endpoint_refuses_a_bad_token_with_401(api, header, message):
    headers = {} if header is None else {"Authorization": header}
    for method, path in ENDPOINTS:
        response = api.client.request(method, path, headers=headers)
        assert response.status_code == 401, (method, path)
        assert response.json() == {"detail": message}
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_is_refused_on_the_next_request(api):
    assert api.get("/api/contacts/").status_code == 200
    api.service.revoke_token(api.token_id)
    response = api.get("/api/contacts/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_a_used_token_gets_its_last_used_stamp(api):
    api.get("/api/contacts/")
    api.service._token_uses.close()  # writes what is queued
    (token,) = api.service.list_tokens()
    assert token["lastUsedAt"] is not None


def test_openapi_and_docs_describe_every_endpoint_with_the_reference_names(api):
    spec = api.client.get("/openapi.json").json()
    assert api.client.get("/docs").status_code == 200
    paths = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert {(m, p.replace("cnt_x", "{contact_id}").replace("import-jobs/x/", "import-jobs/{job_uid}/"))
            for m, p in ENDPOINTS} <= paths  # fmt: skip
    public = spec["components"]["schemas"]["ContactPublic"]["properties"]
    assert {"firstName", "accountName", "assignedToName", "emailOptOut", "tags"} <= set(public)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_an_unexpected_failure_is_a_logged_500_with_a_detail(api, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(api.service), "list_contacts", broken)
    with caplog.at_level(logging.ERROR, logger="parsalink_tui.server"):
        response = api.get("/api/contacts/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "boom" not in response.text
    assert any("unexpected error" in r.message and r.exc_info for r in caplog.records)
