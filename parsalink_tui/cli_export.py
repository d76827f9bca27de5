"""``parsalink-tui contacts export`` and ``parsalink-tui backup``.

    contacts export [--format csv|vcard|json] [--vcard-version 3|4] [list filters] [--output PATH] > file
    backup PATH

``export`` writes every contact the filters match (the list's filters, not one page) to
stdout, or to a new ``--output`` file (created 0600: it holds personal data). ``backup`` copies
the whole database while it is in use and prints ``{path, bytes, contacts, schemaVersion}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from .cli_common import AppContext, emit, pass_app
from .exporting import FORMATS


F = TypeVar("F", bound=Callable[..., Any])


def filter_options(command: F) -> F:
    """The list filters and ordering as options (``contacts list`` declares the same ones in
    cli.py; it can take this decorator once the CLI is split into modules)."""
    for option in reversed((
        click.option("--stage", help="new, contacted, engaged, proposal_sent, negotiation, customer, inactive."),
        click.option("--assigned-to", help="A user id, or 'none' for unassigned contacts."),
        click.option("--search", help="Substring of name, email or phone."),
        click.option("--created-after", metavar="ISO", help="ISO 8601 date or datetime (no offset = UTC)."),
        click.option("--created-before", metavar="ISO"),
        click.option("--tags", help="Comma-separated; a contact must have all of them."),
        click.option("--ordering", help="createdAt, updatedAt, lastName or stage; prefix - for descending."),
    )):  # fmt: skip
        command = option(command)
    return command


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True,
              help="csv re-imports with no mapping; vcard is 4.0 (see --vcard-version); json: full contact objects.")
@click.option("--vcard-version", type=click.Choice(["3", "4"]), default="4", show_default=True)
@filter_options
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=str),
              help="Write to this new file (mode 0600) instead of stdout.")
@pass_app
def contacts_export(app: AppContext, fmt: str, vcard_version: str, stage: str | None, assigned_to: str | None,
                    search: str | None, created_after: str | None, created_before: str | None, tags: str | None,
                    ordering: str | None, output: str | None) -> None:  # fmt: skip
    """Write every contact the filters match, e.g. `contacts export --stage customer > customers.csv`."""
    filters = {"stage": stage, "assigned_to": assigned_to, "search": search, "created_after": created_after,
               "created_before": created_before, "tags": tags, "ordering": ordering}  # fmt: skip
    options = {"fmt": fmt, "vcard_version": int(vcard_version), **filters}
    if output is None:
        app.service.export_contacts(click.get_binary_stream("stdout"), **options)
    else:
        app.service.export_to_file(output, **options)


@click.command("backup")
@click.argument("path", metavar="PATH")  # a destination (a new file or a folder), not a file to read
@pass_app
def backup(app: AppContext, path: str) -> None:
    """Copy the whole database to PATH (a new file, or a folder) while it is in use; open the copy
    with --db PATH to restore it."""
    emit(app.service.backup(path))
