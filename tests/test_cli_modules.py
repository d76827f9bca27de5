"""Each command-line module imports on its own: no import cycle between them.

A cycle shows only when a module is the first one imported (``python -c "import
parsalink_tui.cli_import"`` once failed on a partially initialised module), so each is imported
alone in a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI_MODULES = sorted(f"parsalink_tui.{p.stem}" for p in (ROOT / "parsalink_tui").glob("cli*.py"))


@pytest.mark.parametrize("module", CLI_MODULES)
def test_module_imports_alone_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_the_import_commands_are_registered_on_the_main_command() -> None:
    code = "import parsalink_tui.cli_import, parsalink_tui.cli as c; print(sorted(c.main.commands['import'].commands))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [
        "['errors',", "'list',", "'mappings',", "'preview',", "'revert',", "'start',", "'status',", "'work']"]
