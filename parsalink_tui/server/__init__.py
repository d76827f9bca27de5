"""The HTTP API (``parsalink-tui serve``): FastAPI on uvicorn over the core's ``Service``.

Imported only by the ``serve`` command, so the CLI's other commands never load FastAPI.
"""

from .app import create_app

__all__ = ["create_app"]
