"""Contact create / get / update / delete / restore and stage changes, with the audit trail.

Functions take an open SQLAlchemy ``Connection`` inside the caller's transaction (see
``service.Service``, which opens one per call), so a change and its audit rows commit together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, bindparam, text

from . import audit, contact_store
from .contact_store import COLUMN_OF
from .directory import find_or_create_account
from .errors import ConflictError, DuplicateEmailError, NotFoundError, ValidationError
from .ids import new_id
from .schemas import READ_ONLY_FIELDS, WRITABLE_FIELDS, contact_detail
from .search_terms import DERIVED_COLUMNS
from .timeutil import now_store
from .validation import (
    clean_field,
    fold_key,
    normalize_email,
    normalize_phone,
    normalize_stage,
    normalize_tags,
)

_SELECT_DETAIL = (
    "SELECT c.*, a.name AS account_name, u.name AS assigned_to_name FROM contact c "
    "LEFT JOIN account a ON a.id = c.account_id LEFT JOIN app_user u ON u.id = c.assigned_to "
)


# ---------------------------------------------------------------- tags

def tags_for(conn: Connection, ids: Iterable[str]) -> dict[str, list[str]]:
    """Tag names per contact id, in the order they were given."""
    id_list = list(ids)
    out: dict[str, list[str]] = {i: [] for i in id_list}
    if not id_list:
        return out
    rows = conn.execute(
        text(
            "SELECT c.id, t.name FROM contact c JOIN contact_tag ct ON ct.contact_pk = c.pk "
            "JOIN tag t ON t.id = ct.tag_id WHERE c.id IN :ids ORDER BY c.id, ct.position"
        ).bindparams(bindparam("ids", expanding=True)),
        {"ids": id_list},
    )
    for cid, name in rows:
        out[cid].append(name)
    return out


def set_tags(conn: Connection, contact_id: str, names: list[str]) -> None:
    """Replace a contact's tags with ``names`` (in that order)."""
    pk = conn.execute(text("SELECT pk FROM contact WHERE id = :id"), {"id": contact_id}).scalar()
    if pk is None:
        raise NotFoundError("contact", contact_id)
    contact_store.set_tags(conn, pk, names)


# ---------------------------------------------------------------- reading

def fetch_row(conn: Connection, contact_id: str) -> Mapping[str, Any]:
    row = conn.execute(text(_SELECT_DETAIL + "WHERE c.id = :id"), {"id": contact_id}).mappings().first()
    if row is None:
        raise NotFoundError("contact", contact_id)
    return row


def get_contact(conn: Connection, contact_id: str) -> dict[str, Any]:
    """The full contact object."""
    row = fetch_row(conn, contact_id)
    return contact_detail(row, tags_for(conn, [contact_id])[contact_id])


def get_version(conn: Connection, contact_id: str) -> int:
    """The contact's version stamp: changed by every write of it (see migrations V3)."""
    version = conn.execute(text("SELECT version FROM contact WHERE id = :id"), {"id": contact_id}).scalar()
    if version is None:
        raise NotFoundError("contact", contact_id)
    return int(version)


def _same(field: str, current: Any, seen: Any) -> bool:
    if field == "tags":
        return [str(t).casefold() for t in current or []] == [str(t).casefold() for t in seen or []]
    return current == seen


def check_preconditions(
    conn: Connection,
    contact_id: str,
    data: Mapping[str, Any],
    *,
    if_version: int | None = None,
    expected: Mapping[str, Any] | None = None,
) -> None:
    """Refuse a write whose caller saw an older contact (raises ConflictError).

    ``if_version``: the whole contact must still be at that version (HTTP's If-Match).
    ``expected``: API field → the value the caller saw; each field the write changes (a key of
    ``data``) must still hold that value. Fields the caller did not change may have moved on.
    """
    if if_version is None and not expected:
        return
    version = get_version(conn, contact_id)
    if if_version is not None and version != if_version:
        raise ConflictError(contact_id, [], get_contact(conn, contact_id), version)
    if expected:
        current = get_contact(conn, contact_id)
        stale = stale_fields(current, data, expected)
        if stale:
            raise ConflictError(contact_id, stale, current, version)


def stale_fields(current: Mapping[str, Any], data: Iterable[str], expected: Mapping[str, Any]) -> list[str]:
    """The fields of ``data`` whose value in ``current`` is no longer the ``expected`` one."""
    return [f for f in data if f in expected and f in current and not _same(f, current[f], expected[f])]


def find_by_email(conn: Connection, email: str) -> str | None:
    return contact_store.find_by_email(conn, email)


# ---------------------------------------------------------------- input cleaning

def _flag(value: Any, field: str) -> int:
    if isinstance(value, bool):
        return int(value)
    raise ValidationError(field, f"must be true or false, not {value!r}")


