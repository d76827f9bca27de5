"""A PostgreSQL cluster kept under ``bench/out/pg`` between bench runs (bench_list.py).

``kept_cluster()`` starts the cluster in ``bench/out/pg`` (making it with ``tests/pg_cluster.py``'s
recipe the first time) and yields its URL maker; on exit the server is stopped, the data stays.
``database(name)`` gives the URL of a database of that name, created (owned by the bench role)
when missing. Delete ``bench/out/pg`` to start again.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.pg_cluster import PG_BIN, ROLE, SERVER_USER, missing, socket_url, start_cluster

FOLDER = Path(__file__).resolve().parent / "out" / "pg"


def _pg_ctl(*args: str) -> None:
    cmd = [str(PG_BIN / "pg_ctl"), *args]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", SERVER_USER, "--", *cmd]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


@contextlib.contextmanager
def kept_cluster(folder: Path = FOLDER) -> Iterator[Callable[[str], str]]:
    data = folder / "data"
    if (data / "PG_VERSION").exists():
        if not (data / "postmaster.pid").exists():
            _pg_ctl("start", "-D", str(data), "-w", "-t", "60", "-l", str(folder / "server.log"))
    else:
        start_cluster(folder)  # its stop() would remove the folder: we stop with pg_ctl instead

    def database(name: str) -> str:
        import psycopg

        with psycopg.connect(socket_url(folder, SERVER_USER, "postgres"), autocommit=True) as admin:
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                admin.execute(f'CREATE DATABASE "{name}" OWNER {ROLE}')
        return socket_url(folder, database=name)

    try:
        yield database
    finally:
        _pg_ctl("stop", "-D", str(data), "-m", "fast", "-w")


def available() -> bool:
    return missing() is None
