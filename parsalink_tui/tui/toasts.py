"""``ChangeToast``: the one notification that says what the user's last changes did.

Triage is one key per contact, often a held key: each change replaces the previous change's
notification instead of stacking another, and stage changes made while that notification is
still up add up ("12 contacts → Engaged · u to undo"). Other notifications (errors, an import
that ended) are left alone.

Textual has no public way to replace one notification: ``App.notify`` posts a message, so in a
burst every key's ``clear_notifications()`` runs before the earlier keys' notifications arrive
(and it would sweep errors away too). So the toast is added to, and removed from, the app's
notification collection directly, on the UI thread.
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
        shown = self._shown
        return shown is not None and shown in self.app._notifications and not shown.has_expired

    def _show(self, text: str) -> None:
        notifications = self.app._notifications
        if self._shown is not None:
            del notifications[self._shown]  # a no-op when it has gone already
        self._shown = Notification(clean(text), timeout=TIMEOUT, markup=False)
        notifications.add(self._shown)
        self.app._refresh_notifications()
