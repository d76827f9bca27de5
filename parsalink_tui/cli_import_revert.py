"""``parsalink-tui import revert`` and ``import mappings``: undoing an import, remembered mappings.

    import revert UID            undo a complete import (see importing/revert.py)
    import mappings list         the remembered column mappings
    import mappings forget ID    drop one

``revert`` runs the revert in this process, in batches, with a progress bar on stderr when stderr
is a terminal, and prints the job with its ``revert`` extension. A revert interrupted (Ctrl-C, a
kill) is finished by running the command again.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from .cli_common import AppContext, emit, pass_app
from .cli_import import import_group
from .errors import NotFoundError


def _draw(state: dict[str, Any]) -> None:
    width = 28
    percent = state["processed"] * 100 // max(1, state["total"])
    done = width * percent // 100
    click.echo(
        f"\r{percent:3d}% [{'#' * done}{'.' * (width - done)}] {state['processed']:,}/{state['total']:,} "
        f"contacts, {state['deleted']:,} deleted, {state['restored']:,} restored",
        err=True,
        nl=False,
    )


@import_group.command("revert")
@click.argument("uid")
@pass_app
def import_revert(app: AppContext, uid: str) -> None:
    """Undo the complete import UID: delete the contacts it created and put back what
    --on-duplicate update filled in. Contacts changed since the import (a field, tags, the stage,
    a note or a task) are left alone and listed under revert.protected.

    Example: parsalink-tui import revert 3f2a…  (prints the job; rerun it to finish an interrupted revert)
    """
    bar = sys.stderr.isatty()
    try:
        job = app.service.revert_import(uid, progress=_draw if bar else None)
    except KeyboardInterrupt:
        if bar:
            click.echo("", err=True)
        click.echo(f"error: interrupted; run `import revert {uid}` again to finish the revert", err=True)
        sys.exit(130)
    if bar:
        click.echo("", err=True)
    emit(job)
    revert = job["revert"]
    if revert["protectedCount"]:
        click.echo(
            f"{revert['protectedCount']:,} contacts changed since the import were left alone (revert.protected)",
            err=True,
        )


@import_group.group("mappings")
def mappings_group() -> None:
    """Column mappings remembered per header row (saved when an import with one starts)."""


@mappings_group.command("list")
@pass_app
def mappings_list(app: AppContext) -> None:
    """Every remembered mapping: id, the header row, the columns chosen, when.

    Example: parsalink-tui import mappings list
    """
    emit(app.service.list_saved_mappings())


@mappings_group.command("forget")
@click.argument("mapping_id", metavar="ID")
@pass_app
def mappings_forget(app: AppContext, mapping_id: str) -> None:
    """Forget the remembered mapping ID (from `import mappings list`).

    Example: parsalink-tui import mappings forget 3
    """
    # An id that is not a number is an unknown id, said as for any other id (not a type error).
    if not (mapping_id.isascii() and mapping_id.isdigit()):
        raise NotFoundError("saved mapping", mapping_id)
    app.service.forget_saved_mapping(int(mapping_id))
    emit({"forgotten": int(mapping_id)})
