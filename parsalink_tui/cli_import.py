"""``parsalink-tui import …``: CSV imports as background jobs, the reference's "Async CSV import".

    import start FILE [--source UID] [--field-mappings JSON] [--saved-mapping] [--on-duplicate skip|update]
                      [--region CC] [--wait]
    import preview FILE [--field-mappings JSON] [--saved-mapping] [--rows N] [--region CC]
    import status UID
    import list
    import errors UID > fix.csv
    import revert UID                     (cli_import_revert.py)
    import mappings list | forget ID      (cli_import_revert.py)

``start`` queues the job, starts a detached worker process (``import work``, hidden) and prints
the 202 body at once; the job runs to completion after the command returns. ``--wait`` runs the
worker in this process instead, draws a progress bar on stderr when stderr is a terminal, and
prints the final job; a job that fails exits 1 after printing it. ``status`` and ``list`` also
start a worker when a job is waiting with none (its worker was killed, say), so it resumes.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from .cli_common import AppContext, emit, pass_app
from .cli_types import TEXT
from .errors import DatabaseUnavailable, ParsalinkError
from .validation import check_region

_POLL_SECONDS = 0.2


@click.group("import")
def import_group() -> None:
    """Import contacts from CSV files (Google, Outlook, LinkedIn, HubSpot, Salesforce exports…)."""


def _mappings_arg(value: str | None) -> str | None:
    """--field-mappings: JSON text, or @file.json. Checked by the core (a refusal, exit 1)."""
    if value is None or not value.startswith("@"):
        return value
    try:
        with open(value[1:], encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise click.BadParameter(f"cannot read {value[1:]}: {exc.strerror}", param_hint="--field-mappings") from None
    except UnicodeDecodeError:
        raise click.BadParameter(f"{value[1:]} is not UTF-8 text", param_hint="--field-mappings") from None


def _region_arg(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--region: a two-letter code phonenumbers knows (usage error naming --region otherwise)."""
    if value is None:
        return None
    try:
        return check_region(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx, param) from None


_REGION_HELP = "Country of phone numbers written without +, e.g. DE (default: $PARSALINK_REGION, else US)."
_MAPPINGS_HELP = 'JSON object of CSV header → field (or null to ignore), e.g. \'{"E-mail": "email"}\', or @file.json.'
_SAVED_HELP = ("Use the mapping remembered for this file's columns (import mappings list); --field-mappings "
               "wins where both name a column. Refused if none is saved.")  # fmt: skip


@import_group.command("start")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--source", "source_uid", type=TEXT, metavar="UID", help="Source stamped on every created contact.")
@click.option("--field-mappings", type=TEXT, metavar="JSON", help=_MAPPINGS_HELP)
@click.option("--saved-mapping", is_flag=True, help=_SAVED_HELP)
@click.option("--on-duplicate", type=click.Choice(["skip", "update"]), default="skip", show_default=True,
              help="skip: list rows whose email exists; update: also fill the existing contact's empty fields and add tags.")  # fmt: skip
@click.option("--region", metavar="CC", callback=_region_arg, help=_REGION_HELP)
@click.option("--wait", is_flag=True, help="Run the import here, show progress on stderr, print the final job.")
@pass_app
def import_start(app: AppContext, file: str, source_uid: str | None, field_mappings: str | None,
                 saved_mapping: bool, on_duplicate: str, region: str | None, wait: bool) -> None:  # fmt: skip
    """Queue an import of FILE (a .csv of up to 10 MB); prints {uid, status, filename}.

    The --field-mappings it uses are remembered for files with the same columns.
    """
    service = app.service
    body = service.start_import(
        file, source_uid=source_uid, field_mappings=_mappings_arg(field_mappings),
        on_duplicate=on_duplicate, run=wait, saved_mapping=saved_mapping, region=region,
    )  # fmt: skip
    if not wait:
        from .importing.runner import spawn_worker

        spawn_worker(service.db.target)
        emit(body)
        return
    job = _follow(service, body["uid"])
    emit(job)
    if job["status"] == "failed":
        click.echo(f"error: import job {job['uid']} failed: {job['errorMessage']}", err=True)
        sys.exit(1)


