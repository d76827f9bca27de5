"""``backup``: a consistent copy of the whole database while it is written, 0600, never over a file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from parsalink_tui.errors import ParsalinkError
from parsalink_tui.importing import runner, writer
from parsalink_tui.service import Service


def leads(path: Path, rows: int) -> Path:
    path.write_text("First Name,Last Name,Email\n" + "".join(f"P{n},Lead,p{n}@leads.example\n" for n in range(rows)))
    return path


def test_backup_during_a_running_import_is_the_last_commit(service, tmp_path, monkeypatch):
    """The import is held inside its second batch's write transaction while the backup runs:
    the copy passes integrity_check, opens, and holds exactly what was committed."""
    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 100)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 100)
    service.add_note(service.create_contact({"firstName": "Kept", "email": "kept@example.com"})["id"], "a note")
    inside, release = threading.Event(), threading.Event()
    original = writer.BatchWriter.write
    calls = {"n": 0}

    def held_in_second_batch(self, raw, batch):
        calls["n"] += 1
        result = original(self, raw, batch)
        if calls["n"] == 2:
            inside.set()
            release.wait(30)
        return result

    monkeypatch.setattr(writer.BatchWriter, "write", held_in_second_batch)
    body = service.start_import(leads(tmp_path / "leads.csv", 300))  # runs in this process's worker thread
    try:
        assert inside.wait(30)
        committed = service.get_import_job(body["uid"], with_issues=False)["processedRows"]
        result = service.backup(tmp_path / "copy.db")
    finally:
        release.set()
    copy = Path(result["path"])
    assert copy == tmp_path / "copy.db" and copy.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{copy}-wal").exists()
    raw = sqlite3.connect(copy)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    assert 0 < committed < 300 and result["contacts"] == 1 + committed  # the held batch is not in it
    restored = Service.open(copy)  # the restore is opening it
    try:
        assert restored.list_contacts()["count"] == 1 + committed
        job = restored.get_import_job(body["uid"])
        assert job["status"] == "processing" and job["processedRows"] == committed
        kept = restored.list_contacts(search="kept")["results"][0]
        assert [n["text"] for n in restored.list_notes(kept["id"])] == ["a note"]
    finally:
        restored.close()
    deadline = threading.Event()
    for _ in range(300):  # the live import goes on to its end
        if service.get_import_job(body["uid"])["status"] == "complete":
            break
        deadline.wait(0.1)
    assert service.get_import_job(body["uid"])["successCount"] == 300


def test_backup_never_overwrites_and_names_a_file_in_a_folder(service, tmp_path):
    target = tmp_path / "taken.db"
    target.write_bytes(b"precious")
    with pytest.raises(ParsalinkError, match="exists"):
        service.backup(target)
    assert target.read_bytes() == b"precious"
    with pytest.raises(ParsalinkError, match="does not exist"):
        service.backup(tmp_path / "no" / "such" / "x.db")
    with pytest.raises(ParsalinkError, match="the database itself"):
        service.backup(service.db.path.parent / "." / service.db.path.name)
    folder = tmp_path / "backups"
    folder.mkdir()
    made = Path(service.backup(folder)["path"])
    assert made.parent == folder and made.name.startswith("parsalink-") and made.suffix == ".db"
    assert sorted(p.name for p in folder.iterdir()) == [made.name]  # no partial file left


def test_cli_backup_and_restore_with_db(tmp_path):
    db, copy = tmp_path / "live.db", tmp_path / "backup.db"
    base = [sys.executable, "-m", "parsalink_tui"]
    subprocess.run([*base, "--db", str(db), "demo", "--contacts", "40"], capture_output=True, check=True)
    out = subprocess.run([*base, "--db", str(db), "backup", str(copy)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["contacts"] == 40
    listed = subprocess.run([*base, "--db", str(copy), "contacts", "list", "--limit", "1"], capture_output=True,
                            text=True, check=True)  # fmt: skip
    assert json.loads(listed.stdout)["count"] == 40
    again = subprocess.run([*base, "--db", str(db), "backup", str(copy)], capture_output=True, text=True, check=False)
    assert again.returncode == 1 and again.stderr.startswith("error: ") and "exists" in again.stderr
