"""Bearer-token authentication: a dependency that yields the request's ``Service``, acting as
the token (so the audit log records which token made each change).

Missing, malformed, unknown or revoked tokens → 401 ``{"detail": …}`` with
``WWW-Authenticate: Bearer``. The token is checked on every request (a revoke takes effect on
the next one); its ``lastUsedAt`` is noted off the request's path (see tokens.py).
"""

from __future__ import annotations

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..service import Service

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `parsalink-tui tokens create --name NAME`, as `Authorization: Bearer <token>`.",
)


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})


async def acting_service(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Service:
    # Runs on the event loop, not in the thread pool: one indexed read (~0.1 ms; WAL readers never
    # wait for writers) costs less than a hop to a thread and back, which every request would pay.
    header = request.headers.get("authorization")
    if header is None:
        raise _unauthorized("Authentication credentials were not provided.")
    if credentials is None or not credentials.credentials or " " in credentials.credentials.strip():
        raise _unauthorized("Invalid token header. Expected 'Bearer <token>'.")
    service: Service = request.app.state.service
    token_id = service.authenticate_token(credentials.credentials.strip())
    if token_id is None:
        raise _unauthorized("Invalid token.")
    return service.as_actor(f"token:{token_id}")


Authed = Depends(acting_service)
