"""The PostgreSQL backend (team mode): opening + migrating, transactions, change watching, errors.

Everything about the connection is libpq's: the URL given to ``--db`` / ``$PARSALINK_DB`` goes to
``psycopg.connect`` as it is, so credentials come from the URL, ``PGPASSWORD`` or ``~/.pgpass``
and TLS from ``sslmode`` the way every PostgreSQL tool reads them. The app never shows the URL:
``display_name`` is user, host, port and database, without the password, and every message
passes through :func:`scrub`.

Transactions keep SQLite's rules, so the service's SQL needs no second set of them: ``read()``
is one REPEATABLE READ snapshot (as SQLite's deferred transaction under WAL), and ``write()``
takes the database-wide writer lock (a transaction-scoped advisory lock, waiting up to the same
15 s as SQLite's ``BEGIN IMMEDIATE``), so writers run one at a time as they do on SQLite. The
ported import path may later run its batches beside it (COPY, job claims: ``backends.base``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from sqlalchemy import Connection, Engine

from ..db import BUSY_TIMEOUT_MS
from ..errors import DatabaseFileError, DatabasePermissionDenied, DatabaseUnavailable
from . import pg_schema
from .base import Backend, SqlPieces, explained, pooled_engine

#: pg_advisory_xact_lock key of write(): one writer at a time, as on SQLite.
WRITER_LOCK = pg_schema.APPLICATION_ID + 1
CONNECT_TIMEOUT_S = 10  # unless the URL or $PGCONNECT_TIMEOUT says otherwise
_PASSWORD_IN_URL = re.compile(r"(://[^:/@?#]*):[^@/?#]*@")
_LIBPQ_PREFIXES = re.compile(r"^(connection failed|connection is bad|consuming input failed|sending query failed[^:]*): ")


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseFileError(
            "PostgreSQL needs psycopg 3: pip install 'parsalink-tui[postgres]'"
        ) from None
    return psycopg


def _info(url: str) -> dict[str, Any]:
    """libpq's own reading of the URL (PQconninfoParse); {} when it cannot read it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        return conninfo_to_dict(url)
    except Exception:
        return {}


def _misread_password(url: str) -> bool:
    """Whether a password may be split over other parts of ``url``: a '/', '?' or '#' between a
    ':' and the first '@' after ``://``, or a second '@' before the path. libpq then reads part of
    the password as the port or the database name (and we could not cut it out of a message)."""
    rest = url.split("://", 1)[-1]
    at = rest.find("@")
    if at < 0:
        return False
    userinfo = rest[:at]
    if ":" in userinfo and any(ch in userinfo[userinfo.index(":"):] for ch in "/?#"):
        return True
    return "@" in re.split(r"[/?#]", rest[at + 1:], maxsplit=1)[0]


def display_name(url: str) -> str:
    """``postgresql://user@host:port/dbname``, never the password (nor other URL options)."""
    if _misread_password(url):
        return "postgresql://… (a URL that cannot be shown)"
    info = _info(url)
    user, host, port, db = (str(info.get(k) or "") for k in ("user", "host", "port", "dbname"))
    if not info:
        return _PASSWORD_IN_URL.sub(r"\1@", url.split("?", 1)[0])
    sock = host.startswith("/")
    where = ("" if sock else host) + (f":{port}" if port and not sock else "")
    return f"postgresql://{user + '@' if user else ''}{where}/{db}" + (f"?host={host}" if sock else "")


def _secrets(url: str) -> list[str]:
    """Every form of a password ``url`` or ``PGPASSWORD`` may hold: libpq's reading, and the text
    as typed (libpq quotes that when it cannot decode it: "invalid percent-encoded token")."""
    rest = url.split("://", 1)[-1]
    typed = [rest[:rest.find("@")].partition(":")[2]] if "@" in rest else []
    query = rest.partition("?")[2].partition("#")[0]
    typed += [value for key, _, value in (p.partition("=") for p in query.split("&")) if key == "password"]
    found = [_info(url).get("password"), os.environ.get("PGPASSWORD"), *typed]
    return sorted({str(s) for s in found if s}, key=len, reverse=True)  # longest first: no half-replaced secret


def scrub(text: str, url: str) -> str:
    """``text`` on one line, with any password the URL or ``PGPASSWORD`` holds taken out."""
    text = _PASSWORD_IN_URL.sub(r"\1@", text)
    for secret in _secrets(url):
        text = text.replace(secret, "***")
    return " ".join(text.split())


