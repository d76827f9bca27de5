"""Smoke test: the installed ``parsalink-tui`` in a real terminal (tmux), driven by keys.

Waits by polling the pane, never by fixed sleeps, and always kills its session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

TMUX = shutil.which("tmux")
pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def _cli() -> list[str]:
    # The console script installed with this interpreter (a venv's bin/ need not be on PATH).
    beside = Path(sys.executable).with_name("parsalink-tui")
    exe = str(beside) if beside.exists() else shutil.which("parsalink-tui")
    return [exe] if exe else [sys.executable, "-m", "parsalink_tui"]


def _pane(session: str) -> str:
    return subprocess.run([TMUX, "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False).stdout


def _wait_for(session: str, needle: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _pane(session)
        if needle in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{needle!r} did not appear; the pane shows:\n{screen}")


def _alive(session: str) -> bool:
    return subprocess.run([TMUX, "has-session", "-t", session], capture_output=True, check=False).returncode == 0


def test_tui_in_a_real_terminal(tmp_path: Path):
    db = tmp_path / "smoke.db"
    subprocess.run([*_cli(), "--db", str(db), "demo", "--contacts", "300"], check=True, capture_output=True)
    session = f"parsalink-smoke-{uuid.uuid4().hex[:8]}"
    command = " ".join(f"'{part}'" for part in [*_cli(), "--db", str(db)])
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run([TMUX, "new-session", "-d", "-s", session, "-x", "120", "-y", "35", command], check=True, env=env)
    try:
        screen = _wait_for(session, "of 300")
        assert "Name" in screen and "Stage" in screen
        # A key sent while the terminal is still answering Textual's start-up queries can be
        # lost, so the first key is one whose effect shows (stage filter), sent until it does.
        for _ in range(50):
            subprocess.run([TMUX, "send-keys", "-t", session, "s"], check=True)
            try:
                _wait_for(session, "stage New", timeout=0.5)
                break
            except AssertionError:
                subprocess.run([TMUX, "send-keys", "-t", session, "x"], check=True)  # clear, try again
        _wait_for(session, "stage New")
        subprocess.run([TMUX, "send-keys", "-t", session, "x"], check=True)
        _wait_for(session, "Filters cleared")
        # "/" moves the focus to the search box; a letter sent before that move lands on the
        # list ("s" is the stage filter, "n" a new contact), as on a loaded machine. So the first
        # letter is sent alone until it shows up as the search, and the rest after it.
        for _ in range(20):
            subprocess.run([TMUX, "send-keys", "-t", session, "/"], check=True)
            subprocess.run([TMUX, "send-keys", "-t", session, "-l", "s"], check=True)
            deadline = time.monotonic() + 2.0
            while time.monotonic() < deadline and not any(n in _pane(session) for n in ("search “s”", "stage New")):
                time.sleep(0.1)
            if "search “s”" in _pane(session):
                break
            subprocess.run([TMUX, "send-keys", "-t", session, "Enter", "x"], check=True)  # back to the list, clear
            _wait_for(session, "Filters cleared")
        subprocess.run([TMUX, "send-keys", "-t", session, "-l", "on"], check=True)
        screen = _wait_for(session, "search “son”")
        # Enter, not Escape, leaves the search box: a lone ESC waits to see if a sequence follows.
        # Sent together, "?" can reach the box before Enter's move of the focus does (a person
        # types slower): then it is typed into the search, so take it back and try again.
        subprocess.run([TMUX, "send-keys", "-t", session, "Enter"], check=True)
        for _ in range(20):
            time.sleep(0.2)
            subprocess.run([TMUX, "send-keys", "-t", session, "?"], check=True)
            try:
                _wait_for(session, "Contacts list", timeout=1.0)
                break
            except AssertionError:
                if "son?" in _pane(session):
                    subprocess.run([TMUX, "send-keys", "-t", session, "BSpace", "Enter"], check=True)
        _wait_for(session, "Contacts list")
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)  # closes the help
        deadline = time.monotonic() + 10
        while "Contacts list" in _pane(session) and time.monotonic() < deadline:
            time.sleep(0.1)
        subprocess.run([TMUX, "send-keys", "-t", session, "q"], check=True)  # quits
        deadline = time.monotonic() + 10
        while _alive(session) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(session), "q did not quit the app"
    finally:
        subprocess.run([TMUX, "kill-session", "-t", session], capture_output=True, check=False)
