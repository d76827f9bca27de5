"""Reverting an import over HTTP: POST …/import-jobs/{uid}/revert/ runs the core's revert in the
server's background, the job shows it, protected contacts are paged, refusals are 404/409."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from parsalink_tui.audit import acting_as
from parsalink_tui.importing import revert
from parsalink_tui.importing.revert_runner import stop_reverts
from parsalink_tui.importing.runner import stop_worker
from parsalink_tui.server import create_app

from .conftest import TestClient

CSV = b"First Name,Last Name,Email,Title\nAda,Lovelace,ada@example.com,Countess\nAlan,Turing,alan@example.com,\n"
pytestmark = pytest.mark.both_backends

LEADS = (
    b"First Name,Last Name,Email\nAnn,Lee,ann@example.com\nBob,Ray,bob@example.com\nCy,Day,cy@example.com\n"
    b"Di,Fox,di@example.com\n"
)
REFERENCE_FIELDS = {
    "uid", "filename", "status", "progressPercent", "totalRows", "processedRows", "successCount", "errorCount",
    "errors", "duplicates", "errorMessage", "sourceName", "createdAt", "startedAt", "finishedAt",
}  # fmt: skip


def _job_url(uid: str) -> str:
    return f"/api/crm/contacts/import-jobs/{uid}/"


def _import(api: Any, data: bytes = LEADS, **form: str) -> dict[str, Any]:
    job = api.post("/api/crm/contacts/import/", files={"file": ("leads.csv", data)}, data=form).json()
    assert job["status"] == "complete", job
    return job


def _reverted(api: Any, uid: str) -> dict[str, Any]:
    """Poll the job until its revert is complete (at most 20 s); returns it."""
    for _ in range(400):
        job = api.get(_job_url(uid)).json()
        if job["revert"]["status"] == "complete":
            return job
        time.sleep(0.05)
    raise AssertionError(f"the revert of {uid} did not finish: {job}")


def _ids(api: Any) -> dict[str, str]:
    return {c["email"]: c["id"] for c in api.get("/api/contacts/?limit=100").json()["results"]}


def test_a_revert_deletes_what_the_import_created_and_puts_back_what_it_filled(api):
    ada = api.service.create_contact({"firstName": "Ada", "email": "ada@example.com"})
    job = _import(api, CSV, on_duplicate="update")
    assert api.get(f"/api/contacts/{ada['id']}/").json()["title"] == "Countess"
    assert set(api.get(_job_url(job["uid"])).json()) == REFERENCE_FIELDS | {"region"}  # no revert yet

    started = api.post(_job_url(job["uid"]) + "revert/")

    assert started.status_code == 202
    body = started.json()
    assert body["uid"] == job["uid"] and body["status"] == "complete"  # the import's own status stays
    assert body["revert"]["total"] == 2 and "protected" not in body["revert"]
    done = _reverted(api, job["uid"])
    assert done["revert"] == {"status": "complete", "total": 2, "processed": 2, "progressPercent": 100,
                              "deleted": 1, "restored": 1, "protectedCount": 0}  # fmt: skip
    assert done["revertedAt"] is not None
    assert set(done) == REFERENCE_FIELDS | {"region", "revertedAt", "revert"}
    assert {k: done[k] for k in REFERENCE_FIELDS} == {k: job[k] for k in REFERENCE_FIELDS}
    assert set(_ids(api)) == {"ada@example.com"}
    after = api.get(f"/api/contacts/{ada['id']}/").json()
    assert (after["lastName"], after["title"]) == (None, None)


def test_contacts_changed_after_the_import_are_left_alone_and_listed_a_page_at_a_time(api):
    job = _import(api)
    ids = _ids(api)
    for email in ("bob@example.com", "ann@example.com", "di@example.com"):
        assert api.patch(f"/api/contacts/{ids[email]}/", json={"title": "CEO"}).status_code == 200

    assert api.post(_job_url(job["uid"]) + "revert/").status_code == 202
    done = _reverted(api, job["uid"])

    assert done["revert"]["deleted"] == 1 and done["revert"]["protectedCount"] == 3
    assert "protected" not in done["revert"]  # paged instead: it can be as long as the import
    assert set(_ids(api)) == {"ann@example.com", "bob@example.com", "di@example.com"}
    url = _job_url(job["uid"]) + "revert/protected/"
    first = api.get(url, params={"limit": 2}).json()
    expected = sorted((ids[e], e) for e in ("ann@example.com", "bob@example.com", "di@example.com"))
    assert first["count"] == 3 and first["previous"] is None
    assert [(p["id"], p["email"]) for p in first["results"]] == expected[:2]
    assert all("title changed" in p["reason"] for p in first["results"])
    assert first["next"] == f"http://testserver{url}?limit=2&page=2"
    second = api.get(first["next"]).json()
    assert [(p["id"], p["email"]) for p in second["results"]] == expected[2:]
    assert second["next"] is None and second["previous"] == f"http://testserver{url}?limit=2"
    assert api.get(url).json()["count"] == 3

    past = api.get(url, params={"page": 3, "limit": 2})
    assert (past.status_code, past.json()) == (404, {"detail": "Invalid page."})
    for params, name in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"page": "x"}, "page")):
        bad = api.get(url, params=params)
        assert bad.status_code == 400 and list(bad.json()) == [name], params


def test_unknown_jobs_are_404_and_so_is_the_protected_list_before_a_revert_starts(api):
    unknown = api.post(_job_url("no-such-job") + "revert/")
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Not found."})
    assert api.get(_job_url("no-such-job") + "revert/protected/").status_code == 404
    job = _import(api)
    never = api.get(_job_url(job["uid"]) + "revert/protected/")
    assert (never.status_code, never.json()) == (404, {"detail": "Not found."})
    assert api.post(_job_url(job["uid"]) + "revert/").status_code == 202
    started = api.get(_job_url(job["uid"]) + "revert/protected/")  # exists from the start, empty here
    assert (started.status_code, started.json()) == (200, {"count": 0, "next": None, "previous": None, "results": []})


def _refused(api: Any, uid: str) -> str:
    response = api.post(_job_url(uid) + "revert/")
    assert response.status_code == 409, response.text
    assert list(response.json()) == ["detail"]
    return response.json()["detail"]


def test_a_job_that_is_not_complete_is_409(api):
    stop_worker(api.service.db)  # the one the server started: nothing runs the job below until asked
    queued = api.service.start_import_bytes(LEADS, "leads.csv", run=False)
    assert "is queued: only a complete import can be reverted" in _refused(api, queued["uid"])
    failed = api.post("/api/crm/contacts/import/", files={"file": ("bin.csv", b"\x89PNG\x00\x00binary")}).json()
    assert failed["status"] == "failed"
    assert "is failed: only a complete import can be reverted" in _refused(api, failed["uid"])
    assert "revert" not in api.get(_job_url(failed["uid"])).json()


def test_a_job_already_reverted_is_409(api):
    job = _import(api)
    api.post(_job_url(job["uid"]) + "revert/")
    done = _reverted(api, job["uid"])
    assert _refused(api, job["uid"]).endswith(f"was already reverted at {done['revertedAt']}")


def test_a_revert_in_progress_is_409_and_one_whose_run_stopped_is_taken_up_again(api):
    job = _import(api)
    running = revert.claim(api.service.db, job["uid"])  # a live worker of this process holds it
    try:
        assert "is being reverted right now" in _refused(api, job["uid"])
        assert api.get(_job_url(job["uid"])).json()["revert"]["status"] == "processing"
    finally:
        revert.let_go(running)  # its run stopped (as when a server is stopped mid-revert)

    assert api.post(_job_url(job["uid"]) + "revert/").status_code == 202
    assert _reverted(api, job["uid"])["revert"]["deleted"] == 4
    assert _ids(api) == {}


def test_a_revert_needs_a_token(api):
    job = _import(api)
    for method, path in (("post", "revert/"), ("get", "revert/protected/")):
        response = getattr(api.client, method)(_job_url(job["uid"]) + path)
        assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer", path
        assert response.json() == {"detail": "Authentication credentials were not provided."}
    bad = api.client.post(_job_url(job["uid"]) + "revert/", headers={"Authorization": "Bearer plk_nope"})
    assert (bad.status_code, bad.json()) == (401, {"detail": "Invalid token."})
    assert "revert" not in api.get(_job_url(job["uid"])).json() and len(_ids(api)) == 4


def _stopped_with_the_server(api: Any, monkeypatch: Any, uid: str, batch: int) -> tuple[dict[str, Any], list[Any]]:
    """POST the revert of ``uid`` in batches of ``batch`` contacts; the server stops (as
    Service.close stops reverts) during its first created-contacts batch. Returns the job's
    ``revert`` once its thread ended, and the batches run."""
    monkeypatch.setattr(revert, "FIRST_BATCH", batch)
    monkeypatch.setattr(revert._Pace, "took", lambda self, items, seconds: None)
    real, calls = revert.created_batch, []

    def server_stops_during_the_first_batch(*args: Any) -> Any:
        calls.append(args)
        if len(calls) == 1:
            stop_reverts(api.service.db)  # what Service.close does when `serve` stops
        return real(*args)

    monkeypatch.setattr(revert, "created_batch", server_stops_during_the_first_batch)
    assert api.post(_job_url(uid) + "revert/").status_code == 202
    for thread in threading.enumerate():
        if thread.name == "parsalink-revert":
            thread.join(20)
    return api.get(_job_url(uid)).json()["revert"], calls


def test_a_revert_stopped_with_the_server_stops_after_its_batch_and_another_post_finishes_it(api, monkeypatch):
    job = _import(api)
    stopped, calls = _stopped_with_the_server(api, monkeypatch, job["uid"], batch=2)
    assert (stopped["status"], stopped["deleted"], len(calls)) == ("processing", 2, 1)  # that batch committed
    assert len(_ids(api)) == 2

    assert api.post(_job_url(job["uid"]) + "revert/").status_code == 202  # its worker is gone: taken up
    assert _reverted(api, job["uid"])["revert"]["deleted"] == 4 and _ids(api) == {}


def test_a_revert_stopped_with_the_server_goes_on_when_serve_starts_again(api, monkeypatch):
    """As serve resumes import jobs: its start takes up the reverts whose worker is gone, and
    their audit rows still name the token that started them."""
    api.service.create_contact({"firstName": "Ada", "email": "ada@example.com"})  # the import fills her title
    job = _import(api, CSV + b"Cy,Day,cy@example.com,\nDi,Fox,di@example.com,\n", on_duplicate="update")
    stopped, _ = _stopped_with_the_server(api, monkeypatch, job["uid"], batch=1)
    assert (stopped["status"], stopped["restored"], stopped["deleted"]) == ("processing", 1, 1)
    left = _ids(api)
    assert len(left) == 3

    with TestClient(create_app(api.service, body_timeout=5.0), raise_server_exceptions=False):  # serve again
        done = _reverted(api, job["uid"])
    assert done["revert"] == {"status": "complete", "total": 4, "processed": 4, "progressPercent": 100,
                              "deleted": 3, "restored": 1, "protectedCount": 0}  # fmt: skip
    assert set(_ids(api)) == {"ada@example.com"}
    me = f"token:{api.token_id}"
    for email, cid in left.items():
        if email != "ada@example.com":
            assert [(a["action"], a["actor"]) for a in _revert_rows(api, cid, job["uid"])] == [("deleted", me)]


def _revert_losing_the_connection_once(api: Any, monkeypatch: pytest.MonkeyPatch, caplog: Any) -> dict[str, Any]:
    """Start the revert of a new job whose first batch loses the connection; wait for its thread.
    Returns the job as it is then; asserts the log said it in one warning line, no traceback."""
    from parsalink_tui.errors import DatabaseUnavailable

    job = _import(api)
    real = revert.created_batch

    def server_gone(*args: Any) -> Any:
        monkeypatch.setattr(revert, "created_batch", real)
        raise DatabaseUnavailable("postgresql://ann@db/crm: the connection to the database server was lost")

    monkeypatch.setattr(revert, "created_batch", server_gone)
    with caplog.at_level("INFO", logger="parsalink_tui"):
        assert api.post(_job_url(job["uid"]) + "revert/").status_code == 202
        for thread in threading.enumerate():
            if thread.name == "parsalink-revert":
                thread.join(20)
    said = [r for r in caplog.records if "revert" in r.getMessage()]
    assert [(r.levelname, r.exc_info) for r in said] == [("WARNING", None)]
    assert "the connection to the database server was lost" in said[0].getMessage()
    return api.get(_job_url(job["uid"])).json()


def test_a_revert_that_loses_the_database_for_a_moment_logs_one_line_and_goes_on(api, monkeypatch, caplog):
    """The database server went away mid-revert and came back (docs/team.md "When the server goes
    away"): one warning line in the log, no traceback; the same thread finishes the revert."""
    done = _revert_losing_the_connection_once(api, monkeypatch, caplog)["revert"]
    assert (done["status"], done["deleted"]) == ("complete", 4)


def test_a_revert_that_loses_the_database_logs_one_line_and_the_next_start_finishes_it(api, monkeypatch, caplog):
    """The database server away for longer than the worker waits (outage.OUTAGE_SECONDS, here
    none): one warning line in the log, no traceback; the revert stays to be taken up again."""
    from parsalink_tui.importing import outage

    monkeypatch.setattr(outage, "OUTAGE_SECONDS", 0.0)
    job = _revert_losing_the_connection_once(api, monkeypatch, caplog)
    assert job["revert"]["status"] == "processing"

    with TestClient(create_app(api.service, body_timeout=5.0), raise_server_exceptions=False):  # serve again
        assert _reverted(api, job["uid"])["revert"]["deleted"] == 4


def test_serve_leaves_alone_a_revert_a_live_worker_runs(api):
    job = _import(api)
    running = revert.claim(api.service.db, job["uid"])  # another thread of this process runs it
    try:
        with TestClient(create_app(api.service, body_timeout=5.0), raise_server_exceptions=False):
            assert not [t for t in threading.enumerate() if t.name == "parsalink-revert"]
        assert api.get(_job_url(job["uid"])).json()["revert"]["processed"] == 0
    finally:
        revert.let_go(running)


@pytest.mark.parametrize(("method", "path"), [("get", "revert/"), ("delete", "revert/"), ("put", "revert/"),
                                              ("post", "revert/protected/")])  # fmt: skip
def test_other_methods_are_405(api, method, path):
    job = _import(api)
    response = api.client.request(method.upper(), _job_url(job["uid"]) + path, headers=api.auth)
    assert (response.status_code, response.json()) == (405, {"detail": f'Method "{method.upper()}" not allowed.'})
    assert "revert" not in api.get(_job_url(job["uid"])).json()


def _revert_rows(api: Any, contact_id: str, uid: str) -> list[dict[str, Any]]:
    return [a for a in api.service.list_activity(contact_id) if (a["detail"] or {}).get("revertOf") == uid]


def test_the_reverts_audit_rows_name_the_token(api):
    ada = api.service.create_contact({"firstName": "Ada", "email": "ada@example.com"})
    job = _import(api, CSV, on_duplicate="update")
    alan = _ids(api)["alan@example.com"]
    api.post(_job_url(job["uid"]) + "revert/")
    _reverted(api, job["uid"])

    me = f"token:{api.token_id}"
    assert [(a["action"], a["actor"]) for a in _revert_rows(api, alan, job["uid"])] == [("deleted", me)]
    restored = _revert_rows(api, ada["id"], job["uid"])
    assert sorted((a["action"], a["field"], a["actor"]) for a in restored) == [
        ("updated", "lastName", me), ("updated", "title", me)
    ]  # fmt: skip


def _import_locally(service: Any, path: Any) -> tuple[str, list[str]]:
    """Import ``path`` in this thread; returns the job's uid and the ids it created."""
    before = {c["id"] for c in service.list_contacts(limit=100)["results"]}
    uid = service.start_import(path, run=False)["uid"]
    service.work_imports()
    return uid, [c["id"] for c in service.list_contacts(limit=100)["results"] if c["id"] not in before]


def _actors(service: Any, ids: list[str], uid: str) -> list[str | None]:
    return [a.get("actor") for cid in ids for a in service.list_activity(cid)
            if (a["detail"] or {}).get("revertOf") == uid]  # fmt: skip


def test_a_revert_taken_over_names_who_started_it_and_a_local_one_nobody(service, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(LEADS)
    uid, ids = _import_locally(service, path)
    with acting_as("token:tok_started"):
        started = revert.claim(service.db, uid)
    revert.let_go(started)  # that run died before its first batch
    service.revert_import(uid)  # taken over locally, as `import revert UID` does
    assert _actors(service, ids, uid) == ["token:tok_started"] * 4

    other, ids = _import_locally(service, path)
    service.revert_import(other)
    assert _actors(service, ids, other) == [None] * 4
