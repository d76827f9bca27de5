"""The ``parsalink-tui`` command: no sub-command opens the TUI; sub-commands print JSON.

Output is the reference's JSON shapes on stdout. Every user mistake (bad argument, invalid
field, unknown id, unusable database) prints one ``error: …`` line on stderr, nothing on
stdout, and exits non-zero (2 for usage errors, 1 for the rest). Never a traceback.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import sys
from typing import NoReturn

import click

from .cli_common import AppContext, emit, pass_app, read_json_arg
from .cli_export import backup, contacts_export
from .cli_import import import_group
from .cli_migrate import migrate_to_command
from .cli_serve import serve
from .cli_tokens import tokens_group
from .cli_types import LIST, TEXT
from .errors import ParsalinkError


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=TEXT,
    metavar="PATH",
    help="Database file (default: $PARSALINK_DB, else the per-user data folder).",
)
@click.version_option(package_name="parsalink-tui", prog_name="parsalink-tui")
@click.pass_context
def main(ctx: click.Context, db_path: str | None) -> None:
    """Offline ParsaLink contacts: a keyboard-driven TUI, and JSON commands for scripts.

    Run with no command to open the TUI.
    """
    ctx.obj = AppContext(db_path)
    if ctx.invoked_subcommand is None:
        from .tui.launch import run_tui

        run_tui(ctx.obj.service)


# ------------------------------------------------------------------ contacts
@main.group()
def contacts() -> None:
    """List, create, read, update and delete contacts."""


@contacts.command("list")
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--limit", type=int, default=20, show_default=True, help="Results per page (max 100).")
@click.option("--stage", type=TEXT, help="new, contacted, engaged, proposal_sent, negotiation, customer, inactive.")
@click.option("--assigned-to", type=TEXT, help="A user id, or 'none' for unassigned contacts.")
@click.option("--search", type=TEXT, help="Substring of name, email or phone.")
@click.option("--created-after", type=TEXT, metavar="ISO", help="ISO 8601 date or datetime (no offset = UTC).")
@click.option("--created-before", type=TEXT, metavar="ISO")
@click.option("--tags", type=LIST, help="Comma-separated; a contact must have all of them.")
@click.option("--ordering", type=TEXT, help="createdAt, updatedAt, lastName or stage; prefix - for descending.")
@pass_app
def contacts_list(app: AppContext, page: int, limit: int, stage: str | None, assigned_to: str | None,
                  search: str | None, created_after: str | None, created_before: str | None,
                  tags: str | None, ordering: str | None) -> None:  # fmt: skip
    """List contacts: {count, next, previous, results}, newest first."""
    emit(app.service.list_contacts(
        page=page, limit=limit, stage=stage, assigned_to=assigned_to, search=search,
        created_after=created_after, created_before=created_before, tags=tags, ordering=ordering,
    ))  # fmt: skip


@contacts.command("create")
@click.option("--data", required=True, help="JSON text, @file.json, or - for stdin.")
@pass_app
def contacts_create(app: AppContext, data: str) -> None:
    """Create a contact; prints the full contact object."""
    emit(app.service.create_contact(read_json_arg(data)))


@contacts.command("get")
@click.argument("contact_id")
@click.option("--with-version", is_flag=True,
              help='Extension: print {"version": N, "contact": {...}}, N for update --if-match.')  # fmt: skip
@pass_app
def contacts_get(app: AppContext, contact_id: str, with_version: bool) -> None:
    """Print one contact."""
    if with_version:
        contact, version = app.service.get_contact(contact_id, with_version=True)
        emit({"version": version, "contact": contact})
    else:
        emit(app.service.get_contact(contact_id))


@contacts.command("update")
@click.argument("contact_id")
@click.option("--data", required=True, help="JSON text, @file.json, or - for stdin.")
@click.option("--if-match", "if_match", type=click.IntRange(min=1), metavar="VERSION",
              help="Refuse (exit 1) if the contact changed since `get --with-version` gave VERSION.")  # fmt: skip
@pass_app
def contacts_update(app: AppContext, contact_id: str, data: str, if_match: int | None) -> None:
    """Change only the given fields (PATCH); prints the updated contact."""
    emit(app.service.update_contact(contact_id, read_json_arg(data), if_version=if_match))


@contacts.command("delete")
@click.argument("contact_id")
@pass_app
def contacts_delete(app: AppContext, contact_id: str) -> None:
    """Delete a contact with its notes and tasks (its audit rows stay). Prints nothing."""
    app.service.delete_contact(contact_id)


@contacts.command("activity")
@click.argument("contact_id")
@pass_app
def contacts_activity(app: AppContext, contact_id: str) -> None:
    """The audit rows of one contact id, deleted or not, oldest first."""
    emit(app.service.list_activity(contact_id))


# ------------------------------------------------------------------ notes, tasks
@main.group()
def notes() -> None:
    """Notes on a contact."""


@notes.command("add")
@click.argument("contact_id")
@click.option("--text", "body", required=True)
@pass_app
def notes_add(app: AppContext, contact_id: str, body: str) -> None:
    emit(app.service.add_note(contact_id, body))


@notes.command("list")
@click.argument("contact_id")
@pass_app
def notes_list(app: AppContext, contact_id: str) -> None:
    emit(app.service.list_notes(contact_id))


@main.group()
def tasks() -> None:
    """To-dos on a contact."""


@tasks.command("add")
@click.argument("contact_id")
@click.option("--title", required=True)
@click.option("--due", type=TEXT, metavar="DATE", help="YYYY-MM-DD")
@pass_app
def tasks_add(app: AppContext, contact_id: str, title: str, due: str | None) -> None:
    emit(app.service.add_task(contact_id, title, due))


@tasks.command("list")
@click.argument("contact_id")
@pass_app
def tasks_list(app: AppContext, contact_id: str) -> None:
    emit(app.service.list_tasks(contact_id))


@tasks.command("done")
@click.argument("task_id")
@pass_app
def tasks_done(app: AppContext, task_id: str) -> None:
    emit(app.service.set_task_done(task_id, True))


# ------------------------------------------------------------------ users, accounts, sources
@main.group()
def users() -> None:
    """People contacts are assigned to."""


@users.command("add")
@click.option("--name", required=True)
@click.option("--email", type=TEXT)
@pass_app
def users_add(app: AppContext, name: str, email: str | None) -> None:
    emit(app.service.add_user(name, email))


@users.command("list")
@pass_app
def users_list(app: AppContext) -> None:
    emit(app.service.list_users())


@main.group()
def accounts() -> None:
    """Companies contacts belong to."""


@accounts.command("add")
@click.option("--name", required=True)
@pass_app
def accounts_add(app: AppContext, name: str) -> None:
    emit(app.service.add_account(name))


@accounts.command("list")
@pass_app
def accounts_list(app: AppContext) -> None:
    emit(app.service.list_accounts())


@main.group()
def sources() -> None:
    """Where imported contacts came from (stamped on each)."""


@sources.command("add")
@click.option("--name", required=True)
@pass_app
def sources_add(app: AppContext, name: str) -> None:
    emit(app.service.add_source(name))


@sources.command("list")
@pass_app
def sources_list(app: AppContext) -> None:
    emit(app.service.list_sources())


# ------------------------------------------------------------------ demo
@main.command()
@click.option("--contacts", "count", type=click.IntRange(1, 5_000_000), default=500, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@pass_app
def demo(app: AppContext, count: int, seed: int) -> None:
    """Fill the database with a realistic, deterministic sample team and contacts."""
    from .demo import fill_demo

    emit(fill_demo(app.service.db, contacts=count, seed=seed))


# ------------------------------------------------------------------ import (cli_import.py)
main.add_command(import_group)

contacts.add_command(contacts_export)
main.add_command(backup)

# ------------------------------------------------------------------ API tokens, serve (cli_tokens.py, cli_serve.py)

main.add_command(tokens_group)
main.add_command(serve)
main.add_command(migrate_to_command)


# Messages quote what the user typed (an unknown id, a JSON key): control characters in it
# must neither break the one-line promise nor reach the terminal as escape sequences.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _printable(message: str) -> str:
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), message)


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"error: {_printable(message)}", err=True, color=False)
    sys.exit(code)


def _flush_or_drop_stdout() -> None:
    """Write what stdout still holds; if that fails too (the pipe or disk it goes to), point it
    at /dev/null, so the interpreter's own flush at exit does not fail again with a traceback."""
    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)


