"""Fixtures for the TUI tests: an app on a fresh database, empty or with seeded demo data."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from pathlib import Path

import pytest

from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service
from parsalink_tui.tui.app import ParsalinkApp

from ..conftest import open_on_backend

SIZE = (120, 35)
DEMO_CONTACTS = 500


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests (Pilot needs a loop) without an asyncio plugin."""
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        args = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(pyfuncitem.obj(**args))
        return True
    return None


@pytest.fixture
def demo_service(backend: str, tmp_path: Path, request: pytest.FixtureRequest):
    """A service holding the seed-1 demo data (500 contacts), on ``tmp_path/test.db`` or (a
    ``both_backends`` module's PostgreSQL run) on a new database of the session's cluster."""
    svc = open_on_backend(backend, tmp_path / "test.db", request)
    fill_demo(svc.db, contacts=DEMO_CONTACTS, seed=1)
    yield svc
    svc.close()


@pytest.fixture
def make_app() -> Callable[[Service], ParsalinkApp]:
    """``make_app(service)``: the app as the CLI builds it, with the cursor blink off."""

    def make(service: Service, **kwargs) -> ParsalinkApp:
        return ParsalinkApp(service=service, cursor_blink=False, **kwargs)

    return make


@pytest.fixture
def in_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of exports, made the working directory (the import file tree's root, where
    the export prompt suggests its file)."""
    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
