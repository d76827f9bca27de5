"""The suite's app databases on PostgreSQL (``pg_app_url``: tests/conftest.py) are copies of one
database per session that the app made (``pg_template``). A copy must be exactly what opening a
new, empty database makes now: at the current version, with pg_trgm and the search columns, no
rows, sequences not yet used. Compared catalog to catalog, so a template built another way (or
kept from an older schema) fails here."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from parsalink_tui.backends import pg_schema, pg_search
from parsalink_tui.backends.postgres import open_postgres

pytestmark = pytest.mark.postgres

# Each query lists one kind of object of the database's own schema, in a fixed order.
CATALOG = {
    "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, is_identity,"
               " generation_expression FROM information_schema.columns WHERE table_schema = current_schema()"
               " ORDER BY 1, 2",
    "indexes": "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1",
    "constraints": "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c"
                   " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema() ORDER BY 1, 2",
    "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger"
                " WHERE NOT tgisinternal ORDER BY 1, 2",
    "functions": "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n"
                 " ON n.oid = p.pronamespace WHERE n.nspname = current_schema() AND p.prokind = 'f'"
                 " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')"
                 " ORDER BY 1",
    "extensions": "SELECT extname, extversion FROM pg_extension ORDER BY 1",
    "meta": "SELECT application, schema_version FROM parsalink_meta",
}  # fmt: skip


def catalog(conn: Any) -> dict[str, list[tuple]]:
    return {kind: conn.execute(sql).fetchall() for kind, sql in CATALOG.items()}


def test_a_copy_of_the_template_is_what_opening_a_new_database_makes(pg_app_url: str, pg_url: str) -> None:
    open_postgres(pg_url).close()  # an empty database, opened by the app now
    with psycopg.connect(pg_app_url) as copy, psycopg.connect(pg_url) as made:
        assert catalog(copy) == catalog(made)
        got = catalog(copy)
    assert got["meta"] == [(pg_schema.APPLICATION, pg_schema.KNOWN)]
    assert "pg_trgm" in [name for name, _ in got["extensions"]]
    generated = {column: expr for table, column, *_, expr in got["columns"] if table == "contact" and expr}
    assert set(generated) == {"search_text", "search_phone"}
    assert set(pg_search.TRIGRAM_INDEXES) <= {name for name, _ in got["indexes"]}


def test_a_copy_holds_no_rows_and_its_sequences_start_at_one(pg_app_url: str) -> None:
    with psycopg.connect(pg_app_url) as copy:
        for table in pg_schema.TABLES:
            assert copy.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        sequences = [r[0] for r in copy.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema()")]  # fmt: skip
        assert sequences  # the identity columns' (contact, tag, activity, saved_mapping)
        for name in sequences:
            assert copy.execute(f"SELECT last_value, is_called FROM {name}").fetchone() == (1, False), name

