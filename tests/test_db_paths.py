"""Where the database goes: every folder the app creates is 0700 and the file 0600 whatever the
umask, an empty file it fills becomes 0600, and a path the system cannot follow (a symbolic
link loop, a file used as a folder) is a message a user understands."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from parsalink_tui.errors import DatabaseFileError
from parsalink_tui.service import Service

from .hardening.conftest import invoke


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_folder_made_is_private_whatever_the_umask(tmp_path: Path, umask_zero) -> None:
    db = tmp_path / "n" / "a" / "b" / "x.db"
    Service.open(db).close()
    assert [mode(p) for p in (tmp_path / "n", tmp_path / "n" / "a", tmp_path / "n" / "a" / "b")] == [0o700] * 3
    assert mode(db) == 0o600


def test_existing_folders_keep_their_mode(tmp_path: Path, umask_zero) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)
    Service.open(existing / "new" / "x.db").close()
    assert (mode(existing), mode(existing / "new")) == (0o755, 0o700)


def test_an_empty_file_it_fills_becomes_private(tmp_path: Path, umask_zero) -> None:
    db = tmp_path / "made-by-touch.db"
    db.touch(mode=0o666)
    assert mode(db) == 0o666
    Service.open(db).close()
    assert mode(db) == 0o600 and db.stat().st_size > 0


def test_a_symbolic_link_loop_is_named(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "loopdir").symlink_to("loopdir")
    (tmp_path / "loop.db").symlink_to("loop.db")
    for db, culprit in ((tmp_path / "loopdir" / "x.db", tmp_path / "loopdir"), (tmp_path / "loop.db", tmp_path / "loop.db")):
        code, out, err = invoke(capsys, monkeypatch, db, "users", "list")
        assert (code, out) == (1, "")
        assert err == f"error: {culprit} is a symbolic link loop\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loop.db", "loopdir"]


def test_a_file_used_as_a_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(DatabaseFileError, match=f"^{tmp_path / 'notes.txt'} is a file, not a folder$"):
        Service.open(tmp_path / "notes.txt" / "x.db")
