"""Contacts as JSON: one array of full contact objects (the ``contacts get`` shape), written
one object per line so that it streams."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, BinaryIO

from ..schemas import contact_detail


class JsonWriter:
    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self._first = True

    def begin(self) -> None:
        self.out.write(b"[")

    def write(self, chunk: list[tuple[Mapping[str, Any], list[str]]]) -> None:
        parts = []
        for row, tags in chunk:
            parts.append("\n" if self._first else ",\n")
            parts.append(json.dumps(contact_detail(row, tags), ensure_ascii=False))
            self._first = False
        self.out.write("".join(parts).encode("utf-8"))

    def end(self) -> None:
        self.out.write(b"]\n" if self._first else b"\n]\n")
        self.out.flush()
