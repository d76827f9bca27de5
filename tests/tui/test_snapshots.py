"""Pictures of the main screens (pytest-textual-snapshot), on the seed-1 demo data at 120×35.

Deterministic: the demo data is seeded and its dates are fixed, the table shows absolute dates,
the cursor does not blink, the terminal size is fixed. Every interaction happens in
``run_before`` so debounce timers and the stage-count worker finish before the picture.
Update after LOOKING at the new SVGs: ``pytest tests/tui/test_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from .conftest import SIZE
from .helpers import settle, type_text


def steps(*keys: str, text: dict[int, str] | None = None):
    """A ``run_before`` that presses ``keys`` (a ``"type:..."`` entry types text), then settles."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        for key in keys:
            if key.startswith("type:"):
                await type_text(pilot, key[5:])
            else:
                await pilot.press(key)
            await pilot.pause()
        await settle(pilot, 0.2)

    return run_before


def test_contacts_screen_with_demo_data(snap_compare, demo_service, make_app):
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=steps())


def test_contacts_screen_at_80x24(snap_compare, demo_service, make_app):
    assert snap_compare(make_app(demo_service), terminal_size=(80, 24), run_before=steps())


def test_filtered_view(snap_compare, demo_service, make_app):
    # Search "son", stage filter Engaged (s three times), two rows selected.
    run = steps("slash", "type:son", "escape", "s", "s", "s", "space", "shift+down")
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=run)


def test_stage_triage_notification(snap_compare, demo_service, make_app):
    # Stage keys on three rows: each row changes in place and the cursor walks down.
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=steps("3", "6", "2"))


def test_form_with_errors(snap_compare, demo_service, make_app):
    # New contact: a name, a bad email and a bad phone, each checked on leaving the field.
    run = steps("n", "type:Ann", "tab", "tab", "type:not-an-email", "tab", "type:12", "tab")
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=run)


def test_detail_view(snap_compare, demo_service, make_app, monkeypatch):
    # A fixed clock for the changes made here, so the timeline's dates are stable.
    monkeypatch.setattr("parsalink_tui.contacts.now_store", lambda: "2026-10-01T10:00:00.000000Z")
    monkeypatch.setattr("parsalink_tui.notes_tasks.now_store", lambda: "2026-10-01T10:05:00.000000Z")
    cid = demo_service.list_contacts(limit=1)["results"][0]["id"]
    demo_service.update_contact(cid, {"emailOptOut": True, "notes": "Met at the [bold]trade show[/].", "stage": "engaged"})
    demo_service.add_note(cid, "Asked for pricing for 50 seats.")
    demo_service.add_task(cid, "Send proposal", "2026-10-08")
    run = steps("enter")
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=run)


def test_help(snap_compare, demo_service, make_app):
    assert snap_compare(make_app(demo_service), terminal_size=SIZE, run_before=steps("question_mark"))


def test_empty_database(snap_compare, service, make_app):
    assert snap_compare(make_app(service), terminal_size=SIZE, run_before=steps())