def _reason(exc: BaseException, url: str) -> str:
    """What the server or libpq said, without the statement context PostgreSQL adds ("LINE 2: …
    ^"): its primary message and hint when it sent them, else psycopg's text."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    hint = getattr(diag, "message_hint", None)
    said = f"{primary} ({hint.rstrip('.')})" if primary and hint else primary or str(exc)
    text = scrub(said, url)
    text = _LIBPQ_PREFIXES.sub("", text)
    return text.replace("FATAL: ", "").replace("ERROR: ", "")


def connect(url: str, **options: Any) -> Any:
    """A psycopg connection to ``url``; failures are one-line :class:`DatabaseUnavailable`s."""
    psycopg = _psycopg()
    if _misread_password(url):
        raise DatabaseFileError(
            "the PostgreSQL URL cannot be read safely: percent-encode '/', '?', '#' in its user name and "
            "password (%2F, %3F, %23) and every '@' but the one before the host (%40), or leave the "
            "password out (PGPASSWORD, ~/.pgpass)")
    if "connect_timeout" not in _info(url) and not os.environ.get("PGCONNECT_TIMEOUT"):
        options.setdefault("connect_timeout", CONNECT_TIMEOUT_S)
    options["client_encoding"] = "UTF8"  # whatever the URL or the role's settings say: the app's text is Unicode
    try:
        return psycopg.connect(url, **options)
    except psycopg.Error as exc:
        raise DatabaseUnavailable(f"cannot connect to {display_name(url)}: {_reason(exc, url)}") from None


INSUFFICIENT_PRIVILEGE = "42501"

# SQLSTATE (or its class) → what the user can do about it.
_EXPLAINED = (
    ("53100", "the database server's disk is full; nothing was changed. Free some space and try again"),
    ("53", "the database server is out of resources ({}); nothing was changed. Try again"),
    ("25006", "the database is read-only here (a standby server?); nothing was changed"),
    ("55P03", f"another program kept the database locked for over {BUSY_TIMEOUT_MS // 1000} s; "
     "nothing was changed. Try again"),
    ("40001", "another change got in the way ({}); nothing was changed. Try again"),
    ("40P01", "another change got in the way ({}); nothing was changed. Try again"),
    (INSUFFICIENT_PRIVILEGE, "the database role is not allowed to do this ({}); nothing was changed"),
)


def describe_pg_error(exc: BaseException, url: str) -> DatabaseFileError | None:
    """A one-line :class:`DatabaseFileError` for a server, connection or storage failure
    PostgreSQL reported, or None for anything else (psycopg's errors or SQLAlchemy's wrappers)."""
    from sqlalchemy.exc import DBAPIError

    psycopg = _psycopg()
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not isinstance(orig, psycopg.Error):
        return None
    name, state = display_name(url), orig.sqlstate or ""
    if isinstance(orig, psycopg.OperationalError) and (not state or state.startswith(("08", "57P"))):
        return DatabaseUnavailable(f"{name}: the connection to the database server was lost "
                                   f"({_reason(orig, url)}); try again")  # fmt: skip
    for code, explanation in _EXPLAINED:
        if state.startswith(code):
            kind = DatabasePermissionDenied if code == INSUFFICIENT_PRIVILEGE else DatabaseFileError
            return kind(f"{name}: {explanation.format(_reason(orig, url))}")
    return None


class PgChangeWatcher:
    """LISTEN on the changes channel over one autocommit connection; ``changed()`` drains what
    arrived without waiting. The notifications come from statement triggers on every table and
    are sent only when the writing transaction commits (a rolled-back one sends none)."""

    def __init__(self, open_conn: Callable[[], Any]) -> None:
        self._open = open_conn
        self._conn: Any = None
        self._listen()

    def _listen(self) -> None:
        conn = self._open()
        conn.execute(f"LISTEN {pg_schema.CHANGES_CHANNEL}")
        self._conn = conn

    def changed(self) -> bool:
        psycopg = _psycopg()
        try:
            if self._conn is None:  # lost last time: a new connection may have missed changes
                self._listen()
                return True
            seen = False
            while sum(1 for _ in self._conn.notifies(timeout=0)):
                seen = True
            return seen
        except (psycopg.Error, DatabaseFileError):
            self.close()
            return False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresSql(SqlPieces):
    """PostgreSQL's pieces. ``nocase`` is ``lower()`` in code point order and ``nulls_first``
    SQLite's NULL order, as ``ix_contact_last_name`` is built (a lowercase letter outside ASCII
    sorts as its lowercase form, where SQLite's NOCASE folds ASCII only). The planner takes no
    hints, so ``unindexed`` changes nothing."""

    dialect = "postgresql"

    def nocase(self, expr: str) -> str:
        # "C": code point order, as SQLite compares, whatever collation the database was made with.
        return f'lower({expr}) COLLATE "C"'

    def nulls_first(self, direction: str) -> str:
        return f"{direction} NULLS {'FIRST' if direction == 'ASC' else 'LAST'}"  # as ix_contact_last_name

    def unindexed(self, expr: str) -> str:
        return expr

    def search_match(self, query: str) -> Any:
        from .pg_search import search_match

        return search_match(query)

    def bulk_load(self, conn: Connection) -> AbstractContextManager[Any]:
        from .pg_load import bulk_load

        return bulk_load(conn)


SQL = PostgresSql()


def take_writer_lock(conn: Connection, *also: str) -> None:
    """The database-wide writer lock, for the rest of ``conn``'s transaction (waited on for up
    to the busy timeout): writers take turns, as SQLite's ``BEGIN IMMEDIATE`` makes them.
    ``also``: statements without parameters for the transaction (``SET LOCAL …``), sent with
    the lock's in one round trip."""
    conn.exec_driver_sql("; ".join((f"SET LOCAL lock_timeout = {BUSY_TIMEOUT_MS}",
                                    f"SELECT pg_advisory_xact_lock({WRITER_LOCK})", "SET LOCAL lock_timeout = 0",
                                    *also)))  # fmt: skip


