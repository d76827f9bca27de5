"""``FilterBar``: search, assignee, tags and created-after/before, one compact row.

The bar only reports what the user typed (:class:`FilterBar.Changed`, debounced for text, so
typing fast runs one query); the contacts screen owns the query. Dates are applied once they
parse; until then the input is marked invalid and the previous value stays in force.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Select

from ..errors import ValidationError
from ..listing import UNASSIGNED
from ..timeutil import parse_iso
from ..validation import normalize_tags
from .render import clean
from .widgets import TextInput

DEBOUNCE_S = 0.06


class FilterBar(Horizontal):
    """Search box and the other filters."""

    class Changed(Message):
        """Filter ``name`` (search, assigned_to, tags, created_after, created_before) is now ``value``."""

        def __init__(self, name: str, value: Any) -> None:
            super().__init__()
            self.name = name
            self.value = value

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._debounce: dict[str, Timer] = {}

    def compose(self) -> ComposeResult:
        yield TextInput(placeholder="/ search name, email, phone", id="search", compact=True)
        yield Select[str]([], prompt="Anyone", id="assignee", compact=True)
        yield TextInput(placeholder="t tags", id="tags", compact=True)
        yield TextInput(placeholder="c after", id="created_after", compact=True, max_length=25)
        yield TextInput(placeholder="before", id="created_before", compact=True, max_length=25)

    def on_mount(self) -> None:
        self.query_one("#search", Input).tooltip = "Matches name, email or phone (3+ characters use the index)"
        self.query_one("#tags", Input).tooltip = "Comma-separated; a contact must have all of them"
        self.query_one("#created_after", Input).tooltip = "Created on or after (YYYY-MM-DD)"
        self.query_one("#created_before", Input).tooltip = "Created before (YYYY-MM-DD)"

    def set_users(self, users: list[dict[str, Any]]) -> None:
        """Fill the assignee choices (keeps the current choice when it still exists)."""
        select = self.query_one("#assignee", Select)
        current = select.value
        options = [("Unassigned", UNASSIGNED)] + [(clean(u["name"]), u["id"]) for u in users]
        with self.prevent(Select.Changed):
            select.set_options(options)
            if current is not Select.NULL and any(v == current for _, v in options):
                select.value = current

    def clear(self) -> None:
        """Empty every filter without posting Changed (the screen resets its query itself)."""
        for timer in self._debounce.values():
            timer.stop()
        self._debounce.clear()
        with self.prevent(Input.Changed, Select.Changed):
            for name in ("search", "tags", "created_after", "created_before"):
                widget = self.query_one(f"#{name}", Input)
                widget.value = ""
                widget.remove_class("-invalid")
            self.query_one("#assignee", Select).clear()

    def _later(self, name: str, value: Any) -> None:
        if name in self._debounce:
            self._debounce[name].stop()
        self._debounce[name] = self.set_timer(DEBOUNCE_S, lambda: self.post_message(self.Changed(name, value)))

    @on(Input.Changed, "#search")
    def _search(self, event: Input.Changed) -> None:
        event.stop()
        self._later("search", event.value)

    @on(Input.Changed, "#tags")
    def _tags(self, event: Input.Changed) -> None:
        event.stop()
        try:
            tags = normalize_tags(event.value)
        except ValidationError as exc:
            event.input.add_class("-invalid")
            event.input.tooltip = exc.message
            return
        event.input.remove_class("-invalid")
        self._later("tags", tags)

    @on(Input.Changed, "#created_after, #created_before")
    def _date(self, event: Input.Changed) -> None:
        event.stop()
        name = event.input.id or ""
        text = event.value.strip()
        if text:
            try:
                parse_iso(text, name)
            except ValidationError:
                event.input.add_class("-invalid")
                return
        event.input.remove_class("-invalid")
        self._later(name, text)

    @on(Select.Changed, "#assignee")
    def _assignee(self, event: Select.Changed) -> None:
        event.stop()
        value = None if event.value is Select.NULL else event.value
        self.post_message(self.Changed("assigned_to", value))
