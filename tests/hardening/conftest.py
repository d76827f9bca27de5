"""Shared helpers for the hardening suite: an in-process CLI runner, the one-line error check,
and (from figures.py) the tally of how many inputs each test tried."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from parsalink_tui.cli import run

from .figures import note, record_peak, tally  # noqa: F401 (the tests import them from here)

CliResult = tuple[int, str, str]


def invoke(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, db: Path | str | None,
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


# ``cli`` (the CLI in-process on ``db_target``): tests/conftest.py.


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