def _follow(service: Any, uid: str) -> dict[str, Any]:
    """Poll the job until it ends (drawing a bar on a terminal); returns it with its issues. The
    database server away (the worker waits it out: ``outage``) is waited out here too, as long."""
    from .importing.outage import OUTAGE_SECONDS
    from .importing.runner import has_claimable_job, spawn_worker, stop_worker

    bar = sys.stderr.isatty()
    last_wake = time.monotonic()
    away_since: float | None = None  # the database server went away (the worker waits it out too)
    try:
        while True:
            try:
                job = service.get_import_job(uid, with_issues=False)
            except DatabaseUnavailable:
                away_since = away_since or time.monotonic()
                if time.monotonic() - away_since > OUTAGE_SECONDS:
                    raise
                time.sleep(_POLL_SECONDS)
                continue
            away_since = None
            if bar:
                _draw(job)
            if job["status"] in ("complete", "failed"):
                break
            if time.monotonic() - last_wake > 2.0:  # e.g. our job waited behind a worker that died
                service.resume_imports()
                last_wake = time.monotonic()
            time.sleep(_POLL_SECONDS)
    except KeyboardInterrupt:
        stop_worker(service.db)  # releases the job; a detached worker takes it from there
        spawn_worker(service.db.target)
        if bar:
            click.echo("", err=True)
        click.echo(f"error: interrupted; the import goes on in the background (import status {uid})", err=True)
        sys.exit(130)
    if bar:
        click.echo("", err=True)
    # Our thread may have claimed a job queued by someone else meanwhile: hand it over.
    stop_worker(service.db)
    if has_claimable_job(service.db):
        spawn_worker(service.db.target)
    return service.get_import_job(uid)


def _draw(job: dict[str, Any]) -> None:
    width = 28
    done = width * job["progressPercent"] // 100
    line = (
        f"\r{job['progressPercent']:3d}% [{'#' * done}{'.' * (width - done)}] "
        f"{job['processedRows']:,}/{job['totalRows']:,} rows, {job['successCount']:,} imported, "
        f"{job['errorCount']:,} errors"
    )
    click.echo(line, err=True, nl=False)


@import_group.command("preview")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str))
@click.option("--field-mappings", type=TEXT, metavar="JSON", help=_MAPPINGS_HELP)
@click.option("--saved-mapping", is_flag=True, help=_SAVED_HELP)
@click.option("--rows", type=click.IntRange(0, 1000), default=5, show_default=True, help="Records to show.")
@click.option("--region", metavar="CC", callback=_region_arg, help=_REGION_HELP)
@pass_app
def import_preview(app: AppContext, file: str, field_mappings: str | None, saved_mapping: bool, rows: int,
                   region: str | None) -> None:  # fmt: skip
    """Show how FILE would import: detected columns → fields, and the first rows as contacts."""
    emit(app.service.preview_import(file, _mappings_arg(field_mappings), rows=rows, region=region,
                                    saved_mapping="required" if saved_mapping else "off"))  # fmt: skip


def _wake_stalled(app: AppContext) -> None:
    """Start a worker if a job waits with none (its process died); status polls then see it move."""
    from .importing.runner import has_claimable_job, spawn_worker

    if has_claimable_job(app.service.db):
        spawn_worker(app.service.db.target)


@import_group.command("status")
@click.argument("uid")
@pass_app
def import_status(app: AppContext, uid: str) -> None:
    """Print one job: status, progress, counts, errors and duplicates."""
    job = app.service.get_import_job(uid)
    if job["status"] in ("queued", "processing"):
        _wake_stalled(app)
    emit(job)


@import_group.command("list")
@pass_app
def import_list(app: AppContext) -> None:
    """The last 50 jobs, most recent first."""
    jobs = app.service.list_import_jobs()
    if any(job["status"] in ("queued", "processing") for job in jobs):
        _wake_stalled(app)
    emit(jobs)


@import_group.command("errors")
@click.argument("uid")
@pass_app
def import_errors(app: AppContext, uid: str) -> None:
    """Write the job's failed rows as CSV (an "error" column first) to fix and import again.

    Cells a spreadsheet would run as formulas (starting with = + - @, tab or CR) get a leading
    ' ; the importer removes it again. A job that failed as a whole (a binary file, say) has no
    rows to list: that is an error saying why, exit 1.
    """
    job = app.service.get_import_job(uid, with_issues=False)
    if job["status"] == "failed":
        raise ParsalinkError(f"import job {uid} failed, so it has no row errors to list: {job['errorMessage']}")
    data = app.service.import_errors_csv(uid)
    stream = click.get_binary_stream("stdout")
    stream.write(data)
    stream.flush()


@import_group.command("work", hidden=True)
@pass_app
def import_work(app: AppContext) -> None:
    """Run queued jobs until none is left (the detached worker `import start` launches)."""
    app.service.work_imports()


from . import cli_import_revert  # noqa: F401  (adds revert and mappings to the group)