def _check_argv(argv: list[str]) -> None:
    """Arguments that are not UTF-8 arrive as lone surrogates (surrogateescape), which SQLite
    and the JSON output cannot take: refuse them up front, saying which one."""
    for n, arg in enumerate(argv, start=1):
        if _SURROGATE.search(arg):
            _fail(f"argument {n} ({arg!r}) is not valid UTF-8 text", 2)


def run(argv: list[str] | None = None) -> None:
    """Console-script entry point: turns every user mistake into one line on stderr."""
    args = sys.argv[1:] if argv is None else list(argv)
    _check_argv(args)
    try:
        # Not main.main(): on Ctrl-C it writes an empty line to stderr before its Abort, and the
        # promise is one line. Errors are all handled below.
        with main.make_context("parsalink-tui", args) as ctx:
            main.invoke(ctx)
        if sys.stdout is not None:  # None when started with stdout closed (>&-)
            sys.stdout.flush()  # a full disk or a closed pipe is reported here, not at exit
    except click.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        _fail(exc.format_message().replace("\n", " ") + hint, 2)
    except click.ClickException as exc:
        _fail(exc.format_message().replace("\n", " "), exc.exit_code or 1)
    except (click.exceptions.Abort, KeyboardInterrupt, EOFError):
        _fail("aborted", 130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except ParsalinkError as exc:
        _fail(str(exc), 1)
    except sqlite3.Error as exc:
        _fail(f"database: {exc}", 1)
    except BrokenPipeError:  # the reader went away (| head): nothing to say, and no one to say it to
        _flush_or_drop_stdout()
        sys.exit(1)
    except OSError as exc:  # writing the output failed (a full disk: > /dev/full) or a file did
        _flush_or_drop_stdout()
        where = f": {exc.filename}" if exc.filename else ""
        _fail(f"{exc.strerror or exc}{where}", 1)
    except Exception as exc:  # SQLAlchemy wraps sqlite3 errors
        from sqlalchemy.exc import DBAPIError

        if isinstance(exc, DBAPIError):
            _fail(f"database: {exc.orig}", 1)
        raise
