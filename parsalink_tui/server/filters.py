"""The contact list's filter parameters, shared by ``GET /api/contacts/`` and its export.

Query parameters as django-filter treats them: unknown ones are ignored (FastAPI never looks at
them), empty values (``?stage=``) are ignored, and an invalid value of a known one is a 400
naming it — decided by the core (``listing.make_filters``), which gets the values as received.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Query


def blank(value: str | None) -> str | None:
    """None for an absent or empty value: empty query values are ignored, as django-filter does."""
    return None if value is None or value.strip() == "" else value


def list_filters(
    stage: str | None = Query(None, description="new, contacted, engaged, proposal_sent, negotiation, customer, …"),
    assignedTo: str | None = Query(None, description="A user id (usr_…), or 'none' for unassigned"),
    search: str | None = Query(None, description="Search by name, email, or phone"),
    createdAfter: str | None = Query(None, description="ISO 8601 date or datetime (no offset = UTC)"),
    createdBefore: str | None = Query(None, description="ISO 8601 date or datetime"),
    tags: str | None = Query(None, description="Comma-separated tag names; a contact must have all"),
    ordering: str | None = Query(None, description="Extension: createdAt, updatedAt, lastName or stage; - to reverse"),
) -> dict[str, Any]:
    """The filters and ordering as the core's keyword arguments (empty values dropped to None)."""
    return {
        "stage": blank(stage), "assigned_to": blank(assignedTo), "search": blank(search),
        "created_after": blank(createdAfter), "created_before": blank(createdBefore), "tags": blank(tags),
        "ordering": blank(ordering),
    }  # fmt: skip


ListFilters = Depends(list_filters)
