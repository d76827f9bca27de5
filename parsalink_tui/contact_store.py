"""The one place contact rows are written: contacts, their accounts and tags, and the links.

Every writer of contacts goes through here: ``contacts.py`` (one contact at a time: the CLI,
the TUI, ``serve``), ``importing/writer.py`` (an import's batches), ``importing/revert_batch.py``
and ``demo.py``; ``directory.py`` for accounts. What they share, so no two can drift:

* ``COLUMN_OF`` / ``FIELD_OF``: API field ↔ contact column, ``CONTACT_COLUMNS``: the columns of
  a new contact, in the order the batch insert takes them, ``new_contact_row``: its defaults;
* the contact insert, one (``insert_contact``) or many (``insert_contacts``), and column
  updates that stamp ``updated_at`` (``update_columns``);
* account and tag ids by name, created when new (``account_id`` / ``account_ids``, ``tag_id`` /
  ``tag_ids``, and ``NameIds``, their cache across an import's batches), and tag links.

The audit rows that go with these writes are built and inserted by :mod:`.audit` (an import's
through its database's ``importing/bulk`` writer).

Find-or-create never assumes one writer at a time: ``INSERT … ON CONFLICT DO NOTHING`` against
the unique index of the name's key (``name_key``), then a ``SELECT`` of whichever row won. The
one assumption of that kind left is SQLite's ``next_contact_pk`` (see there).

Connections. The one-row functions take either the caller's SQLAlchemy ``Connection`` (the
service's writes: their SQL is plain, with named parameters, for any database) or SQLite's
DB-API connection (the bulk writers: an import batch, demo data, whose per-statement cost
matters). The bulk functions (``insert_contacts``, ``link_tags`` of many rows) and
``next_contact_pk`` are SQLite's; PostgreSQL's is ``copy_contacts`` (``COPY`` into a staging
table, then ``ON CONFLICT (email_key) DO NOTHING``), with pks from the identity sequence.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError

from .errors import DuplicateEmailError
from .ids import new_id
from .sqlite_bulk import insert_rows
from .validation import email_key, fold_key

# Either connection of the caller's transaction (see the module's docstring).
AnyConnection = Connection | sqlite3.Connection

# API field → contact column, for the writable scalar fields.
COLUMN_OF: dict[str, str] = {
    "firstName": "first_name",
    "lastName": "last_name",
    "email": "email",
    "phone": "phone",
    "title": "title",
    "stage": "stage",
    "accountId": "account_id",
    "assignedTo": "assigned_to",
    "notes": "notes",
    "emailOptOut": "email_opt_out",
    "emailBounced": "email_bounced",
}
# Contact column → API field: the ``field`` of an "updated" audit row.
FIELD_OF: dict[str, str] = {column: field for field, column in COLUMN_OF.items()}
FLAG_COLUMNS = ("email_opt_out", "email_bounced")  # stored 0/1, audited as false/true

# The columns of a new contact, in the order of the tuples ``insert_contacts`` takes.
CONTACT_COLUMNS = (
    "pk", "id", "first_name", "last_name", "email", "email_key", "phone", "title", "stage",
    "account_id", "assigned_to", "notes", "email_opt_out", "email_bounced", "source_uid",
    "import_job_uid", "created_at", "updated_at",
)  # fmt: skip
_CONTACTS = f"contact ({', '.join(CONTACT_COLUMNS)})"
# What a new contact holds where nothing was given; no pk: the database gives the next one.
_DEFAULTS: dict[str, Any] = {
    **dict.fromkeys(CONTACT_COLUMNS[1:]), "stage": "new", "email_opt_out": 0, "email_bounced": 0,
}  # fmt: skip
_LINKS = "contact_tag (contact_pk, tag_id, position)"


def _is_dbapi(conn: AnyConnection) -> bool:
    """A DB-API connection (SQLite's own, as the bulk writers hold it, or anything wrapping one),
    rather than an SQLAlchemy Connection."""
    return not isinstance(conn, Connection)


def run(conn: AnyConnection, sql: str, params: Mapping[str, Any] | list[Mapping[str, Any]]) -> Any:
    """Execute ``sql`` (named ``:parameters``; a list of parameter sets: once per set) on either
    connection; the result has ``fetchone()`` and ``rowcount`` either way."""
    if _is_dbapi(conn):
        return conn.executemany(sql, params) if isinstance(params, list) else conn.execute(sql, params)
    return conn.execute(text(sql), params)


# ---------------------------------------------------------------- contacts


def new_contact_row(contact_id: str, now: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """A new contact's columns (CONTACT_COLUMNS but its pk): the defaults, then ``values`` (column →
    value; ``email`` required), its ``email_key`` and both timestamps ``now``."""
    row = {**_DEFAULTS, "id": contact_id, "created_at": now, "updated_at": now, **values}
    row["email_key"] = email_key(row["email"])
    return row


def insert_contact(conn: AnyConnection, row: Mapping[str, Any]) -> None:
    """Insert one contact: ``row`` is column → value (a ``new_contact_row``, or a deleted
    contact's columns put back). An email another contact holds is DuplicateEmailError."""
    sql = f"INSERT INTO contact ({', '.join(row)}) VALUES ({', '.join(':' + c for c in row)})"
    try:
        if _is_dbapi(conn):
            run(conn, sql, row)
        else:  # in a savepoint: after a refused statement PostgreSQL answers nothing else in the transaction
            with conn.begin_nested():
                run(conn, sql, row)
    except (IntegrityError, sqlite3.IntegrityError) as exc:
        if "email_key" in str(getattr(exc, "orig", exc)):  # the database's message, not the statement
            raise DuplicateEmailError(row["email"], find_by_email(conn, row["email"]) or "?") from None
        raise


def insert_contacts(raw: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert many new contacts, each a tuple in CONTACT_COLUMNS order (pks from
    ``next_contact_pk``), in multi-row statements."""
    insert_rows(raw, _CONTACTS, rows)


def next_contact_pk(raw: sqlite3.Connection) -> int:
    """The first free contact pk, for writers that give pks themselves (their tag links and
    search rows need them before the insert): it and the ones after it are theirs.

    Valid only under SQLite's single write lock (the caller's ``BEGIN IMMEDIATE``): no other
    writer can insert a contact until the caller commits, so ``max(pk)`` cannot move. A
    PostgreSQL backend takes pks from the table's sequence instead; this is the one place to swap.
    """
    return int(raw.execute("SELECT coalesce(max(pk), 0) FROM contact").fetchone()[0]) + 1


EMAIL_KEY_AT = CONTACT_COLUMNS.index("email_key")
_EMAIL_KEY_UNIQUE = "contact_email_key_key"  # PostgreSQL's name for contact's UNIQUE (email_key)

# PostgreSQL: a batch's contacts staged by COPY (emptied by each commit), then inserted in key
# order (two writers inserting the same emails wait on each other in one order, never in a cycle).
_STAGE = (f"CREATE TEMP TABLE IF NOT EXISTS contact_stage ON COMMIT DELETE ROWS AS "
          f"SELECT {', '.join(CONTACT_COLUMNS)} FROM contact WITH NO DATA")  # fmt: skip
_FROM_STAGE = (f"INSERT INTO {_CONTACTS} SELECT {', '.join(CONTACT_COLUMNS)} FROM contact_stage "
               "ORDER BY email_key ON CONFLICT (email_key) DO NOTHING RETURNING pk")  # fmt: skip


def copy_contacts(conn: Connection, rows: list[tuple[Any, ...]]) -> set[int]:
    """PostgreSQL: insert many new contacts (tuples in CONTACT_COLUMNS order, pks from the
    sequence: ``backends.pg_load.PgLoad.contact_pks``) with ``COPY``; returns the pks that went
    in. A contact whose email another one holds is left out (the unique ``email_key``), never an
    error: the caller reports it.

    First straight into the table, in a savepoint, in key order (the caller has checked the
    emails under the writer lock, so this nearly always goes in: ~16% less server time than
    staging). If the unique key refuses one (a writer outside the lock took it meanwhile), that
    is undone and the batch goes through the staging table, which leaves such rows out."""
    from psycopg.errors import UniqueViolation

    from .backends.pg_load import copy_rows

    rows = sorted(rows, key=lambda row: row[EMAIL_KEY_AT])
    try:
        with conn.begin_nested():
            copy_rows(conn, "contact", CONTACT_COLUMNS, rows)
        return {row[0] for row in rows}
    except UniqueViolation as exc:
        if exc.diag.constraint_name != _EMAIL_KEY_UNIQUE:
            raise
    conn.exec_driver_sql(_STAGE)
    copy_rows(conn, "contact_stage", CONTACT_COLUMNS, rows)
    inserted = set(conn.exec_driver_sql(_FROM_STAGE).scalars())
    conn.exec_driver_sql("DELETE FROM contact_stage")  # a second call in this transaction starts empty
    return inserted


def find_by_email(conn: AnyConnection, email: str) -> str | None:
    """The id of the contact holding ``email`` (any case), or None."""
    hit = run(conn, "SELECT id FROM contact WHERE email_key = :k", {"k": email_key(email)}).fetchone()
    return None if hit is None else hit[0]


def update_columns(conn: AnyConnection, contact_id: str, values: Mapping[str, Any], now: str) -> None:
    """Set the given columns of a contact (none: only touched) and its ``updated_at``;
    ``email_key`` follows a new ``email``. The version trigger bumps ``version``."""
    if "email" in values:
        values = {**values, "email_key": email_key(values["email"])}
    sets = "".join(f"{column} = :{column}, " for column in values)
    run(
        conn, f"UPDATE contact SET {sets}updated_at = :now_ WHERE id = :id_", {**values, "now_": now, "id_": contact_id}
    )


# ---------------------------------------------------------------- accounts


def find_account(conn: AnyConnection, name: str) -> str | None:
    """The id of the account called ``name`` ignoring case (by its ``name_key``), or None."""
    hit = run(conn, "SELECT id FROM account WHERE name_key = :k", {"k": fold_key(name)}).fetchone()
    return None if hit is None else hit[0]


def insert_account(conn: AnyConnection, name: str, now: str, make_id: Callable[[], str] | None = None) -> str | None:
    """Create the account ``name`` (a clean name) and return its id; None when an account of
    that name (any case) exists: the unique index of its key decides, never a prior read."""
    account = make_id() if make_id else new_id("acc")
    added = run(
        conn,
        "INSERT INTO account (id, name, name_key, created_at) VALUES (:id, :name, :k, :now) "
        "ON CONFLICT (name_key) DO NOTHING",
        {"id": account, "name": name, "k": fold_key(name), "now": now},
    )
    return account if added.rowcount == 1 else None


def account_id(conn: AnyConnection, name: str, now: str, make_id: Callable[[], str] | None = None) -> str:
    """The id of the account called ``name`` (ignoring case), created if new (``make_id``
    gives the new id: deterministic demo data)."""
    created = insert_account(conn, name, now, make_id)
    if created is not None:
        return created
    found = find_account(conn, name)
    assert found is not None  # the conflict's row, in this transaction's view
    return found


def account_ids(conn: AnyConnection, names: Iterable[str], now: str,
                make_id: Callable[[], str] | None = None) -> list[str]:  # fmt: skip
    """``account_id`` of each name, in order (a name given twice is looked up once)."""
    found: dict[str, str] = {}
    ids = []
    for name in names:
        if name not in found:
            found[name] = account_id(conn, name, now, make_id)
        ids.append(found[name])
    return ids


# ---------------------------------------------------------------- tags


def tag_id(conn: AnyConnection, name: str) -> int:
    """The id of the tag ``name`` ignoring case (by its ``name_key``), created if new."""
    key = {"n": name, "k": fold_key(name)}
    run(conn, "INSERT INTO tag (name, name_key) VALUES (:n, :k) ON CONFLICT (name_key) DO NOTHING", key)
    return int(run(conn, "SELECT id FROM tag WHERE name_key = :k", key).fetchone()[0])


def tag_ids(conn: AnyConnection, names: Iterable[str]) -> list[int]:
    """``tag_id`` of each name, in order."""
    return [tag_id(conn, name) for name in names]


def link_tags(conn: AnyConnection, links: list[tuple[int, int, int]]) -> None:
    """Tag links ``(contact pk, tag id, position in the contact's list)``; on SQLite's own
    connection in multi-row statements (an import batch's, demo data's)."""
    if _is_dbapi(conn):
        insert_rows(conn, _LINKS, links)
    elif links:
        run(conn, f"INSERT INTO {_LINKS} VALUES (:c, :t, :p)", [{"c": c, "t": t, "p": p} for c, t, p in links])


def set_tags(conn: AnyConnection, contact_pk: int, names: list[str]) -> None:
    """Replace a contact's tags with ``names`` (in that order)."""
    run(conn, "DELETE FROM contact_tag WHERE contact_pk = :c", {"c": contact_pk})
    link_tags(conn, [(contact_pk, tag, position) for position, tag in enumerate(tag_ids(conn, names))])


_TAG_LISTS_LIMIT = 10_000  # distinct tag lists kept; a hostile file cannot grow the cache without bound


class NameIds:
    """Account and tag ids by name across many batches (an import's), each name asked of the
    database once. Ids found or created by a batch that then rolls back may name rows that do
    not exist: ``forget`` after a rollback."""

    def __init__(self) -> None:
        self._accounts: dict[str, str] = {}
        self._tags: dict[str, int] = {}
        self._tag_lists: dict[tuple[str, ...], list[int]] = {}  # a row's tags → their ids, in order

    def account(self, raw: sqlite3.Connection, name: str, now: str) -> str:
        found = self._accounts.get(name)
        if found is None:
            found = self._accounts[name] = account_id(raw, name, now)
        return found

    def tag(self, raw: sqlite3.Connection, name: str) -> int:
        found = self._tags.get(name)
        if found is None:
            found = self._tags[name] = tag_id(raw, name)
        return found

    def tags(self, raw: sqlite3.Connection, names: list[str]) -> list[int]:
        """Ids of a row's tags; a file repeats few tag lists, so each is resolved once."""
        key = tuple(names)
        found = self._tag_lists.get(key)
        if found is None:
            if len(self._tag_lists) >= _TAG_LISTS_LIMIT:
                self._tag_lists.clear()
            found = self._tag_lists[key] = [self.tag(raw, name) for name in names]
        return found

    def forget(self) -> None:
        self._accounts.clear()
        self._tags.clear()
        self._tag_lists.clear()
