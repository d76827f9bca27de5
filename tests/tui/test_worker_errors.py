"""Errors never vanish: a failing background worker — whichever screen or widget owns it — is a
notification, and an unexpected crash of the app makes ``parsalink-tui`` exit non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from parsalink_tui.demo import fill_demo
from parsalink_tui.service import Service
from parsalink_tui.tui.import_screen import ImportScreen

from .conftest import SIZE
from .helpers import home, leads_csv, notes, settle

HEADLESS = "textual.drivers.headless_driver:HeadlessDriver"
TUI_DIR = Path(__file__).resolve().parents[2] / "parsalink_tui" / "tui"


def run_app_with(db: Path, on_mount: str) -> subprocess.CompletedProcess[str]:
    """``parsalink-tui --db DB`` (no terminal: Textual's headless driver), the contacts screen's
    ``on_mount`` replaced by ``on_mount`` (Python source of a method body)."""
    script = textwrap.dedent(
        """
        import sys
        from parsalink_tui.tui.contacts_screen import ContactsScreen

        def on_mount(self):
            {body}

        ContactsScreen.on_mount = on_mount
        sys.argv = ["parsalink-tui", "--db", sys.argv[1]]
        from parsalink_tui.cli import run
        run()
        """
    ).format(body=on_mount)
    env = {**os.environ, "TEXTUAL_DRIVER": HEADLESS, "PYTHONPATH": str(TUI_DIR.parents[1])}
    return subprocess.run(
        [sys.executable, "-c", script, str(db)], capture_output=True, text=True, timeout=60, env=env, check=False
    )


def test_a_crash_makes_the_app_exit_non_zero(tmp_path: Path):
    done = run_app_with(tmp_path / "t.db", 'raise RuntimeError("injected crash")')
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "injected crash" in done.stderr


def test_a_normal_quit_exits_zero(tmp_path: Path):
    done = run_app_with(tmp_path / "t.db", "self.app.exit()")
    assert done.returncode == 0, done.stderr[-2000:]


async def test_a_failing_worker_on_a_screen_is_a_notification(demo_service, make_app, monkeypatch):
    def broken(**_filters):
        raise RuntimeError("counts exploded")

    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(demo_service, "stage_counts", broken)
        await pilot.press("s")  # a filter change counts the stages again, in the screen's worker
        await settle(pilot)
        assert any("counts exploded" in n for n in notes(app)), notes(app)
        home(pilot)  # still up


async def test_a_failing_worker_in_a_widget_is_a_notification(demo_service, make_app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    leads_csv(tmp_path)

    def broken(*_args, **_kwargs):
        raise MemoryError("preview exploded")

    monkeypatch.setattr(demo_service, "preview_import", broken)
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        await pilot.press("down", "enter")  # leads.csv: previewed by the setup widget's worker
        await settle(pilot, 0.3)
        assert any("preview exploded" in n for n in notes(app)), notes(app)
        assert isinstance(app.screen, ImportScreen)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
async def test_saving_failed_rows_into_a_read_only_folder_says_why(demo_service, make_app, tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    leads_csv(folder)
    monkeypatch.chdir(folder)
    folder.chmod(0o500)
    try:
        await _save_errors_fails(demo_service, make_app)
    finally:
        folder.chmod(0o700)


async def test_saving_failed_rows_into_a_deleted_folder_says_why(demo_service, make_app, tmp_path, monkeypatch):
    """The same for any user (root writes into a read-only folder): the folder is gone."""
    folder = tmp_path / "gone"
    folder.mkdir()
    csv = leads_csv(folder)
    monkeypatch.chdir(folder)

    def remove_folder() -> None:
        csv.unlink()
        folder.rmdir()

    await _save_errors_fails(demo_service, make_app, before_saving=remove_folder, says="No such file or directory")


async def _save_errors_fails(demo_service, make_app, before_saving=None, says: str = "Permission denied") -> None:
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        await pilot.press("down", "enter")
        await settle(pilot, 0.3)
        await pilot.press("ctrl+s")
        screen = app.screen
        assert isinstance(screen, ImportScreen)
        for _ in range(300):
            if screen.view == "job" and screen.job_view.ended:
                break
            await pilot.pause(0.1)
        assert screen.view == "job" and screen.job_view.ended, (screen.view, notes(app))
        if before_saving is not None:
            before_saving()
        await pilot.press("E")
        await settle(pilot)
        assert any(n.startswith("Failed rows not saved") and says in n for n in notes(app)), notes(app)


async def test_demo_data_that_cannot_be_loaded_says_why(tmp_path, make_app):
    service = Service.open(tmp_path / "t.db")
    try:
        service.add_user("Alex Johnson")  # users but no contacts: demo data is refused
        app = make_app(service)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("D")
            await settle(pilot, 0.3)
            # The core's reason (whatever it is) is shown; before, nothing came after "Loading…".
            errors = [n for n in app._notifications if n.severity == "error"]
            assert [n.title for n in errors] == ["Demo data not loaded"], notes(app)
            home(pilot)
    finally:
        service.close()


def test_every_worker_reports_its_failure():
    """Workers are declared with ``background`` (its failure reaches the user), never bare."""
    bare = [
        f"{path.name}:{n}"
        for path in sorted(TUI_DIR.glob("*.py"))
        if path.name != "workers.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "@work" in line or "run_worker(" in line or "from textual import work" in line
    ]
    assert not bare, bare
