"""``ImportSetup``: pick a CSV file, check and change its column mapping, choose the options.

The preview comes from ``Service.preview_import`` in a thread worker (a 10 MB file takes
~0.25 s to read and count), again after each mapping change, so what the screen shows is
always the core's own verdict: the effective mapping and the first rows as they would import.
The widget asks to start with :class:`ImportSetup.Start`; the screen runs the import.

A new file's first preview asks for the mapping remembered for its header row
(``saved_mapping="auto"``, see importing/saved_mappings.py): when there is one, its choices
become this screen's overrides (so changing a column keeps the rest) and the info line says
"using the mapping from 12 Nov". Starting an import remembers the overrides it used.

Headers, cells and error messages are user data: every one is shown as plain ``Text``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, DirectoryTree, Input, Select, Static
from textual.worker import get_current_worker

from ..errors import ParsalinkError
from ..importing.mapping import FIELDS, MULTI_COLUMN_FIELDS
from ..validation import phone_regions
from .file_picker import CsvTree, PathSuggester, shown_path
from .render import cell, clean, content, full_name, path_text, stage_label
from .widgets import TextInput
from .workers import background

IGNORE = ""  # the Select value of an ignored column
NEW_SOURCE = "\x00new"  # the "+ New source…" choice (cannot be a uid)
PREVIEW_ROWS = 5
FIELD_LABELS: dict[str, str] = {
    "firstName": "First name",
    "lastName": "Last name",
    "fullName": "Full name (split)",
    "email": "Email",
    "phone": "Phone",
    "title": "Job title",
    "stage": "Stage",
    "accountName": "Account",
    "assignedTo": "Assignee",
    "tags": "Tags",
    "notes": "Notes",
    "emailOptOut": "Email opt-out",
    "emailBounced": "Email bounced",
}
DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def day_month(iso: str | None) -> str:
    """``2026-11-12T…`` → ``12 Nov`` (the year too when it is not this one)."""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return clean(iso)
    text = f"{moment.day} {moment:%b}"
    return text if moment.year == datetime.now(UTC).year else f"{text} {moment.year}"


def field_options() -> list[tuple[str, str]]:
    return [("(ignore)", IGNORE)] + [(FIELD_LABELS.get(f, f), f) for f in FIELDS]


# The first-rows table: (key, label, width, priority); lower priority stays longer when narrow.
PREVIEW_COLUMNS: tuple[tuple[str, str, int, int], ...] = (
    ("row", "Row", 5, 0),
    ("name", "Name", 16, 1),
    ("email", "Email", 26, 0),
    ("phone", "Phone", 14, 2),
    ("stage", "Stage", 14, 3),
    ("account", "Account", 16, 4),
    ("check", "Check", 20, 0),
)


def preview_columns(width: int) -> list[tuple[str, str, int]]:
    """The first-rows columns that fit ``width`` cells; "Check" (the verdict) takes what is left."""
    budget = width - 2  # the table's border
    chosen = {k for k, _, _, p in PREVIEW_COLUMNS if p == 0}
    used = sum(w + 2 for k, _, w, _ in PREVIEW_COLUMNS if k in chosen)
    for key, _, w, _ in sorted(PREVIEW_COLUMNS, key=lambda c: c[3]):
        if key not in chosen and used + w + 2 <= budget:
            chosen.add(key)
            used += w + 2
    out = [(k, label, w) for k, label, w, _ in PREVIEW_COLUMNS if k in chosen]
    return [(k, label, w + max(0, budget - used) if k == "check" else w) for k, label, w in out]


def short(value: Any, width: int = 28) -> str:
    text = clean(value)
    return text if len(text) <= width else text[: width - 1] + "…"


class MappingSelect(Select[str]):
    """The field one CSV column feeds (``column`` is its index in the header)."""

    def __init__(self, column: int, value: str) -> None:
        super().__init__(field_options(), value=value, allow_blank=False, compact=True, classes="map-field")
        self.column = column


class ImportSetup(Vertical):
    """File picker, mapping preview and options of a new import."""

    class Start(Message):
        """The user asked to import ``path`` with these settings (``source`` is a uid or None)."""

        def __init__(self, path: Path, field_mappings: dict[str, str | None], source: str | None,
                     on_duplicate: str, region: str | None = None) -> None:  # fmt: skip
            super().__init__()
            self.path = path
            self.field_mappings = field_mappings
            self.source = source
            self.on_duplicate = on_duplicate
            self.region = region

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.path: Path | None = None
        #: The file the tree picked, and how the path box shows it (a name with control
        #: characters is shown escaped, so the box's text alone would name another file).
        self._picked: tuple[str, Path] | None = None
        self.preview: dict[str, Any] | None = None
        self.overrides: dict[str, str | None] = {}
        self._headers: list[str] = []
        #: The remembered mapping the current file's preview started from (None: none).
        self.saved_mapping: dict[str, Any] | None = None
        #: The country of the file's numbers written without "+" (the #region choice; the app's at first).
        self.phone_region = "US"

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="setup-top"):
            with Vertical(id="picker"):
                yield TextInput(placeholder="path/to/contacts.csv", id="path", suggester=PathSuggester(), compact=True)
                yield CsvTree(".", id="tree")
            with Vertical(id="preview"):
                yield Static(id="file-info")
                yield VerticalScroll(id="mapping")
        yield DataTable(id="first-rows", cursor_type="none", zebra_stripes=True)
        with Horizontal(id="options"):
            yield Static(Content("Source"), classes="option-label")
            yield Select[str]([(Content("no source"), "")], id="source", allow_blank=False, compact=True)
            yield Static(Content("Duplicates"), classes="option-label")
            yield Select[str](
                [("skip them", "skip"), ("fill empty fields", "update")],
                id="on-duplicate", allow_blank=False, compact=True, value="skip",
            )  # fmt: skip
            yield Static(Content("Region"), classes="option-label")
            regions = phone_regions()
            region = self.phone_region = self.app.service.region  # type: ignore[attr-defined]
            yield Select[str]([(code, code) for code in ([] if region in regions else [region]) + regions],
                              id="region", allow_blank=False, compact=True, value=region)  # fmt: skip
            yield Button("Start import  ctrl+s", id="start", variant="primary", compact=True, disabled=True)
        yield Static(id="setup-message")

    def on_mount(self) -> None:
        self.query_one("#picker").border_title = "File"
        self.query_one("#mapping").border_title = "Columns → fields"
        self.query_one("#first-rows").border_title = f"First {PREVIEW_ROWS} rows as they will import"
        self.query_one("#path", Input).tooltip = "Type a path (→ accepts the completion) or pick a file below"
        self.query_one("#on-duplicate").tooltip = (
            "A row whose email is already a contact (or earlier in the file): skip it, or fill the "
            "contact's empty fields and add its tags (nothing filled is overwritten)"
        )
        self.query_one("#region").tooltip = 'Country of phone numbers written without "+" (030 1234567 in DE)'
        self._show_preview_parts(False)
        self.load_sources()
        self.say("Pick a .csv or .vcf file in the tree (enter), or ctrl+l and type its path.", "dim")

    def focus_path(self) -> None:
        self.query_one("#path", Input).focus()

    def focus_tree(self) -> None:
        self.query_one(CsvTree).focus()

    def say(self, text: str, style: str = "") -> None:
        """The message line under the options (refusals, warnings, hints). ``text`` may hold user data."""
        self.query_one("#setup-message", Static).update(content(text, style))

    # ------------------------------------------------------------------ sources
    def load_sources(self, select: str | None = None) -> None:
        sources: list[dict[str, Any]] = []
        with self.app.reporting("Could not list sources"):
            sources = self.app.service.list_sources()
        options: list[tuple[Any, str]] = [(Content("no source"), "")]
        options += [(Content(short(s["name"], 40)), s["uid"]) for s in sources]
        options.append((Content("+ new source…"), NEW_SOURCE))
        widget = self.query_one("#source", Select)
        with self.prevent(Select.Changed):
            widget.set_options(options)
            widget.value = select if select and any(uid == select for _, uid in options) else ""

    @on(Select.Changed, "#source")
    def _source_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != NEW_SOURCE:
            return
        from .source_dialog import SourceDialog

        def done(name: str | None) -> None:
            uid = None
            if name:
                uid = self._find_or_add_source(name)
            self.load_sources(select=uid)

        self.app.push_screen(SourceDialog(), done)

    def _find_or_add_source(self, name: str) -> str | None:
        with self.app.reporting("Source not added"):
            wanted = name.strip().casefold()
            for source in self.app.service.list_sources():
                if str(source["name"]).casefold() == wanted:
                    return str(source["uid"])
            return str(self.app.service.add_source(name)["uid"])
        return None

    # ------------------------------------------------------------------ picking a file
    # A path the user names may be anything (a symlink loop, a folder deleted meanwhile, "~nobody"):
    # whatever fails here is a notification and the screen stays.
    @on(Input.Submitted, "#path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = event.value.strip()
        if not typed:
            return
        with self.app.reporting("Cannot import this file"):
            picked = self._picked
            path = picked[1] if picked is not None and picked[0] == typed else Path(typed).expanduser()
            if path.is_dir():
                self.query_one(CsvTree).path = path
                self.query_one(CsvTree).focus()
                self.say(f"Showing {shown_path(path)}: pick a .csv or .vcf file", "dim")
                return
            self.pick(path)

    @on(DirectoryTree.FileSelected)
    def _file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        with self.app.reporting("Cannot import this file"):
            shown = shown_path(event.path)
            self._picked = (shown, event.path)
            self.query_one("#path", Input).value = shown
            self.pick(event.path)

    def pick(self, path: Path) -> None:
        """Preview ``path`` with the detected mapping (refusals show here; nothing is written)."""
        self.path = path
        self.overrides = {}
        self.saved_mapping = None
        self.say(f"Reading {shown_path(path)}…", "dim")
        self.load_preview(path, {}, new_file=True)

    def forget_mapping(self) -> None:
        """Forget the remembered mapping in use and preview the file again without it."""
        saved = self.saved_mapping
        if saved is None or self.path is None:
            return
        with self.app.reporting("Mapping not forgotten"):
            self.app.service.forget_saved_mapping(saved["id"])
            self.app.notify(f"Forgot the mapping chosen for {clean(saved['filename'])}", title="Mapping forgotten",
                            markup=False)  # fmt: skip
            self.pick(self.path)

    @background(group="import-preview", failure="Cannot preview this file")
    def load_preview(self, path: Path, overrides: dict[str, str | None], new_file: bool) -> None:
        try:
            preview = self.app.service.preview_import(
                path, overrides or None, rows=PREVIEW_ROWS, region=self.phone_region,
                saved_mapping="auto" if new_file else "off",
            )
        except ParsalinkError as exc:
            if not get_current_worker().is_cancelled:
                self.app.call_from_thread(self.refused, str(exc), new_file)
            return
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_preview, preview, new_file)

    def refused(self, message: str, new_file: bool) -> None:
        """A refusal: inline and as a notification; the screen stays."""
        self.app.notify(message, title="Cannot import this file", severity="error", timeout=8, markup=False)
        if not self.is_attached:  # the user left the screen meanwhile: the notification says it
            return
        self.say(message, "bold $text-error")
        if new_file:
            self.preview = None
            self._show_preview_parts(False)
        self.query_one("#start", Button).disabled = True

    def _show_preview_parts(self, shown: bool) -> None:
        self.query_one("#mapping").display = shown
        self.query_one("#first-rows").display = shown
        if not shown:
            self.query_one("#file-info", Static).update(
                Content.styled("Pick a CSV or vCard file to see how its columns map to contact fields.", "dim")
            )

    async def show_preview(self, preview: dict[str, Any], new_file: bool) -> None:
        self.preview = preview
        if new_file:
            self.saved_mapping = preview.get("savedMapping")
            if self.saved_mapping is not None:
                self.overrides = dict(self.saved_mapping["mapping"])
            self.screen.refresh_bindings()
        headers = [c["header"] for c in preview["columns"]]
        if new_file or headers != self._headers:
            await self._build_mapping(preview)
        else:
            for select in self.query(MappingSelect):
                field = preview["columns"][select.column]["field"] or IGNORE
                if select.value != field:
                    with self.prevent(Select.Changed):
                        select.value = field
        self._show_info(preview)
        self._show_rows(preview)
        self._show_preview_parts(True)
        # Warnings (no email column yet) do not disable Start: the core's refusal says why.
        self.query_one("#start", Button).disabled = False
        if preview["warnings"]:
            self.say("  ".join(preview["warnings"]), "$text-warning")
        elif new_file and self.saved_mapping is not None:
            self.say(
                f"Using the mapping you chose for {clean(self.saved_mapping['filename'])} on "
                f"{day_month(self.saved_mapping['updatedAt'])}: change any column to adjust it "
                "(ctrl+f forgets it).",
                "dim",
            )
        else:
            self.say("Check the mapping, then ctrl+s (or the button) starts the import.", "dim")

    async def _build_mapping(self, preview: dict[str, Any]) -> None:
        self._headers = [c["header"] for c in preview["columns"]]
        box = self.query_one("#mapping", VerticalScroll)
        await box.remove_children()
        rows = []
        for n, column in enumerate(preview["columns"]):
            sample = next((r["cells"][n] for r in preview["rows"] if n < len(r["cells"]) and r["cells"][n].strip()), "")
            rows.append(
                Horizontal(
                    Static(Text(short(column["header"], 30), no_wrap=True), classes="map-header"),
                    MappingSelect(n, column["field"] or IGNORE),
                    Static(Text(short(sample, 60), style="dim", no_wrap=True), classes="map-sample"),
                    classes="map-row",
                )
            )
        await box.mount_all(rows)
        box.scroll_home(animate=False)

    def _show_info(self, preview: dict[str, Any]) -> None:
        delimiter = DELIMITERS.get(preview["delimiter"], repr(preview["delimiter"]))
        mapped = sum(1 for c in preview["columns"] if c["field"])
        where = "vCard" if preview.get("format") == "vcard" else f"{delimiter} · header row {preview['headerRow']}"
        detail = f"{clean(preview['encoding'])} · {where} · {mapped}/{len(preview['columns'])} columns used"
        saved = self.saved_mapping
        info = Content.assemble(
            (path_text(preview["filename"]), "bold"),
            f"  ·  {preview['totalRows']:,} rows",
            (f"  ·  using the mapping from {day_month(saved['updatedAt'])}", "$text-accent") if saved else "",
            "\n",
            (detail, "dim"),
        )
        self.query_one("#file-info", Static).update(info)

    def _show_rows(self, preview: dict[str, Any]) -> None:
        table = self.query_one("#first-rows", DataTable)
        table.clear(columns=True)
        shown = preview_columns(self.app.size.width - 4)
        for key, label, width in shown:
            table.add_column(Text(label, style="bold"), width=width, key=key)
        fields = [c["field"] for c in preview["columns"]]
        users: dict[str, str] = getattr(self.app, "users", {})
        for row in preview["rows"]:
            contact = row["contact"]
            if contact is None:  # refused row: what the file says (dim), and why
                raw: dict[str, str] = {}  # a field's first filled column (email, phone: maybe several)
                for field, value in zip(fields, row["cells"], strict=False):
                    if field and value.strip() and field not in raw:
                        raw[field] = value
                name = " ".join(raw.get(f) or "" for f in ("firstName", "lastName")).strip() or raw.get("fullName")
                values = {"name": cell(name, "dim"), "email": cell(raw.get("email"), "dim"),
                          "phone": cell(raw.get("phone"), "dim"), "stage": cell(raw.get("stage"), "dim"),
                          "account": cell(raw.get("accountName"), "dim"),
                          "check": cell(row["error"], "bold red")}  # fmt: skip
            else:
                owner = users.get(contact.get("assignedTo") or "")
                values = {
                    "name": cell(full_name(contact)),
                    "email": cell(contact.get("email")),
                    "phone": cell(contact.get("phone")),
                    "stage": cell(stage_label(contact.get("stage"))),
                    "account": cell(contact.get("accountName")),
                    "check": cell(f"ok · {clean(owner)}" if owner else "ok", "green"),
                }
            table.add_row(*[cell(row["row"], "dim") if k == "row" else values[k] for k, _, _ in shown])

    # ------------------------------------------------------------------ changing the mapping
    @on(Select.Changed, ".map-field")
    def _mapping_changed(self, event: Select.Changed) -> None:
        event.stop()
        if self.path is None or self.preview is None or not isinstance(event.select, MappingSelect):
            return
        header = self._headers[event.select.column]
        field = str(event.value) or None
        if field == self.preview["columns"][event.select.column]["field"]:
            return  # what the preview maps it to already: a Select reports the value it was built with
        if field is not None and field not in MULTI_COLUMN_FIELDS:
            # One column per field: a column the user sent to this field before gives it up.
            # (Email and phone read several columns: another one is added, not moved.)
            for other, other_field in self.overrides.items():
                if other != header and other_field == field:
                    self.overrides[other] = None
        self.overrides[header] = field
        self.load_preview(self.path, dict(self.overrides), new_file=False)

    # ------------------------------------------------------------------ start
    @on(Button.Pressed, "#start")
    def _start_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.request_start()

    @on(Select.Changed, "#region")
    def _region_changed(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.phone_region = event.value
        if self.path is not None and self.preview is not None:
            self.load_preview(self.path, dict(self.overrides), new_file=False)

    def request_start(self) -> None:
        if self.path is None or self.preview is None:
            self.say("Pick a CSV or vCard file first.", "$text-warning")
            return
        source = self.query_one("#source", Select).value
        on_duplicate = self.query_one("#on-duplicate", Select).value
        self.post_message(
            self.Start(
                self.path,
                dict(self.overrides),
                source if isinstance(source, str) and source not in ("", NEW_SOURCE) else None,
                on_duplicate if isinstance(on_duplicate, str) else "skip",
                self.phone_region,
            )
        )
