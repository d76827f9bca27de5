"""The database file under stress: modes of the WAL files, a newer schema, a read-only file, a
full disk, damage. Each refusal is one clear line (service and CLI), changes no row and no byte,
and never leaves a fresh empty database where the user's file was.

The full disk is real: SQLite itself returns SQLITE_FULL once the file reaches
``PRAGMA max_page_count`` (set on every connection the app opens). Damage is done to a real file:
truncated mid-page, garbage over page 2 (a table's root), garbage over a leaf deep in the
contact table.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

import parsalink_tui.db as dbmod
from parsalink_tui import migrations
from parsalink_tui.demo import fill_demo
from parsalink_tui.errors import DatabaseFileError
from parsalink_tui.service import Service

from .conftest import assert_clean_error, assert_ok_json, invoke, tally



def page_size(path: Path) -> int:
    """The file's page size, from its header (bytes 16-17; 1 means 65536)."""
    with path.open("rb") as fh:
        fh.seek(16)
        size = int.from_bytes(fh.read(2), "big")
    return 65536 if size == 1 else size

BIG_NOTES = "n" * 19_000  # needs overflow pages: a write that must grow the file


# ---------------------------------------------------------------- helpers

def file_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file in ``folder``: the bytes a refusal must not touch."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def db_files(folder: Path) -> dict[str, str]:
    """Database files only (a -wal/-shm pair may come and go while a connection is open)."""
    return {k: v for k, v in file_digests(folder).items() if not k.endswith(("-wal", "-shm"))}


def row_digest(path: Path) -> dict[str, tuple[int, str]]:
    """(row count, sha256 of every row in key order) per table, read through SQLite."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' "
            "AND name NOT LIKE 'contact_fts_%' AND name NOT LIKE 'contact_short_%' ORDER BY name")]
        out = {}
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY 1, 2' if table != "search_position" else "SELECT n FROM search_position ORDER BY n").fetchall() if table != "sqlite_sequence" \
                else conn.execute("SELECT * FROM sqlite_sequence ORDER BY name").fetchall()
            out[table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        return out
    finally:
        conn.close()


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A closed database with 300 demo contacts (and notes, tasks, tags, activity), vacuumed
    so it has no free pages: any write that needs a new page must grow the file."""
    folder = tmp_path / "data"
    path = folder / "parsalink.db"
    svc = Service.open(path)
    fill_demo(svc.db, contacts=300, seed=7)
    svc.close()
    conn = sqlite3.connect(path)
    conn.execute("VACUUM")
    conn.close()
    return path


def page_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_count").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def cli_on(capsys, monkeypatch):  # type: ignore[no-untyped-def]
    def _run(db: Path, *args: str):  # type: ignore[no-untyped-def]
        tally("database-failure command lines tried")
        return invoke(capsys, monkeypatch, db, *args)

    return _run


def assert_one_line(exc: BaseException, *needles: str) -> None:
    message = str(exc)
    assert message and "\n" not in message and "Traceback" not in message, message
    for needle in needles:
        assert needle in message, (needle, message)


# ---------------------------------------------------------------- modes

def test_wal_and_shm_files_are_0600_in_a_0700_folder(tmp_path: Path) -> None:
    old = os.umask(0)  # the most permissive umask a user could have
    try:
        path = tmp_path / "fresh" / "parsalink.db"
        svc = Service.open(path)
        svc.create_contact({"firstName": "Ada", "email": "ada@example.com"})
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
        assert modes == {"parsalink.db": 0o600, "parsalink.db-wal": 0o600, "parsalink.db-shm": 0o600}, modes
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        svc.close()
    finally:
        os.umask(old)


def test_wal_and_shm_modes_from_the_real_command(tmp_path: Path) -> None:
    path = tmp_path / "cli" / "parsalink.db"
    code = ("import os, sys, stat; os.umask(0); from parsalink_tui.cli import run\n"
            "from parsalink_tui.service import Service\n"
            "svc = Service.open(sys.argv[1])\n"
            "svc.create_contact({'firstName': 'A', 'email': 'a@example.com'})\n"
            "d = os.path.dirname(sys.argv[1])\n"
            "print(sorted((n, oct(stat.S_IMODE(os.stat(os.path.join(d, n)).st_mode))) for n in os.listdir(d)))\n")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str([("parsalink.db", "0o600"), ("parsalink.db-shm", "0o600"),
                                       ("parsalink.db-wal", "0o600")])


# ---------------------------------------------------------------- refusals at open

