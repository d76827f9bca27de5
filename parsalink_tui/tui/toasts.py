"""``ChangeToast``: the one notification that says what the user's last changes did.

Triage is one key per contact, often a held key: each change replaces the previous change's
notification instead of stacking another, and stage changes made while that notification is
still up add up ("12 contacts → Engaged · u to undo"). Other notifications (errors, an import
that ended) are left alone.

Textual has no public way to replace one notification, so ``swap_notification`` and
``drop_repeated_errors`` (the only code of the app that touches Textual's private notification
API) do it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual.notifications import Notification

from ..validation import STAGE_LABELS, STAGE_VALUES
from .render import clean
from .undo import Change, StageChange

TIMEOUT = 4.0


def burst_text(stages: dict[str, str]) -> str:
    """``12 contacts → Engaged`` or ``4 contacts: 3 → Engaged, 1 → Customer`` (each contact's last stage)."""
    counts = Counter(stages.values())
    n = len(stages)
    if len(counts) == 1:
        return f"{n:,} contacts → {STAGE_LABELS.get(next(iter(counts)), '?')}"
    parts = [f"{counts[s]:,} → {STAGE_LABELS[s]}" for s in STAGE_VALUES if s in counts]
    return f"{n:,} contacts: " + ", ".join(parts)


class ChangeToast:
    """Says each change (and each undo/redo) in one notification that replaces the last one."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._shown: Notification | None = None
        self._burst: dict[str, str] = {}  # contact id -> its last stage, while the toast is up

    def changed(self, change: Change) -> None:
        """A change the user just made (``u`` undoes it)."""
        if isinstance(change, StageChange):
            if not (self._burst and self._on_screen()):
                self._burst = {}
            self._burst.update(change.after)
            text = change.describe() if len(self._burst) == len(change.after) else burst_text(self._burst)
        else:
            self._burst = {}
            text = change.describe()
        self._show(f"{text} · u to undo")

    def say(self, text: str) -> None:
        """Anything else about the changes (an undo, a redo): ends a burst."""
        self._burst = {}
        self._show(text)

    def _on_screen(self) -> bool:
        return swap_notification(self.app, self._shown, None)

    def _show(self, text: str) -> None:
        new = Notification(clean(text), timeout=TIMEOUT, markup=False)
        swap_notification(self.app, self._shown, new)
        self._shown = new


def swap_notification(app: Any, old: Notification | None, new: Notification | None) -> bool:
    """Whether ``old`` is still on screen (neither expired nor dismissed); then, given ``new``,
    ``old`` (if still there) gives way to ``new`` at once, other notifications staying as they are.

    Textual's private API, used here only: ``App.notify`` (public) posts a message, so in a burst
    every key's ``clear_notifications()`` (public) runs before the earlier keys' notifications
    arrive, and it would sweep errors away too; nor can anything public say whether one
    notification is still shown. So this reads and edits ``App._notifications`` and redraws with
    ``App._refresh_notifications()``, on the UI thread (Textual 8.2;
    tests/tui/test_toasts.py::test_textual_private_notifications_still_work_as_relied_on fails if
    they change)."""
    notifications = app._notifications
    shown = old is not None and old in notifications and not old.has_expired
    if new is not None:
        if old is not None:
            del notifications[old]  # a no-op when it has gone already
        notifications.add(new)
        app._refresh_notifications()
    return shown


def drop_repeated_errors(app: Any, new: Notification) -> None:
    """An error toast ``new`` just shown replaces the toasts of the same error shown before it
    (the database server down fails every key alike: one toast, not one per key). The same
    private API as :func:`swap_notification`."""
    if new.severity != "error":
        return
    notifications = app._notifications
    repeated = [shown for shown in list(notifications)
                if shown is not new and shown.severity == "error" and shown.message == new.message]  # fmt: skip
    for shown in repeated:
        del notifications[shown]
    if repeated:
        app._refresh_notifications()
