"""Shared helpers for the hardening suite: an in-process CLI runner, the one-line error check,
and a tally of how many inputs each test tried (printed at the end of the run, quoted in
docs/reliability.md)."""

from __future__ import annotations

import io
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from parsalink_tui.cli import run

#: Inputs tried per kind, summed over the run ("hypothesis: csv bytes" → 400, ...).
FIGURES: Counter[str] = Counter()


#: Largest value seen per kind ("peak RSS of a giant CSV read, MB" → 140).
PEAKS: dict[str, float] = {}


#: Free-text lines for the summary (the random seeds of the kill harnesses, so a run can be repeated).
NOTES: list[str] = []


def tally(kind: str, n: int = 1) -> None:
    FIGURES[kind] += n


def record_peak(kind: str, value: float) -> None:
    PEAKS[kind] = max(value, PEAKS.get(kind, value))


def note(line: str) -> None:
    NOTES.append(line)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    if FIGURES or PEAKS or NOTES:
        terminalreporter.section("hardening figures")
        for kind, n in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{n:>8}  {kind}")
        for kind, value in sorted(PEAKS.items()):
            terminalreporter.write_line(f"{value:>8}  {kind} (largest)")
        for line in NOTES:
            terminalreporter.write_line(f"          {line}")


CliResult = tuple[int, str, str]


def invoke(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Path | None,
           *args: str, stdin: str | None = None) -> CliResult:
    """Run ``parsalink_tui.cli.run`` in-process: (exit code, stdout, stderr).

    Any exception other than SystemExit escapes, i.e. fails the test: that is a crash.
    """
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    # click.echo strips ANSI sequences when writing to something that is not a terminal (as the
    # capture is); a user's terminal gets them raw, so the tests must see them raw too.
    monkeypatch.setattr("click.utils.should_strip_ansi", lambda stream=None, color=None: False)
    argv = (["--db", str(db)] if db is not None else []) + list(args)
    code = 0
    try:
        run(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli(db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    def _run(*args: str, stdin: str | None = None) -> CliResult:
        return invoke(capsys, monkeypatch, db_path, *args, stdin=stdin)

    return _run


def assert_clean_error(result: CliResult, *needles: str) -> str:
    """Non-zero exit, nothing on stdout, exactly one ``error: `` line on stderr, no traceback."""
    code, out, err = result
    assert code != 0, f"expected a failure, got exit 0 with {out!r}"
    assert out == "", out
    assert err.startswith("error: "), err
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    assert not any(ch in err[:-1] for ch in CONTROL_CHARS), repr(err)
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def assert_ok_json(result: CliResult):  # type: ignore[no-untyped-def]
    code, out, err = result
    assert code == 0, err
    assert err == "", err
    return json.loads(out)


#: C0 controls, DEL and C1 controls: none may reach a terminal raw.
CONTROL_CHARS = frozenset(chr(c) for c in (*range(0x20), *range(0x7F, 0xA0)))
