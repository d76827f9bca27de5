"""Users (assignees), accounts (companies) and sources (where imported contacts came from)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from . import contact_store
from .backends import sql_for
from .errors import NotFoundError, ValidationError
from .ids import new_id, new_uid
from .schemas import account_out, source_out, user_out
from .timeutil import now_store
from .validation import TEXT_LIMITS, clean_text, email_key, normalize_email


def _name(value: Any, field: str = "name") -> str:
    """A user's, account's or source's name: as long as a contact's ``accountName`` may be."""
    name = clean_text(value, field, max_length=TEXT_LIMITS["accountName"])
    if not name:
        raise ValidationError(field, "is required")
    return name


def find_user_by_email(conn: Connection, email: str) -> str | None:
    """The user holding ``email``'s key (emails are unique case-insensitively), or None."""
    return conn.execute(text("SELECT id FROM app_user WHERE email_key = :k"), {"k": email_key(email)}).scalar()


def add_user(conn: Connection, name: Any, email: Any = None) -> dict[str, Any]:
    """A new user; an email another user has (ignoring case) is an error naming that user."""
    clean_email = normalize_email(email) if email not in (None, "") else None
    row = {"id": new_id("usr"), "name": _name(name), "email": clean_email, "created_at": now_store(),
           "email_key": email_key(clean_email) if clean_email else None}
    existing = find_user_by_email(conn, clean_email) if clean_email else None
    if existing:
        raise ValidationError("email", f"{clean_email} already belongs to user {existing}")
    conn.execute(text("INSERT INTO app_user (id, name, email, created_at, email_key) "
                      "VALUES (:id, :name, :email, :created_at, :email_key)"), row)
    return user_out(row)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(text(f"SELECT * FROM app_user ORDER BY {sql_for(conn).nocase('name')}, id")).mappings()
    return [user_out(r) for r in rows]


def get_user(conn: Connection, user_id: str) -> dict[str, Any]:
    row = conn.execute(text("SELECT * FROM app_user WHERE id = :id"), {"id": user_id}).mappings().first()
    if row is None:
        raise NotFoundError("user", user_id)
    return user_out(row)


def find_account(conn: Connection, name: str) -> str | None:
    """The id of the account called ``name`` ignoring case (by its name_key), or None."""
    return contact_store.find_account(conn, name)


def add_account(conn: Connection, name: Any) -> dict[str, Any]:
    """A new account; a name another account has (ignoring case) is an error naming it."""
    clean = _name(name)
    now = now_store()
    created = contact_store.insert_account(conn, clean, now)
    if created is None:
        raise ValidationError("name", f"account {clean!r} already exists as {find_account(conn, clean)}")
    return account_out({"id": created, "name": clean, "created_at": now})


def find_or_create_account(conn: Connection, name: Any, field: str = "accountName") -> str:
    """The id of the account called ``name`` (ignoring case), created if new."""
    return contact_store.account_id(conn, _name(name, field), now_store())


def list_accounts(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(text(f"SELECT * FROM account ORDER BY {sql_for(conn).nocase('name')}, id")).mappings()
    return [account_out(r) for r in rows]


def add_source(conn: Connection, name: Any) -> dict[str, Any]:
    row = {"uid": new_uid(), "name": _name(name), "created_at": now_store()}
    conn.execute(text("INSERT INTO source VALUES (:uid, :name, :created_at)"), row)
    return source_out(row)


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(text(f"SELECT * FROM source ORDER BY {sql_for(conn).nocase('name')}, uid")).mappings()
    return [source_out(r) for r in rows]


def get_source(conn: Connection, uid: str) -> dict[str, Any]:
    row = conn.execute(text("SELECT * FROM source WHERE uid = :uid"), {"uid": uid}).mappings().first()
    if row is None:
        raise NotFoundError("source", uid)
    return source_out(row)
