"""The repository stands on its own: a fresh clone has everything its tests and tools read.

Test data lives in tests/data (copied with each corpus's SOURCE.txt); nothing tracked may read
from a folder beside the clone, such as a ``shared`` checkout next to it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCANNED = re.compile(r"(\.py|\.toml|\.cfg)$|^\.ci/")
# A path into the folder of shared material beside the repo: "../NAME", "/work/NAME", `… / "NAME"`,
# "NAME/…", os.path.join(…, "NAME", …). Not "NAME.db" or the word in prose. (The samples below
# spell NAME through a variable, so this file itself names no such path.)
NAME = "sha" + "red"
OUTSIDE = re.compile(
    rf"""\.\./{NAME}\b|/work/{NAME}\b|/\s*["']{NAME}["'/]|["']{NAME}/|["']{NAME}["']\s*[,)]"""
)


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [name for name in out.split("\0") if name]


def outside_reads(names: list[str]) -> list[str]:
    found = []
    for name in names:
        if not SCANNED.search(name):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        found += [f"{name}:{n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    return found


def test_no_tracked_file_reads_from_a_shared_folder_beside_the_repo() -> None:
    names = tracked_files()
    assert "tests/conftest.py" in names and ".ci/run" in names
    assert outside_reads(names) == []


def test_the_pattern_finds_each_way_of_naming_the_folder(tmp_path: Path) -> None:
    hits = [
        f'CORPORA = Path(__file__).resolve().parents[1].parent / "{NAME}" / "corpora"',
        f'(root / "{NAME}/corpora/security/x.json").read_text()',
        f"Payloads: every string in /work/{NAME}/corpora/security/",
        f'DATA="../{NAME}/corpora"',
        f"os.path.join(base, '{NAME}', 'corpora')",
    ]
    misses = [f'db = tmp_path / "{NAME}.db"', f'"""Small {NAME} widgets."""', f"{NAME} = {NAME}_arg.split(',')"]
    assert [line for line in hits if not OUTSIDE.search(line)] == []
    assert [line for line in misses if OUTSIDE.search(line)] == []


def test_every_data_file_has_its_source_note_beside_it() -> None:
    """Each file in tests/data sits in a corpus folder (or below one) whose SOURCE.txt names its
    origin and licence."""
    data = ROOT / "tests" / "data"

    def has_note(path: Path) -> bool:
        return any((folder / "SOURCE.txt").is_file() for folder in path.parents if data in folder.parents)

    files = [path for path in data.rglob("*") if path.is_file() and path.parent != data]
    assert len(files) > 40
    assert [str(path.relative_to(data)) for path in files if not has_note(path)] == []


def test_ci_runs_exactly_the_readmes_test_command() -> None:
    """The README's quick start names one test command; .ci/run runs that command, no other."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.split("#")[0].strip() for line in readme.splitlines() if "python -m pytest" in line]
    assert len(set(commands)) == 1, commands
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert ci[-1] == commands[0]
    assert [line for line in ci if "pytest" in line] == [commands[0]]
