"""``/api/contacts/``: list, create, get, update (with ETag / If-Match), delete."""

from __future__ import annotations

import math
from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..service import Service
from .auth import Authed
from .bodies import read_json
from .errors import InvalidPage, etag
from .filters import ListFilters, blank
from .models import ContactCreate, ContactPage, ContactPublic, ContactUpdate, Detail, FieldErrors

router = APIRouter(prefix="/api/contacts", tags=["contacts"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": FieldErrors, "description": "Invalid input: each field or parameter → its messages"},
    401: {"model": Detail, "description": "Missing, malformed, unknown or revoked token"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Detail, "description": "No such contact"}}


def _body_doc(model: type) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def _with_etag(contact: dict[str, Any], version: int, status: int = 200) -> JSONResponse:
    return JSONResponse(contact, status_code=status, headers={"ETag": etag(version)})


def page_link(request: Request, link: str | None, page: int) -> str | None:
    """The absolute URL of ``page`` when the core has a link to it: this request's URL with the
    page replaced and every other parameter kept, as DRF builds it (page 1 drops ``page``)."""
    if link is None:
        return None
    url = request.url.remove_query_params("page") if page == 1 else request.url.include_query_params(page=page)
    return str(url)


_PAGE_ERRORS: dict[int | str, dict[str, Any]] = {**_ERRORS, 404: {"model": Detail, "description": "Invalid page."}}


@router.get("/", response_model=None, responses={200: {"model": ContactPage}, **_PAGE_ERRORS})
def list_contacts(
    request: Request,
    service: Service = Authed,
    page: str | None = Query(None, description="Page number (default: 1)"),
    limit: str | None = Query(None, description="Results per page (default: 20, max: 100)"),
    filters: dict[str, Any] = ListFilters,
) -> JSONResponse:
    """List contacts: ``{count, next, previous, results}``, newest first. Unknown parameters and
    empty values are ignored; an invalid value is a 400 naming its parameter."""
    params = {"page": blank(page) or 1, "limit": blank(limit) or 20, **filters}
    body = service.list_contacts(**params)
    number = int(params["page"])  # the core accepted it
    if not body["results"] and number > max(1, math.ceil(body["count"] / int(params["limit"]))):
        raise InvalidPage()
    body["next"] = page_link(request, body["next"], number + 1)
    body["previous"] = page_link(request, body["previous"], number - 1)
    return JSONResponse(body)


@router.post("/", status_code=201, response_model=None, openapi_extra=_body_doc(ContactCreate),
             responses={201: {"model": ContactPublic, "headers": {"ETag": {"description": "The contact's version"}}},
                        **_ERRORS, 415: {"model": Detail}})  # fmt: skip
async def create_contact(request: Request, service: Service = Authed) -> JSONResponse:
    """Create a contact; 201 with the full contact and its ``ETag``."""
    data = await read_json(request)
    contact, version = await run_in_threadpool(service.create_contact, data, with_version=True)
    return _with_etag(contact, version, 201)


@router.get("/{contact_id}/", response_model=None, responses={200: {"model": ContactPublic}, **_ERRORS, **_NOT_FOUND})
async def get_contact(contact_id: str, service: Service = Authed) -> JSONResponse:
    """One contact, with its version as ``ETag``."""
    # On the event loop: a primary-key read (~0.3 ms, never waits for a writer under WAL) costs
    # less than the two thread switches of the thread pool, which a loaded machine makes slow.
    contact, version = service.get_contact(contact_id, with_version=True)
    return _with_etag(contact, version)


def _if_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` asks for: None for no header or ``*``; -1 (never current,
    so 412) for a tag that is not one of ours."""
    if if_match is None or if_match.strip() == "*":
        return None
    tag = if_match.strip()
    if tag.startswith("W/"):  # If-Match compares strongly: a weak tag never matches
        return -1
    if len(tag) >= 3 and tag[0] == tag[-1] == '"' and tag[1:-1].isdigit():
        return int(tag[1:-1])
    return -1


@router.patch("/{contact_id}/", response_model=None, openapi_extra=_body_doc(ContactUpdate),
              responses={200: {"model": ContactPublic}, **_ERRORS, **_NOT_FOUND, 412: {"model": Detail, "description": "If-Match: the contact changed since"}, 415: {"model": Detail}})  # fmt: skip
async def update_contact(
    contact_id: str,
    request: Request,
    service: Service = Authed,
    if_match: str | None = Header(None, description='The ETag of the contact as read ("N"); 412 if it changed since'),
) -> JSONResponse:
    """Change only the given fields; with ``If-Match``, only if the contact is still at that ETag."""
    data = await read_json(request)
    contact, version = await run_in_threadpool(
        service.update_contact, contact_id, data, if_version=_if_version(if_match), with_version=True
    )
    return _with_etag(contact, version)


@router.delete("/{contact_id}/", status_code=204, response_model=None, responses={**_ERRORS, **_NOT_FOUND})
def delete_contact(contact_id: str, service: Service = Authed) -> Response:
    """Delete the contact with its notes and tasks; its audit rows stay. 204, no body."""
    service.delete_contact(contact_id)
    return Response(status_code=204)
