"""The API's JSON shapes (camelCase, key order as in the reference), built from table rows.

This is the one place storage columns become contract fields. ``LIST_FIELDS`` is the list
result shape, ``DETAIL_FIELDS`` the full contact object (get/create/update).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .contact_store import COLUMN_OF
from .timeutil import to_api

WRITABLE_FIELDS = (*COLUMN_OF, "accountName", "tags")
# Fields of the contact object a client may send back but cannot set: ignored in a create or
# update body, as Django REST framework ignores read-only fields, so a contact read with get can
# be sent back as it is. Any other key that is not writable is an error naming it (a typo).
READ_ONLY_FIELDS = ("id", "createdAt", "updatedAt", "assignedToName")

LIST_FIELDS = (
    "id", "firstName", "lastName", "email", "phone", "title", "stage", "accountId",
    "accountName", "assignedTo", "tags", "createdAt", "updatedAt",
)  # fmt: skip
DETAIL_FIELDS = (
    "id", "firstName", "lastName", "email", "phone", "title", "stage", "accountId",
    "accountName", "assignedTo", "assignedToName", "tags", "emailOptOut", "emailBounced",
    "notes", "createdAt", "updatedAt",
)  # fmt: skip


def contact_detail(row: Mapping[str, Any], tags: list[str]) -> dict[str, Any]:
    """Full contact object; ``row`` has the contact columns plus account_name, assigned_to_name."""
    return {
        "id": row["id"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "phone": row["phone"],
        "title": row["title"],
        "stage": row["stage"],
        "accountId": row["account_id"],
        "accountName": row["account_name"],
        "assignedTo": row["assigned_to"],
        "assignedToName": row["assigned_to_name"],
        "tags": tags,
        "emailOptOut": bool(row["email_opt_out"]),
        "emailBounced": bool(row["email_bounced"]),
        "notes": row["notes"],
        "createdAt": to_api(row["created_at"]),
        "updatedAt": to_api(row["updated_at"]),
    }


def contact_list_item(row: Mapping[str, Any], tags: list[str]) -> dict[str, Any]:
    """One entry of a list's ``results``."""
    return {
        "id": row["id"],
        "firstName": row["first_name"],
        "lastName": row["last_name"],
        "email": row["email"],
        "phone": row["phone"],
        "title": row["title"],
        "stage": row["stage"],
        "accountId": row["account_id"],
        "accountName": row["account_name"],
        "assignedTo": row["assigned_to"],
        "tags": tags,
        "createdAt": to_api(row["created_at"]),
        "updatedAt": to_api(row["updated_at"]),
    }


def user_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "email": row["email"], "createdAt": to_api(row["created_at"])}


def account_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "createdAt": to_api(row["created_at"])}


def source_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"uid": row["uid"], "name": row["name"], "createdAt": to_api(row["created_at"])}


def note_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "contactId": row["contact_id"],
        "text": row["text"],
        "createdAt": to_api(row["created_at"]),
        "updatedAt": to_api(row["updated_at"]),
    }


def task_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "contactId": row["contact_id"],
        "title": row["title"],
        "due": row["due_date"],
        "done": bool(row["done"]),
        "doneAt": to_api(row["done_at"]),
        "createdAt": to_api(row["created_at"]),
        "updatedAt": to_api(row["updated_at"]),
    }


def _loads(value: str | None) -> Any:
    return None if value is None else json.loads(value)


def activity_out(row: Mapping[str, Any]) -> dict[str, Any]:
    """An audit row; ``actor`` (who made the change, e.g. "token:tok_…") only when not the local user."""
    out = {
        "id": row["id"],
        "contactId": row["contact_id"],
        "action": row["action"],
        "field": row["field"],
        "oldValue": _loads(row["old_value"]),
        "newValue": _loads(row["new_value"]),
        "detail": _loads(row["detail"]),
        "createdAt": to_api(row["created_at"]),
    }
    actor = row.get("actor")
    if actor:
        out["actor"] = actor
    return out
