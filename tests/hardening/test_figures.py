"""The "hardening figures" summary (quoted in docs/reliability.md) adds up what every worker
counted: the suite runs on two pytest-xdist workers, whose counters the controller never sees
unless they are sent to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COUNTING = """
import pytest
from tests.hardening.figures import note, record_peak, tally

@pytest.mark.parametrize("n", range(8))
def test_count(n):
    tally("things counted", n)
    record_peak("largest thing", n * 10)
    if n == 3:
        note("seed 1234 for the record")
"""


def run_counting(tmp_path: Path, *workers: str) -> str:
    (tmp_path / "test_counting.py").write_text(COUNTING)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.hardening.figures", "-p", "no:cacheprovider", *workers,
         "test_counting.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def summary(out: str) -> list[str]:
    lines = [line.strip() for line in out.split("hardening figures", 1)[1].splitlines()[1:]]
    return [line for line in lines if line][:3]


def test_figures_of_every_xdist_worker_are_summed(tmp_path: Path) -> None:
    out = run_counting(tmp_path, "-n", "2")
    assert "hardening figures" in out, out
    assert summary(out) == ["28  things counted", "70  largest thing (largest)", "seed 1234 for the record"]


def test_figures_in_a_single_process(tmp_path: Path) -> None:
    out = run_counting(tmp_path, "-n", "0")
    assert summary(out) == ["28  things counted", "70  largest thing (largest)", "seed 1234 for the record"]
