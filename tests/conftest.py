"""Shared fixtures: every test gets a fresh database under tmp_path, never the per-user file."""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from parsalink_tui.service import Service

# The hardening figures are summed and printed by the controller, also under pytest-xdist;
# tests.pg_restart: a PostgreSQL cluster a module may stop and start (own_cluster, restart_url).
pytest_plugins = ["tests.hardening.figures", "tests.pg_restart"]

# Real files from other projects, copied with their SOURCE.txt (origin, licence): tests/data/README.md.
CORPORA = Path(__file__).resolve().parent / "data"


#: Tests that run several busy processes at once (contention, kills at random points, a TUI
#: triaging under an import): under pytest-xdist (`-n 2 --dist loadgroup` in pyproject.toml)
#: they run one after another on one worker, so two of them never compete for the same cores.
ONE_AT_A_TIME = {
    "hardening/test_concurrency.py",
    "hardening/test_concurrent_cli_imports.py",
    "hardening/test_concurrent_tui_import.py",
    "hardening/test_import_kills.py",
    "hardening/test_tui_kills.py",
}
TESTS = Path(__file__).resolve().parent


#: The databases a ``both_backends`` test runs on (the ``backend`` its ``service`` is opened on).
BACKENDS = ("sqlite", "postgresql")


#: The fixtures opened on ``backend``: a test of a ``both_backends`` module taking any of them
#: (or ``cli``, which runs on ``db_target``) runs on both databases (``demo_service``:
#: tests/tui/conftest.py).
ON_BACKEND = {"service", "demo_service", "db_target"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # ``@pytest.mark.both_backends`` (or a module's pytestmark): every test of it that takes
    # ``service`` (or ``demo_service``) runs once on SQLite and once on PostgreSQL;
    # ``sqlite_only`` opts one out.
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and not metafunc.definition.get_closest_marker("sqlite_only") and ON_BACKEND & set(metafunc.fixturenames):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        on_pg = params.get("backend") == "postgresql"
        if on_pg or "pg_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if item.path.is_relative_to(TESTS) and item.path.relative_to(TESTS).as_posix() in ONE_AT_A_TIME:
            item.add_marker(pytest.mark.xdist_group("busy-processes"))


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # pytest-benchmark, where installed, turns itself off under xdist with a warning (an error
    # under -W error); nothing here is a benchmark (bench/ is run by hand), so turn it off quietly.
    parallel = config.getoption("dist", "no") != "no" or "PYTEST_XDIST_WORKER" in os.environ
    if parallel and config.pluginmanager.hasplugin("benchmark"):
        config.option.benchmark_disable = True


@pytest.fixture(autouse=True)
def _isolate_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # No test may touch the real per-user data folder, even by accident.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("PARSALINK_DB", raising=False)
    monkeypatch.delenv("PARSALINK_REGION", raising=False)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database ``service`` is opened on: "sqlite" unless a ``both_backends`` test asks."""
    return getattr(request, "param", "sqlite")


def open_on_backend(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Service:
    """A Service on a fresh database: an SQLite file at ``db_path``, or (``backend`` "postgresql")
    a new database of the session's PostgreSQL cluster at the app's schema (``pg_app_url``; the
    same database as ``db_target``'s)."""
    if backend == "postgresql":
        from parsalink_tui.backends.postgres import open_postgres

        return Service(open_postgres(request.getfixturevalue("pg_app_url")))
    return Service.open(db_path)


@pytest.fixture
def db_target(backend: str, db_path: Path, request: pytest.FixtureRequest) -> str:
    """What ``--db`` names: the SQLite file ``db_path``, or (``backend`` "postgresql") the URL of
    a new database of the session's cluster at the app's schema (``pg_app_url``)."""
    return request.getfixturevalue("pg_app_url") if backend == "postgresql" else str(db_path)


@pytest.fixture
def service(backend: str, db_path: Path, request: pytest.FixtureRequest) -> Iterator[Service]:
    """A Service on a fresh database of ``backend`` (:func:`open_on_backend`)."""
    svc = open_on_backend(backend, db_path, request)
    yield svc
    svc.close()


def make_contact(service: Service, **fields):
    data = {"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com"}
    data.update(fields)
    return service.create_contact(data)


@pytest.fixture
def cli(db_target: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in-process on ``db_target``: ``cli(*args, stdin=None)`` → (exit code, stdout, stderr)."""
    from .hardening.conftest import invoke

    def run(*args: str, stdin: str | None = None):
        return invoke(capsys, monkeypatch, db_target, *args, stdin=stdin)

    return run


# ------------------------------------------------------------------ PostgreSQL
@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[str]:
    """A throwaway PostgreSQL cluster for this test process (each xdist worker has its own):
    the URL of its ``parsalink`` database. Skips where the server binaries are missing, and
    fails instead when ``$CI`` is set: CI must run the PostgreSQL tests."""
    from .pg_cluster import ClusterUnavailable, missing, start_cluster

    reason = missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs PostgreSQL: {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        url, stop = start_cluster(Path(tempfile.mkdtemp(prefix="parsalink-pg-")))
    except ClusterUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(str(exc), pytrace=False)
        pytest.skip(str(exc))
    try:
        yield url
    finally:
        stop()


_pg_databases = itertools.count(1)
#: The session's database the app made (``pg_template``): ``pg_app_url`` copies it.
APP_TEMPLATE = "parsalink_app_template"


def new_pg_database(pg_cluster: str, name: str | None = None, template: str | None = None) -> str:
    """The URL of a new database ``name`` (else the next ``tN``) in the cluster ``pg_cluster``, a
    copy of ``template`` (else of template1: empty)."""
    import psycopg

    name = name or f"t{next(_pg_databases)}"
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return pg_cluster.replace("@/parsalink?", f"@/{name}?", 1)


@pytest.fixture
def pg_url(pg_cluster: str) -> str:
    """The URL of a new, EMPTY database in the session's cluster (the test role owns it): for
    tests of what opening does to a database (creating the schema, refusals, migrate-to targets)."""
    return new_pg_database(pg_cluster)


@pytest.fixture(scope="session")
def pg_template(pg_cluster: str) -> str:
    """The name of a database the app made, once per session (per xdist worker): opened through
    ``open_postgres`` on an empty database, so it holds exactly the schema the app creates (no
    row but parsalink_meta's), then closed to connections, so nothing is connected to it when
    ``CREATE DATABASE … TEMPLATE`` copies it (which it refuses while anyone is)."""
    import psycopg

    from parsalink_tui.backends.postgres import open_postgres

    open_postgres(new_pg_database(pg_cluster, APP_TEMPLATE)).close()
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {APP_TEMPLATE} ALLOW_CONNECTIONS false")
    return APP_TEMPLATE


@pytest.fixture
def pg_app_url(pg_cluster: str, pg_template: str) -> str:
    """The URL of a new database at the app's current schema, as opening a new one makes it: a
    copy of ``pg_template`` (docs/development.md, "PostgreSQL databases")."""
    return new_pg_database(pg_cluster, template=pg_template)