def _exists(conn: Connection, table: str, key: str, value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, f"must be an id string, not {value!r}")
    if conn.execute(text(f"SELECT 1 FROM {table} WHERE {key} = :v"), {"v": value}).first() is None:
        raise ValidationError(field, f"no {table.removeprefix('app_')} with id {value}")
    return value


def clean_input(
    conn: Connection, data: Any, *, region: str, partial: bool
) -> tuple[dict[str, Any], list[str] | None]:
    """Validate a create/update body → (column values, tags or None if not given).

    Only the keys present are returned, so an update changes just those (PATCH semantics).
    """
    if not isinstance(data, Mapping):
        raise ValidationError("body", "must be a JSON object")
    data = {k: v for k, v in data.items() if k not in READ_ONLY_FIELDS}
    unknown = [k for k in data if k not in WRITABLE_FIELDS]
    if unknown:
        raise ValidationError(unknown[0], f"unknown field (writable: {', '.join(WRITABLE_FIELDS)})")
    cols: dict[str, Any] = {}
    for field, value in data.items():
        if field in ("firstName", "lastName", "title", "notes"):
            cols[COLUMN_OF[field]] = clean_field(value, field)
        elif field == "email":
            if value is None:
                raise ValidationError("email", "Email is required")
            if not isinstance(value, str):
                raise ValidationError("email", "Invalid email format")
            cols["email"] = normalize_email(value)
        elif field == "phone":
            if value is not None and not isinstance(value, str):
                raise ValidationError("phone", f"must be a string, not {value!r}")
            cols["phone"] = normalize_phone(value, region)
        elif field == "stage":
            if value is None or not isinstance(value, str):
                raise ValidationError("stage", f"must be a stage name, not {value!r}")
            cols["stage"] = normalize_stage(value)
        elif field in ("emailOptOut", "emailBounced"):
            cols[COLUMN_OF[field]] = _flag(value, field)
        elif field == "accountId":
            cols["account_id"] = None if value is None else _exists(conn, "account", "id", value, field)
        elif field == "assignedTo":
            cols["assigned_to"] = None if value is None else _exists(conn, "app_user", "id", value, field)
    if "accountName" in data:
        name = data["accountName"]
        if "accountId" in data:
            _check_same_account(conn, cols["account_id"], name)
        else:
            cols["account_id"] = None if name in (None, "") else find_or_create_account(conn, name)
    tags = None
    if "tags" in data:
        value = data["tags"]
        if value is not None and not isinstance(value, (list, str)):
            raise ValidationError("tags", "must be a list of names")
        tags = normalize_tags(value)
    if not partial:
        if "email" not in cols:
            raise ValidationError("email", "Email is required")
        if not cols.get("first_name") and not cols.get("last_name"):
            raise ValidationError("firstName", "firstName or lastName is required")
    return cols, tags


def _check_same_account(conn: Connection, account_id: str | None, name: Any) -> None:
    """``accountId`` with ``accountName`` (a contact as read, sent back): fine when the name is
    that account's (any case) or both are empty; a contradiction is an error naming both."""
    clean = None if name in (None, "") else clean_field(name, "accountName")
    if account_id is None and clean is None:
        return
    actual = None if account_id is None else conn.execute(
        text("SELECT name FROM account WHERE id = :id"), {"id": account_id}).scalar()
    if actual is not None and clean is not None and fold_key(actual) == fold_key(clean):
        return
    if account_id is None:
        raise ValidationError("accountName", f"{clean!r} contradicts accountId null; give one of them, or both matching")
    raise ValidationError(
        "accountName",
        f"{clean!r} is not the name of account {account_id} ({actual!r}); give one of them, or both matching",
    )


# ---------------------------------------------------------------- writing

def _check_email_free(conn: Connection, email: str, own_id: str | None = None) -> None:
    existing = find_by_email(conn, email)
    if existing and existing != own_id:
        raise DuplicateEmailError(email, existing)


def create_contact(conn: Connection, data: Any, *, region: str = "US") -> dict[str, Any]:
    """Validate and insert a contact (stage defaults to ``new``); returns the full object."""
    cols, tags = clean_input(conn, data, region=region, partial=False)
    _check_email_free(conn, cols["email"])
    now = now_store()
    row = contact_store.new_contact_row(new_id("cnt"), now, cols)
    contact_store.insert_contact(conn, row)
    if tags:
        set_tags(conn, row["id"], tags)
    detail = get_contact(conn, row["id"])
    audit.record(conn, [audit.activity_row(row["id"], "created", now, detail=detail)])
    return detail


