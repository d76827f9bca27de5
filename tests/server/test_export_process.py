"""The export over TCP from a real ``serve`` process: streamed in pieces, and a client that goes
away frees the export's temporary file while the server goes on serving."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from parsalink_tui.service import Service

from .served import ROOT, Served, status_of

CONTACTS = 10_000  # a JSON export of ~5 MB: more than the socket buffers hold


def _deleted_files(pid: int) -> int:
    """Open descriptors of ``pid`` on unlinked files (the export's temporary files among them)."""
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").endswith("(deleted)")
        except OSError:
            pass
    return count


@pytest.fixture
def served(tmp_path):
    db = tmp_path / "api.db"
    subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(db), "demo", "--contacts", str(CONTACTS)],
                   env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True)  # fmt: skip
    server = Served(db, tmp_path)
    yield server
    assert server.stop() == 0


def test_an_export_streams_the_cores_file_in_pieces(served, tmp_path):
    params = {"format": "csv", "stage": "customer"}
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=60) as client, \
            client.stream("GET", "/api/contacts/export/", params=params) as response:  # fmt: skip
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        pieces = list(response.iter_raw())
    expected = io.BytesIO()
    service = Service.open(tmp_path / "api.db")
    try:
        service.export_contacts(expected, fmt="csv", stage="customer")
    finally:
        service.close()
    assert b"".join(pieces) == expected.getvalue()
    assert len(pieces) > 1


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="reads /proc")
def test_a_client_that_disconnects_mid_export_frees_it_and_the_server_goes_on(served):
    baseline = _deleted_files(served.proc.pid)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the server cannot send it all at once
    sock.connect((served.host, served.port))
    sock.sendall(served.head("GET", "/api/contacts/export/?format=json", {}))
    first = sock.recv(1024)
    assert status_of(first) == 200
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset, unread data
    sock.close()
    deadline = time.monotonic() + 30  # a wait for the condition, not a timing assert
    while _deleted_files(served.proc.pid) > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _deleted_files(served.proc.pid) == baseline
    with httpx.Client(base_url=served.url, headers=served.auth, timeout=30) as client:
        assert client.get("/api/contacts/", params={"limit": 1}).json()["count"] == CONTACTS
    assert "Traceback" not in "".join(served.stderr)
