"""Small CSV builders for the import tests (the shared corpora cover real-world files)."""

from __future__ import annotations

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


def table_counts(db_path: Path, uid: str) -> dict[str, int]:
    """What the tables hold for a job, to compare with its counters."""
    conn = sqlite3.connect(db_path)
    try:

        def one(sql: str) -> int:
            return conn.execute(sql, (uid,)).fetchone()[0]

        return {
            "contacts": one("SELECT count(*) FROM contact WHERE import_job_uid = ?"),
            "errors": one("SELECT count(*) FROM import_issue WHERE job_uid = ? AND kind = 'error'"),
            "duplicates": one("SELECT count(*) FROM import_issue WHERE job_uid = ? AND kind = 'duplicate'"),
            "imported_activity": one(
                "SELECT count(*) FROM activity WHERE action = 'imported' AND json_extract(detail, '$.importJob') = ?"
            ),
            "distinct_emails": conn.execute("SELECT count(DISTINCT email_key) FROM contact").fetchone()[0],
            "all_contacts": conn.execute("SELECT count(*) FROM contact").fetchone()[0],
        }
    finally:
        conn.close()


def assert_counters_match(job: dict, counts: dict[str, int]) -> None:
    assert job["successCount"] == counts["contacts"] == counts["imported_activity"]
    assert job["errorCount"] == counts["errors"]
    assert len(job["duplicates"]) == counts["duplicates"]
    assert job["processedRows"] == job["successCount"] + job["errorCount"] + len(job["duplicates"])
    assert counts["distinct_emails"] == counts["all_contacts"]
