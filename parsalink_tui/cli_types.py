"""Option types shared by the command line's modules (cli.py, cli_import.py)."""

from __future__ import annotations

import re
from typing import Any

import click


class NonEmpty(click.ParamType):
    """An option's text, which must hold something: an empty or blank value is an error naming
    the option (exit 2), never "no value". ``--stage "$UNSET"`` in a script must not list every
    contact, nor ``--db "$UNSET"`` open the per-user database. With ``separators``, the value is
    a list ("a,b"), and one with no item at all (``--tags ","``) is refused the same way.

    The core's listing functions still take None/"" as "no filter" (the HTTP API's convention
    for query parameters); this check belongs to the command line.
    """

    name = "text"

    def __init__(self, separators: str = "") -> None:
        self.separators = separators

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str):
            items = re.split(f"[{re.escape(self.separators)}]", value) if self.separators else [value]
            if not any(item.strip() for item in items):
                self.fail("must not be empty" if not value.strip() else f"{value!r} holds no item", param, ctx)
        return value


TEXT = NonEmpty()
LIST = NonEmpty(",;")
