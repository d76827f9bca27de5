"""``ContactTable``: one page of contacts in a DataTable, with columns that fit the width.

Only the visible page is ever in the widget (a DataTable with 10k rows takes seconds to refresh).
Paging keys, moving the cursor past either end and scrolling the wheel past the edge ask the
screen for another page with :class:`ContactTable.PageRequest`; the screen owns the data.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import MouseScrollDown, MouseScrollUp, Resize
from textual.message import Message
from textual.widgets import DataTable

from .render import cell, date_only, full_name, stage_badge


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    min: int
    ideal: int
    priority: int  # lower stays longer as the terminal narrows


# Display order; ``priority`` decides which survive on a narrow terminal.
COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 14, 20, 0),
    Column("email", "Email", 16, 26, 2),
    Column("phone", "Phone", 12, 12, 8),
    Column("title", "Title", 10, 20, 7),
    Column("stage", "Stage", 15, 15, 1),
    Column("account", "Account", 10, 16, 4),
    Column("assignee", "Assignee", 9, 12, 5),
    Column("tags", "Tags", 10, 14, 6),
    Column("created", "Created", 10, 10, 3),
)
SORT_KEYS = {"name": "lastName", "stage": "stage", "created": "createdAt"}
PADDING = 2  # DataTable's default cell_padding of 1 on each side
SELECT_MARK = Text("●", style="bold #f0813a")  # reads on dark and light themes


def fit_columns(width: int) -> list[tuple[Column, int]]:
    """The columns (in display order) and their widths for ``width`` cells."""
    budget = width - (1 + PADDING)  # the selection mark column
    chosen: list[Column] = []
    comfortable = 0
    for col in sorted(COLUMNS, key=lambda c: c.priority):
        # A column comes in only if the ones before it keep a comfortable width (halfway to ideal).
        comfortable += (col.min + col.ideal) // 2 + PADDING
        if comfortable > budget:
            break
        chosen.append(col)
    used = sum(c.min + PADDING for c in chosen)
    widths = {c.key: c.min for c in chosen}
    spare = budget - used
    for col in sorted(chosen, key=lambda c: c.priority):  # grow to ideal, most important first
        grow = min(spare, col.ideal - col.min)
        widths[col.key] += grow
        spare -= grow
    flexible = [c for c in chosen if c.key in ("name", "email", "title", "account", "tags")]
    while spare > 0 and flexible:  # share what is left among the text columns
        for col in flexible:
            if spare <= 0:
                break
            widths[col.key] += 1
            spare -= 1
    return [(c, widths[c.key]) for c in COLUMNS if c in chosen]


class ContactTable(DataTable[Any]):
    """A page of contacts; row keys are contact ids.

    | Key | Action |
    |---|---|
    | pagedown / pageup | next / previous page |
    | up / down at the last / first row | next / previous page |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page(1)", "Next page", show=False, id="table.next_page"),
        Binding("pageup", "page(-1)", "Previous page", show=False, id="table.prev_page"),
    ]

    class PageRequest(Message):
        """The user asked for another page: ``delta`` pages on, cursor to ``at`` ("first"/"last"/"same")."""

        def __init__(self, delta: int, at: str = "same") -> None:
            super().__init__()
            self.delta = delta
            self.at = at

    class Resized(Message):
        """The table's size changed (Resize does not bubble): the screen re-fits the page."""

        def __init__(self, width: int, height: int) -> None:
            super().__init__()
            self.width = width
            self.height = height

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.layout_width = 0
        self.columns_shown: list[tuple[Column, int]] = []
        self.users: Mapping[str, str] = {}
        self._last_wheel = 0.0

    def on_resize(self, event: Resize) -> None:
        self.post_message(self.Resized(event.size.width, event.size.height))

    # ------------------------------------------------------------------ columns
    def fit_to(self, width: int) -> bool:
        """Choose columns for ``width``; True when they changed (the caller re-fills rows)."""
        if width == self.layout_width or width <= 0:
            return False
        shown = fit_columns(width)
        self.layout_width = width
        if shown == self.columns_shown:
            return False
        self.columns_shown = shown
        self.clear(columns=True)
        self.add_column(Text(" "), width=1, key="sel")
        for col, w in shown:
            label = Text(col.label, style="bold")
            self.add_column(label, width=w, key=col.key)
        return True

    def column_keys(self) -> list[str]:
        return [c.key for c, _ in self.columns_shown]

    # ------------------------------------------------------------------ rows
    def row_cells(self, contact: Mapping[str, Any], selected: bool) -> list[Any]:
        values = {
            "name": lambda: cell(full_name(dict(contact))),
            "email": lambda: cell(contact.get("email")),
            "phone": lambda: cell(contact.get("phone")),
            "title": lambda: cell(contact.get("title")),
            "stage": lambda: stage_badge(contact.get("stage")),
            "account": lambda: cell(contact.get("accountName")),
            "assignee": lambda: cell(self.users.get(contact.get("assignedTo") or "", "")),
            "tags": lambda: cell(", ".join(contact.get("tags") or [])),
            "created": lambda: cell(date_only(contact.get("createdAt")), "dim"),
        }
        return [SELECT_MARK if selected else Text(" "), *(values[k]() for k in self.column_keys())]

    def show_page(self, results: Iterable[Mapping[str, Any]], selected: set[str], cursor_row: int) -> None:
        """Replace the rows with ``results``, keeping the cursor at ``cursor_row`` (clamped)."""
        self.clear()
        for contact in results:
            self.add_row(*self.row_cells(contact, contact["id"] in selected), key=contact["id"])
        if self.row_count:
            self.move_cursor(row=max(0, min(cursor_row, self.row_count - 1)), animate=False)

    def set_stage(self, contact_id: str, stage: str) -> None:
        if "stage" in self.column_keys() and contact_id in self.rows:
            self.update_cell(contact_id, "stage", stage_badge(stage))

    def set_mark(self, contact_id: str, selected: bool) -> None:
        if contact_id in self.rows:
            self.update_cell(contact_id, "sel", SELECT_MARK if selected else Text(" "))

    @property
    def current_id(self) -> str | None:
        """The highlighted contact's id (None when the page is empty)."""
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def page_ids(self) -> list[str]:
        return [str(key.value) for key in self.rows]

    # ------------------------------------------------------------------ paging
    def action_page(self, delta: int) -> None:
        self.post_message(self.PageRequest(delta))

    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequest(1, at="first"))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PageRequest(-1, at="last"))
        else:
            super().action_cursor_up()

    def _wheel(self, delta: int) -> None:
        # One wheel flick sends a burst of events: page at most a few times a second.
        now = time.monotonic()
        if now - self._last_wheel > 0.3:
            self._last_wheel = now
            self.post_message(self.PageRequest(delta))

    def on_mouse_scroll_down(self, event: MouseScrollDown) -> None:
        event.stop()
        self._wheel(1)

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        event.stop()
        self._wheel(-1)
