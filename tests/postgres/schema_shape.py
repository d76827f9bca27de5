"""The shape of a schema, read back from a live database, in the same terms for SQLite and
PostgreSQL: per table its columns (name → not null, has a default), primary key, unique keys
(columns, partial or not), foreign keys (columns → table(columns), ON DELETE) and the names of
its other indexes. Types are left out on purpose (TEXT/INTEGER/BIGINT/BLOB/BYTEA differ)."""

from __future__ import annotations

import sqlite3
from typing import Any

Shape = dict[str, dict[str, Any]]


def _table(columns: dict, pk: tuple, unique: set, fks: set, indexes: set) -> dict[str, Any]:
    return {"columns": columns, "primary key": pk, "unique": unique, "foreign keys": fks, "indexes": indexes}


def sqlite_shape(conn: sqlite3.Connection, skip: set[str]) -> Shape:
    shape: Shape = {}
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    for table in (n for n in names if n not in skip and not n.startswith("sqlite_")):
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        # A primary key column is NOT NULL on PostgreSQL; SQLite's table_info does not say so.
        columns = {r[1]: (bool(r[3] or r[5]), r[4] is not None) for r in info}
        pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        unique, indexes = set(), set()
        for _, name, is_unique, origin, partial in conn.execute(f'PRAGMA index_list("{table}")'):
            cols = tuple(r[2] or "<expr>" for r in conn.execute(f'PRAGMA index_info("{name}")'))
            if origin == "pk":
                continue
            if is_unique:
                unique.add((cols, bool(partial)))
            else:
                indexes.add(name)
        fks = {(r[3], r[2], r[4], r[6]) for r in conn.execute(f'PRAGMA foreign_key_list("{table}")')}
        shape[table] = _table(columns, pk, unique, fks, indexes)
    return shape


_ON_DELETE = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def pg_shape(conn: Any, skip: set[str], skip_indexes: set[str]) -> Shape:
    """``conn``: a psycopg connection. Multi-column foreign keys would need more; none exist."""
    shape: Shape = {}
    tables = [r[0] for r in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")]  # fmt: skip
    for table in (t for t in tables if t not in skip):
        columns = {
            name: (not_null, has_default)
            for name, not_null, has_default in conn.execute(
                "SELECT attname, attnotnull, atthasdef FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
                " AND attgenerated = ''", (table,))  # generated: pg_search's own search columns
        }  # fmt: skip
        pk, unique, indexes = (), set(), set()
        rows = conn.execute(
            "SELECT c.relname, i.indisprimary, i.indisunique, i.indpred IS NOT NULL,"
            " array(SELECT coalesce(a.attname, '<expr>') FROM unnest(i.indkey) WITH ORDINALITY k(n, o)"
            "       LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass",
            (table,),
        )  # fmt: skip
        for name, primary, is_unique, partial, cols in rows:
            if name in skip_indexes:
                continue
            if primary:
                pk = tuple(cols)
            elif is_unique:
                unique.add((tuple(cols), partial))
            else:
                indexes.add(name)
        fks = {
            (src, target, dst, _ON_DELETE[action])
            for src, target, dst, action in conn.execute(
                "SELECT a.attname, t.relname, b.attname, c.confdeltype FROM pg_constraint c"
                " JOIN pg_class t ON t.oid = c.confrelid"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
                " JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]"
                " WHERE c.contype = 'f' AND c.conrelid = %s::regclass", (table,))
        }  # fmt: skip
        shape[table] = _table(columns, pk, unique, fks, indexes)
    return shape
