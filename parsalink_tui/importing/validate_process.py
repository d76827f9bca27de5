"""Validating a big import in a child process while the job's own process writes.

Why a process: writing the batches (SQLite inserts into eleven b-trees and the trigram search
index) and validating the records are the two big costs of an import, so doing them at the same
time on two cores takes validation off the clock. A thread cannot do it: the writer makes many
short sqlite3 calls, each releasing and re-taking the GIL, and a CPU-bound validating thread
makes each re-take wait (a convoy: measured no faster than doing both in turn).

How: :meth:`ValidationProcess.start` starts a fresh interpreter (``python -c``; never a fork,
the parent may have threads) joined to it by a socket pair, and sends it the job's settings and
the file's bytes. Not ``multiprocessing``: its "spawn" start method re-runs the parent's
``__main__`` script in the child, which a script without a ``__main__`` guard does not survive
(it would run its own import again), and it starts a resource-tracker process as well.

The child reads the file exactly as the parent does (:func:`.formats.open_source`), validates
every record after ``start_after_row`` with the same :class:`.rows.RowValidator`, and streams
back chunks of about :data:`CHUNK_ROWS` records: the clean rows as tuples, the row errors with
their row numbers and cells, how many records the chunk consumed and its last row number.
:meth:`ValidationProcess.batches` joins chunks into the same :class:`.batch.Batch` objects the
in-process path makes, sized by the runner's ``Pace``, so row numbers, resume, progress
commits, duplicate detection (the writer's, inside each batch's transaction) and row error
messages are the same either way. A thread of the parent receives the chunks as they come (it
only waits on the socket, so it holds the GIL for microseconds): the child runs ahead while a
batch is written instead of blocking on a full socket buffer.

Ending: the runner always calls :meth:`ValidationProcess.close` (ends and reaps the child). If
the parent dies without it (SIGKILL, or interpreter exit while its worker thread runs), its end
of the socket closes: the child's next send fails or its wait for the file sees EOF, and it
exits; it never outlives its job by more than one chunk. The child runs in its own session
(a terminal's Ctrl-C reaches the parent, which decides whether the job stops) and its standard
streams go to /dev/null, so nothing it prints can garble a TUI's screen. A child that raises sends the error back; a child that dies (killed, out of
memory) is seen as end of file: either way :class:`ValidationProcessFailed` fails the job with a
readable message instead of hanging.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import queue
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import fields
from itertools import starmap
from operator import attrgetter
from typing import Any

from ..errors import ParsalinkError
from .batch import Batch, Stopped
from .rows import CleanRow

log = logging.getLogger(__name__)

#: Fewer records than this left to import: validating in-process is as fast or faster. The
#: child's first chunk comes ~0.2 s after it is started (interpreter, imports, decoding), the
#: time to validate ~10k records here (~13 µs each); measured even at 10k on two idle cores.
MIN_RECORDS = 10_000
CHUNK_ROWS = 1024  # records per message from the child (the first: the runner's first batch size)
CHUNK_SECONDS = 0.05  # ... or fewer, when that many take longer than this to validate
#: Chunks received and not yet written, at most (then the child waits). Each is ~0.25 MB of
#: pickled rows: with 256 a child faster than the writer piled up to ~40 chunks (~10 MB of the
#: import process's peak, more or less from run to run). The queue only fills when the child is
#: ahead, and then its chunks are full (CHUNK_ROWS records), so 24 chunks hold more than the
#: largest batch (``runner.MAX_BATCH_ROWS``, 20 chunks): the writer still finds a whole batch
#: waiting. 16 made PostgreSQL's batches, which reach that size, wait for the child.
QUEUE_CHUNKS = 24
_WAIT = 0.1  # seconds between looks at the stop event while waiting for a chunk
_ROW_FIELDS = tuple(field.name for field in fields(CleanRow))  # a chunk's row tuples, in this order
_LENGTH = struct.Struct("!Q")
_PATH_VARIABLE = "PARSALINK_VALIDATE_SYS_PATH"
# The child imports what the parent imported: it gets the parent's sys.path (as multiprocessing
# does), not PYTHONPATH, which would put its folders before the standard library's.
_CHILD_CODE = (
    f"import json, os, sys; sys.path[:] = json.loads(os.environ.pop({_PATH_VARIABLE!r})); "
    "from parsalink_tui.importing.validate_process import child_main; child_main(int(sys.argv[1]))"
)


class ValidationProcessFailed(Exception):
    """The child raised an unexpected error or died; the message says which."""


def worth_a_process(data: bytes, start_after_row: int) -> bool:
    """Whether to validate in a child: a second CPU to run it on, and enough records left
    (estimated from line breaks; quoted line breaks only make big files look bigger)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    if cpus < 2:
        return False
    lines = data.count(b"\n") or data.count(b"\r")
    return lines - start_after_row >= MIN_RECORDS