def test_newer_schema_is_refused_by_the_cli_untouched(filled: Path, cli_on) -> None:  # type: ignore[no-untyped-def]
    conn = sqlite3.connect(filled)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.commit()
    conn.close()
    before = file_digests(filled.parent)
    for args in (("contacts", "list"), ("contacts", "create", "--data", '{"lastName": "X", "email": "x@example.com"}'),
                 ("demo", "--contacts", "5")):
        assert_clean_error(cli_on(filled, *args), "newer parsalink-tui", f"schema {migrations.LATEST + 1}")
    with pytest.raises(DatabaseFileError, match="newer parsalink-tui"):
        Service.open(filled)
    assert file_digests(filled.parent) == before


def test_read_only_file_is_refused_by_service_and_cli_untouched(filled: Path, cli_on) -> None:  # type: ignore[no-untyped-def]
    filled.chmod(0o400)
    try:
        before = file_digests(filled.parent)
        with pytest.raises(DatabaseFileError, match="read-only") as caught:
            Service.open(filled)
        assert_one_line(caught.value)
        for args in (("contacts", "list"), ("users", "add", "--name", "New")):
            assert_clean_error(cli_on(filled, *args), "read-only")
        assert file_digests(filled.parent) == before
    finally:
        filled.chmod(0o600)


@contextmanager
def on_every_connection(pragma: str) -> Iterator[None]:
    """Run ``pragma`` on each connection the app opens (prepare_file's and the engine's)."""
    original = dbmod._connect_raw

    def connect(path: Path) -> sqlite3.Connection:
        conn = original(path)
        conn.execute(pragma)
        return conn

    dbmod._connect_raw = connect
    try:
        yield
    finally:
        dbmod._connect_raw = original


def test_file_that_turns_read_only_under_the_app(filled: Path, cli_on) -> None:  # type: ignore[no-untyped-def]
    """Writable at open, not at write (a remount, a sync tool): SQLite says "attempt to write a
    readonly database"; the app says so in one line and nothing changes."""
    before = row_digest(filled)
    with on_every_connection("PRAGMA query_only = 1"):
        svc = Service.open(filled)
        some = svc.list_contacts(limit=1)["results"][0]["id"]
        with pytest.raises(DatabaseFileError, match="cannot be written") as caught:
            svc.update_contact(some, {"title": "Changed"})
        assert_one_line(caught.value, str(filled), "nothing was changed")
        svc.close()
        assert_clean_error(cli_on(filled, "contacts", "update", some, "--data", '{"title": "Changed"}'),
                           "cannot be written")
        assert_ok_json(cli_on(filled, "contacts", "get", some))
    assert row_digest(filled) == before


# ---------------------------------------------------------------- a full disk (real SQLITE_FULL)

def test_full_disk_through_the_service_changes_nothing(filled: Path) -> None:
    before = row_digest(filled)
    limit = page_count(filled)
    svc = Service.open(filled)
    event.listen(svc.db.engine, "connect", lambda conn, _: conn.execute(f"PRAGMA max_page_count = {limit}"))
    ids = [c["id"] for c in svc.list_contacts(limit=100)["results"]]

    attempts = [
        lambda: svc.create_contact({"firstName": "Big", "email": "big@example.com", "notes": BIG_NOTES}),
        lambda: svc.update_contact(ids[0], {"notes": BIG_NOTES}),
        lambda: svc.add_note(ids[1], BIG_NOTES),
        # One transaction of 100 stage changes + 100 audit rows: all or nothing.
        lambda: svc.set_stage(ids, "customer") and svc.set_stage(ids, "inactive") and svc.set_stage(ids, "new"),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseFileError) as caught:
            attempt()
        assert_one_line(caught.value, "the disk is full", "nothing was changed")
        tally("full-disk writes refused (service)")
    assert svc.list_contacts()["count"] == 300  # still readable while full
    svc.close()
    assert row_digest(filled) == before

    # Space again: the same database takes the same writes, and is intact.
    svc = Service.open(filled)
    svc.create_contact({"firstName": "Big", "email": "big@example.com", "notes": BIG_NOTES})
    assert svc.list_contacts()["count"] == 301
    svc.close()
    conn = sqlite3.connect(filled)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_full_disk_through_the_cli_changes_nothing(filled: Path, cli_on) -> None:  # type: ignore[no-untyped-def]
    before_rows = row_digest(filled)
    inode = filled.stat().st_ino
    with on_every_connection(f"PRAGMA max_page_count = {page_count(filled)}"):
        some = assert_ok_json(cli_on(filled, "contacts", "list", "--limit", "3"))["results"]
        for args in (("contacts", "create", "--data", f'{{"lastName": "Big", "email": "b@example.com", "notes": "{BIG_NOTES}"}}'),
                     ("contacts", "update", some[0]["id"], "--data", f'{{"notes": "{BIG_NOTES}"}}'),
                     ("notes", "add", some[1]["id"], "--text", BIG_NOTES)):
            assert_clean_error(cli_on(filled, *args), "the disk is full", "nothing was changed")
        assert assert_ok_json(cli_on(filled, "contacts", "list"))["count"] == 300
    import gc

    gc.collect()  # the in-process CLI leaves its pool to the garbage collector
    assert filled.stat().st_ino == inode
    assert row_digest(filled) == before_rows


