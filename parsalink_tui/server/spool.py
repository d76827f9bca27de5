"""A temporary file one thread writes while a response streams it: how an export goes out.

The core's export (``Service.export_contacts``) writes to a file object inside one read
transaction. Fed straight to the client (a queue between the two), that transaction would stay
open as long as the client takes to read: a slow or stalled client would hold a SQLite read
snapshot for minutes, and in WAL mode no checkpoint can pass a reader's snapshot, so the WAL
file would grow with every write the TUI, the CLI and other requests make meanwhile. Written
whole to a temporary file first, the response could not start before the export ends (~25 s for
1M contacts).

So both: the export runs in its own thread at its own speed and writes into an unnamed
temporary file (0600, gone when closed; the read transaction ends when the export does,
whatever the client does), and the response sends the file's bytes as they arrive, from the
first chunk on. Memory holds one chunk of the export and one read of the file; the disk holds
the export until the response ends. A client that goes away stops the export at its next write.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, BinaryIO

log = logging.getLogger("parsalink_tui.server")

READ_BYTES = 256 * 1024  # sent to the client at a time


class Abandoned(Exception):
    """The response went away (client disconnected): the export stops writing."""


class Spool:
    """The export thread's file object (``write``) and the response's byte source (``chunks``).

    ``written`` and then ``finished`` are set by the writer thread, in that order, and read by
    the event loop in the other order (so a finished spool's ``written`` is final); the writer
    wakes the loop with ``call_soon_threadsafe`` after each change.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile(buffering=0)  # type: ignore[assignment]  # noqa: SIM115
        # The reader's own descriptor on the same file: each side closes its own.
        self._reader = open(os.dup(self._file.fileno()), "rb", buffering=0)  # noqa: SIM115
        self._loop = loop
        self._wake = asyncio.Event()
        self._gone = threading.Event()
        self.written = 0
        self.finished = False
        self.error: BaseException | None = None

    # -- the writer's side (the export thread) ------------------------------------------------
    def write(self, data: bytes) -> int:
        if self._gone.is_set():
            raise Abandoned
        view = memoryview(data)
        while view:  # an unbuffered write may write part of it
            view = view[self._file.write(view) or 0 :]
        self.written += len(data)
        self._notify()
        return len(data)

    def flush(self) -> None:
        pass

    def run(self, produce: Callable[[BinaryIO], Any], done: Callable[[], None] | None = None) -> None:
        """``produce(self)`` in the calling thread; whatever it raises is kept for the reader."""
        try:
            produce(self)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - handed to the reader
            self.error = exc
        finally:
            self._file.close()
            self.finished = True
            self._notify()
            if done is not None:
                self._call_on_loop(done)

    def _notify(self) -> None:
        self._call_on_loop(self._wake.set)

    def _call_on_loop(self, function: Callable[[], Any]) -> None:
        try:
            self._loop.call_soon_threadsafe(function)
        except RuntimeError:  # the loop is closed (server shut down): nobody is waiting
            pass

    # -- the reader's side (the event loop) ---------------------------------------------------
    async def _wait(self, ready: Callable[[], bool]) -> None:
        while True:
            self._wake.clear()  # cleared before the check: a wake-up after it is not lost
            if ready():
                return
            await self._wake.wait()

    async def started(self) -> None:
        """Wait for the first bytes or the end; raise what the export raised before writing a
        byte (bad parameters: the caller answers with an error instead of a stream)."""
        try:
            await self._wait(lambda: self.finished or self.written > 0)
        except BaseException:  # the request was cancelled: nobody will read
            self.close()
            raise
        if self.finished and self.written == 0 and self.error is not None:
            self.close()
            raise self.error

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they are written, to the end. An export that fails after its
        first byte raises here, so the response is cut off (never a complete-looking file)."""
        offset = 0
        try:
            while True:
                await self._wait(lambda: self.finished or self.written > offset)  # noqa: B023 - awaited at once
                finished = self.finished  # before ``written``: once finished, written is final
                written = self.written
                while offset < written:  # from the page cache the writer just filled
                    data = os.pread(self._reader.fileno(), min(written - offset, READ_BYTES), offset)
                    offset += len(data)
                    yield data
                if finished:
                    if self.error is not None:
                        log.error("export failed after %d bytes: %s", offset, self.error)
                        raise self.error
                    return
        finally:
            self.close()

    def close(self) -> None:
        """The reader is done (or gone): stop the writer at its next write, free the file."""
        self._gone.set()
        self._reader.close()
