"""SQLModel tables: the storage shape, mirroring what ``migrations.py`` creates.

Timestamps are stored as fixed-width UTC text (``timeutil.to_store``) so text order is time
order and bulk inserts need no conversion. The migrations are the source of truth for DDL
(indexes, triggers, the FTS table); ``tests/test_db.py::test_models_match_the_migrated_schema``
checks these columns match it (docs/architecture.md, "Data model").
API shapes (camelCase) live in ``schemas.py``, not here.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    __tablename__ = "user"
    id: str = Field(primary_key=True)
    name: str
    email: str | None = None
    created_at: str
    email_key: str | None = None  # unique where set (ux_user_email_key)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    id: str = Field(primary_key=True)
    name: str = Field(unique=True)
    created_at: str


class Source(SQLModel, table=True):
    __tablename__ = "source"
    uid: str = Field(primary_key=True)
    name: str
    created_at: str


class Contact(SQLModel, table=True):
    __tablename__ = "contact"
    pk: int | None = Field(default=None, primary_key=True)  # explicit rowid, keys the search index
    id: str = Field(unique=True)
    first_name: str | None = None
    last_name: str | None = None
    email: str
    email_key: str = Field(unique=True)
    phone: str | None = None
    title: str | None = None
    stage: str = "new"
    account_id: str | None = Field(default=None, foreign_key="account.id")
    assigned_to: str | None = Field(default=None, foreign_key="user.id")
    notes: str | None = None
    email_opt_out: bool = False
    email_bounced: bool = False
    source_uid: str | None = Field(default=None, foreign_key="source.uid")
    import_job_uid: str | None = None
    created_at: str
    updated_at: str
    version: int = 1  # bumped by every write (trigger contact_version_au)


class Tag(SQLModel, table=True):
    __tablename__ = "tag"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class ContactTag(SQLModel, table=True):
    __tablename__ = "contact_tag"
    contact_pk: int = Field(foreign_key="contact.pk", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True)
    position: int = 0


class Note(SQLModel, table=True):
    __tablename__ = "note"
    id: str = Field(primary_key=True)
    contact_id: str = Field(foreign_key="contact.id")
    text: str
    created_at: str
    updated_at: str


class Task(SQLModel, table=True):
    __tablename__ = "task"
    id: str = Field(primary_key=True)
    contact_id: str = Field(foreign_key="contact.id")
    title: str
    due_date: str | None = None
    done: bool = False
    done_at: str | None = None
    created_at: str
    updated_at: str


class Activity(SQLModel, table=True):
    __tablename__ = "activity"
    id: int | None = Field(default=None, primary_key=True)
    contact_id: str
    action: str
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    detail: str | None = None
    created_at: str
    actor: str | None = None  # who, when not the local user ("token:<id>")


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"
    uid: str = Field(primary_key=True)
    filename: str
    status: str
    total_rows: int = 0
    processed_rows: int = 0
    success_count: int = 0
    error_count: int = 0
    duplicate_count: int = 0
    error_message: str = ""
    source_uid: str | None = Field(default=None, foreign_key="source.uid")
    field_mappings: str | None = None
    on_duplicate: str = "skip"
    last_row: int = 0
    worker: str | None = None
    heartbeat_at: str | None = None
    created_at: str
    started_at: str | None = None
    finished_at: str | None = None
    # The revert of this job (schema V5; see importing/revert.py).
    revert_status: str | None = None
    revert_total: int = 0
    revert_processed: int = 0
    revert_deleted: int = 0
    revert_restored: int = 0
    revert_merge_cursor: str = ""
    revert_pk_cursor: int = 0
    revert_worker: str | None = None
    revert_heartbeat: str | None = None
    reverted_at: str | None = None


class RevertProtected(SQLModel, table=True):
    __tablename__ = "revert_protected"
    job_uid: str = Field(foreign_key="import_job.uid", primary_key=True)
    contact_id: str = Field(primary_key=True)
    email: str | None = None
    reason: str


class SavedMapping(SQLModel, table=True):
    __tablename__ = "saved_mapping"
    id: int | None = Field(default=None, primary_key=True)
    signature: str = Field(unique=True)
    header: str  # JSON list of the header cells as last seen
    mapping: str  # JSON object: the user's overrides, header → field or null
    filename: str
    created_at: str
    updated_at: str
    used_at: str | None = None


class ImportFile(SQLModel, table=True):
    __tablename__ = "import_file"
    job_uid: str = Field(foreign_key="import_job.uid", primary_key=True)
    data: bytes


class ImportIssue(SQLModel, table=True):
    __tablename__ = "import_issue"
    job_uid: str = Field(foreign_key="import_job.uid", primary_key=True)
    kind: str = Field(primary_key=True)
    row: int = Field(primary_key=True)
    message: str | None = None
    email: str | None = None
    existing_id: str | None = None
    raw: str | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    id: str = Field(primary_key=True)
    name: str
    secret_hash: str = Field(unique=True)
    created_at: str
    last_used_at: str | None = None
    revoked_at: str | None = None
