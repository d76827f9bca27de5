"""The HTTP API's shapes as SQLModel classes, for OpenAPI and ``/docs`` only.

Model families in the style of FastAPI's full-stack template: a base with the shared writable
fields, then create / update / public variants. They document the reference's field names and
types; they never validate or convert a request (pydantic's lax mode would turn
``"emailOptOut": "yes"`` into ``true`` and drop unknown keys, which the core refuses). Handlers
hand the JSON body to ``Service`` as received, and return the core's dicts as they are.
"""

from __future__ import annotations

from typing import Literal

from sqlmodel import Field, SQLModel

from ..validation import TEXT_LIMITS

Stage = Literal["new", "contacted", "engaged", "proposal_sent", "negotiation", "customer", "inactive"]


class ContactBase(SQLModel):
    firstName: str | None = Field(default=None, max_length=TEXT_LIMITS["firstName"],
                                  description="firstName or lastName is required")
    lastName: str | None = Field(default=None, max_length=TEXT_LIMITS["lastName"])
    email: str | None = Field(default=None, description="Required on create; unique (case-insensitive)")
    phone: str | None = Field(default=None, description="Any common notation; stored as E.164")
    title: str | None = Field(default=None, max_length=TEXT_LIMITS["title"])
    stage: Stage | None = Field(default=None, description="Default: new")
    accountId: str | None = Field(default=None, description="acc_… (give accountId or accountName)")
    accountName: str | None = Field(default=None, max_length=TEXT_LIMITS["accountName"],
                                    description="Found or created by name")
    assignedTo: str | None = Field(default=None, description="usr_…")
    tags: list[str] | None = Field(default=None, description="Tag names (a comma-separated string works too)")
    notes: str | None = Field(default=None, max_length=TEXT_LIMITS["notes"])
    emailOptOut: bool | None = None
    emailBounced: bool | None = None


class ContactCreate(ContactBase):
    """POST /api/contacts/: ``email`` and ``firstName`` or ``lastName`` required. Unknown keys → 400."""

    email: str = Field(description="Required; unique (case-insensitive)")


class ContactUpdate(ContactBase):
    """PATCH /api/contacts/{id}/: only the keys given change."""


class ContactListItem(SQLModel):
    """A contact as the list shows it."""

    id: str
    firstName: str | None
    lastName: str | None
    email: str
    phone: str | None
    title: str | None
    stage: Stage
    accountId: str | None
    accountName: str | None
    assignedTo: str | None
    tags: list[str]
    createdAt: str
    updatedAt: str


class ContactPublic(ContactListItem):
    """The full contact (GET, POST, PATCH answers): the list's fields and these."""

    assignedToName: str | None
    emailOptOut: bool
    emailBounced: bool
    notes: str | None


class ContactPage(SQLModel):
    count: int
    next: str | None = Field(description="Absolute URL of the next page, keeping the other parameters")
    previous: str | None
    results: list[ContactListItem]


class RowIssue(SQLModel):
    row: int
    message: str


class ImportQueued(SQLModel):
    uid: str
    status: Literal["queued"]
    filename: str


class RevertState(SQLModel):
    """Extension: the revert of a job (``POST …/import-jobs/{uid}/revert/``), as it runs and once done."""

    status: Literal["processing", "complete"]
    total: int = Field(description="Contacts to look at: those the job created, and those it merged into")
    processed: int
    progressPercent: int
    deleted: int = Field(description="Contacts the job created, deleted")
    restored: int = Field(description="Existing contacts whose fields, flags and tags the job filled, put back")
    protectedCount: int = Field(description="Contacts changed after the import, left alone: GET …/revert/protected/")


class ImportJob(SQLModel):
    uid: str
    filename: str
    status: Literal["queued", "processing", "complete", "failed"]
    progressPercent: int
    totalRows: int
    processedRows: int
    successCount: int
    errorCount: int
    errors: list[RowIssue]
    duplicates: list[dict]
    errorMessage: str
    sourceName: str | None
    createdAt: str
    startedAt: str | None
    finishedAt: str | None
    revertedAt: str | None = Field(
        default=None, description="Extension, only on a job whose revert started: when it completed (null until then)"
    )
    revert: RevertState | None = Field(default=None, description="Extension, only on a job whose revert started")


class ProtectedContact(SQLModel):
    """A contact a revert left alone: it changed after the import."""

    id: str
    email: str | None
    reason: str = Field(description='What changed, e.g. "title changed, has a note"')


class ProtectedPage(SQLModel):
    count: int
    next: str | None = Field(description="Absolute URL of the next page, keeping the other parameters")
    previous: str | None
    results: list[ProtectedContact]


class Detail(SQLModel):
    detail: str


class FieldErrors(SQLModel):
    """400: each refused field or parameter → its messages, e.g. ``{"email": ["Invalid email format"]}``."""

    model_config = {
        "extra": "allow",
        "json_schema_extra": {"additionalProperties": {"type": "array", "items": {"type": "string"}}},
    }
