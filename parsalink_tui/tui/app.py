"""``ParsalinkApp``: the Textual application around one :class:`~parsalink_tui.service.Service`.

The app owns what every screen shares: the service, the undo history, the user directory (ids →
names for the assignee column) and the one error path. Screens call the core inside
``with app.reporting():`` so a refused change (or any error over bad data) becomes a
notification instead of a traceback; every thread worker is declared with
:func:`~.workers.background` and reports its failure here (``on_worker_failed``).

| Key | Action |
|---|---|
| ? | help: every key |
| u, ctrl+z | undo the last change |
| ctrl+y | redo |
| ctrl+p | command palette |
| ctrl+q | quit |
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import Notify, SeverityLevel

from .commands import ContactCommands
from .import_watch import ENDED, ImportWatch
from .render import clean
from .toasts import ChangeToast, drop_repeated_errors
from .undo import Change, History, StageChange, stage_skips
from .workers import WorkerFailed, background


class ParsalinkApp(App[None]):
    """The contacts TUI. ``service`` is passed in: the CLI opens the user's file, tests a tmp one."""

    CSS_PATH = "app.tcss"
    TITLE = "ParsaLink"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    COMMANDS = App.COMMANDS | {ContactCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("u,ctrl+z", "undo", "Undo", id="app.undo", key_display="u"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="app.redo"),
    ]

    def __init__(
        self,
        service: Any,
        *,
        cursor_blink: bool = True,
        advance_after_stage: bool = True,
        demo_contacts: int = 500,
    ) -> None:
        super().__init__()
        self.service = service
        self.history = History(service)
        self.cursor_blink = cursor_blink
        #: After a stage key, move the cursor to the next row (one key per contact).
        self.advance_after_stage = advance_after_stage
        self.demo_contacts = demo_contacts
        self.users: dict[str, str] = {}
        #: Polls running import jobs and says when one ends, whatever screen is up.
        self.imports = ImportWatch(self)
        #: The notification saying what the last change (or burst of stage keys) did.
        self.change_toast = ChangeToast(self)

    def on_mount(self) -> None:
        from .contacts_screen import ContactsScreen

        self.load_users()
        self.push_screen(ContactsScreen())
        self.resume_imports()

    @background(group="imports", failure="Imports not resumed")
    def resume_imports(self) -> None:
        """Start the core's import worker: a job left by a process that died resumes (off the UI thread)."""
        # The unfinished jobs are listed before the worker starts: one it ends at once is followed
        # (and its ending announced) all the same.
        running = [j["uid"] for j in self.service.list_import_jobs(with_issues=False) if j["status"] not in ENDED]
        self.service.resume_imports()
        for uid in reversed(running):  # oldest last, so it is the one the import screen shows
            self.call_from_thread(self.imports.follow, uid)

    def load_users(self) -> None:
        with self.reporting():
            self.users = {u["id"]: u["name"] for u in self.service.list_users()}

    # ------------------------------------------------------------------ errors
    @contextmanager
    def reporting(self, what: str = "Not done") -> Iterator[None]:
        """Run core calls; a failure becomes one error notification and skips the rest of the block."""
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - every error is shown, none is swallowed silently
            self.report(exc, what)

    def report(self, exc: BaseException, what: str = "Not done") -> None:
        from ..errors import ParsalinkError

        if isinstance(exc, ParsalinkError):
            message = str(exc)
        else:
            self.log.error(repr(exc))
            message = f"{type(exc).__name__}: {exc}"
        self.notify(message, title=what, severity="error", timeout=8, markup=False)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:  # fmt: skip
        """Every notification of the app (screens' and widgets' too) comes here: a plain-text one
        (``markup=False``: it quotes user data, file names, core messages) is made one line
        without control characters, so no escape sequence reaches the terminal."""
        if not markup:
            message, title = clean(message), clean(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def on_notify(self, event: Notify) -> None:
        """The same error again (the database server down fails every key alike) replaces its
        toast, under the title of the latest action, rather than stacking one per key. Runs
        after Textual's own handler has shown ``event.notification``."""
        drop_repeated_errors(self, event.notification)

    def on_worker_failed(self, event: WorkerFailed) -> None:
        """The one error path of thread workers, whichever screen or widget runs them."""
        self.report(event.error, event.failure)

    # ------------------------------------------------------------------ undo
    def record(self, change: Change) -> None:
        """Remember a change the user made and say so, with the undo hint."""
        self.history.record(change)
        # Triage is one key per contact: one toast that counts the burst, not a stack of them.
        self.change_toast.changed(change)

    def set_stages(
        self, after: dict[str, str], seen: dict[str, str], name: str | None = None
    ) -> tuple[dict[str, str], dict[str, str | None]]:
        """Stage keys: move contacts (id → stage), each only if still at the stage the user saw
        (``seen``), record that for undo and say what was left alone. ``name``: the contact's
        name when there is one. Returns (stages set, skipped id → stage now or None if deleted)."""
        before, skipped = self.service.set_stages_where(after, seen)
        moved = {cid: stage for cid, stage in after.items() if cid not in skipped}
        if moved:
            self.record(StageChange(before=before, after=moved, name=name if len(moved) == 1 else None))
        if skipped:
            notes = stage_skips(skipped, name if len(after) == 1 else None)
            message = "Not moved: " + " · ".join(notes) + " (press the key again to move it anyway)"
            self.notify(message, severity="warning", timeout=8, markup=False)
        return moved, skipped

    def action_undo(self) -> None:
        self._step(undo=True)

    def action_redo(self) -> None:
        self._step(undo=False)

    def _step(self, *, undo: bool) -> None:
        """Undo or redo; say what was done and what was left alone because it changed elsewhere."""
        verb = "Undo" if undo else "Redo"
        outcome = None
        with self.reporting(f"{verb} failed (the change was dropped)"):
            outcome = self.history.undo() if undo else self.history.redo()
            if outcome is None:
                self.notify(f"Nothing to {verb.lower()}", severity="warning", timeout=2)
        if outcome is None:
            return
        hint = "ctrl+y to redo" if undo else "u to undo"
        if outcome.summary and not outcome.skipped:
            self.change_toast.say(f"{verb}: {outcome.summary} · {hint}")
        else:
            # Something was left alone: a warning that stays longer, beside the change toast.
            if outcome.summary:
                message = " · ".join([f"{verb}: {outcome.summary}", *outcome.skipped, hint])
            else:
                message = f"Nothing {'undone' if undo else 'redone'}: " + " · ".join(outcome.skipped)
            self.notify(message, severity="warning", markup=False, timeout=8)
        for screen in self.screen_stack:
            after = getattr(screen, "after_history", None)
            if after is not None:
                after(outcome.done, outcome.ids, undo)

    # ------------------------------------------------------------------ screens
    def open_imports(self, view: str = "auto") -> None:
        """The import screen: ``auto`` shows the running (or last) job, else a new import; or ``recent``."""
        from .contacts_screen import ContactsScreen
        from .import_screen import ImportScreen

        # One import screen, right on top of the contacts list (the palette may be used anywhere).
        home = next((s for s in self.screen_stack if isinstance(s, ContactsScreen)), None)
        while home is not None and self.screen is not home and len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(ImportScreen(view))

    def action_help(self) -> None:
        from .help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_toggle_advance(self) -> None:
        self.advance_after_stage = not self.advance_after_stage
        state = "moves to the next row" if self.advance_after_stage else "stays on the row"
        self.notify(f"After a stage key the cursor {state}", timeout=3)
