"""``ContactCommands``: the command palette's actions — new contact, stage filters, imports, jump to a contact.

Contact names are user data: hits show them as plain ``Content`` (``Matcher.highlight`` parses
its argument as markup, so it is used only for our own command names).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from ..validation import STAGES
from .render import clean, full_name

JUMP_LIMIT = 8


class ContactCommands(Provider):
    """Main actions of the contacts screen, and "jump to a contact" by name, email or phone."""

    def _contacts_screen(self) -> Any:
        from .contacts_screen import ContactsScreen

        for screen in reversed(self.app.screen_stack):
            if isinstance(screen, ContactsScreen):
                return screen
        return None

    def _go_home(self) -> Any:
        """Pop back to the contacts screen (the palette may be opened from the detail view)."""
        home = self._contacts_screen()
        while self.app.screen is not home and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        return home

    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        def run(method: str, *args: Any) -> Callable[[], Any]:
            def go() -> None:
                home = self._go_home()
                if home is not None:
                    getattr(home, method)(*args)

            return go

        items: list[tuple[str, Callable[[], Any], str]] = [
            ("New contact", run("action_new"), "Open the new-contact form (n)"),
            ("Filter by stage: all stages", run("filter_by_stage", None), "Show every stage (s cycles)"),
        ]
        for value, label in STAGES:
            items.append((f"Filter by stage: {label}", run("filter_by_stage", value), f"Only {label} contacts"))
        items += [
            ("Clear all filters", run("action_clear_filters"), "Search, stage, assignee, tags, dates (x)"),
            ("Search contacts", run("action_focus_filter", "search"), "Focus the search box (/)"),
            ("Sort: next column", run("action_cycle_sort"), "created, updated, name, stage (o)"),
            ("Load demo data", run("action_load_demo"), "500 sample contacts into an empty database (D)"),
            ("Import contacts from a CSV or vCard file", self.app.open_imports, "New import, or the running one (i)"),
            ("Recent imports", partial(self.app.open_imports, "recent"), "The last 50 import jobs, with their errors"),
            ("Export this view to a file", run("action_export"), "CSV, vCard or JSON: every contact the filters match (X)"),
            ("Toggle: next row after a stage key", self.app.action_toggle_advance, "Triage setting"),
            ("Undo", self.app.action_undo, "u / ctrl+z"),
            ("Redo", self.app.action_redo, "ctrl+y"),
            ("Keys (help)", self.app.action_help, "?"),
        ]
        return items

    async def discover(self) -> Hits:
        for name, command, help_text in self._commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)
        term = query.strip()
        if len(term) < 2:
            return
        service = self.app.service
        try:
            found = await asyncio.to_thread(service.list_contacts, search=term, limit=JUMP_LIMIT, ordering="lastName")
        except Exception:  # noqa: BLE001 - a bad search term just finds nothing here
            return
        for contact in found["results"]:
            label = f"Jump to {full_name(contact)} · {clean(contact.get('email'))}"
            yield Hit(
                0.5,
                Content(label),
                partial(self._open, contact["id"]),
                text=label,
                help=clean(contact.get("accountName")) or None,
            )

    def _open(self, contact_id: str) -> None:
        home = self._go_home()
        if home is not None:
            home.open_contact(contact_id)
