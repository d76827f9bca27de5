"""A throwaway PostgreSQL 15 cluster for tests and benchmarks: ``start_cluster(folder) -> (url, stop)``.

    url, stop = start_cluster(Path(tempfile.mkdtemp(prefix="parsalink-pg-")))
    try: ...  # connect with psycopg, or open the app's PostgreSQL backend on url
    finally: stop()  # pg_ctl stop -m immediate, then the folder is removed

The server runs from the binaries in ``PG_BIN`` (``$PARSALINK_PG_BIN`` or
/usr/lib/postgresql/15/bin), as the ``postgres`` OS user when this process is root (PostgreSQL
refuses root; ``runuser -u postgres --``), on a data folder inside ``folder``. It listens only on
a Unix socket in ``folder`` (``listen_addresses=''``), so clusters of several pytest-xdist
workers never share a port, and durability is off (``fsync``, ``full_page_writes``,
``synchronous_commit``): nothing in it is worth keeping. The returned URL connects over that
socket as the role ``parsalink`` (LOGIN CREATEDB, not a superuser: trust on the socket) to its
database ``parsalink``; other roles log in with a password (scram-sha-256), which lets tests try
a wrong one. Benchmarks import this file too (``sys.path.insert(0, <repo root>)`` then
``from tests.pg_cluster import start_cluster``): one copy of the recipe.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

PG_BIN = Path(os.environ.get("PARSALINK_PG_BIN") or "/usr/lib/postgresql/15/bin")
SERVER_USER = "postgres"  # the OS user the server runs as when we are root
ROLE = "parsalink"
DATABASE = "parsalink"
SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "max_connections": "60",
    "shared_buffers": "64MB",
}
HBA = f"""local all {SERVER_USER} trust
local all {ROLE} trust
local all all scram-sha-256
"""
SOCKET_PATH_MAX = 100  # a Unix socket path holds at most 107 bytes; ".s.PGSQL.5432" is added


class ClusterUnavailable(RuntimeError):
    """The PostgreSQL server binaries (or the OS user to run them) are not on this machine."""


def missing() -> str | None:
    """Why no cluster can start here, or None when it can."""
    for name in ("initdb", "pg_ctl", "postgres"):
        if not (PG_BIN / name).is_file():
            return f"PostgreSQL server binaries not found ({PG_BIN / name}; set PARSALINK_PG_BIN)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no '{SERVER_USER}' OS user to run the server as"
        if not shutil.which("runuser"):
            return "running as root and runuser is not installed"
    return None


def socket_url(folder: Path, role: str = ROLE, database: str = DATABASE, password: str | None = None) -> str:
    """A libpq URL reaching the cluster in ``folder`` over its socket."""
    auth = quote(role, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{auth}@/{quote(database, safe='')}?host={quote(str(folder), safe='')}"


def _as_server(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    cmd = ["runuser", "-u", SERVER_USER, "--", *args] if os.geteuid() == 0 else args
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def start_cluster(folder: Path) -> tuple[str, Callable[[], None]]:
    """Make and start a cluster in the empty (or new) ``folder``; returns its URL and ``stop``,
    which stops it at once and removes ``folder`` (safe to call twice)."""
    reason = missing()
    if reason:
        raise ClusterUnavailable(reason)
    folder = Path(folder).resolve()
    if len(str(folder)) > SOCKET_PATH_MAX:
        raise ClusterUnavailable(f"{folder}: too long a path for the server's Unix socket")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(folder, user.pw_uid, user.pw_gid)
    data = folder / "data"
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if stopped:
            return
        stopped = True
        if (data / "postmaster.pid").exists():
            subprocess.run(
                (["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else [])
                + [str(PG_BIN / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"],
                capture_output=True,
            )  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)

    try:
        _as_server([str(PG_BIN / "initdb"), "-D", str(data), "-U", SERVER_USER, "-A", "trust",
                    "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
        # Written as the server user (the files are its own): append through the server's shell.
        settings = "".join(f"{k} = {v}\n" for k, v in SETTINGS.items())
        settings += f"unix_socket_directories = '{folder}'\n"
        _as_server(["sh", "-c", f'cat >> "{data}/postgresql.conf"'], input=settings)
        _as_server(["sh", "-c", f'cat > "{data}/pg_hba.conf"'], input=HBA)
        _as_server([str(PG_BIN / "pg_ctl"), "start", "-D", str(data), "-w", "-t", "60",
                    "-l", str(folder / "server.log")])  # fmt: skip
        _setup_role(folder)
    except subprocess.CalledProcessError as exc:
        stop()
        raise ClusterUnavailable(f"starting PostgreSQL failed: {exc.cmd[-1]}: {(exc.stderr or '').strip()}") from exc
    except BaseException:
        stop()
        raise
    return socket_url(folder), stop


def pg_ctl(url: str, *args: str) -> None:
    """Run ``pg_ctl`` on the cluster ``url`` reaches, as the server's user: ``pg_ctl(url, "stop",
    "-m", "fast")`` takes the server down under the clients connected to it, ``pg_ctl(url,
    "start")`` brings it back (same folder, socket and data), so tests can restart a server."""
    from psycopg.conninfo import conninfo_to_dict

    folder = Path(conninfo_to_dict(url)["host"])
    extra = ["-l", str(folder / "server.log")] if args[0] == "start" else []
    _as_server([str(PG_BIN / "pg_ctl"), *args, "-D", str(folder / "data"), "-w", "-t", "60", *extra])


def _setup_role(folder: Path) -> None:
    import psycopg

    with psycopg.connect(socket_url(folder, SERVER_USER, "postgres"), autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {ROLE} LOGIN CREATEDB")
        admin.execute(f"CREATE DATABASE {DATABASE} OWNER {ROLE}")


def admin_url(url: str) -> str:
    """The same cluster, as its superuser (for what a test role may not do: other roles, passwords)."""
    from psycopg.conninfo import conninfo_to_dict

    host = conninfo_to_dict(url)["host"]
    return socket_url(Path(host), SERVER_USER, "postgres")