def update_contact(
    conn: Connection,
    contact_id: str,
    data: Any,
    *,
    region: str = "US",
    if_version: int | None = None,
    expected: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """PATCH: change only the given fields; one audit row per field that really changed.

    ``if_version`` / ``expected``: preconditions, see :func:`check_preconditions`.
    """
    before = fetch_row(conn, contact_id)
    if isinstance(data, Mapping):
        check_preconditions(conn, contact_id, data, if_version=if_version, expected=expected)
    cols, tags = clean_input(conn, data, region=region, partial=True)
    if "email" in cols:
        _check_email_free(conn, cols["email"], contact_id)
    first = cols.get("first_name", before["first_name"])
    last = cols.get("last_name", before["last_name"])
    if not first and not last:
        raise ValidationError("firstName", "firstName or lastName is required")
    changed = {c: v for c, v in cols.items() if before[c] != v}
    old_tags = tags_for(conn, [contact_id])[contact_id]
    tags_changed = tags is not None and tags != old_tags
    if not changed and not tags_changed:
        return get_contact(conn, contact_id)
    now = now_store()
    activity = []
    for col, value in changed.items():
        activity.append(audit.change_row(contact_id, col, before[col], value, now))
    contact_store.update_columns(conn, contact_id, changed, now)
    if tags_changed:
        assert tags is not None
        set_tags(conn, contact_id, tags)
        activity.append(audit.activity_row(contact_id, "updated", now, field="tags", old=old_tags, new=tags))
    audit.record(conn, activity)
    return get_contact(conn, contact_id)


def set_stages(conn: Connection, stages: Mapping[str, str]) -> dict[str, str]:
    """Set each contact's stage (id → stage) in one transaction; returns the previous stages.

    Unknown ids fail the whole change. Contacts already at the stage are left untouched.
    """
    clean = {cid: normalize_stage(stage) for cid, stage in stages.items()}
    previous: dict[str, str] = {}
    for cid in clean:
        old = conn.execute(text("SELECT stage FROM contact WHERE id = :id"), {"id": cid}).scalar()
        if old is None:
            raise NotFoundError("contact", cid)
        previous[cid] = old
    now = now_store()
    moved = [cid for cid, stage in clean.items() if previous[cid] != stage]
    if moved:
        for cid in moved:
            contact_store.update_columns(conn, cid, {"stage": clean[cid]}, now)
        audit.record(
            conn,
            [audit.change_row(cid, "stage", previous[cid], clean[cid], now) for cid in moved],
        )
    return previous


def snapshot(conn: Connection, contact_id: str) -> dict[str, Any]:
    """Everything needed to put a deleted contact back: its row, tags, notes and tasks."""
    row = dict(conn.execute(text("SELECT * FROM contact WHERE id = :id"), {"id": contact_id}).mappings().first() or {})
    if not row:
        raise NotFoundError("contact", contact_id)
    del row["pk"]  # storage detail; a restored contact gets a fresh one
    for column in DERIVED_COLUMNS.intersection(row):  # the database makes them again
        del row[column]
    notes = [dict(r) for r in conn.execute(text("SELECT * FROM note WHERE contact_id = :id"), {"id": contact_id}).mappings()]
    tasks = [dict(r) for r in conn.execute(text("SELECT * FROM task WHERE contact_id = :id"), {"id": contact_id}).mappings()]
    return {"contact": row, "tags": tags_for(conn, [contact_id])[contact_id], "notes": notes, "tasks": tasks}


def delete_contact(
    conn: Connection,
    contact_id: str,
    *,
    if_version: int | None = None,
    expected: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Delete a contact with its notes and tasks (cascade); the audit rows stay.

    Returns the snapshot that ``restore_contact`` takes (the TUI's undo). Preconditions, else
    ConflictError and nothing deleted: ``if_version``, the contact is still at that version;
    ``expected`` (API field → value), every given field still holds that value (redo of a
    delete, undo of a create: the contact as the user left it, not as changed since).
    """
    check_preconditions(conn, contact_id, expected or {}, if_version=if_version, expected=expected)
    snap = snapshot(conn, contact_id)
    conn.execute(text("DELETE FROM contact WHERE id = :id"), {"id": contact_id})
    audit.record(conn, [audit.activity_row(contact_id, "deleted", now_store(), detail=snap["contact"])])
    return snap


def restore_contact(conn: Connection, snap: Mapping[str, Any]) -> dict[str, Any]:
    """Put back a contact deleted by ``delete_contact``: same id, fields, tags, notes, tasks."""
    row = dict(snap["contact"])
    _check_email_free(conn, row["email"])
    for ref, table, key in (("account_id", "account", "id"), ("assigned_to", "app_user", "id"), ("source_uid", "source", "uid")):
        if row.get(ref) and conn.execute(text(f"SELECT 1 FROM {table} WHERE {key} = :v"), {"v": row[ref]}).first() is None:
            row[ref] = None
    contact_store.insert_contact(conn, row)
    set_tags(conn, row["id"], list(snap["tags"]))
    for table in ("note", "task"):
        for item in snap[table + "s"]:
            cols = ", ".join(item)
            conn.execute(text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + k for k in item)})"), item)
    audit.record(conn, [audit.activity_row(row["id"], "restored", now_store())])
    return get_contact(conn, row["id"])
