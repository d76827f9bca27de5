"""``create_app(service)``: the FastAPI application serving the reference API over one database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from ..service import Service
from . import contacts, errors, export, imports, reverts
from .limits import BODY_TIMEOUT_SECONDS, BodyLimits

# Handlers run in a thread pool; each holds a database connection while it runs. Fewer threads
# than the engine's pool (5 + 10 overflow) so a burst queues for a thread, never for a connection.
WORKER_THREADS = 12

DESCRIPTION = """The ParsaLink contacts API, served by `parsalink-tui serve` over a local database.

Every endpoint takes `Authorization: Bearer <token>` (`parsalink-tui tokens create --name NAME`).
Errors follow Django REST framework: 400 `{"field": ["message"]}`, 404 `{"detail": "Not found."}`.
Extensions: the `ordering` list parameter, `ETag`/`If-Match` on contacts, and the synchronous
`POST /api/crm/contacts/import/` for small CSV and vCard files,
`GET /api/contacts/export/` (the whole filtered view as CSV, vCard or JSON), and
`POST /api/crm/contacts/import-jobs/{uid}/revert/` (undo a complete import).
"""


def create_app(service: Service, *, body_timeout: float = BODY_TIMEOUT_SECONDS) -> FastAPI:
    """The API on ``service``; jobs started here run in ``service``'s import worker thread."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        await anyio.to_thread.run_sync(service.resume_imports)  # jobs left by a process that died
        await anyio.to_thread.run_sync(service.resume_reverts)  # and reverts, stopped or killed
        yield

    # FastAPIOffline: FastAPI whose /docs (Swagger UI) and /redoc load their scripts and styles
    # from this server (fastapi-offline ships them), not from a CDN: offline, the app's point,
    # FastAPI's own pages are blank. No online validator badge either (Swagger UI would call one).
    app = FastAPIOffline(
        title="ParsaLink contacts API (parsalink-tui)", version="1", description=DESCRIPTION, lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )  # fmt: skip
    app.state.service = service
    app.state.export_slots = asyncio.Semaphore(export.EXPORTS_AT_ONCE)
    errors.install(app)
    app.include_router(export.router)  # before contacts: /api/contacts/{id}/ would take "export"
    app.include_router(contacts.router)
    app.include_router(imports.router)
    app.include_router(reverts.router)
    app.add_middleware(BodyLimits, body_timeout=body_timeout)
    return app