# ---------------------------------------------------------------- framing


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(payload)))
    sock.sendall(payload)


def _recv_exactly(sock: socket.socket, size: int) -> bytearray:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        n = sock.recv_into(view[got:])
        if n == 0:
            raise EOFError
        got += n
    return buffer


def _recv(sock: socket.socket) -> bytearray:
    return _recv_exactly(sock, _LENGTH.unpack(_recv_exactly(sock, _LENGTH.size))[0])


def _message(sock: socket.socket, message: tuple[Any, ...]) -> None:
    _send(sock, pickle.dumps(message, pickle.HIGHEST_PROTOCOL))


# ---------------------------------------------------------------- the parent's side


class ValidationProcess:
    """A running validation child for one job, and the parent's side of its socket."""

    def __init__(self, process: subprocess.Popen[bytes], sock: socket.socket, setup: bytes, data: bytes) -> None:
        self._process = process
        self._sock = sock
        self._queue: queue.Queue[bytearray | None] = queue.Queue(QUEUE_CHUNKS)
        self._closing = False
        self._done = False  # the child said "done": it exits by itself
        self._outbox: list[bytes] = [setup, data]  # sent by the thread, then dropped
        self._thread = threading.Thread(target=self._pump, name="parsalink-validate-io", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, data: bytes, settings: Mapping[str, Any], users: list[dict[str, Any]], start_after_row: int,
              first_chunk: int) -> ValidationProcess:  # fmt: skip
        """Start the child and begin sending it the job; raises (OSError, mostly) if it cannot."""
        if not sys.executable:
            raise OSError("no Python executable to start")
        ours, theirs = socket.socketpair()
        env = {**os.environ, _PATH_VARIABLE: json.dumps([p for p in sys.path if isinstance(p, str)])}
        try:
            # Its own session: a terminal's Ctrl-C or hang-up goes to the parent, which decides.
            process = subprocess.Popen(
                [sys.executable, "-c", _CHILD_CODE, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), env=env, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        setup = (dict(settings), users, start_after_row, first_chunk, CHUNK_ROWS)
        try:
            return cls(process, ours, pickle.dumps(setup, pickle.HIGHEST_PROTOCOL), data)
        except BaseException:
            process.kill()
            process.wait()
            ours.close()
            raise

    def _pump(self) -> None:
        """Send the job, then queue each message as it arrives; None marks the end of the socket."""
        try:
            while self._outbox:
                _send(self._sock, self._outbox.pop(0))
            while True:
                self._put(_recv(self._sock))
        except (EOFError, OSError):
            pass  # the child ended, or was ended: the reader gets None
        finally:
            self._put(None)

    def _put(self, item: bytearray | None) -> None:
        while not self._closing:
            try:
                self._queue.put(item, timeout=_WAIT)
                return
            except queue.Full:
                continue

    def _next(self, stop: threading.Event | None, timeout: float) -> tuple[Any, ...] | None:
        """The next message, or None when ``timeout`` seconds pass without one."""
        deadline = time.monotonic() + timeout
        while True:
            if stop is not None and stop.is_set():
                raise Stopped
            try:
                item = self._queue.get(timeout=max(0.0, min(_WAIT, deadline - time.monotonic())))
            except queue.Empty:
                if time.monotonic() >= deadline:
                    return None
                continue
            if item is None:
                raise ValidationProcessFailed(self._died())
            return pickle.loads(item)  # type: ignore[no-any-return]

    def _died(self) -> str:
        try:
            code = self._process.wait(1.0)
        except subprocess.TimeoutExpired:
            return "the validation process closed its connection before the end of the file"
        if code < 0:
            try:
                how = f"was killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"was killed by signal {-code}"
        else:
            how = f"exited with status {code}"
        return f"the validation process {how} before the end of the file"

    def batches(self, pace: Any, stop: threading.Event | None = None, batch_seconds: float = 0.3) -> Iterator[Batch]:
        """The child's chunks joined into batches, each closed when ``pace`` says it is full, or
        when ``batch_seconds`` pass with records waiting (a slow child still shows progress).

        Raises ParsalinkError for a file the child refused, ValidationProcessFailed when it
        failed or died, Stopped as soon as ``stop`` is set while waiting.
        """
        clock = time.perf_counter
        batch = Batch()
        started = clock()
        while True:
            wait = batch_seconds - (clock() - started) if batch.records else 86400.0
            message = self._next(stop, max(0.0, wait))
            if message is None:  # records waiting and no chunk for a while: write what we have
                yield batch
                batch = Batch()
                started = clock()
                continue
            kind = message[0]
            if kind == "chunk":
                _, records, last_row, rows, errors = message
                batch.rows.extend(starmap(CleanRow, rows))
                batch.errors.extend(errors)
                batch.records += records
                batch.last_row = last_row
                if pace.full(batch.records, clock() - started):
                    yield batch
                    batch = Batch()
                    started = clock()
            elif kind == "done":
                self._done = True
                break
            elif kind == "refused":
                raise ParsalinkError(message[1])
            else:  # "failed"
                _, name, text, trace = message
                log.debug("validation process failed:\n%s", trace)
                raise ValidationProcessFailed(f"{name}: {text} (in the validation process)")
        if batch.records:
            yield batch

    def close(self) -> None:
        """End the child if it is still running, reap it, and stop the receiving thread."""
        self._closing = True
        if self._done and self._process.poll() is None:
            # It sent "done" and is exiting on its own: let it (a loaded machine may take a
            # moment), so a finished child is reaped with its own exit status.
            try:
                self._process.wait(2.0)
            except subprocess.TimeoutExpired:
                pass
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5.0)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._thread.join(1.0)
        self._sock.close()
        while True:  # drop what was received and not written
            try:
                self._queue.get_nowait()
            except queue.Empty:
                break


