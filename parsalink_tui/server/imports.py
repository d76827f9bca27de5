"""Imports: the reference's async CSV import (start, poll, recent jobs) and our synchronous
``POST /api/crm/contacts/import/`` for small CSV and vCard files (the reference's "unified import").

Uploads reach the core as bytes (``Service.start_import_bytes``): the client's filename is only
the job's label, never part of a path. Jobs run in this server's import worker thread.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..service import Service
from .auth import Authed
from .bodies import read_upload
from .models import Detail, FieldErrors, ImportJob, ImportQueued

router = APIRouter(prefix="/api/crm/contacts", tags=["imports"])

SYNC_IMPORT_MAX_ROWS = 1_000  # rows of a CSV file, cards of a vCard file
ASYNC_KINDS = ("csv",)  # the reference's async import takes .csv only; vCards go to the synchronous one
_POLL_SECONDS = 0.05
_WAKE_EVERY = 40  # polls (2 s)
_FINISHED = ("complete", "failed")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": FieldErrors, "description": "Refused upload (no job is created)"},
    401: {"model": Detail},
    413: {"model": Detail, "description": "Over 10 MB (10,485,760 bytes)"},
    415: {"model": Detail, "description": "Not multipart/form-data"},
}


def _form(file_description: str) -> dict[str, Any]:
    """The multipart body of an import, for OpenAPI (the handlers read the form themselves)."""
    fields = {
        "file": {"type": "string", "format": "binary", "description": file_description},
        "source_uid": {"type": "string", "description": "UID of a Source to stamp on every created contact"},
        "field_mappings": {"type": "string", "description": 'JSON: CSV header → field (or null), e.g. {"E-mail": "email"}'},
        "on_duplicate": {"type": "string", "enum": ["skip", "update"], "description": "Extension: what to do with rows whose email exists (default skip)"},
        "region": {"type": "string", "description": 'Extension: country of phone numbers written without "+", e.g. DE (default: the server\'s region)'},
    }  # fmt: skip
    schema = {"type": "object", "required": ["file"], "properties": fields}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


_ASYNC_FORM = _form("The CSV file (.csv only, up to 10 MB)")
_SYNC_FORM = _form(f"A CSV or vCard file (.csv, .vcf, .vcard; up to 10 MB and {SYNC_IMPORT_MAX_ROWS:,} rows or cards)")


async def _queue(request: Request, service: Service, max_rows: int | None, kinds: tuple[str, ...] | None) -> dict[str, Any]:
    upload = await read_upload(request)
    return await run_in_threadpool(
        service.start_import_bytes, upload.data, upload.filename, source_uid=upload.source_uid,
        field_mappings=upload.field_mappings, on_duplicate=upload.on_duplicate, run=True, max_rows=max_rows,
        kinds=kinds, region=upload.region,
    )  # fmt: skip


@router.post("/import/start/", status_code=202, response_model=None, openapi_extra=_ASYNC_FORM,
             responses={202: {"model": ImportQueued}, **_ERRORS})  # fmt: skip
async def start_import(request: Request, service: Service = Authed) -> JSONResponse:
    """Queue an import of a CSV file (``.csv`` only, as the reference says: another file is a 400
    naming ``file``); 202 ``{uid, status: "queued", filename}``. Poll the job."""
    return JSONResponse(await _queue(request, service, None, ASYNC_KINDS), status_code=202)


@router.post("/import/", response_model=None, openapi_extra=_SYNC_FORM, responses={200: {"model": ImportJob}, **_ERRORS})
async def import_now(request: Request, service: Service = Authed) -> JSONResponse:
    """Extension (the reference's synchronous "unified import"): import a small CSV or vCard file
    (``.csv``, ``.vcf``, ``.vcard``; up to 1,000 rows or cards, SYNC_IMPORT_MAX_ROWS) and answer
    with the finished job. Larger files: 400 naming /api/crm/contacts/import/start/ (CSV). A job
    queued behind a running import waits for it."""
    queued = await _queue(request, service, SYNC_IMPORT_MAX_ROWS, None)
    for polls in itertools.count(1):
        job = await run_in_threadpool(service.get_import_job, queued["uid"], with_issues=False)
        if job["status"] in _FINISHED:
            return JSONResponse(await run_in_threadpool(service.get_import_job, queued["uid"]))
        if polls % _WAKE_EVERY == 0:  # a worker that died (its job goes stale) is replaced
            await run_in_threadpool(service.resume_imports)
        await asyncio.sleep(_POLL_SECONDS)
    raise AssertionError("unreachable")


@router.get("/import-jobs/{job_uid}/", response_model=None,
            responses={200: {"model": ImportJob}, 401: {"model": Detail}, 404: {"model": Detail}})  # fmt: skip
def get_import_job(job_uid: str, service: Service = Authed) -> JSONResponse:
    """One import job, as ``parsalink-tui import status`` prints it, except that a reverted job's
    protected contacts are paged under ``…/revert/protected/`` (``revert.protectedCount`` says how many)."""
    return JSONResponse(service.get_import_job(job_uid, with_protected=False))


@router.get("/import-jobs/", response_model=None, responses={200: {"model": list[ImportJob]}, 401: {"model": Detail}})
def list_import_jobs(service: Service = Authed) -> JSONResponse:
    """The last 50 jobs, most recent first."""
    return JSONResponse(service.list_import_jobs())
