"""Starting worker processes: on either database, and only when no live worker will get to the job."""

from __future__ import annotations

import pytest

from parsalink_tui.importing import runner

pytestmark = pytest.mark.both_backends

CSV = "First Name,Email\nAnn,ann@example.com\n"


def test_a_spawned_worker_runs_the_queued_job(service, write_csv, monkeypatch):
    uid = service.start_import(write_csv("leads.csv", CSV), run=False)["uid"]

    child = runner.spawn_worker(service.db.target)
    try:
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()

    assert service.get_import_job(uid)["status"] == "complete"
    assert not any("://" in str(arg) for arg in child.args)  # a URL's password stays off the command line


def test_a_queued_job_is_claimable_only_while_no_live_worker_runs(service, write_csv):
    path = write_csv("leads.csv", CSV)
    first = service.start_import(path, run=False)["uid"]
    waiting = service.start_import(path, run=False)["uid"]
    me = runner.new_worker_id()
    runner._live_here.add(me)
    try:
        assert runner.claim_next(service.db, me) == first
        # This worker takes the queued job once its own is done: no other worker is needed.
        assert runner.has_claimable_job(service.db) is False
    finally:
        runner._live_here.discard(me)
    # Its worker died: the processing job and the queued one wait for a new worker.
    assert runner.has_claimable_job(service.db) is True
    assert service.get_import_job(waiting)["status"] == "queued"
