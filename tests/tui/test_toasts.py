"""A burst of stage keys is one notification that counts what the burst did, not a pile."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.notifications import Notification
from textual.widgets._toast import Toast

from parsalink_tui.tui.toasts import drop_repeated_errors, swap_notification
from parsalink_tui.validation import STAGE_LABELS

from .conftest import SIZE
from .helpers import home, page_contacts, settle


def messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def burst(pilot, keys: str) -> None:
    """Keys as a fast typist (or a held key) sends them: all queued before the first is handled."""
    for key in keys:
        pilot.app.post_message(events.Key(key, key))
    await settle(pilot)


async def test_a_burst_of_stage_keys_is_one_notification_with_the_count(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ids = [c["id"] for c in page_contacts(pilot)][:12]
        await burst(pilot, "3" * 12)  # twelve contacts, one key each (the cursor moves down)
        assert {demo_service.get_contact(i)["stage"] for i in ids} == {"engaged"}
        assert messages(app) == ["12 contacts → Engaged · u to undo"]
        assert len(home(pilot).query("Toast")) <= 1


async def test_a_mixed_burst_counts_each_stage(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await burst(pilot, "3336")
        assert messages(app) == ["4 contacts: 3 → Engaged, 1 → Customer · u to undo"]


async def test_one_key_names_the_contact_and_errors_are_not_swept_away(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = page_contacts(pilot)[0]
        app.notify("an earlier error", severity="error")
        await pilot.press("3")
        await settle(pilot)
        name = f"{first['firstName']} {first['lastName']}".strip()
        assert messages(app) == ["an earlier error", f"{name} → Engaged · u to undo"]
        await pilot.press("u")
        await settle(pilot)
        was = STAGE_LABELS[first["stage"]]
        assert messages(app) == ["an earlier error", f"Undo: {name} back to {was} · ctrl+y to redo"]


async def test_textual_private_notifications_still_work_as_relied_on():
    """``swap_notification`` and ``drop_repeated_errors`` are the uses of Textual's private notification API (no public one
    replaces a single notification): this fails if a Textual upgrade changes what it relies on."""
    app = App()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.notify("an earlier error", severity="error", timeout=60)
        await pilot.pause()
        first = Notification("first", timeout=60)
        assert swap_notification(app, None, first) is False
        assert swap_notification(app, first, None) is True
        await pilot.pause()
        assert messages(app) == ["an earlier error", "first"]
        assert len(app.screen.query(Toast)) == 2
        second = Notification("second", timeout=60)
        assert swap_notification(app, first, second) is True  # at once, not through a message
        assert messages(app) == ["an earlier error", "second"]
        await pilot.pause()
        assert len(app.screen.query(Toast)) == 2
        assert "second" in str(app.screen.query(Toast).last().render())
        await pilot.click(app.screen.query(Toast).last())  # the user dismisses it
        await pilot.pause()
        assert swap_notification(app, second, None) is False
        assert messages(app) == ["an earlier error"]
        gone = Notification("expired", timeout=0)
        assert swap_notification(app, None, gone) is False
        assert swap_notification(app, gone, None) is False
        again = Notification("an earlier error", severity="error", timeout=60)
        app._notifications.add(again)
        drop_repeated_errors(app, again)  # the same error again: one toast of it, not two
        assert messages(app) == ["an earlier error"] and next(iter(app._notifications)) is again
        await pilot.pause()
        assert len(app.screen.query(Toast)) == 1
