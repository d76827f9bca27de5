"""Fixtures for the HTTP API's contract tests: FastAPI's TestClient on a fresh database."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's "use httpx2" deprecation notice
    from fastapi.testclient import TestClient

from parsalink_tui.server import create_app
from parsalink_tui.service import Service


@dataclass
class Api:
    client: TestClient
    service: Service
    token: str
    token_id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers={**self.auth, **kw.pop("headers", {})}, **kw)

    def finished_job(self, uid: str) -> dict[str, Any]:
        """Poll the job until it is complete or failed (at most 20 s); returns it."""
        for _ in range(400):
            job = self.get(f"/api/crm/contacts/import-jobs/{uid}/").json()
            if job["status"] in ("complete", "failed"):
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {uid} did not finish: {job}")

    def create(self, **fields: Any) -> dict[str, Any]:
        body = {"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com", **fields}
        response = self.post("/api/contacts/", json=body)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(service: Service) -> Any:
    made = service.create_token("tests")
    with TestClient(create_app(service, body_timeout=5.0), raise_server_exceptions=False) as client:
        yield Api(client, service, made["token"], made["id"])
