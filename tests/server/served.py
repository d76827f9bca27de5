"""Starting ``parsalink-tui serve`` as a real process on a free port (for the TCP tests)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from parsalink_tui.service import Service

ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"serving the API at (https?://[^ ]+/)")


class Served:
    """A running server process: its base URL, a token, and helpers to talk to it."""

    def __init__(self, db: Path, cwd: Path, *args: str) -> None:
        service = Service.open(db)
        self.token = service.create_token("tcp tests")["token"]
        service.close()
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "parsalink_tui", "--db", str(db), "serve", "--port", "0", *args],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.stderr: list[str] = []
        found = threading.Event()
        self.url = ""

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                self.stderr.append(line)
                match = READY.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        found.wait(60)
        assert self.url, f"serve did not start: {''.join(self.stderr)}"
        host_port = self.url.split("//", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def raw(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=30)
        return sock

    def head(self, method: str, path: str, headers: dict[str, Any]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Authorization: Bearer {self.token}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(60)


def read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until it has sent a whole response or closed."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep and not head.startswith(b"HTTP/1.1 100"):
            match = re.search(rb"content-length: (\d+)", head, re.I)
            if match and len(body) >= int(match.group(1)):
                return data
        elif sep and head.startswith(b"HTTP/1.1 100") and body == b"":
            return data


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])
