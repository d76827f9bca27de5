"""``HelpScreen``: every key, read from the screens' own ``BINDINGS`` so it cannot go stale."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

# Keys that are not bindings of ours but that every user needs.
EXTRA: dict[str, list[tuple[str, str]]] = {
    "Everywhere": [
        ("^p", "Command palette: actions, jump to a contact, theme"),
        ("tab / ⇧tab", "Next / previous field"),
        ("^q", "Quit"),
    ],
    "Contacts list": [
        ("↑ / ↓", "Move (past the end: next / previous page)"),
        ("enter", "Open the contact"),
        ("click header", "Sort by Name, Stage or Created"),
    ],
    "Import": [
        ("→", "Accept the path completion"),
        ("enter", "Preview the file / open the import"),
    ],
}
STAGE_ROW = ("1 … 7", "Set stage: New, Contacted, Engaged, Proposal Sent, Negotiation, Customer, Inactive")


def key_rows(app: Any, bindings: list[BindingType]) -> list[tuple[str, str]]:
    """(keys, description) per binding; bindings that share a description share a row."""
    rows: dict[str, list[str]] = {}
    for binding in Binding.make_bindings(bindings):
        if not binding.description:
            continue
        keys = [app.get_key_display(binding.with_key(k.strip())) for k in binding.key.split(",")]
        rows.setdefault(binding.description, []).extend(keys)
    out = [(" / ".join(keys), description) for description, keys in rows.items()]
    # The seven stage keys read better as one line, where the first of them was.
    stage_at = next((n for n, (_, d) in enumerate(out) if d.startswith("Stage → ")), None)
    if stage_at is not None:
        out = [r for r in out if not r[1].startswith("Stage → ")]
        out.insert(stage_at, STAGE_ROW)
    return out


class HelpScreen(ModalScreen[None]):
    """All keys by screen. ``escape``, ``q`` or ``?`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="help.close", key_display="esc"),
    ]

    def compose(self) -> ComposeResult:
        from .app import ParsalinkApp
        from .contact_form import ContactForm
        from .contact_table import ContactTable
        from .contacts_screen import ContactsScreen
        from .detail_screen import DetailScreen
        from .import_screen import ImportScreen

        sections = [
            ("Contacts list", key_rows(self.app, ContactsScreen.BINDINGS + ContactTable.BINDINGS) + EXTRA["Contacts list"]),
            ("Contact detail", key_rows(self.app, DetailScreen.BINDINGS)),
            ("New / edit form", key_rows(self.app, ContactForm.BINDINGS)),
            ("Import", key_rows(self.app, ImportScreen.BINDINGS) + EXTRA["Import"]),
            ("Everywhere", key_rows(self.app, ParsalinkApp.BINDINGS) + EXTRA["Everywhere"]),
        ]
        with VerticalScroll(id="help"):
            yield Static(Content.styled("Keys", "bold"), id="help-title")
            with Horizontal(id="help-columns"):
                for column in (sections[:1], sections[1:]):
                    with Vertical(classes="help-col"):
                        for title, rows in column:
                            yield Static(Content.styled(title, "bold $accent"), classes="help-section")
                            with Grid(classes="help-grid"):
                                for keys, description in rows:
                                    yield Static(Content.styled(keys, "bold"), classes="help-key")
                                    yield Static(Content(description), classes="help-desc")
            yield Static(Content.styled("escape closes this help", "dim italic"), id="help-footer")
