"""Running the API under uvicorn (programmatically): ready line, signals, TLS, header limits."""

from __future__ import annotations

import ipaddress
import socket
import sys
from typing import Any

import uvicorn

from ..errors import ParsalinkError
from ..service import Service
from .app import create_app
from .limits import BODY_TIMEOUT_SECONDS

# h11's cap on an incomplete event (a request line plus headers): a bigger head is refused with
# 400 before the app sees it (uvicorn's default is 16 KB; browsers and curl send a few hundred bytes).
MAX_HEAD_BYTES = 64 * 1024
GRACEFUL_SECONDS = 30  # in-flight requests get this long to finish after SIGINT/SIGTERM


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, scheme: str) -> None:
        super().__init__(config)
        self.scheme = scheme

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started and self.servers:
            host, port = self.servers[0].sockets[0].getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            print(f"parsalink-tui: serving the API at {self.scheme}://{shown}:{port}/ (Ctrl-C to stop)",
                  file=sys.stderr, flush=True)  # fmt: skip

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        # A signal is the normal way to stop: finish, return, exit 0 (uvicorn would raise it again).
        self._captured_signals.clear()


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or ParsalinkError with one line (port in use, unknown host).

    Made with protocol IPPROTO_TCP (not 0) and TCP_NODELAY: asyncio turns Nagle's algorithm off
    only on connections whose socket says IPPROTO_TCP, and with it on, every answer written in two
    parts (head, then body) waited for the client's delayed ACK: ~45 ms a request instead of ~1.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        return sock
    except OSError as exc:
        raise ParsalinkError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from None
    except UnicodeError:  # the idna codec refuses the name (a label over 63 characters, …)
        raise ParsalinkError(f"cannot listen on {host[:80]}…: not a host name or address") from None


def serve_forever(
    service: Service,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    body_timeout: float = BODY_TIMEOUT_SECONDS,
) -> None:
    """Serve until SIGINT/SIGTERM, then let in-flight requests finish and return."""
    config = uvicorn.Config(
        create_app(service, body_timeout=body_timeout),
        host=host,
        port=port,
        http="h11",
        loop="asyncio",
        lifespan="on",
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    sock = listen(host, port)  # an unusable host or port fails here, before any warning
    with sock:
        if not is_loopback(host) and not ssl_certfile:
            print(f"parsalink-tui: warning: listening on {host} without TLS: bearer tokens and contacts "
                  "cross the network in clear (use --ssl-certfile/--ssl-keyfile)", file=sys.stderr, flush=True)  # fmt: skip
        _Server(config, "https" if ssl_certfile else "http").run(sockets=[sock])
