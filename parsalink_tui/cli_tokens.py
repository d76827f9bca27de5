"""``parsalink-tui tokens create|list|revoke``: bearer tokens for ``serve``.

    tokens create --name NAME   # {"id", "name", "token", "createdAt"}: the secret is shown once
    tokens list                 # id, name, createdAt, lastUsedAt, revokedAt; never the secret
    tokens revoke ID            # takes effect on the server's next request
"""

from __future__ import annotations

from typing import Any

import click

from .cli_common import emit


@click.group("tokens")
def tokens_group() -> None:
    """API tokens for `serve` (stored only as a hash)."""


@tokens_group.command("create")
@click.option("--name", required=True, help="What or who uses the token.")
@click.pass_obj
def tokens_create(app: Any, name: str) -> None:
    """Create a token; prints it once (store it: only its hash is kept)."""
    emit(app.service.create_token(name))


@tokens_group.command("list")
@click.pass_obj
def tokens_list(app: Any) -> None:
    """Every token without its secret: id, name, createdAt, lastUsedAt, revokedAt."""
    emit(app.service.list_tokens())


@tokens_group.command("revoke")
@click.argument("token_id")
@click.pass_obj
def tokens_revoke(app: Any, token_id: str) -> None:
    """Revoke a token; the server refuses it from its next request on."""
    emit(app.service.revoke_token(token_id))
