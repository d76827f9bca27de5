"""Time-sortable identifiers: ``cnt_``/``acc_``/``usr_`` + a ULID.

A ULID is 48 bits of milliseconds and 80 random bits in Crockford base32, so ids sort by
creation time. Within one millisecond the random part is incremented, which keeps ids made
by one process strictly increasing (the list's tie-break on ``id`` relies on it).
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Every two-character suffix, by the 10-bit value it encodes (new_ids).
_PAIRS = [a + b for a in _ALPHABET for b in _ALPHABET]
_RAND_MASK = (1 << 80) - 1
_lock = threading.Lock()
_last_ms = -1
_last_rand = 0


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def ulid(ms: int | None = None, rand: int | None = None) -> str:
    """A new ULID; ``ms``/``rand`` make it deterministic (demo data, tests)."""
    global _last_ms, _last_rand
    if ms is not None and rand is not None:
        return _encode(ms, 10) + _encode(rand, 16)
    with _lock:
        now = int(time.time() * 1000) if ms is None else ms
        if now == _last_ms:
            _last_rand = (_last_rand + 1) & ((1 << 80) - 1)
        else:
            _last_ms = now
            _last_rand = int.from_bytes(os.urandom(10), "big") >> 1
        return _encode(now, 10) + _encode(_last_rand, 16)


def new_ids(prefix: str, count: int) -> list[str]:
    """``count`` ids at once, strictly increasing and after every id made before (bulk imports).

    The same ULIDs ``count`` calls of :func:`new_id` could give, for one clock read and one lock.
    """
    global _last_ms, _last_rand
    if count <= 0:
        return []
    with _lock:
        now = int(time.time() * 1000)
        if now == _last_ms:
            start = _last_rand + 1
        else:
            _last_ms = now
            start = int.from_bytes(os.urandom(10), "big") >> 1
        _last_rand = (start + count - 1) & _RAND_MASK
    head = f"{prefix}_{_encode(now, 10)}"
    ids: list[str] = []
    value, end = start, start + count
    while value < end:  # the last two characters count up; the 14 before change every 1024
        high = value >> 10
        stop = min(end, (high + 1) << 10)
        stem = head + _encode(high & ((1 << 70) - 1), 14)
        ids.extend([stem + _PAIRS[low & 1023] for low in range(value, stop)])
        value = stop
    return ids


def new_id(prefix: str) -> str:
    """``prefix_`` + ULID, e.g. ``new_id("cnt")``."""
    return f"{prefix}_{ulid()}"


def new_uid() -> str:
    """A UUID4 string, the shape the reference uses for import jobs and sources."""
    return str(uuid.uuid4())
