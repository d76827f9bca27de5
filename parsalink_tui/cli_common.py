"""What every ``parsalink-tui`` command module shares: the context that opens the database on
first use, JSON output, and the ``--data`` JSON argument. The entry point and the contact commands
are in cli.py, the import commands in cli_import.py; both import this, never each other.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click


class AppContext:
    """Holds ``--db`` and opens the service on first use (``--help`` never touches a file)."""

    def __init__(self, db_path: str | None) -> None:
        self.db_path = db_path
        self._service: Any = None

    @property
    def service(self) -> Any:
        if self._service is None:
            from .service import Service

            self._service = Service.open(self.db_path)
        return self._service


pass_app = click.make_pass_decorator(AppContext)


def emit(value: Any) -> None:
    """Print ``value`` as JSON (UTF-8, not ASCII-escaped)."""
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


def read_json_arg(value: str, option: str = "--data") -> Any:
    """``--data`` text: JSON, ``@file.json``, or ``-`` for stdin."""
    if value == "-":
        try:
            source = sys.stdin.read()
        except UnicodeDecodeError:
            raise click.BadParameter("standard input is not UTF-8 text", param_hint=option) from None
    elif value.startswith("@"):
        try:
            with open(value[1:], encoding="utf-8") as fh:
                source = fh.read()
        except OSError as exc:
            raise click.BadParameter(f"cannot read {value[1:]}: {exc.strerror}", param_hint=option) from None
        except UnicodeDecodeError:
            raise click.BadParameter(f"{value[1:]} is not UTF-8 text", param_hint=option) from None
    else:
        source = value
    try:
        data = json.loads(source)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})", param_hint=option) from None
    except RecursionError:
        raise click.BadParameter("not valid JSON (nested too deeply)", param_hint=option) from None
    except ValueError as exc:  # e.g. an integer over Python's 4300-digit conversion limit
        raise click.BadParameter(f"not valid JSON ({exc})", param_hint=option) from None
    try:
        # A "\\udXXX" escape decodes to a lone surrogate, which no field can store.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = f"U+{ord(exc.object[exc.start]):04X}"
        raise click.BadParameter(f"not valid Unicode text (unpaired surrogate {bad})", param_hint=option) from None
    return data
