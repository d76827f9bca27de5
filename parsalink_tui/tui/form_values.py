"""The edit form's values as plain data (no Textual here): widget values ↔ API bodies.

``as_values`` turns a contact into what the form's widgets hold; ``body_of`` turns widget values
into a full create/update body; ``same`` compares two values of a field as the user means them.
The form compares bodies, not raw text, to know which fields the user changed.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationError
from ..validation import normalize_tags

TEXT_FIELDS = ("firstName", "lastName", "email", "phone", "title", "accountName", "tags")
ALL_FIELDS = (*TEXT_FIELDS, "stage", "assignedTo", "notes", "emailOptOut", "emailBounced")


def as_values(contact: dict[str, Any]) -> dict[str, Any]:
    """A contact object as the form's widget values (what :meth:`ContactForm.values` returns)."""
    out = {name: contact.get(name) or "" for name in TEXT_FIELDS}
    out["tags"] = ", ".join(contact.get("tags") or [])
    out["stage"] = contact.get("stage") or "new"
    out["assignedTo"] = contact.get("assignedTo") or None
    out["notes"] = contact.get("notes") or ""
    out["emailOptOut"] = bool(contact.get("emailOptOut"))
    out["emailBounced"] = bool(contact.get("emailBounced"))
    return out


def body_of(v: dict[str, Any]) -> dict[str, Any]:
    """Widget values as a full create/update body (tags normalised so spacing is no change)."""
    try:
        tags: Any = normalize_tags(v["tags"])
    except ValidationError:
        tags = v["tags"]  # refused by the save's checks before it is sent
    return {
        "firstName": v["firstName"] or None, "lastName": v["lastName"] or None, "email": v["email"],
        "phone": v["phone"] or None, "title": v["title"] or None, "stage": v["stage"],
        "assignedTo": v["assignedTo"], "tags": tags, "notes": v["notes"] or None,
        "emailOptOut": v["emailOptOut"], "emailBounced": v["emailBounced"],
        "accountName": v["accountName"].strip() or None,
    }  # fmt: skip


def same(field: str, a: Any, b: Any) -> bool:
    """Equal as the user means it (account names and tags ignore case, as the core does)."""
    if field == "accountName":
        return (a or "").casefold() == (b or "").casefold()
    if field == "tags" and isinstance(a, list) and isinstance(b, list):
        return [t.casefold() for t in a] == [t.casefold() for t in b]
    return a == b
