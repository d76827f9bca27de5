"""What team mode cannot do yet stops with one line naming it (NotPortedError), never with a
traceback or a wrong result: backup. (Search is ported: backends/pg_search.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.errors import NotPortedError
from parsalink_tui.service import Service


@pytest.fixture
def pg_service(pg_url: str):
    svc = Service(open_postgres(pg_url))
    yield svc
    svc.close()


def test_backup_says_it_is_not_ported_and_writes_nothing(pg_service: Service, tmp_path: Path) -> None:
    with pytest.raises(NotPortedError, match=r"^backup is not ported to PostgreSQL yet \("):
        pg_service.backup(tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


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
