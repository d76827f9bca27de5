"""Extension: reverting a complete import job over HTTP, as ``parsalink-tui import revert`` does.

``POST /api/crm/contacts/import-jobs/{uid}/revert/`` claims the revert and runs it in a thread
of this server (``Service.start_revert``); the job (``GET …/import-jobs/{uid}/``) shows its
progress and result under ``revert`` and ``revertedAt``. The contacts it leaves alone (changed
after the import) can be many, so they are a page at a time under ``…/revert/protected/``,
never a list in the job.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from ..service import Service
from .auth import Authed
from .contacts import page_link
from .filters import blank
from .models import Detail, FieldErrors, ImportJob, ProtectedPage

router = APIRouter(prefix="/api/crm/contacts/import-jobs", tags=["imports"])

_401: dict[int | str, dict[str, Any]] = {
    401: {"model": Detail, "description": "Missing, malformed, unknown or revoked token"}
}
_START: dict[int | str, dict[str, Any]] = {
    202: {"model": ImportJob, "description": "The job, its revert started (poll the job)"},
    **_401,
    404: {"model": Detail, "description": "No such job"},
    409: {"model": Detail, "description": "Not complete, already reverted, or being reverted"},
}
_PAGE: dict[int | str, dict[str, Any]] = {
    200: {"model": ProtectedPage},
    400: {"model": FieldErrors, "description": "An invalid page or limit"},
    **_401,
    404: {"model": Detail, "description": "No such job, no revert started, or a page past the last"},
}


@router.post("/{job_uid}/revert/", status_code=202, response_model=None, responses=_START)
def start_revert(job_uid: str, service: Service = Authed) -> JSONResponse:
    """Start undoing the complete import ``job_uid`` in the background: delete the contacts it
    created and put back what ``on_duplicate=update`` filled, except on contacts changed since.
    202 with the job; poll it until ``revert.status`` is ``complete``. A revert whose run
    stopped (the server was stopped) is taken up again by another POST."""
    return JSONResponse(service.start_revert(job_uid), status_code=202)


@router.get("/{job_uid}/revert/protected/", response_model=None, responses=_PAGE)
def revert_protected(
    job_uid: str,
    request: Request,
    service: Service = Authed,
    page: str | None = Query(None, description="Page number (default: 1)"),
    limit: str | None = Query(None, description="Results per page (default: 20, max: 100)"),
) -> JSONResponse:
    """The contacts the revert left alone because they changed after the import, by id:
    ``{count, next, previous, results: [{id, email, reason}]}``."""
    body = service.revert_protected(job_uid, blank(page) or 1, blank(limit) or 20)
    number = int(blank(page) or 1)  # the core accepted it
    body["next"] = page_link(request, body["next"], number + 1)
    body["previous"] = page_link(request, body["previous"], number - 1)
    return JSONResponse(body)
