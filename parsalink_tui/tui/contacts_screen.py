"""``ContactsScreen``: the home screen — filters, stage bar, one page of contacts, triage keys.

The screen owns a :class:`~.query.ListQuery` and loads exactly one page for it on the UI thread
(a 20–100 row page costs a few milliseconds; see bench/bench_tui.py); the per-stage counts run
in a thread worker so a keystroke never waits for them. Stage keys change the row in place, so
the change is visible at once even when the contact no longer matches the filter.

| Key | Action |
|---|---|
| / | search (as you type) |
| a / t / c | assignee / tags / created-after filters (tab to created-before) |
| s / S | next / previous stage filter |
| x | clear all filters (the import-job filter too) |
| o / O | next sort column / flip direction |
| 1–7 | set the stage of the highlighted or selected contacts |
| ] / [ | next / previous stage |
| space, shift+up/down | toggle / extend selection |
| ctrl+a / escape | select the page / clear selection |
| enter | open the contact |
| n / e / d | new / edit / delete |
| pageup / pagedown, g / G | previous / next page, first / last page |
| i | import contacts from a CSV file; recent imports |
| X | export the view (every matching contact) to a file |
| D | load demo data (empty database only) |
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Select, Static
from textual.worker import get_current_worker

from ..errors import ConflictError, InvalidPageError
from ..validation import STAGE_LABELS, STAGE_VALUES
from .contact_table import SORT_KEYS, ContactTable
from .filter_bar import FilterBar
from .query import DEFAULT_DESCENDING, SORTS, ListQuery
from .render import content, full_name
from .stage_bar import StageBar
from .undo import Batch, Change, DeleteChange, StageChange, contact_fields, field_names
from .workers import background

STAGE_GROUP = Binding.Group("Stage", compact=True)
# How often the list looks for commits made elsewhere (another process importing, say).
REFRESH_SECONDS = 2.0


def _stage_bindings() -> list[Binding]:
    return [
        Binding(str(n), f"set_stage({n})", f"Stage → {label}", group=STAGE_GROUP, id=f"contacts.stage_{value}")
        for n, (value, label) in enumerate(STAGE_LABELS.items(), 1)
    ]


class ContactsScreen(Screen[None]):
    """Contacts list with filters and keyboard triage (the app's home screen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_filter('search')", "Search", id="contacts.search"),
        *_stage_bindings(),
        Binding("right_square_bracket", "step_stage(1)", "Next stage", show=False, id="contacts.next_stage"),
        Binding("left_square_bracket", "step_stage(-1)", "Previous stage", show=False, id="contacts.prev_stage"),
        Binding("space", "toggle_select", "Select", id="contacts.toggle_select"),
        Binding("shift+down", "extend_select(1)", "Extend selection down", show=False, id="contacts.extend_down"),
        Binding("shift+up", "extend_select(-1)", "Extend selection up", show=False, id="contacts.extend_up"),
        Binding("ctrl+a", "select_page", "Select page", show=False, id="contacts.select_page"),
        Binding("escape", "escape", "Clear selection / back to list", show=False, id="contacts.escape"),
        Binding("n", "new", "New", id="contacts.new"),
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("d", "delete", "Delete", id="contacts.delete"),
        Binding("a", "focus_filter('assignee')", "Assignee filter", show=False, id="contacts.filter_assignee"),
        Binding("t", "focus_filter('tags')", "Tags filter", show=False, id="contacts.filter_tags"),
        Binding("c", "focus_filter('created_after')", "Created filter", show=False, id="contacts.filter_created"),
        Binding("s", "cycle_stage_filter(1)", "Stage filter", show=False, id="contacts.stage_filter_next"),
        Binding("S", "cycle_stage_filter(-1)", "Previous stage filter", show=False, id="contacts.stage_filter_prev"),
        Binding("x", "clear_filters", "Clear filters", id="contacts.clear_filters"),
        Binding("i", "import", "Import", id="contacts.import"),
        Binding("X", "export", "Export view", show=False, id="contacts.export"),
        Binding("o", "cycle_sort", "Sort", show=False, id="contacts.sort"),
        Binding("O", "flip_sort", "Reverse sort", show=False, id="contacts.sort_reverse"),
        Binding("g", "first_page", "First page", show=False, id="contacts.first_page"),
        Binding("G", "last_page", "Last page", show=False, id="contacts.last_page"),
        Binding("D", "load_demo", "Load demo data", show=False, id="contacts.demo"),
        Binding("q", "app.quit", "Quit", show=False, id="contacts.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._watcher: Any = None
        self.query_state = ListQuery()
        self.selected: set[str] = set()
        self.rows: dict[str, dict[str, Any]] = {}
        self.total = 0
        self.empty_db = False
        self._fitted = False

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        yield FilterBar(id="filters")
        yield StageBar(id="stages")
        with Vertical(id="list"):
            yield ContactTable(id="table")
            yield Static(id="empty")
        yield Static(id="status")
        yield Footer()

    @property
    def table(self) -> ContactTable:
        return self.query_one(ContactTable)

    def on_mount(self) -> None:
        self.sub_title = self.app.service.db.short_name
        self.query_one(FilterBar).set_users([{"id": i, "name": n} for i, n in self.app.users.items()])
        self.table.users = self.app.users
        self.query_one("#empty").display = False
        self.table.focus()
        watch = getattr(self.app.service, "watch_changes", None)
        self._watcher = watch() if watch else None
        if self._watcher is not None:
            self.set_interval(REFRESH_SECONDS, self._refresh_if_changed)

    def on_unmount(self) -> None:
        if self._watcher is not None:
            self._watcher.close()

    def _refresh_if_changed(self) -> None:
        """Reload the page when anything was committed — e.g. an import in another process —
        while this screen is showing, keeping the cursor on its contact and the selection."""
        if self._watcher is not None and self._fitted and self.is_current and self._watcher.changed():
            self.reload(elsewhere=True)

    @on(ContactTable.Resized)
    def _table_resized(self, event: ContactTable.Resized) -> None:
        table = self.table
        limit = max(1, min(100, event.height - 1))  # one line is the header
        columns_changed = table.fit_to(event.width)
        if columns_changed or limit != self.query_state.limit or not self._fitted:
            first_row = (self.query_state.page - 1) * self.query_state.limit
            self.query_state.limit = limit
            self.query_state.page = first_row // limit + 1
            self._fitted = True
            self.reload()

    def on_screen_resume(self) -> None:
        if self._fitted:
            self.reload()

    # ------------------------------------------------------------------ loading
    def reload(self, cursor: str = "same", counts: bool = True, elsewhere: bool = False) -> bool:
        """Load the current page for the query, the cursor on ``cursor``: "same" (the highlighted
        contact, wherever it now is: see :meth:`_follow`), "row" (the same row number), "first",
        "last" or a contact id. ``elsewhere``: the periodic reload for new commits (another
        process's, or this app's own), which says when the highlighted contact left the list.
        Returns whether the page loaded (a failure is a notification; the page shown stays)."""
        q = self.query_state
        table = self.table
        row = table.cursor_row if table.row_count else 0
        loaded = False
        with self.app.reporting("Could not load contacts"):
            data = self._fetch()
            results = data["results"]
            ids = [c["id"] for c in results]
            if cursor == "same" and (current := table.current_id) is not None:
                data, row = self._follow(current, data, row, elsewhere)
                results = data["results"]
            elif cursor == "first":
                row = 0
            elif cursor == "last":
                row = len(results) - 1
            elif cursor not in ("same", "row"):
                row = ids.index(cursor) if cursor in ids else row
            self.total = data["count"]
            self.rows = {c["id"]: c for c in results}
            self._deselect_hidden()
            table.show_page(results, self.selected, row)
            self.empty_db = self.total == 0 and not q.filtered
            self._show_empty_state()
            self.update_status()
            if counts:
                self.load_counts()
            loaded = True
        return loaded

    def _fetch(self) -> dict[str, Any]:
        q = self.query_state
        try:
            return self.app.service.list_contacts(**q.params())
        except InvalidPageError as exc:  # the list shrank under us (a delete, a filter)
            q.page = exc.last_page
            return self.app.service.list_contacts(**q.params())

    def _follow(self, current: str, data: dict[str, Any], row: int, elsewhere: bool) -> tuple[dict[str, Any], int]:
        """The cursor rule (docs/tui-safety.md): a reload keeps the cursor on the contact it was on.

        On the freshly loaded page it is found by id; pushed to another page (newer contacts
        sorted in above it, an edit that re-sorts it) the page follows it; gone from the list
        (deleted, no longer matching the filters) the cursor keeps its row number and, on the
        periodic reload for new commits, a notification says so. Returns (page data, cursor row).
        """
        ids = [c["id"] for c in data["results"]]
        if current in ids:
            return data, ids.index(current)
        q = self.query_state
        position = self.app.service.contact_position(current, ordering=q.ordering, **q.filters())
        if position is None:
            if elsewhere:
                self.notify("The highlighted contact left this list (deleted, or no longer matching the filters)",
                            title="Cursor", timeout=4)  # fmt: skip
            return data, row
        page, q.page = q.page, position // q.limit + 1
        followed = self._fetch()
        ids = [c["id"] for c in followed["results"]]
        if current in ids:
            return followed, ids.index(current)
        q.page = page  # it moved again meanwhile: stay where the first read was
        return data, row

    def _show_empty_state(self) -> None:
        empty = self.query_one("#empty", Static)
        if self.total:
            empty.display = False
            self.table.display = True
            return
        if self.empty_db:
            text = ("No contacts yet.\n\nPress  D  to load 500 demo contacts and look around,\n"
                    "or  n  to add your first contact.")  # fmt: skip
        else:
            text = "No contacts match these filters.\n\nPress  x  to clear all filters."
        empty.update(Content(text))
        empty.display = True
        self.table.display = False

    @background(group="counts", failure="Stage counts not updated")
    def load_counts(self) -> None:
        filters = self.query_state.filters(stage=False)
        counts = self.app.service.stage_counts(**filters)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._set_counts, counts)

    def _set_counts(self, counts: dict[str, int]) -> None:
        bar = self.query_one(StageBar)
        bar.counts = counts
        bar.stage = self.query_state.stage

    def update_status(self) -> None:
        q = self.query_state
        if self.total:
            first = (q.page - 1) * q.limit + 1
            last = first + len(self.rows) - 1
            parts = [f"rows {first:,}–{last:,} of {self.total:,}"]
        else:
            parts = ["no contacts"]
        parts += q.describe_filters(self.app.users)
        parts.append(f"sorted by {q.describe_sort()}")
        if self.selected:
            parts.append(f"{len(self.selected):,} selected")
        self.query_one("#status", Static).update(content("  ·  ".join(parts)))

    def change_query(self, cursor: str = "first", **changes: Any) -> None:
        """Apply filter/sort changes, back to page 1."""
        for key, value in changes.items():
            setattr(self.query_state, key, value)
        self.query_state.page = 1
        self.query_one(StageBar).stage = self.query_state.stage
        self.reload(cursor=cursor)

    # ------------------------------------------------------------------ filters
    @on(FilterBar.Changed)
    def _filter_changed(self, event: FilterBar.Changed) -> None:
        self.change_query(**{event.name: event.value})

    @on(StageBar.Picked)
    def _stage_picked(self, event: StageBar.Picked) -> None:
        self.change_query(stage=event.stage)

    @on(Input.Submitted)
    def _input_submitted(self) -> None:
        self.table.focus()

    def action_focus_filter(self, name: str) -> None:
        widget = self.query_one(f"#{name}")
        widget.focus()
        if isinstance(widget, Select):
            widget.expanded = True

    def action_cycle_stage_filter(self, step: int) -> None:
        order: list[str | None] = [None, *STAGE_VALUES]
        current = order.index(self.query_state.stage)
        self.change_query(stage=order[(current + step) % len(order)])

    def action_clear_filters(self) -> None:
        self.query_one(FilterBar).clear()
        self.query_state = self.query_state.cleared()
        self.change_query()
        self.notify("Filters cleared", timeout=2)

    def filter_by_stage(self, stage: str | None) -> None:
        """Used by the command palette."""
        self.change_query(stage=stage)

    def show_import_job(self, uid: str, filename: str) -> None:
        """Only the contacts import job ``uid`` created, ready for triage (x clears it)."""
        self.query_one(FilterBar).clear()
        self.query_state = self.query_state.cleared()
        self.change_query(import_job=uid, import_name=filename)
        self.table.focus()

    # ------------------------------------------------------------------ imports
    def action_import(self) -> None:
        self.app.open_imports()

    def action_export(self) -> None:
        """Export the view (filters, search, sort; every matching contact) to a file named in a prompt."""
        from .export_dialog import ExportDialog

        q = self.query_state
        described = " · ".join([f"{self.total:,} contacts", *q.describe_filters(self.app.users),
                                f"sorted by {q.describe_sort()}"])  # fmt: skip
        self.app.push_screen(ExportDialog(q.filters(), q.ordering, described))

    # ------------------------------------------------------------------ sorting
    def action_cycle_sort(self) -> None:
        keys = [k for k, _ in SORTS]
        nxt = keys[(keys.index(self.query_state.sort) + 1) % len(keys)]
        self.change_query(sort=nxt, descending=DEFAULT_DESCENDING[nxt])

    def action_flip_sort(self) -> None:
        self.change_query(descending=not self.query_state.descending)

    @on(DataTable.HeaderSelected)
    def _header_clicked(self, event: DataTable.HeaderSelected) -> None:
        sort = SORT_KEYS.get(str(event.column_key.value))
        if sort is None:
            return
        if sort == self.query_state.sort:
            self.action_flip_sort()
        else:
            self.change_query(sort=sort, descending=DEFAULT_DESCENDING[sort])

    # ------------------------------------------------------------------ paging
    @on(ContactTable.PageRequest)
    def _page_request(self, event: ContactTable.PageRequest) -> None:
        self.go_to_page(self.query_state.page + event.delta, event.at)

    def go_to_page(self, page: int, cursor: str = "same") -> None:
        q = self.query_state
        last_page = max(1, -(-self.total // q.limit))
        page = max(1, min(page, last_page))
        if page == q.page:
            return
        shown, q.page = q.page, page
        if not self.reload(cursor="row" if cursor == "same" else cursor, counts=False):
            q.page = shown  # not turned (the database unreachable): the next key starts from here

    def action_first_page(self) -> None:
        self.go_to_page(1, "first")

    def action_last_page(self) -> None:
        self.go_to_page(10**12, "last")

    # ------------------------------------------------------------------ selection
    def targets(self) -> list[str]:
        """The selected contacts, else the highlighted one."""
        if self.selected:
            return sorted(self.selected)
        current = self.table.current_id
        return [current] if current else []

    def _deselect_hidden(self) -> None:
        """The selection rule (docs/tui-safety.md): only contacts on the page you see are selected.

        Called each time the page is loaded, whatever changed it — a search, a filter, the sort,
        another page, an undo, a change made elsewhere — so the stage keys and ``d`` never act on
        a contact the user cannot see. Dropping some of the selection is said once.
        """
        hidden = self.selected - self.rows.keys()
        if hidden:
            self.selected -= hidden
            n = len(hidden)
            self.notify(
                f"{n:,} selected contact{'s' if n != 1 else ''} no longer shown: deselected",
                title="Selection", timeout=4,
            )  # fmt: skip

    def _mark(self, contact_id: str, selected: bool) -> None:
        (self.selected.add if selected else self.selected.discard)(contact_id)
        self.table.set_mark(contact_id, selected)

    def action_toggle_select(self) -> None:
        current = self.table.current_id
        if current:
            self._mark(current, current not in self.selected)
            self.update_status()

    def action_extend_select(self, step: int) -> None:
        table = self.table
        current = table.current_id
        if not current:
            return
        self._mark(current, True)
        row = table.cursor_row + step
        if 0 <= row < table.row_count:
            table.move_cursor(row=row)
            nxt = table.current_id
            if nxt:
                self._mark(nxt, True)
        self.update_status()

    def action_select_page(self) -> None:
        for cid in self.table.page_ids():
            self._mark(cid, True)
        self.update_status()

    def action_clear_selection(self) -> None:
        for cid in list(self.selected):
            self._mark(cid, False)
        self.update_status()

    def action_escape(self) -> None:
        if not self.table.has_focus:
            self.table.focus()
        elif self.selected:
            self.action_clear_selection()

    # ------------------------------------------------------------------ triage
    def _stage_of(self, contact_id: str) -> str:
        if contact_id in self.rows:
            return str(self.rows[contact_id]["stage"])
        return str(self.app.service.get_contact(contact_id)["stage"])

    def action_set_stage(self, number: int) -> None:
        ids = self.targets()
        if ids:
            self.apply_stages({cid: STAGE_VALUES[number - 1] for cid in ids})

    def action_step_stage(self, step: int) -> None:
        ids = self.targets()
        if not ids:
            return
        with self.app.reporting():
            after = {}
            for cid in ids:
                index = STAGE_VALUES.index(self._stage_of(cid)) + step
                after[cid] = STAGE_VALUES[max(0, min(index, len(STAGE_VALUES) - 1))]
            self.apply_stages(after)

    def apply_stages(self, after: dict[str, str]) -> None:
        """Move contacts to stages through the core, show it in place, record it for undo.

        Each contact moves only if it is still at the stage shown (a stage changed elsewhere
        meanwhile is shown instead, and the key can be pressed again)."""
        single = not self.selected
        with self.app.reporting("Stage not changed"):
            seen = {cid: self._stage_of(cid) for cid in after}
            first = next(iter(after))
            name = full_name(self.rows[first]) if len(after) == 1 and first in self.rows else None
            moved, skipped = self.app.set_stages(after, seen, name)
            self.show_stages({**moved, **{cid: now for cid, now in skipped.items() if now is not None}})
            if None in skipped.values():
                self.reload()
            if single and moved and self.app.advance_after_stage:
                self.table.action_cursor_down()

    def show_stages(self, stages: dict[str, str]) -> None:
        """Update rows in place (they stay until the next reload) and refresh the counts."""
        for cid, stage in stages.items():
            if cid in self.rows:
                self.rows[cid]["stage"] = stage
                self.table.set_stage(cid, stage)
        self.load_counts()

    # ------------------------------------------------------------------ undo/redo
    def after_history(self, change: Change | None, ids: list[str], undo: bool) -> None:
        """Called by the app after an undo/redo (``change``: the part done, None when nothing was):
        show the result, cursor on the contact."""
        if not self.is_current:
            return  # reloads when it is shown again
        if isinstance(change, StageChange):
            self.show_stages(change.before if undo else change.after)
            focus = next((cid for cid in ids if cid in self.rows), None)
            if focus is not None:
                self.table.move_cursor(row=self.table.get_row_index(focus))
        else:
            self.reload(cursor=ids[0] if ids else "same")

    # ------------------------------------------------------------------ open / new / edit / delete
    @on(DataTable.RowSelected, "#table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self.open_contact(str(event.row_key.value))

    def open_contact(self, contact_id: str) -> None:
        from .detail_screen import DetailScreen

        self.app.push_screen(DetailScreen(contact_id))

    def action_new(self) -> None:
        from .contact_form import ContactForm

        self.app.push_screen(ContactForm(None), self._form_done)

    def action_edit(self) -> None:
        from .contact_form import ContactForm

        current = self.table.current_id
        if current:
            self.app.push_screen(ContactForm(current), self._form_done)

    def _form_done(self, contact: dict[str, Any] | None) -> None:
        if contact:
            self.reload(cursor=contact["id"])

    def action_delete(self) -> None:
        from .confirm import ConfirmScreen

        ids = self.targets()
        if not ids:
            return
        if len(ids) == 1:
            name = full_name(self.rows[ids[0]]) if ids[0] in self.rows else ids[0]
            question = f"Delete {name}?"
        else:
            question = f"Delete {len(ids):,} selected contacts?"
        detail = "Their notes and tasks go too. u undoes it."

        def done(yes: bool | None) -> None:
            if yes:
                self.delete(ids)

        self.app.push_screen(ConfirmScreen(question, detail, yes="Delete"), done)

    def delete(self, ids: list[str]) -> None:
        """Delete each contact as shown: one changed elsewhere since the page loaded is kept."""
        changes: list[Change] = []
        kept: list[str] = []
        with self.app.reporting("Delete failed"):
            for cid in ids:
                name = full_name(self.rows[cid]) if cid in self.rows else cid
                seen = contact_fields(self.rows[cid]) if cid in self.rows else None
                try:
                    changes.append(DeleteChange(self.app.service.delete_contact(cid, expected=seen), name))
                except ConflictError as exc:
                    kept.append(f"{name} ({field_names(exc.fields)})")
                    continue
                self._mark(cid, False)
        if changes:
            # What was deleted before an error is still recorded, so it stays undoable.
            self.app.record(changes[0] if len(changes) == 1 else Batch(changes))
        if kept:
            self.notify("Not deleted, changed elsewhere since shown: " + "; ".join(kept) + ". Look again, then delete",
                        severity="warning", timeout=8, markup=False)  # fmt: skip
        self.reload(cursor="row")

    # ------------------------------------------------------------------ demo data
    def action_load_demo(self) -> None:
        if not self.empty_db:
            self.notify("Demo data only goes into an empty database", severity="warning", timeout=3)
            return
        self.notify(f"Loading {self.app.demo_contacts:,} demo contacts…", timeout=3)
        self._fill_demo()

    @background(group="demo", failure="Demo data not loaded")
    def _fill_demo(self) -> None:
        from ..demo import fill_demo

        made = fill_demo(self.app.service.db, contacts=self.app.demo_contacts, seed=1)
        self.app.call_from_thread(self._demo_loaded, made)

    def _demo_loaded(self, made: dict[str, Any]) -> None:
        self.app.load_users()
        self.table.users = self.app.users
        self.query_one(FilterBar).set_users([{"id": i, "name": n} for i, n in self.app.users.items()])
        self.reload(cursor="first")
        self.table.focus()
        self.notify(f"Loaded {made['contacts']:,} demo contacts", timeout=3)
