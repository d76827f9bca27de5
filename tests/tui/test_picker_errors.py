"""The import screen's file picker never takes the app down: a symlink loop, a deleted working
directory, a name full of escape sequences — each is a notification or plain text, the app stays."""

from __future__ import annotations

import os

from textual.widgets import DataTable, Input, Static

from parsalink_tui.tui.import_screen import ImportScreen

from .conftest import SIZE
from .helpers import insert_job, notes, settle, status
from .test_import_screen import open_and_type_path


async def test_a_symlink_loop_picked_in_the_tree_is_refused_in_a_notification(demo_service, make_app, in_folder):
    os.symlink("loop.csv", in_folder / "loop.csv")  # ln -s loop.csv loop.csv
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        assert isinstance(app.screen, ImportScreen)
        await pilot.press("down", "enter")  # the loop, the tree's only file
        await settle(pilot, 0.3)
        assert isinstance(app.screen, ImportScreen)  # still up
        assert any("Too many levels of symbolic links" in n for n in notes(app)), notes(app)
        assert app.screen.query_one("#path", Input).value == "loop.csv"


async def test_a_symlink_loop_typed_as_a_path_is_refused_in_a_notification(demo_service, make_app, in_folder):
    os.symlink("loop.csv", in_folder / "loop.csv")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_and_type_path(pilot, "loop.csv")
        assert isinstance(app.screen, ImportScreen)
        assert any("Too many levels of symbolic links" in n for n in notes(app)), notes(app)


async def test_a_deleted_working_directory_does_not_crash_the_import_screen(demo_service, make_app, in_folder):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        in_folder.rmdir()  # e.g. a `git checkout` in another terminal removed it
        # The tree shows the folder as deleted; a path typed relative to it is refused, the app stays.
        await open_and_type_path(pilot, "leads.csv")
        assert app.screen.query_one("#tree").root.label.plain.endswith("(deleted)")
        assert isinstance(app.screen, ImportScreen)
        assert any("leads.csv" in n for n in notes(app)), notes(app)


async def test_a_file_name_with_escape_sequences_is_shown_as_plain_text(demo_service, make_app, in_folder):
    name = "esc\x1b[31mname.csv"
    (in_folder / name).write_text("email,first\nann@example.com,Ann\n")
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot, 0.3)
        screen = app.screen
        tree = screen.query_one("#tree")
        assert [str(n.label) for n in tree.root.children] == ["esc\\x1b[31mname.csv"]
        await pilot.press("down", "enter")
        await settle(pilot, 0.3)
        shown = screen.query_one("#path", Input).value
        assert shown == "esc\\x1b[31mname.csv"
        info = str(screen.query_one("#file-info", Static).render())
        assert "\x1b" not in info and "name.csv" in info  # the core's name for it: controls stripped
        assert screen.query_one("#start").disabled is False  # the real file was read
        # Enter in the path box previews the file the tree picked, not a file named by the visible text.
        await pilot.press("ctrl+l", "enter")
        await settle(pilot, 0.3)
        assert not [n for n in notes(app) if n.startswith("Cannot import")], notes(app)
        await pilot.press("ctrl+s")
        await settle(pilot, 0.5)
        for _ in range(60):
            jobs = demo_service.list_import_jobs(with_issues=False)
            if jobs and jobs[0]["status"] in ("complete", "failed"):
                break
            await pilot.pause(0.1)
        await settle(pilot, 0.6)
        for text in notes(app):
            assert "\x1b" not in text
        job_title = str(screen.query_one("#job-title", Static).render()) if screen.query("#job-title") else ""
        assert "\x1b" not in job_title


async def test_a_job_file_name_with_escape_sequences_is_plain_everywhere(demo_service, make_app, db_path):
    name = "esc\x1b[31mname.csv"
    shown = "esc\\x1b[31mname.csv"
    insert_job(db_path, "job-esc", filename=name, total=2, success=1, errors=[(2, "Invalid email format")])
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i", "r")  # recent imports
        await settle(pilot)
        screen = app.screen
        assert str(screen.query_one("#recent-table", DataTable).get_row_at(0)[0]) == shown
        await pilot.press("enter")
        await settle(pilot)
        assert str(screen.query_one("#job-title", Static).render()).startswith(shown)
        app.imports.announce(demo_service.get_import_job("job-esc", with_issues=False))
        await pilot.press("c")  # its contacts, in the list
        await settle(pilot)
        assert f"imported from {shown}" in status(pilot)
        assert any(shown in n for n in notes(app)), notes(app)


async def test_plain_notifications_never_carry_control_characters(demo_service, make_app):
    """Whoever sends it (the app, a screen, a widget), a plain-text notification is one clean line."""
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.notify("could not read esc\x1b[31mname.csv\nsecond line", title="t\x07", markup=False)
        app.report(OSError("esc\x1b[2Jname.csv: gone"), "Cannot import this file")
        await settle(pilot)
        for n in app._notifications:
            assert n.message.isprintable() and n.title.isprintable(), (n.title, n.message)
        assert "could not read esc[31mname.csv second line" in notes(app)[0]
