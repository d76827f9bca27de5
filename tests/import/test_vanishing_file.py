"""A file that disappears or changes while it is being read is refused, never half-imported."""

from __future__ import annotations

import os

import pytest

from parsalink_tui.errors import ImportRefused
from parsalink_tui.importing import jobs

pytestmark = pytest.mark.both_backends  # the same results on SQLite and PostgreSQL

CSV = "First Name,Last Name,Email\nAnn,Lee,ann@example.com\nBob,Ray,bob@example.com\n"


def test_file_removed_between_look_and_open(service, tmp_path, monkeypatch):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    real_open = os.open

    def vanish_then_open(p, flags, *args):
        if str(p) == str(path):
            path.unlink()
        return real_open(p, flags, *args)

    monkeypatch.setattr(jobs.os, "open", vanish_then_open)
    with pytest.raises(ImportRefused, match="cannot open it"):
        service.start_import(path, run=False)
    assert service.list_import_jobs() == []


def test_file_truncated_while_read(service, tmp_path, monkeypatch):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    real_fstat = os.fstat

    def stale_size(fd):  # the size seen before another program rewrote the file
        st = real_fstat(fd)
        return os.stat_result((*st[:6], st.st_size + 100, *st[7:]))

    monkeypatch.setattr(jobs.os, "fstat", stale_size)
    with pytest.raises(ImportRefused, match="changed while it was being read"):
        service.start_import(path, run=False)
    assert service.list_import_jobs() == []


def test_file_deleted_after_start_still_imports(service, tmp_path):
    """The job keeps its own copy of the bytes: the original can go once the job is queued."""
    path = tmp_path / "leads.csv"
    path.write_text(CSV)
    body = service.start_import(path, run=False)
    path.unlink()
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["status"] == "complete" and job["successCount"] == 2
