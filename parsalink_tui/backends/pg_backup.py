"""``parsalink-tui backup PATH`` on PostgreSQL: ``pg_dump -Fc`` into a new ``0600`` file.

pg_dump takes one consistent snapshot of the database (the app keeps writing meanwhile) and
writes PostgreSQL's custom format, which ``pg_restore`` reads (docs/team.md: restoring). It
must be on PATH (PostgreSQL's client tools, the server's major version or newer). The
connection is the app's URL with the password taken out: the password goes to pg_dump in its
environment (``PGPASSWORD``), never on its command line, where other users of the machine could
read it. The file is written under a temporary name beside its destination and named only when
pg_dump succeeded (``backup.new_partial`` / ``backup.publish``, as SQLite's backup).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from typing import Any

from ..backup import backup_destination, new_partial, publish
from ..errors import ParsalinkError
from ..validation import strip_control

NEEDS_PG_DUMP = ("backing up a PostgreSQL database needs pg_dump (PostgreSQL's client tools) on PATH; "
                 "or back it up on the server: docs/team.md")  # fmt: skip


def pg_dump_command(url: str, file: str) -> tuple[list[str], dict[str, str]]:
    """pg_dump's arguments and environment for ``url``: the password in the environment only."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    from .postgres import CONNECT_TIMEOUT_S

    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise ParsalinkError(NEEDS_PG_DUMP)
    info = conninfo_to_dict(url)
    env = dict(os.environ)
    password = info.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    if "connect_timeout" not in info and not env.get("PGCONNECT_TIMEOUT"):
        env["PGCONNECT_TIMEOUT"] = str(CONNECT_TIMEOUT_S)
    args = [pg_dump, "--format=custom", "--no-password", f"--file={file}", f"--dbname={make_conninfo(**info)}"]
    return args, env


def backup_postgres(url: str, destination: str | os.PathLike[str]) -> dict[str, Any]:
    """Dump the database at ``url`` to ``destination`` (a new file, or a folder for a dated
    ``.dump`` file). Returns ``{path, bytes, format, schemaVersion}``; one-line ParsalinkError
    otherwise, with nothing left behind."""
    from .postgres import display_name, scrub

    args, env = pg_dump_command(url, "")  # pg_dump found before anything is written
    target = backup_destination(destination, None, suffix=".dump")
    partial = new_partial(target)
    args[-2] = f"--file={partial}"
    try:
        try:
            done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except OSError as exc:
            raise ParsalinkError(f"cannot run pg_dump: {exc.strerror or exc}") from None
        if done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            reason = scrub(said[0] if said else f"exit status {done.returncode}", url)
            raise ParsalinkError(f"{display_name(url)}: pg_dump failed ({reason.removeprefix('pg_dump: ')}); "
                                 "nothing was saved")  # fmt: skip
        publish(partial, target)
    except OSError as exc:
        raise ParsalinkError(f"{strip_control(str(target))}: the backup failed ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()
    return {"path": str(target), "bytes": target.stat().st_size, "format": "pg_dump custom (restore with pg_restore)"}
