"""Shared fixtures: every test gets a fresh database under tmp_path, never the per-user file."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsalink_tui.service import Service

# Real files from other projects, copied with their SOURCE.txt (origin, licence): tests/data/README.md.
CORPORA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolate_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test may touch the real per-user data folder, even by accident.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PARSALINK_DB", raising=False)
    monkeypatch.delenv("PARSALINK_REGION", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def service(db_path: Path):
    svc = Service.open(db_path)
    yield svc
    svc.close()


def make_contact(service: Service, **fields):
    data = {"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com"}
    data.update(fields)
    return service.create_contact(data)
