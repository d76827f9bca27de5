"""Shared helpers for the Pilot tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from parsalink_tui.service import Service
from parsalink_tui.timeutil import to_store
from parsalink_tui.tui.contact_form import ContactForm
from parsalink_tui.tui.contacts_screen import ContactsScreen


async def settle(pilot: Pilot, delay: float = 0.15) -> None:
    """Let debounce timers fire and background workers (stage counts, demo data, previews) finish."""
    await pilot.pause(delay)
    await wait_for_workers(pilot)
    await pilot.pause()


async def wait_for_workers(pilot: Pilot) -> None:
    """Wait for the workers that end. A DirectoryTree's loader waits on its queue for as long
    as the tree exists (the import screen's file picker), so it is left out."""
    ending = [w for w in pilot.app.workers if w.group != "_loader"]
    if ending:  # an empty list would mean "all of them" to wait_for_complete
        await pilot.app.workers.wait_for_complete(ending)


async def type_text(pilot: Pilot, text: str) -> None:
    for ch in text:
        await pilot.press("space" if ch == " " else ch)


def home(pilot: Pilot) -> ContactsScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ContactsScreen), screen
    return screen


def status(pilot: Pilot) -> str:
    return str(home(pilot).query_one("#status", Static).render())


def page_contacts(pilot: Pilot) -> list[dict]:
    """The contacts on the visible page, in table order."""
    screen = home(pilot)
    return [screen.rows[cid] for cid in screen.table.page_ids()]


async def open_form(pilot: Pilot, key: str = "n") -> ContactForm:
    """The contact form, opened from the list with ``key`` ("n": a new contact, "e": the highlighted one)."""
    await settle(pilot)
    await pilot.press(key)
    await pilot.pause()
    form = pilot.app.screen
    assert isinstance(form, ContactForm)
    return form


def notes(app) -> list[str]:
    """The notifications the app holds, oldest first, each as ``title: message``."""
    return [f"{n.title}: {n.message}" for n in app._notifications]


@contextmanager
def elsewhere(service: Service) -> Iterator[Service]:
    """Another process on the same database (the CLI, the HTTP API): a second ``Service``,
    closed on leaving."""
    other = Service.open(service.db.target)
    try:
        yield other
    finally:
        other.close()


# ---------------------------------------------------------------- import jobs in a fixed state

FIXED_CREATED = "2026-06-08T10:01:16.000000Z"
STARTED_AFTER = timedelta(seconds=2)  # a job starts 2 s after it was queued and runs 46 s
FINISHED_AFTER = timedelta(seconds=48)
# A worker on another machine with a heartbeat far ahead: alive to every runner, so nobody claims
# (or fails) a job written here in the 'processing' state.
FOREIGN_WORKER = "elsewhere:1:1"
FAR_FUTURE = "2999-01-01T00:00:00.000000Z"


def insert_job(db_path: Path, uid: str, *, filename: str = "leads.csv", status: str = "complete",
               total: int = 0, success: int = 0, errors: list[tuple[int, str]] = (),
               duplicates: list[tuple[int, str, str]] = (), error_count: int | None = None,
               duplicate_count: int | None = None, processed: int | None = None, error_message: str = "",
               created: str = FIXED_CREATED, source_uid: str | None = None) -> None:  # fmt: skip
    """Write an import job (and its issue rows) directly, in a fixed state with fixed times.

    Counters default to the issue lists; ``processed`` defaults to every row counted. Snapshots
    use this instead of a live worker so counts and timestamps never move.
    """
    queued = datetime.fromisoformat(created)
    started, finished = to_store(queued + STARTED_AFTER), to_store(queued + FINISHED_AFTER)
    n_errors = len(errors) if error_count is None else error_count
    n_dups = len(duplicates) if duplicate_count is None else duplicate_count
    done = success + n_errors + n_dups if processed is None else processed
    running = status == "processing"
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            conn.execute(
                "INSERT INTO import_job (uid, filename, status, total_rows, processed_rows, success_count, "
                "error_count, duplicate_count, error_message, source_uid, on_duplicate, last_row, worker, "
                "heartbeat_at, created_at, started_at, finished_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'skip', ?, ?, ?, ?, ?, ?)",
                (uid, filename, status, total, done, success, n_errors, n_dups, error_message, source_uid, done + 1,
                 FOREIGN_WORKER if running else None, FAR_FUTURE if running else None, created,
                 None if status == "queued" else started,
                 finished if status in ("complete", "failed") else None),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO import_issue (job_uid, row, kind, message) VALUES (?, ?, 'error', ?)",
                [(uid, row, message) for row, message in errors],
            )
            conn.executemany(
                "INSERT INTO import_issue (job_uid, row, kind, email, existing_id) VALUES (?, ?, 'duplicate', ?, ?)",
                [(uid, row, email, existing) for row, email, existing in duplicates],
            )
    finally:
        conn.close()


def leads_csv(folder: Path, name: str = "leads.csv", rows: int = 5) -> Path:
    """A small export: Salesforce-like columns, a bad email on row 3, a bad phone on row 5."""
    lines = ["First Name,Last Name,E-mail,Phone,Company,Lead Status,Fax"]
    samples = [
        ("Ann", "Lee", "ann.lee@example.com", "+1 415 555 0101", "Acme", "Working - Contacted"),
        ("Bob", "[bold]Stone[/]", "bob@", "415 555 0102", "Globex", "Closed Won"),
        ("Cara", "Diaz", "cara.diaz@example.com", "(415) 555-0103", "Initech", "Qualified"),
        ("Dan", "Wu", "dan.wu@example.com", "12", "Umbrella", "New"),
        ("Eve", "Park", "eve.park@example.com", "+1 415 555 0105", "Hooli", "Nurturing"),
    ]
    for n in range(rows):
        first, last, email, phone, company, status = samples[n % len(samples)]
        if n >= len(samples):
            email = email.replace("@", f"{n}@") if "@" in email and not email.endswith("@") else email
        lines.append(f"{first},{last},{email},{phone},{company},{status},")
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def big_csv(path: Path, rows: int) -> Path:
    """``rows`` contacts with unique emails; every 50th email is malformed."""
    lines = ["First Name,Last Name,Email,Phone,Company"]
    for n in range(rows):
        email = f"person{n}@example.com" if n % 50 else f"person{n}.example.com"
        lines.append(f"Ann{n},Lee{n},{email},+1 415 555 {n % 10000:04d},Acme {n % 7}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
