"""API tokens for ``serve``: create, list, revoke, authenticate, and the ``lastUsedAt`` stamp.

A token is ``plk_`` + 32 random bytes (``secrets.token_urlsafe``, 256 bits). Only its SHA-256
is stored (table ``api_token``); the secret is shown once, by :func:`create_token`. A request's
token is looked up by its hash and the stored hash compared with ``hmac.compare_digest``; a
revoked token stops working on the next request (nothing is cached).

``lastUsedAt`` is written at most once a minute per token, by :class:`LastUsedRecorder`'s own
thread: a request only drops the token id in a queue, so it never waits for the write lock (an
import may hold it between batches).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import queue
import secrets
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text

from .errors import DatabaseFileError, NotFoundError, ValidationError
from .ids import new_id
from .timeutil import now_store, to_api
from .validation import clean_text

if TYPE_CHECKING:
    from .db import Database

log = logging.getLogger(__name__)

TOKEN_PREFIX = "plk_"
LAST_USED_EVERY_SECONDS = 60.0
_NAME_LIMIT = 100


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _out(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "createdAt": to_api(row.created_at),
        "lastUsedAt": to_api(row.last_used_at),
        "revokedAt": to_api(row.revoked_at),
    }


def create_token(conn: Connection, name: Any) -> dict[str, Any]:
    """A new token: ``{id, name, token, createdAt}`` — the only time the secret is returned."""
    clean = clean_text(name, "name", max_length=_NAME_LIMIT)
    if not clean:
        raise ValidationError("name", "a token needs a name (what or who uses it)")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id, now = new_id("tok"), now_store()
    conn.execute(
        text("INSERT INTO api_token (id, name, secret_hash, created_at) VALUES (:id, :name, :hash, :now)"),
        {"id": token_id, "name": clean, "hash": hash_secret(secret), "now": now},
    )
    return {"id": token_id, "name": clean, "token": secret, "createdAt": to_api(now)}


def list_tokens(conn: Connection) -> list[dict[str, Any]]:
    """Every token, oldest first, without its secret (nor its hash)."""
    rows = conn.execute(
        text("SELECT id, name, created_at, last_used_at, revoked_at FROM api_token ORDER BY created_at, id")
    )
    return [_out(row) for row in rows]


def revoke_token(conn: Connection, token_id: str) -> dict[str, Any]:
    """Revoke a token (again is a no-op); NotFoundError for an unknown id."""
    conn.execute(
        text("UPDATE api_token SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL"),
        {"now": now_store(), "id": token_id},
    )
    row = conn.execute(
        text("SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE id = :id"), {"id": token_id}
    ).first()
    if row is None:
        raise NotFoundError("token", token_id)
    return _out(row)


def authenticate(conn: Connection, secret: str) -> str | None:
    """The id of the live token whose secret is ``secret``, else None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    wanted = hash_secret(secret)
    row = conn.execute(
        text("SELECT id, secret_hash, revoked_at FROM api_token WHERE secret_hash = :h"), {"h": wanted}
    ).first()
    if row is None or not hmac.compare_digest(row.secret_hash, wanted) or row.revoked_at is not None:
        return None
    return str(row.id)


class LastUsedRecorder:
    """Writes ``api_token.last_used_at`` from a daemon thread, at most once a minute per token."""

    def __init__(self, db: Database, every: float = LAST_USED_EVERY_SECONDS) -> None:
        self.db = db
        self.every = every
        self._written: dict[str, float] = {}
        self._queue: queue.SimpleQueue[tuple[str, str] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def note(self, token_id: str) -> None:
        """Record a use now (cheap: no database access on the caller's thread)."""
        now = time.monotonic()
        with self._lock:
            last = self._written.get(token_id)
            if last is not None and now - last < self.every:
                return
            self._written[token_id] = now
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="parsalink-token-use", daemon=True)
                self._thread.start()
        self._queue.put((token_id, now_store()))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            token_id, at = item
            try:
                with self.db.write() as conn:
                    conn.execute(
                        text("UPDATE api_token SET last_used_at = :at WHERE id = :id"), {"at": at, "id": token_id}
                    )
            except DatabaseFileError as exc:  # the database said why in one line (down, read-only role)
                log.warning("could not record the use of token %s: %s", token_id, exc)
            except Exception:  # a stamp is not worth failing anything for
                log.warning("could not record the use of token %s", token_id, exc_info=True)

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)
