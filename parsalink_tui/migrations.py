"""The schema's migration chain (SQLite DDL), applied in order on open.

Each step is one transaction that also bumps ``PRAGMA user_version``, so a file is always at
exactly one version. Never edit a released step: add a new one. These steps are the one
definition of the schema (nothing mirrors it). Why the schema looks as it does:
docs/architecture.md, "Data model"; each version's changes: docs/database.md.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .validation import fold_key

# 'PSLK': marks a file as a parsalink database (PRAGMA application_id).
APPLICATION_ID = 0x50534C4B

_STAGES = ("new", "contacted", "engaged", "proposal_sent", "negotiation", "customer", "inactive")
STAGE_RANK_WHEN = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(_STAGES))
STAGE_CHECK = "'new','contacted','engaged','proposal_sent','negotiation','customer','inactive'"

V1 = f"""
CREATE TABLE user (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE account (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE source (
    uid TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
-- pk is the rowid made explicit: the search index is keyed by it, and VACUUM may renumber
-- an implicit rowid, which would silently break search.
CREATE TABLE contact (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    first_name TEXT,
    last_name TEXT,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    phone TEXT,
    title TEXT,
    stage TEXT NOT NULL DEFAULT 'new' CHECK (stage IN ({STAGE_CHECK})),
    account_id TEXT REFERENCES account(id) ON DELETE SET NULL,
    assigned_to TEXT REFERENCES user(id) ON DELETE SET NULL,
    notes TEXT,
    email_opt_out INTEGER NOT NULL DEFAULT 0,
    email_bounced INTEGER NOT NULL DEFAULT 0,
    source_uid TEXT REFERENCES source(uid) ON DELETE SET NULL,
    import_job_uid TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_contact_created ON contact(created_at, id);
CREATE INDEX ix_contact_updated ON contact(updated_at, id);
CREATE INDEX ix_contact_stage_created ON contact(stage, created_at, id);
CREATE INDEX ix_contact_assigned_created ON contact(assigned_to, created_at, id);
CREATE INDEX ix_contact_last_name ON contact(last_name COLLATE NOCASE, first_name COLLATE NOCASE, id);
CREATE INDEX ix_contact_stage_updated ON contact(stage, updated_at, id);
CREATE INDEX ix_contact_stage_rank ON contact((CASE stage {STAGE_RANK_WHEN} END), created_at DESC, id DESC);
CREATE INDEX ix_contact_account ON contact(account_id);
CREATE INDEX ix_contact_job ON contact(import_job_uid) WHERE import_job_uid IS NOT NULL;

CREATE TABLE tag (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE
);
-- Keyed by the contact's integer pk: tag filters probe it per row, and integer keys are
-- several times cheaper to look up than the text ids.
CREATE TABLE contact_tag (
    contact_pk INTEGER NOT NULL REFERENCES contact(pk) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tag(id) ON DELETE CASCADE,
    position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (contact_pk, tag_id)
) WITHOUT ROWID;
CREATE INDEX ix_contact_tag_tag ON contact_tag(tag_id, contact_pk);

CREATE TABLE note (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_note_contact ON note(contact_id, created_at);
CREATE TABLE task (
    id TEXT PRIMARY KEY,
    contact_id TEXT NOT NULL REFERENCES contact(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    due_date TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    done_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_task_contact ON task(contact_id, created_at);

-- The audit log: no foreign key, rows outlive their contact.
CREATE TABLE activity (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id TEXT NOT NULL,
    action TEXT NOT NULL,
    field TEXT,
    old_value TEXT,
    new_value TEXT,
    detail TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX ix_activity_contact ON activity(contact_id, id);

CREATE TABLE import_job (
    uid TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued','processing','complete','failed')),
    total_rows INTEGER NOT NULL DEFAULT 0,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    success_count INTEGER NOT NULL DEFAULT 0,
    error_count INTEGER NOT NULL DEFAULT 0,
    duplicate_count INTEGER NOT NULL DEFAULT 0,
    error_message TEXT NOT NULL DEFAULT '',
    source_uid TEXT REFERENCES source(uid) ON DELETE SET NULL,
    field_mappings TEXT,
    on_duplicate TEXT NOT NULL DEFAULT 'skip',
    last_row INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    heartbeat_at TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX ix_import_job_status ON import_job(status, created_at);
CREATE INDEX ix_import_job_created ON import_job(created_at);
-- The uploaded bytes of a job until it ends, apart from the job row: SQLite rewrites a whole
-- row (overflow pages included) on every UPDATE, and the row's counters change every batch.
CREATE TABLE import_file (
    job_uid TEXT PRIMARY KEY REFERENCES import_job(uid) ON DELETE CASCADE,
    data BLOB NOT NULL
);
-- Per-row outcomes that are not successes: kind 'error' or 'duplicate'.
CREATE TABLE import_issue (
    job_uid TEXT NOT NULL REFERENCES import_job(uid) ON DELETE CASCADE,
    row INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('error','duplicate')),
    message TEXT,
    email TEXT,
    existing_id TEXT,
    raw TEXT,
    PRIMARY KEY (job_uid, kind, row)
) WITHOUT ROWID;

-- Substring search over name, email and phone digits (trigram: any 3+ character substring).
-- Contentless; the triggers feed it and must delete with exactly the values they inserted.
CREATE VIRTUAL TABLE contact_fts USING fts5(name, email, phone, content='', tokenize='trigram');
CREATE TRIGGER contact_fts_ai AFTER INSERT ON contact BEGIN
    INSERT INTO contact_fts(rowid, name, email, phone) VALUES (
        new.rowid,
        trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, '')),
        new.email,
        replace(coalesce(new.phone, ''), '+', ''));
END;
CREATE TRIGGER contact_fts_ad AFTER DELETE ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, email, phone) VALUES (
        'delete', old.rowid,
        trim(coalesce(old.first_name, '') || ' ' || coalesce(old.last_name, '')),
        old.email,
        replace(coalesce(old.phone, ''), '+', ''));
END;
CREATE TRIGGER contact_fts_au AFTER UPDATE OF first_name, last_name, email, phone ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, email, phone) VALUES (
        'delete', old.rowid,
        trim(coalesce(old.first_name, '') || ' ' || coalesce(old.last_name, '')),
        old.email,
        replace(coalesce(old.phone, ''), '+', ''));
    INSERT INTO contact_fts(rowid, name, email, phone) VALUES (
        new.rowid,
        trim(coalesce(new.first_name, '') || ' ' || coalesce(new.last_name, '')),
        new.email,
        replace(coalesce(new.phone, ''), '+', ''));
END;
"""

# One- and two-character search terms (the trigram index needs three): every character and
# every pair of adjacent characters of first name, last name and email, and of the phone's
# digits (those prefixed "##", so "12" as a phone query never matches an email's "12"), as the
# words of a contentless FTS5 table whose tokenizer treats every character but whitespace as
# part of a word (a pair holding a space splits into its single characters, which are indexed
# anyway). detail=none: a term is one word, so posting lists of row ids are all it needs.
# Fed by triggers with the SQL below; the import writer feeds its batches itself (words made
# by ``search_sqlite.short_grams`` in its validation process) and parks their pk range in
# search_bulk meanwhile, inside its transaction, so the trigger skips them. The two must make
# the same set of distinct words: deleting from a contentless index must name each word as
# many times as it was indexed (a count that differs corrupts the index; measured on 3.40).
def phone_digits_sql(phone: str) -> str:
    """SQL for the digits search indexes of a stored phone: the number's, without the "+" and
    without an extension ("+15559876543;ext=123" → "15559876543"); see search_sqlite.phone_digits."""
    return f"replace(substr({phone}, 1, instr({phone} || ';', ';') - 1), '+', '')"


def _digits_v2(phone: str) -> str:  # what versions 1-3 indexed (no stored phone had an extension)
    return f"replace({phone}, '+', '')"


def short_words_sql(first: str, last: str, email: str, phone: str, *,
                    digits_of: Callable[[str], str] = phone_digits_sql) -> str:  # fmt: skip
    """SQL rows (column ``w``): the distinct words ``contact_short`` indexes for one contact."""
    texts = (
        f"(SELECT '' AS p, {first} AS t UNION ALL SELECT '', {last} UNION ALL SELECT '', {email} "
        f"UNION ALL SELECT '##', {digits_of(phone)})"
    )
    return (
        f"SELECT p || substr(t, n, 1) AS w FROM {texts} JOIN search_position ON n <= length(t) "
        f"UNION SELECT p || substr(t, n, 2) FROM {texts} JOIN search_position ON n < length(t)"
    )


def short_grams_sql(first: str, last: str, email: str, phone: str, *,
                    digits_of: Callable[[str], str] = phone_digits_sql) -> str:  # fmt: skip
    """SQL for the text (words joined by spaces) ``contact_short`` indexes for one contact."""
    return f"(SELECT group_concat(w, ' ') FROM ({short_words_sql(first, last, email, phone, digits_of=digits_of)}))"


def _short_grams_of(row: str, digits_of: Callable[[str], str] = phone_digits_sql) -> str:
    return short_grams_sql(f"{row}.first_name", f"{row}.last_name", f"{row}.email", f"{row}.phone",
                           digits_of=digits_of)  # fmt: skip


# What contact_fts indexes for a contact (row alias in): V1's triggers wrote it out.
def fts_values_sql(row: str, digits_of: Callable[[str], str] = phone_digits_sql) -> str:
    return (
        f"trim(coalesce({row}.first_name, '') || ' ' || coalesce({row}.last_name, '')), "
        f"{row}.email, {digits_of(f'coalesce({row}.phone, {chr(39) * 2})')}"
    )


# A pk range parked in search_bulk (by the import writer, inside its transaction): the insert
# triggers skip those rows, whose search words the writer adds itself, one statement a batch.
NOT_PARKED = "NOT EXISTS (SELECT 1 FROM search_bulk WHERE new.pk BETWEEN lo AND hi)"
SHORT_POSITIONS = 256  # characters of a field indexed (fields hold at most 255)
SHORT_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* P* S* C*'"
def _search_triggers(digits_of: Callable[[str], str], names: tuple[str, ...]) -> str:
    """The CREATE TRIGGER statements that keep both search indexes in step with contact rows,
    the phone's indexed digits made by ``digits_of``; ``names`` picks which, in that order."""
    triggers = {
        "contact_fts_ai": f"""CREATE TRIGGER contact_fts_ai AFTER INSERT ON contact WHEN {NOT_PARKED} BEGIN
    INSERT INTO contact_fts(rowid, name, email, phone) VALUES (new.pk, {fts_values_sql("new", digits_of)});
END;""",
        "contact_fts_ad": f"""CREATE TRIGGER contact_fts_ad AFTER DELETE ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, email, phone) VALUES (
        'delete', old.pk, {fts_values_sql("old", digits_of)});
END;""",
        "contact_fts_au": f"""CREATE TRIGGER contact_fts_au AFTER UPDATE OF first_name, last_name, email, phone ON contact BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, email, phone) VALUES (
        'delete', old.pk, {fts_values_sql("old", digits_of)});
    INSERT INTO contact_fts(rowid, name, email, phone) VALUES (new.pk, {fts_values_sql("new", digits_of)});
END;""",
        "contact_short_ai": f"""CREATE TRIGGER contact_short_ai AFTER INSERT ON contact WHEN {NOT_PARKED} BEGIN
    INSERT INTO contact_short(rowid, g) VALUES (new.pk, {_short_grams_of("new", digits_of)});
END;""",
        "contact_short_ad": f"""CREATE TRIGGER contact_short_ad AFTER DELETE ON contact BEGIN
    INSERT INTO contact_short(contact_short, rowid, g) VALUES ('delete', old.pk, {_short_grams_of("old", digits_of)});
END;""",
        "contact_short_au": f"""CREATE TRIGGER contact_short_au AFTER UPDATE OF first_name, last_name, email, phone ON contact BEGIN
    INSERT INTO contact_short(contact_short, rowid, g) VALUES ('delete', old.pk, {_short_grams_of("old", digits_of)});
    INSERT INTO contact_short(rowid, g) VALUES (new.pk, {_short_grams_of("new", digits_of)});
END;""",
    }
    return "\n".join(triggers[name] for name in names)


V2 = f"""
-- Two list indexes an import paid for on every row (~0.2 s of a 10 MB import) and no query
-- needs: a stage filter sorted by updatedAt walks ix_contact_updated (a stage holds ~1/7 of
-- the rows, so a page reads ~7 rows per match), and no query looks contacts up by account.
DROP INDEX ix_contact_stage_updated;
DROP INDEX ix_contact_account;
CREATE TABLE search_position (n INTEGER PRIMARY KEY);
WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {SHORT_POSITIONS})
INSERT INTO search_position SELECT n FROM k;
CREATE TABLE search_bulk (lo INTEGER NOT NULL, hi INTEGER NOT NULL);
CREATE VIRTUAL TABLE contact_short USING fts5(
    g, content='', detail=none, columnsize=0, tokenize="{SHORT_TOKENIZER}");
INSERT INTO contact_short(rowid, g) SELECT c.pk, {_short_grams_of("c", _digits_v2)} FROM contact c;
DROP TRIGGER contact_fts_ai;
{_search_triggers(_digits_v2, ("contact_fts_ai", "contact_short_ai", "contact_short_ad", "contact_short_au"))}
"""

# Version 3: the base for concurrent editing, unique user emails and API tokens.
# - contact.version: a stamp that every write of a contact changes (the trigger bumps it on any
#   UPDATE that did not set it itself, so no write path can forget); the TUI's form, the CLI's
#   --if-match and HTTP's ETag/If-Match compare it.
# - user.email_key: the uniqueness key of a user's email (lower-cased, as contact.email_key),
#   unique where set. Users that already share an email (case-insensitively) all stay, with their
#   emails: the oldest (created_at, id) takes the key (the unique index allows one); an import
#   owner cell naming an email several users share is an "ambiguous" row error for all of them
#   (importing/rows.py), so no row goes to the wrong one. V4 re-folds the keys with casefold.
# - activity.actor: who made a change when it was not the local user (e.g. "token:tok_…").
# - api_token: bearer tokens for `serve`, stored only as a hash.
V3 = """
ALTER TABLE contact ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE TRIGGER contact_version_au AFTER UPDATE ON contact WHEN new.version = old.version BEGIN
    UPDATE contact SET version = old.version + 1 WHERE pk = new.pk;
END;
ALTER TABLE user ADD COLUMN email_key TEXT;
UPDATE user SET email_key = lower(email)
 WHERE email IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM user AS o WHERE o.email IS NOT NULL AND lower(o.email) = lower(user.email)
       AND (o.created_at < user.created_at OR (o.created_at = user.created_at AND o.id < user.id)));
CREATE UNIQUE INDEX ux_user_email_key ON user(email_key) WHERE email_key IS NOT NULL;
ALTER TABLE activity ADD COLUMN actor TEXT;
CREATE TABLE api_token (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
);
"""

# Version 4:
# - phones keep their extension ("+15559876543;ext=123"); search indexes the number's digits only
#   (phone_digits_sql), so the search triggers are made again with that rule. No phone stored
#   before has a ";", and for those both rules give the same digits: the indexes' rows stay right
#   (deleting from a contentless index must name exactly what was inserted).
# - user.email_key again, folded as validation.email_key folds (str.casefold): V3's lower() folds
#   ASCII only, so "JÖRG@x" and "jörg@x" got two keys and a third "Jörg@x" could be added. The
#   same rule as V3: every user keeps the email; of those sharing one, the oldest takes the key.
_SEARCH_TRIGGERS = ("contact_fts_ai", "contact_fts_ad", "contact_fts_au",
                    "contact_short_ai", "contact_short_ad", "contact_short_au")  # fmt: skip
V4 = (
    "".join(f"DROP TRIGGER {name};\n" for name in _SEARCH_TRIGGERS)
    + _search_triggers(phone_digits_sql, _SEARCH_TRIGGERS)
    + """
UPDATE user SET email_key = NULL WHERE email_key IS NOT NULL;
UPDATE user SET email_key = pl_casefold(email)
 WHERE email IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM user AS o WHERE o.email IS NOT NULL AND pl_casefold(o.email) = pl_casefold(user.email)
       AND (o.created_at < user.created_at OR (o.created_at = user.created_at AND o.id < user.id)));
"""
)


# Version 5: reverting an import, and
# remembered column mappings.
# - import_job.revert_*: the revert of a complete job, itself run in batches like an import
#   (status 'processing' then 'complete', worker + heartbeat so a rerun takes over a dead one,
#   cursors so a resumed revert skips what is done) and reverted_at once it completed.
# - revert_protected: contacts a revert left alone because they changed after the import.
# - The delete triggers of both search indexes skip a pk range parked in search_bulk, as the
#   insert triggers do since V2: a revert deletes a batch's search rows in one statement per
#   index (the per-row triggers cost ~9 s of a 90k-contact delete).
# - saved_mapping: a user's column choices, keyed by the signature of the header row.
# A later step that remakes the search triggers with _search_triggers must keep this
# parked-range condition on the two delete triggers.
V5 = f"""
ALTER TABLE import_job ADD COLUMN revert_status TEXT CHECK (revert_status IN ('processing','complete'));
ALTER TABLE import_job ADD COLUMN revert_total INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_job ADD COLUMN revert_processed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_job ADD COLUMN revert_deleted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_job ADD COLUMN revert_restored INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_job ADD COLUMN revert_merge_cursor TEXT NOT NULL DEFAULT '';
ALTER TABLE import_job ADD COLUMN revert_pk_cursor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_job ADD COLUMN revert_worker TEXT;
ALTER TABLE import_job ADD COLUMN revert_heartbeat TEXT;
ALTER TABLE import_job ADD COLUMN reverted_at TEXT;
CREATE TABLE revert_protected (
    job_uid TEXT NOT NULL REFERENCES import_job(uid) ON DELETE CASCADE,
    contact_id TEXT NOT NULL,
    email TEXT,
    reason TEXT NOT NULL,
    PRIMARY KEY (job_uid, contact_id)
) WITHOUT ROWID;
DROP TRIGGER contact_fts_ad;
CREATE TRIGGER contact_fts_ad AFTER DELETE ON contact WHEN {NOT_PARKED.replace("new.pk", "old.pk")} BEGIN
    INSERT INTO contact_fts(contact_fts, rowid, name, email, phone) VALUES ('delete', old.pk, {fts_values_sql("old")});
END;
DROP TRIGGER contact_short_ad;
CREATE TRIGGER contact_short_ad AFTER DELETE ON contact WHEN {NOT_PARKED.replace("new.pk", "old.pk")} BEGIN
    INSERT INTO contact_short(contact_short, rowid, g) VALUES ('delete', old.pk, {_short_grams_of("old")});
END;
CREATE TABLE saved_mapping (
    id INTEGER PRIMARY KEY,
    signature TEXT NOT NULL UNIQUE,
    header TEXT NOT NULL,
    mapping TEXT NOT NULL,
    filename TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    used_at TEXT
);
"""

# Version 6: groundwork for a PostgreSQL backend (issue 13), whose SQL must mean the same.
# - user → app_user: "user" is a reserved word in PostgreSQL (SELECT * FROM user there returns
#   the session user). SQLite (3.26+) rewrites the foreign key that names it (contact.assigned_to,
#   still ON DELETE SET NULL); the email key's unique index is remade under the new name.
# - account.name_key, tag.name_key: the name folded as validation.fold_key folds (casefold of the
#   NFC text, SQL pl_casefold), with unique indexes. Every lookup or find-or-create by name is
#   `name_key = :k` (find-or-create: INSERT … ON CONFLICT (name_key) DO NOTHING, then SELECT),
#   a plain indexed "=" on both databases, instead of SQLite's COLLATE NOCASE, which folds ASCII
#   only and which PostgreSQL lacks. The name columns keep their NOCASE UNIQUE (SQLite cannot
#   drop it without rebuilding the tables); names equal to NOCASE are equal to casefold too, so
#   it never refuses a name the key allows. Ordering by name (COLLATE NOCASE) is not a lookup and
#   stays as it was.
#   Names that casefold alike but differ to NOCASE ("Straße Bau" / "STRASSE BAU") were two rows
#   up to version 5; no contact loses anything:
#   - accounts all stay (V3's rule for user emails): the oldest (created_at, id) takes the key,
#     the others keep a NULL key, their name and their contacts. An account's id is data that
#     contacts (accountId) and API clients hold, so merging would change contacts behind their
#     owners' backs; a lookup by the name finds the oldest from now on.
#   - tags are merged into the oldest (lowest id): a tag is nothing but its name (its id never
#     leaves the database), and a tag without a key could never be found by a tags filter, so
#     its contacts would silently drop out of every filter for it. The newer tag's contact links
#     move to the oldest (a contact that had both keeps one link, at the earlier position), then
#     the emptied tag row goes; its spelling is the one thing not kept.
V6 = """
ALTER TABLE user RENAME TO app_user;
DROP INDEX ux_user_email_key;
CREATE UNIQUE INDEX ux_app_user_email_key ON app_user(email_key) WHERE email_key IS NOT NULL;

ALTER TABLE account ADD COLUMN name_key TEXT;
UPDATE account SET name_key = pl_casefold(name);
UPDATE account SET name_key = NULL WHERE id IN (
    SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY name_key ORDER BY created_at, id) AS n FROM account)
     WHERE n > 1);
CREATE UNIQUE INDEX ux_account_name_key ON account(name_key);

ALTER TABLE tag ADD COLUMN name_key TEXT;
UPDATE tag SET name_key = pl_casefold(name);
CREATE TEMP TABLE v6_tag_merge AS SELECT old_id, new_id FROM (
    SELECT id AS old_id, min(id) OVER (PARTITION BY name_key) AS new_id FROM tag) WHERE old_id <> new_id;
INSERT INTO contact_tag (contact_pk, tag_id, position)
    SELECT ct.contact_pk, m.new_id, ct.position FROM contact_tag AS ct JOIN v6_tag_merge AS m ON m.old_id = ct.tag_id
     WHERE true
    ON CONFLICT (contact_pk, tag_id) DO UPDATE SET position = min(position, excluded.position);
DELETE FROM contact_tag WHERE tag_id IN (SELECT old_id FROM v6_tag_merge);
DELETE FROM tag WHERE id IN (SELECT old_id FROM v6_tag_merge);
DROP TABLE v6_tag_merge;
CREATE UNIQUE INDEX ux_tag_name_key ON tag(name_key);
"""

MIGRATIONS: list[tuple[int, str]] = [(1, V1), (2, V2), (3, V3), (4, V4), (5, V5), (6, V6)]
LATEST = MIGRATIONS[-1][0]


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn``'s file to ``LATEST``; returns the version it started at.

    ``conn`` must be in autocommit mode (``isolation_level=None``): each step runs in its own
    ``BEGIN IMMEDIATE … COMMIT`` and is rolled back whole if it fails.
    """
    start = conn.execute("PRAGMA user_version").fetchone()[0]
    # Steps fold text as the app does (validation.fold_key): SQLite's lower() is ASCII-only. For
    # emails (NFC already: email-validator normalizes them) it is the str.casefold V4 shipped with.
    conn.create_function("pl_casefold", 1, lambda value: fold_key(value) if isinstance(value, str) else value,
                         deterministic=True)
    for version, script in MIGRATIONS:
        if version <= start:
            continue
        try:
            conn.executescript(
                "BEGIN IMMEDIATE;\n"
                + script
                + f"\nPRAGMA application_id = {APPLICATION_ID};"
                + f"\nPRAGMA user_version = {version};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start
