"""What team mode once refused as not ported (NotPortedError) now runs: search through the API
here; backup in test_pg_backup.py."""

from __future__ import annotations

import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.service import Service


@pytest.fixture
def pg_service(pg_url: str):
    svc = Service(open_postgres(pg_url))
    yield svc
    svc.close()


def test_the_api_searches_on_postgres(pg_service: Service) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    from parsalink_tui.server import create_app

    ann = pg_service.create_contact({"firstName": "Ann", "email": "ann@example.com"})
    pg_service.create_contact({"firstName": "Bob", "email": "bob@example.com"})
    token = pg_service.create_token("tests")["token"]
    with TestClient(create_app(pg_service), raise_server_exceptions=False) as client:
        response = client.get("/api/contacts/?search=ANN", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [ann["id"]]
