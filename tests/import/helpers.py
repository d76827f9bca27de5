"""Small CSV builders for the import tests (the shared corpora cover real-world files)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

HEADER = "First Name,Last Name,Email,Phone,Company,Tags\n"


def big_csv(path: Path, rows: int, *, start: int = 0, every_bad: int = 50) -> Path:
    """``rows`` contacts with unique emails (every ``every_bad``-th email malformed)."""
    lines = [HEADER]
    for n in range(start, start + rows):
        email = f"person{n}@example.com" if n % every_bad else f"person{n}.example.com"
        lines.append(f'Ann{n},Lee{n},{email},+1 415 555 {n % 10000:04d},Acme {n % 7},"warm, t{n % 5}"\n')
    path.write_text("".join(lines), encoding="utf-8")
    return path


def query(service, sql: str, **params) -> list[tuple]:
    """Rows of ``sql`` (``:named`` parameters) on the service's database, whichever it is."""
    from sqlalchemy import text

    with service.db.read() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def table_counts(where, uid: str) -> dict[str, int]:
    """What the tables hold for a job, to compare with its counters; ``where`` is an SQLite
    file or a Service (either database)."""
    if isinstance(where, Path):
        conn = sqlite3.connect(where)
        try:
            def rows(sql: str, **params) -> list[tuple]:
                return conn.execute(sql, params).fetchall()

            return _counts(rows, uid)
        finally:
            conn.close()
    return _counts(lambda sql, **params: query(where, sql, **params), uid)


def _counts(rows, uid: str) -> dict[str, int]:
    def one(sql: str) -> int:
        return rows(sql, uid=uid)[0][0]

    details = rows("SELECT detail FROM activity WHERE action = 'imported'")
    return {
        "contacts": one("SELECT count(*) FROM contact WHERE import_job_uid = :uid"),
        "errors": one("SELECT count(*) FROM import_issue WHERE job_uid = :uid AND kind = 'error'"),
        "duplicates": one("SELECT count(*) FROM import_issue WHERE job_uid = :uid AND kind = 'duplicate'"),
        "imported_activity": sum(json.loads(detail)["importJob"] == uid for (detail,) in details),
        "distinct_emails": one("SELECT count(DISTINCT email_key) FROM contact"),
        "all_contacts": one("SELECT count(*) FROM contact"),
    }


def assert_counters_match(job: dict, counts: dict[str, int]) -> None:
    assert job["successCount"] == counts["contacts"] == counts["imported_activity"]
    assert job["errorCount"] == counts["errors"]
    assert len(job["duplicates"]) == counts["duplicates"]
    assert job["processedRows"] == job["successCount"] + job["errorCount"] + len(job["duplicates"])
    assert counts["distinct_emails"] == counts["all_contacts"]
