"""The new/edit form: inline errors as you leave a field, no save until fixed, cancel asks first."""

from __future__ import annotations

from textual.widgets import Label

from parsalink_tui.tui.confirm import ConfirmScreen
from parsalink_tui.tui.contact_form import ContactForm

from .conftest import SIZE
from .helpers import home, open_form, settle, type_text


def error_text(form: ContactForm, field: str) -> str:
    label = form.query_one(f"#err-{field}", Label)
    return str(label.render()) if label.display else ""


async def test_errors_show_as_you_leave_each_field(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        await type_text(pilot, "Ann")
        await pilot.press("tab", "tab")
        await type_text(pilot, "not-an-email")
        assert error_text(form, "email") == ""  # not while typing
        await pilot.press("tab")
        assert "Invalid email format" in error_text(form, "email")
        assert form.query_one("#email").has_class("-invalid")
        await type_text(pilot, "12")
        await pilot.press("tab")
        assert "Invalid phone number" in error_text(form, "phone")
        # Fixing a field clears its error when it is left again.
        form.query_one("#email").focus()
        form.query_one("#email").value = "ann@example.com"
        await pilot.press("tab")
        assert error_text(form, "email") == ""


async def test_duplicate_email_is_refused_inline(demo_service, make_app):
    taken = demo_service.list_contacts(limit=1)["results"][0]
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        await type_text(pilot, "Dup")
        await pilot.press("tab", "tab")
        await type_text(pilot, taken["email"].upper())
        await pilot.press("tab")
        assert "already belongs to" in error_text(form, "email")


async def test_form_will_not_save_until_fixed(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        await pilot.press("ctrl+s")  # empty: name and email are required
        assert isinstance(app.screen, ContactForm)
        assert "required" in error_text(form, "firstName")
        assert "required" in error_text(form, "email")
        form.query_one("#firstName").value = "Ann"
        form.query_one("#email").value = "bad@@example.com"
        form.query_one("#tags").value = "ok, fine"
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ContactForm)
        assert demo_service.list_contacts()["count"] == 500
        assert app.focused is form.query_one("#email")  # the first bad field gets the focus
        form.query_one("#email").value = "ann.new@example.com"
        form.query_one("#phone").value = "+1 415 555 0100"
        form.query_one("#stage").value = "engaged"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ContactForm)
        made = demo_service.list_contacts(search="ann.new@example.com")["results"][0]
        assert made["stage"] == "engaged" and made["phone"] == "+14155550100" and made["tags"] == ["ok", "fine"]


async def test_escape_asks_only_when_something_changed(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await open_form(pilot)
        await pilot.press("escape")  # nothing typed: closes at once
        assert home(pilot) is app.screen
        form = await open_form(pilot)
        await type_text(pilot, "Half")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        assert app.screen is form and form.query_one("#firstName").value == "Half"
        await pilot.press("escape", "y")
        assert home(pilot) is app.screen
        assert demo_service.list_contacts()["count"] == 500


async def test_edit_form_is_filled_and_saves_a_patch(demo_service, make_app):
    app = make_app(demo_service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        cid = home(pilot).table.current_id
        before = demo_service.get_contact(cid)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert form.query_one("#email").value == before["email"]
        assert form.query_one("#stage").value == before["stage"]
        await pilot.press("escape")  # unchanged: no question
        assert home(pilot) is app.screen
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#lastName").value = "Renamed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = demo_service.get_contact(cid)
        assert after["lastName"] == "Renamed"
        assert {k: after[k] for k in before if k not in ("lastName", "updatedAt")} == {
            k: before[k] for k in before if k not in ("lastName", "updatedAt")
        }
