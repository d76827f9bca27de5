"""``parsalink-tui serve`` as a real process, driven over TCP with httpx and raw sockets."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import httpx
import pytest

from .served import Served, read_response, status_of

CSV = b"First Name,Email\nAda,ada@example.com\nAlan,alan@example.com\nGrace,grace@example.com\n"


# Long enough for the other clients' requests to be served while a slow body is still due, on
# a loaded machine; the slow-client test waits this long for its 408.
BODY_TIMEOUT = "10"


@pytest.fixture
def served(tmp_path):
    cwd = tmp_path / "cwd" / "deep"
    cwd.mkdir(parents=True)
    server = Served(tmp_path / "db" / "api.db", cwd, "--body-timeout", BODY_TIMEOUT)
    yield server
    server.stop()


def test_a_client_creates_lists_pages_patches_imports_and_the_server_stops_on_sigterm(served):
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
        made = [client.post("/api/contacts/", json={"firstName": f"P{n}", "email": f"p{n}@example.com"}) for n in range(3)]
        assert [r.status_code for r in made] == [201, 201, 201]
        first = client.get("/api/contacts/", params={"limit": 2}).json()
        assert first["count"] == 3
        assert first["next"] == f"{served.url}api/contacts/?limit=2&page=2"
        second = client.get(first["next"]).json()
        assert len(second["results"]) == 1 and second["previous"] == f"{served.url}api/contacts/?limit=2"

        contact = made[0].json()
        etag = made[0].headers["etag"]
        assert client.patch(f"/api/contacts/{contact['id']}/", json={"stage": "engaged"}, headers={"If-Match": etag}).status_code == 200
        stale = client.patch(f"/api/contacts/{contact['id']}/", json={"stage": "customer"}, headers={"If-Match": etag})
        assert stale.status_code == 412

        queued = client.post("/api/crm/contacts/import/start/", files={"file": ("leads.csv", CSV, "text/csv")})
        assert queued.status_code == 202
        for _ in range(600):
            job = client.get(f"/api/crm/contacts/import-jobs/{queued.json()['uid']}/").json()
            if job["status"] in ("complete", "failed"):
                break
            time.sleep(0.1)
        assert (job["status"], job["successCount"]) == ("complete", 3)
        assert client.get("/api/contacts/").json()["count"] == 6
    assert served.stop() == 0


def test_sigterm_lets_an_in_flight_request_finish_then_exits_0(served):
    body = json.dumps({"firstName": "Late", "email": "late@example.com"}).encode()
    sock = served.raw()
    sock.sendall(served.head("POST", "/api/contacts/", {"Content-Type": "application/json",
                                                         "Content-Length": len(body), "Expect": "100-continue"}))  # fmt: skip
    assert status_of(read_response(sock)) == 100  # the app is reading this request's body now
    served.proc.send_signal(15)
    sock.sendall(body)
    response = read_response(sock)
    assert status_of(response) == 201
    assert served.proc.wait(60) == 0


def test_a_50_mb_body_is_refused_413_before_it_is_sent(served):
    sock = served.raw()
    sock.sendall(served.head("POST", "/api/crm/contacts/import/start/",
                             {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": 50 * 1024 * 1024}))  # fmt: skip
    response = read_response(sock)
    assert status_of(response) == 413
    assert b"too large" in response


def test_a_path_in_the_upload_filename_is_only_a_label(served, tmp_path):
    before = sorted(str(p) for p in tmp_path.rglob("*") if "db" not in p.parts)
    passwd = os.stat("/etc/passwd")
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
        response = client.post("/api/crm/contacts/import/", files={"file": ("../../etc/passwd.csv", CSV)})
    assert response.status_code == 200
    assert response.json()["filename"] == "passwd.csv"
    assert sorted(str(p) for p in tmp_path.rglob("*") if "db" not in p.parts) == before
    assert os.stat("/etc/passwd").st_mtime == passwd.st_mtime


def test_a_1_mb_header_is_refused_and_the_server_keeps_serving(served):
    sock = served.raw()
    try:
        sock.sendall(served.head("GET", "/api/contacts/", {"X-Big": "a" * (1024 * 1024)}))
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused while we were still sending it
    response = read_response(sock)
    assert status_of(response) in (400, 431)
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
        assert client.get("/api/contacts/").status_code == 200


def _trickle(sock: socket.socket, data: bytes, stop: threading.Event) -> None:
    for byte in data:
        if stop.wait(1.0):
            return
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            return


def test_slow_clients_do_not_hold_up_the_others_and_a_slow_body_gets_408(served):
    body = json.dumps({"firstName": "Slow", "email": "slow@example.com"}).encode()
    slow_body = served.raw()
    slow_body.sendall(served.head("POST", "/api/contacts/", {"Content-Type": "application/json", "Content-Length": len(body)}))
    slow_head = served.raw()
    stop = threading.Event()
    threads = [threading.Thread(target=_trickle, args=(slow_body, body, stop), daemon=True),
               threading.Thread(target=_trickle, args=(slow_head, served.head("GET", "/api/contacts/", {}), stop), daemon=True)]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
            statuses = [client.get("/api/contacts/").status_code for _ in range(20)]
            statuses.append(client.post("/api/contacts/", json={"firstName": "Fast", "email": "fast@example.com"}).status_code)
        assert statuses == [200] * 20 + [201]
        slow_body.setblocking(False)
        with pytest.raises(BlockingIOError):
            slow_body.recv(1)  # its answer has not come: it was still trickling while the others were served
        slow_body.setblocking(True)
        response = read_response(slow_body)  # the body deadline passes
        assert status_of(response) == 408
    finally:
        stop.set()
        slow_body.close()
        slow_head.close()