class PostgresDatabase(Backend):
    """An open, migrated PostgreSQL database."""

    dialect = "postgresql"

    def __init__(self, url: str, engine: Engine) -> None:
        self._url = url  # never shown: display_name is
        self.engine = engine

    def __repr__(self) -> str:
        return f"<PostgresDatabase {self.display_name}>"

    @property
    def display_name(self) -> str:
        return display_name(self._url)

    @property
    def target(self) -> str:
        return self._url

    def describe_error(self, exc: BaseException) -> DatabaseFileError | None:
        return describe_pg_error(exc, self._url)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with explained(self.describe_error), self.engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        with explained(self.describe_error), self.engine.connect() as conn, conn.begin():
            take_writer_lock(conn)
            yield conn

    def after_load(self) -> None:
        """``VACUUM (ANALYZE)`` the app's tables, outside any transaction (VACUUM refuses one).
        Rows just copied in are not yet marked all-visible, so every index-only scan (a count,
        a page's keys) still read the table: at 1M contacts a filtered count fell from ~110 ms
        to ~30 ms once vacuumed. Autovacuum would get there too, a minute or more later. A role
        that does not own a table gets a warning from the server and the table is skipped."""
        tables = ", ".join(pg_schema.TABLES)
        with explained(self.describe_error), self.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"VACUUM (ANALYZE) {tables}")

    def import_bulk(self) -> Any:
        from ..importing.bulk_pg import BULK

        return BULK

    def backup(self, destination: Any) -> dict[str, Any]:
        """``pg_dump -Fc`` into a new 0600 file (``backends.pg_backup``)."""
        from .pg_backup import backup_postgres

        return backup_postgres(self._url, destination)

    def watch_changes(self) -> PgChangeWatcher:
        return PgChangeWatcher(lambda: connect(self._url, autocommit=True))

    def close(self) -> None:
        self.engine.dispose()


def open_postgres(url: str) -> PostgresDatabase:
    """Connect to ``url``, create or upgrade the schema (see ``pg_schema``), and return the database."""
    raw = connect(url)
    try:
        encoding = raw.info.parameter_status("server_encoding")
        if encoding != "UTF8":  # LATIN1 cannot store most names; SQL_ASCII checks nothing it stores
            raise DatabaseFileError(
                f"{display_name(url)} uses the {encoding} encoding; parsalink-tui needs a UTF8 database "
                "(CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0, docs/team.md)")
        pg_schema.migrate(raw, display_name(url), lambda exc: _reason(exc, url))
    finally:
        raw.close()
    engine = pooled_engine(
        "postgresql+psycopg://",
        lambda: connect(url),
        pool_pre_ping=True,  # a server restarted since: the next transaction reconnects
    )
    return PostgresDatabase(url, engine)
