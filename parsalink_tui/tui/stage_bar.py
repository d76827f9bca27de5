"""``StageBar``: one chip per stage with its count under the other filters; the active one is lit.

Counts come from ``Service.stage_counts`` (the current filters minus the stage). Clicking a chip
posts :class:`StageBar.Picked`; the keyboard way is the screen's ``s`` / ``S``.
"""

from __future__ import annotations

from textual.content import Content, Span
from textual.events import Click
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ..validation import STAGES
from .render import STAGE_STYLES

SHORT = {"new": "New", "contacted": "Cont", "engaged": "Eng", "proposal_sent": "Prop",
         "negotiation": "Neg", "customer": "Cust", "inactive": "Inact"}  # fmt: skip


class StageBar(Widget):
    """Stage chips: ``All n │ New n │ …``, the filtered stage highlighted."""

    DEFAULT_CSS = """
    StageBar { height: 1; width: 1fr; padding: 0 1; }
    """

    counts: reactive[dict[str, int] | None] = reactive(None, layout=False)
    """Contacts per stage under the other filters (None while unknown)."""
    stage: reactive[str | None] = reactive(None)
    """The stage filter, None for all."""

    class Picked(Message):
        """A chip was clicked: filter by ``stage`` (None = all stages)."""

        def __init__(self, stage: str | None) -> None:
            super().__init__()
            self.stage = stage

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._regions: list[tuple[int, int, str | None]] = []

    def _chips(self, style: int) -> list[tuple[str | None, str, str]]:
        """Chips as (stage, name, count); ``style`` 0 = "1 New", 1 = "New", 2 = "Cont"."""
        counts = self.counts or {}
        total = sum(counts.values()) if self.counts is not None else None
        chips: list[tuple[str | None, str, str]] = [(None, "All", "" if total is None else f"{total:,}")]
        for n, (value, label) in enumerate(STAGES, 1):
            name = (f"{n} {label}", label, SHORT[value])[style]
            chips.append((value, name, "" if self.counts is None else f"{counts.get(value, 0):,}"))
        return chips

    def render(self) -> Content:
        width = self.content_size.width or 120
        for style in (0, 1, 2):
            chips = self._chips(style)
            # Each chip is " name count " and chips are joined by "│".
            if sum(len(a) + len(b) + 3 for _, a, b in chips) + len(chips) - 1 <= width:
                break
        text = ""
        spans: list[Span] = []
        self._regions = []
        for stage, name, count in chips:
            if text:
                spans.append(Span(len(text), len(text) + 1, "$text-muted 50%"))
                text += "│"
            start = len(text)
            text += f" {name} {count} " if count else f" {name} "
            self._regions.append((start, len(text), stage))
            if stage == self.stage:
                lit = STAGE_STYLES.get(stage, "bold reverse") if stage else "bold reverse"
                spans.append(Span(start, len(text), lit))
            else:
                spans.append(Span(start, start + len(name) + 1, "bold"))
                if count:
                    spans.append(Span(len(text) - len(count) - 1, len(text), "$text-muted"))
        return Content(text, spans)

    def on_click(self, event: Click) -> None:
        x = event.x - self.styles.padding.left
        for start, end, stage in self._regions:
            if start <= x < end:
                self.post_message(self.Picked(stage))
                return
