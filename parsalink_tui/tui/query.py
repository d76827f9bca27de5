"""``ListQuery``: what the contacts screen is showing (filters, sort, page) — plain data.

Kept free of Textual so the status line and the parameters sent to ``Service.list_contacts``
can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..listing import UNASSIGNED
from .render import clean, path_text, stage_label

# The orderings the screen cycles through with ``o`` (``O`` flips the direction).
SORTS: tuple[tuple[str, str], ...] = (
    ("createdAt", "created"),
    ("updatedAt", "updated"),
    ("lastName", "name"),
    ("stage", "stage"),
)
DEFAULT_DESCENDING = {"createdAt": True, "updatedAt": True, "lastName": False, "stage": False}


@dataclass
class ListQuery:
    """Filters, sort and page of the contacts list."""

    search: str = ""
    stage: str | None = None
    assigned_to: str | None = None
    tags: list[str] = field(default_factory=list)
    created_after: str = ""
    created_before: str = ""
    #: Only the contacts this import job created (``import_name`` is its file, for the status line).
    import_job: str | None = None
    import_name: str = ""
    sort: str = "createdAt"
    descending: bool = True
    page: int = 1
    limit: int = 20

    @property
    def ordering(self) -> str:
        return ("-" if self.descending else "") + self.sort

    def filters(self, *, stage: bool = True) -> dict[str, Any]:
        """Keyword filters for ``list_contacts``/``stage_counts``."""
        out: dict[str, Any] = {}
        if self.search.strip():
            out["search"] = self.search
        if stage and self.stage:
            out["stage"] = self.stage
        if self.assigned_to:
            out["assigned_to"] = self.assigned_to
        if self.tags:
            out["tags"] = list(self.tags)
        if self.created_after:
            out["created_after"] = self.created_after
        if self.created_before:
            out["created_before"] = self.created_before
        if self.import_job:
            out["import_job"] = self.import_job
        return out

    def params(self) -> dict[str, Any]:
        return {**self.filters(), "page": self.page, "limit": self.limit, "ordering": self.ordering}

    @property
    def filtered(self) -> bool:
        return bool(self.filters())

    def cleared(self) -> ListQuery:
        """The same sort and page size with no filters, on page 1."""
        return replace(ListQuery(), sort=self.sort, descending=self.descending, limit=self.limit)

    def describe_filters(self, users: dict[str, str]) -> list[str]:
        """Short phrases for the status line, one per active filter (user text cleaned)."""
        parts: list[str] = []
        if self.search.strip():
            parts.append(f"search “{clean(self.search.strip())}”")
        if self.stage:
            parts.append(f"stage {stage_label(self.stage)}")
        if self.assigned_to == UNASSIGNED:
            parts.append("unassigned")
        elif self.assigned_to:
            parts.append(f"assignee {clean(users.get(self.assigned_to, self.assigned_to))}")
        if self.tags:
            parts.append("tags " + ", ".join(clean(t) for t in self.tags))
        if self.created_after:
            parts.append(f"created ≥ {self.created_after}")
        if self.created_before:
            parts.append(f"created < {self.created_before}")
        if self.import_job:
            parts.append(f"imported from {path_text(self.import_name) or self.import_job[:8]}")
        return parts

    def describe_sort(self) -> str:
        label = dict(SORTS)[self.sort]
        return f"{label} {'↓' if self.descending else '↑'}"
