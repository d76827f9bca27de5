"""Fixtures for the tests that take the PostgreSQL server down under a running app (the TUI,
the CLI, ``serve``): a cluster of the module's own, so stopping it leaves the session's alone.

Registered for every test by tests/conftest.py (``pytest_plugins``).

``restart_url`` is a new database reached as the role ``ann`` with ``PASSWORD`` in the URL (no
message may show it), committed durably (``synchronous_commit`` on for it, as a real server
runs: the cluster's default, off, may lose the last commits to an immediate stop). Take the
server down and up with ``pg_ctl(url, "stop", "-m", "fast" | "immediate")`` and
``pg_ctl(url, "start")``; it runs again after each test, whatever the test did.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pg_cluster import ClusterUnavailable, admin_url, missing, pg_ctl, start_cluster

PASSWORD = "s3cret-pw"


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[str]:
    if reason := missing():
        pytest.skip(reason)
    try:
        url, stop = start_cluster(Path(tempfile.mkdtemp(prefix="parsalink-pg-restart-")))
    except ClusterUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        stop()


@pytest.fixture
def restart_url(own_cluster: str, request: pytest.FixtureRequest) -> Iterator[str]:
    import psycopg

    name = request.node.name.split("[")[0][-40:].lower()
    with psycopg.connect(admin_url(own_cluster), autocommit=True) as admin:
        admin.execute("DROP ROLE IF EXISTS ann")
        admin.execute(f"CREATE ROLE ann LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        admin.execute(f"CREATE DATABASE {name} OWNER ann")
        admin.execute(f"ALTER DATABASE {name} SET synchronous_commit = on")
    yield f"postgresql://ann:{PASSWORD}@/{name}?host={own_cluster.split('?host=', 1)[1]}"
    from psycopg.conninfo import conninfo_to_dict

    if not (Path(conninfo_to_dict(own_cluster)["host"]) / "data" / "postmaster.pid").exists():
        pg_ctl(own_cluster, "start")
    with psycopg.connect(admin_url(own_cluster), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute("DROP ROLE IF EXISTS ann")
