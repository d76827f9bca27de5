"""``parsalink-tui serve``: the reference HTTP API over this database (parsalink_tui/server/).

FastAPI and uvicorn are imported only when the command runs, so the CLI's other commands start
as fast as before.
"""

from __future__ import annotations

from typing import Any

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0 picks a free port.")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), help="TLS certificate (PEM).")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), help="TLS private key (PEM).")
@click.option("--body-timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True,
              help="Seconds a request body may take to arrive (slow clients get 408).")  # fmt: skip
@click.pass_obj
def serve(app: Any, host: str, port: int, ssl_certfile: str | None, ssl_keyfile: str | None,
          body_timeout: float) -> None:  # fmt: skip
    """Serve the ParsaLink contacts API until SIGINT/SIGTERM; prints its base URL on stderr."""
    if not host or any(ch.isspace() or not ch.isprintable() for ch in host):
        # Checked before anything is printed: the off-loopback warning would echo it.
        raise click.BadParameter("not a host name or address", param_hint="'--host'")
    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise click.UsageError("--ssl-certfile and --ssl-keyfile go together")
    from .server.run import serve_forever

    service = app.service
    try:
        serve_forever(service, host=host, port=port, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
                      body_timeout=body_timeout)  # fmt: skip
    finally:
        service.close()
