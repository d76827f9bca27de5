"""Fixtures for the import tests: files under tmp_path, and jobs run to the end in-thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from parsalink_tui.service import Service


@pytest.fixture
def write_csv(tmp_path: Path):
    """write_csv(name, text_or_bytes, encoding="utf-8") -> path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write


@pytest.fixture
def db_target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """What ``--db`` names for a worker process on the ``service`` fixture's database."""
    return request.getfixturevalue("pg_app_url") if backend == "postgresql" else db_path


@pytest.fixture
def run_import(service: Service):
    """Start a job and run it to the end in this thread; returns the final job."""

    def run(path: Path, **options: Any) -> dict[str, Any]:
        body = service.start_import(path, run=False, **options)
        assert body["status"] == "queued"
        service.work_imports()
        return service.get_import_job(body["uid"])

    return run


def contacts_by_email(service: Service) -> dict[str, dict[str, Any]]:
    """Every contact (full object), keyed by email."""
    out = {}
    page = 1
    while True:
        listing = service.list_contacts(page=page, limit=100)
        for item in listing["results"]:
            out[item["email"]] = service.get_contact(item["id"])
        if not listing["next"]:
            return out
        page += 1