# ---------------------------------------------------------------- the child


def child_main(fd: int) -> None:
    """The child's whole life: receive the job, validate, stream chunks back, exit."""
    sock = socket.socket(fileno=fd)
    try:
        _validate(sock)
    except (EOFError, OSError):
        pass  # the parent closed the socket or died: nobody is waiting for the rest
    finally:
        sock.close()


def _validate(sock: socket.socket) -> None:
    # Imported while the parent is still sending the file.
    from .. import validation_fast  # noqa: F401  (email-validator and phonenumbers, ~0.15 s)
    from .formats import open_source
    from .rows import RowError, RowValidator

    settings, users, start_after_row, size, chunk_rows = pickle.loads(_recv(sock))
    data = _recv(sock)  # a bytearray: read as bytes are, without a 10 MB copy
    try:
        source = open_source(data, settings.get("format"))  # type: ignore[arg-type]
        del data
        if source.raw_header != settings.get("header"):
            raise ParsalinkError("the stored file no longer reads the way it did when the job started")
        validate = RowValidator(source.header, settings["mapping"], region=settings.get("region") or "US", users=users,
                                plain_tags=source.plain_tags)
        as_tuple = attrgetter(*_ROW_FIELDS)
        clock = time.perf_counter
        rows: list[tuple[Any, ...]] = []
        errors: list[tuple[int, str, list[str]]] = []
        records = last_row = 0
        started = clock()
        for number, cells in source.records(start_after_row=start_after_row):
            try:
                rows.append(as_tuple(validate(number, cells)))
            except RowError as exc:
                errors.append((number, exc.message, cells))
            records += 1
            last_row = number
            if records >= size or (records & 63 == 0 and clock() - started >= CHUNK_SECONDS):
                _message(sock, ("chunk", records, last_row, rows, errors))
                rows, errors, records, size = [], [], 0, chunk_rows
                started = clock()
        if records:
            _message(sock, ("chunk", records, last_row, rows, errors))
        _message(sock, ("done",))
    except ParsalinkError as exc:
        _message(sock, ("refused", str(exc)))
    except (EOFError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001  (any failure is the parent's to report: it fails the job)
        import traceback

        _message(sock, ("failed", type(exc).__name__, str(exc), traceback.format_exc()))
