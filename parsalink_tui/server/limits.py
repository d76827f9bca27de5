"""Request body limits, as pure ASGI middleware (no body is buffered here).

- ``Content-Length`` over :data:`MAX_BODY_BYTES` (the reference's 10 MB upload cap plus 64 KB for
  the multipart envelope): 413 at once, before a byte of the body is read.
- A body without ``Content-Length`` (chunked) that grows past it: 413 when it does.
- A body that takes longer than ``body_timeout`` seconds to arrive (a client trickling a byte a
  second): 408. uvicorn has no request-read timeout of its own; it is asynchronous, so a slow
  client does not hold up the others, but it would hold its connection and its handler forever.

Both raise an ``HTTPException`` from ``receive``, so the request's handler stops where it reads
the body and the error handlers (errors.py) answer in the API's ``{"detail": …}`` shape.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from starlette.exceptions import HTTPException

from ..importing.reading import MAX_FILE_BYTES

ENVELOPE_BYTES = 64 * 1024
MAX_BODY_BYTES = MAX_FILE_BYTES + ENVELOPE_BYTES
BODY_TIMEOUT_SECONDS = 60.0

_TOO_LARGE = f"Request body too large: the limit is {MAX_BODY_BYTES:,} bytes (a 10 MB file plus its envelope)."
_TOO_SLOW = "Request body not received in time ({:g} s)."


class BodyLimits:
    """Wraps an ASGI app: size cap and read deadline on every HTTP request body."""

    def __init__(self, app: Any, max_bytes: int = MAX_BODY_BYTES, body_timeout: float = BODY_TIMEOUT_SECONDS) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _content_length(scope)
        if length is not None and length > self.max_bytes:
            await _refuse(send, 413, _TOO_LARGE)
            return
        deadline: float | None = None
        received = 0
        done = False

        async def limited_receive() -> Any:
            nonlocal deadline, received, done
            if done:  # the body is in: later receives only wait for a disconnect
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + self.body_timeout
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0.001))
            except TimeoutError:
                raise HTTPException(408, _TOO_SLOW.format(self.body_timeout), {"Connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise HTTPException(413, _TOO_LARGE, {"Connection": "close"})
                done = not message.get("more_body", False)
            return message

        await self.app(scope, limited_receive, send)


def _content_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Any, status: int, message: str) -> None:
    body = ('{"detail":"' + message + '"}').encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})