def test_full_disk_in_a_real_process(filled: Path) -> None:
    before = row_digest(filled)
    code = ("import sys, parsalink_tui.db as d\n"
            "orig = d._connect_raw\n"
            "def connect(path):\n"
            "    c = orig(path); c.execute('PRAGMA max_page_count = ' + sys.argv[1]); return c\n"
            "d._connect_raw = connect\n"
            "from parsalink_tui.cli import run\n"
            "run(sys.argv[2:])\n")
    body = f'{{"lastName": "Big", "email": "b@example.com", "notes": "{BIG_NOTES}"}}'
    done = subprocess.run([sys.executable, "-c", code, str(page_count(filled)), "--db", str(filled),
                           "contacts", "create", "--data", body], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "the disk is full" in done.stderr
    assert row_digest(filled) == before


# ---------------------------------------------------------------- damage

def _truncate_mid_page(path: Path) -> None:
    size, page = path.stat().st_size, page_size(path)
    with path.open("r+b") as fh:
        fh.truncate(size // 2 // page * page + page // 2)


def _garbage_page_2(path: Path) -> None:
    page = page_size(path)
    with path.open("r+b") as fh:
        fh.seek(page)
        fh.write(bytes((i * 37 + 11) % 256 for i in range(page)))


def _garbage_schema(path: Path) -> None:
    page = page_size(path)
    with path.open("r+b") as fh:
        fh.seek(100)  # page 1 after the file header: the schema table
        fh.write(b"\xa5" * (page - 100))


DAMAGE = {"truncated mid-page": _truncate_mid_page, "garbage over page 2": _garbage_page_2,
          "garbage over the schema page": _garbage_schema}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_file_is_refused_untouched(filled: Path, cli_on, damage: str) -> None:  # type: ignore[no-untyped-def]
    DAMAGE[damage](filled)
    before = file_digests(filled.parent)
    with pytest.raises(DatabaseFileError, match="corrupt") as caught:
        Service.open(filled)
    assert_one_line(caught.value, str(filled))
    for args in (("contacts", "list"), ("users", "list"), ("users", "add", "--name", "New"),
                 ("contacts", "create", "--data", '{"lastName": "X", "email": "x@example.com"}'),
                 ("demo", "--contacts", "3")):
        assert_clean_error(cli_on(filled, *args), "corrupt")
    # Same bytes, and no fresh database (or leftover -wal/-shm) beside or instead of it.
    assert file_digests(filled.parent) == before


def test_damage_deep_in_the_contact_table(filled: Path, cli_on) -> None:  # type: ignore[no-untyped-def]
    """Opening cannot read every page of a big file; the first query that meets the damage says
    so in one line, its transaction changes nothing, and the file stays where it was."""
    conn = sqlite3.connect(filled)
    leaves = [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = 'contact' AND pagetype = 'leaf' "
                                         "ORDER BY pageno")]
    all_ids = [r[0] for r in conn.execute("SELECT id FROM contact ORDER BY pk")]
    conn.close()
    victim = leaves[len(leaves) // 2]
    page = page_size(filled)
    with filled.open("r+b") as fh:
        fh.seek((victim - 1) * page)
        fh.write(b"\x0d" + b"\xff" * (page - 1))  # a leaf-table page type with nonsense cell counts

    svc = Service.open(filled)  # opening still works: the damage is not in a table's first page
    damaged = []
    for cid in all_ids:
        try:
            svc.get_contact(cid)
        except DatabaseFileError as exc:
            assert_one_line(exc, "damaged", "nothing was changed")
            damaged.append(cid)
    svc.close()
    assert damaged, "the damaged page was never read"
    main_before = db_files(filled.parent)

    failures = 0
    for args in [("contacts", "list", "--limit", "100", "--page", str(p)) for p in (1, 2, 3)] + \
                [("contacts", "get", cid) for cid in damaged[:3]] + \
                [("contacts", "update", cid, "--data", '{"title": "Touched"}') for cid in damaged[:3]] + \
                [("contacts", "update", cid, "--data", '{"stage": "customer"}') for cid in damaged[:3]] + \
                [("contacts", "delete", cid) for cid in damaged[:3]]:
        code, out, err = result = cli_on(filled, *args)
        if code != 0 or args[1] != "list":
            assert_clean_error(result, "damaged")
            failures += 1
    tally("commands refused on a damaged page", failures)
    import gc

    gc.collect()  # the in-process CLI leaves its pool to the garbage collector
    # Every write above failed, changing nothing: not a byte of the file moved, no file replaced it.
    assert db_files(filled.parent) == main_before
