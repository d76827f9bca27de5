"""The PostgreSQL tests skip, saying why, where the server is not installed; under CI they fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
A_PG_TEST = "tests/postgres/test_pg_open.py::test_reopening_does_not_migrate_again"


def run_without_server(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "CI"}
    environ.update(PARSALINK_PG_BIN=str(tmp_path / "no-postgres"), PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "pytest", A_PG_TEST, "-n", "0", "-q", "-rs", "-p", "no:cacheprovider"],
        cwd=ROOT, env=environ, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_without_the_server_the_postgres_tests_skip_with_the_reason(tmp_path: Path) -> None:
    out = run_without_server(tmp_path)
    assert out.returncode == 0, out.stdout
    assert "1 skipped" in out.stdout and "PostgreSQL server binaries not found" in out.stdout


def test_under_ci_a_missing_server_fails_the_run(tmp_path: Path) -> None:
    out = run_without_server(tmp_path, CI="true")
    assert out.returncode != 0
    assert "CI needs PostgreSQL: PostgreSQL server binaries not found" in out.stdout
