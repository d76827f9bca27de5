"""``serve`` options: the clear-text warning off loopback, TLS, and the option checks."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import httpx
import pytest

from parsalink_tui.cli import run
from parsalink_tui.server.run import is_loopback

from .served import Served


def test_loopback_addresses():
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.5.5.5"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.4", "example.com", "::"))


def test_listening_beyond_loopback_without_tls_warns(tmp_path):
    server = Served(tmp_path / "a.db", tmp_path, "--host", "0.0.0.0")
    try:
        warning = "".join(server.stderr)
        assert "warning: listening on 0.0.0.0 without TLS" in warning
        assert server.url.startswith("http://0.0.0.0:")
    finally:
        assert server.stop() == 0


def test_a_certificate_without_its_key_is_a_usage_error(tmp_path, capsys):
    cert = tmp_path / "cert.pem"
    cert.write_text("x")
    with pytest.raises(SystemExit) as exit_info:
        run(["--db", str(tmp_path / "a.db"), "serve", "--ssl-certfile", str(cert)])
    assert exit_info.value.code == 2
    assert "--ssl-certfile and --ssl-keyfile go together" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl to make a certificate")
def test_tls(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)  # fmt: skip
    server = Served(tmp_path / "a.db", tmp_path, "--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    try:
        assert server.url.startswith("https://")
        assert "warning" not in "".join(server.stderr)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            response = httpx.get(server.url + "api/contacts/", headers=server.auth, verify=str(cert))
        assert response.status_code == 200
    finally:
        assert server.stop() == 0


def test_a_port_in_use_is_one_error_line_and_exit_1(tmp_path):
    import socket
    import sys

    from .served import ROOT

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        done = subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(tmp_path / "a.db"), "serve",
                               "--port", str(port)], capture_output=True, text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith(f"error: cannot listen on 127.0.0.1 port {port}: Address already in use")
    assert done.stderr.count("\n") == 1


def test_the_listening_socket_turns_nagle_off_for_its_connections():
    import socket

    from parsalink_tui.server.run import listen

    with listen("127.0.0.1", 0) as sock:
        # asyncio sets TCP_NODELAY on accepted connections only when the socket's protocol says TCP
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


def test_sigint_stops_the_server_with_exit_0(tmp_path):
    import signal

    server = Served(tmp_path / "a.db", tmp_path)
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(60) == 0
    assert "Traceback" not in "".join(server.stderr)
