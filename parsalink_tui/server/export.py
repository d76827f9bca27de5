"""``GET /api/contacts/export/`` (extension): every contact the list's filters match, streamed as
CSV, vCard or JSON, the file ``parsalink-tui contacts export`` writes.

Registered before ``/api/contacts/{id}/`` (app.py), which would otherwise take ``export`` for an
id. The export runs in its own thread into a temporary file that the response streams as it
grows (spool.py says why); at most EXPORTS_AT_ONCE run at once.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from ..service import Service
from .auth import Authed
from .filters import ListFilters, blank
from .models import Detail, FieldErrors
from .spool import Spool

router = APIRouter(prefix="/api/contacts", tags=["contacts"])

#: Exports running at once; more wait their turn. Each holds a database connection (the engine
#: has 5 + 10) and a CPU for its few seconds: a burst of exports must not starve other requests.
EXPORTS_AT_ONCE = 2

#: format → (Content-Type, file name offered to the client)
KINDS = {
    "csv": ("text/csv; charset=utf-8", "contacts.csv"),
    "vcard": ("text/vcard; charset=utf-8", "contacts.vcf"),
    "json": ("application/json", "contacts.json"),
}


class SpoolResponse(StreamingResponse):
    """Streams a spool; frees it however the response ends (sent, failed, client gone)."""

    def __init__(self, spool: Spool, **kwargs: Any) -> None:
        super().__init__(spool.chunks(), **kwargs)
        self.spool = spool

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.spool.close()


def _version(value: str | None) -> int | str:
    """3 or 4 as a number; anything else as received, for the core to refuse naming vcardVersion."""
    value = blank(value)
    if value is None:
        return 4
    return int(value) if value.strip() in ("3", "4") else value


_OK = {
    "description": "The whole filtered view, streamed",
    "content": {media.split(";")[0]: {} for media, _ in KINDS.values()},
}


@router.get("/export/", response_model=None, response_class=StreamingResponse,
            responses={200: _OK, 400: {"model": FieldErrors}, 401: {"model": Detail}})  # fmt: skip
async def export_contacts(
    request: Request,
    service: Service = Authed,
    format: str | None = Query(None, description="csv (default), vcard or json"),
    vcardVersion: str | None = Query(None, description="4 (default) or 3; vCard only"),
    filters: dict[str, Any] = ListFilters,
) -> StreamingResponse:
    """Extension: every contact the list's filters match (not one page), in the list's order, as
    a file to download: CSV (the import's own columns, re-imports with no mapping), vCard 4.0
    (3.0 with ``vcardVersion=3``) or JSON (an array of full contacts). Same parameters and rules
    as the list; ``page`` and ``limit`` do not apply."""
    fmt = blank(format) or "csv"
    version = _version(vcardVersion)

    def produce(out: Any) -> None:
        service.export_contacts(out, fmt=fmt, vcard_version=version, **filters)

    slots: asyncio.Semaphore = request.app.state.export_slots
    await slots.acquire()  # released when the export's thread ends, not when the response does
    try:
        spool = Spool(asyncio.get_running_loop())
        threading.Thread(target=spool.run, args=(produce, slots.release), name="parsalink-export", daemon=True).start()
    except BaseException:
        slots.release()
        raise
    await spool.started()  # a bad parameter raises here: a 400, not a stream
    media, filename = KINDS[fmt]
    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return SpoolResponse(spool, media_type=media, headers=headers)
