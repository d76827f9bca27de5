"""``serve`` on a PostgreSQL role that may only read (a viewer's deployment, or a grant the admin
forgot): reads answer as usual, a write is 403 with the one-line reason, and the token's
last-use stamp that cannot be written is one warning line in the log, not a traceback."""

from __future__ import annotations

import logging
import warnings

import psycopg
import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.server import create_app
from parsalink_tui.service import Service

from ..pg_cluster import admin_url

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's "use httpx2" deprecation notice
    from fastapi.testclient import TestClient

pytestmark = pytest.mark.postgres


@pytest.fixture
def reader(pg_url: str) -> tuple[str, str]:
    """The URL of a role allowed only SELECT on the app's tables, and a token the owner made."""
    with psycopg.connect(admin_url(pg_url), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = 'carol'").fetchone():
            admin.execute("CREATE ROLE carol LOGIN PASSWORD 'C4rol-pass'")
    owner = Service.open(pg_url)
    try:
        owner.create_contact({"firstName": "Ann", "email": "ann@example.com"})
        token = owner.create_token("viewer")["token"]
    finally:
        owner.close()
    with psycopg.connect(pg_url) as conn:
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO carol")
    return pg_url.replace("postgresql://parsalink@", "postgresql://carol:C4rol-pass@", 1), token


def test_a_read_only_role_serves_reads_and_refuses_writes_with_403(reader, caplog) -> None:
    url, token = reader
    service = Service.open(url)
    auth = {"Authorization": f"Bearer {token}"}
    try:
        with caplog.at_level(logging.WARNING), \
                TestClient(create_app(service), raise_server_exceptions=False) as client:  # fmt: skip
            listed = client.get("/api/contacts/", headers=auth)
            assert listed.status_code == 200
            assert [c["email"] for c in listed.json()["results"]] == ["ann@example.com"]
            made = client.post("/api/contacts/", headers=auth, json={"firstName": "Bob", "email": "bob@example.com"})
            assert made.status_code == 403, made.text
            message = made.json()["detail"]
            assert "not allowed" in message and "nothing was changed" in message and "\n" not in message
    finally:
        service.close()  # writes the queued last-use stamp: refused for this role
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]
    stamps = [r.getMessage() for r in caplog.records if "could not record the use of token" in r.getMessage()]
    assert stamps and all("not allowed" in m and "\n" not in m for m in stamps), stamps
