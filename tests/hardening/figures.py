"""The hardening suite's figures: how many inputs each test tried, the largest values seen, and
free-text notes (the kill harnesses' random seeds), printed in a "hardening figures" section at
the end of the run and quoted in docs/reliability.md.

A pytest plugin (loaded by tests/conftest.py), so it also works under pytest-xdist: each worker
hands its figures to the controller when it finishes, and the controller prints the sum.
"""

from __future__ import annotations

from collections import Counter

import pytest

#: Inputs tried per kind, summed over the run ("hypothesis: csv bytes" → 400, ...).
FIGURES: Counter[str] = Counter()

#: Largest value seen per kind ("peak RSS of a giant CSV read, MB" → 140).
PEAKS: dict[str, float] = {}

#: Free-text lines for the summary (the random seeds of the kill harnesses, so a run can be repeated).
NOTES: list[str] = []

_KEY = "hardening_figures"


def tally(kind: str, n: int = 1) -> None:
    FIGURES[kind] += n


def record_peak(kind: str, value: float) -> None:
    PEAKS[kind] = max(value, PEAKS.get(kind, value))


def note(line: str) -> None:
    NOTES.append(line)


def merge(figures: dict[str, int], peaks: dict[str, float], notes: list[str]) -> None:
    FIGURES.update(figures)
    for kind, value in peaks.items():
        record_peak(kind, value)
    NOTES.extend(notes)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller prints
        workeroutput[_KEY] = {"figures": dict(FIGURES), "peaks": dict(PEAKS), "notes": list(NOTES)}


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # type: ignore[no-untyped-def]
    sent = getattr(node, "workeroutput", {}).get(_KEY)
    if sent:
        merge(sent["figures"], sent["peaks"], sent["notes"])


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if FIGURES or PEAKS or NOTES:
        terminalreporter.section("hardening figures")
        for kind, n in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{n:>8}  {kind}")
        for kind, value in sorted(PEAKS.items()):
            terminalreporter.write_line(f"{value:>8}  {kind} (largest)")
        for line in NOTES:
            terminalreporter.write_line(f"          {line}")
