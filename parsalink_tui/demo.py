"""Deterministic, realistic sample data: a sales team, accounts, sources, tags and contacts.

The same seed gives the same database (ids, names, dates), so screenshots and snapshot tests
are stable. Accounts and tags are found or made by ``contact_store``; the rows (contacts in
``contact_store.CONTACT_COLUMNS`` order, audit rows made by ``audit``) go in as batches of plain
tuples through the backend's bulk load (``SqlPieces.bulk_load``: multi-row INSERTs on SQLite,
COPY on PostgreSQL); a million contacts take about a minute on SQLite. Demo data only goes into an empty database, so
it never mixes with real data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from . import audit, contact_store
from .backends import sql_for
from .backends.base import Backend
from .errors import ParsalinkError, ValidationError
from .ids import ulid
from .timeutil import to_store
from .validation import STAGE_VALUES, email_key

# Demo "now": fixed, so the data (and pictures of it) do not depend on the day it was made.
ANCHOR = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
BATCH = 20_000

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
    "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol "
    "Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
    "Jeffrey Cynthia Ryan Amy Jacob Kathleen Gary Angela Nicholas Shirley Eric Brenda Jonathan Emma "
    "Stephen Anna Larry Pamela Justin Nicole Scott Samantha Brandon Katherine Benjamin Christine Samuel "
    "Priya Wei Aisha Mateo Sofia Hiroshi Yuki Olga Lars Ingrid Fatima Omar Chen Amara Diego Lucia Ahmed "
    "Zoe Noah Liam Mia Ava Ethan Isabella Lucas Amelia Mason Harper Logan Evelyn Elijah Abigail Aiden"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kim Patel Chen Schmidt Müller Rossi Dubois "
    "Novak Kowalski Tanaka Sato Okafor Mensah Haddad Larsen Johansson O'Brien Murphy Kelly Sullivan "
    "Fischer Weber Becker Silva Santos Costa Ivanova Petrov Cohen Levi Singh Kumar Shah Ali Khan Wang"
).split()
COMPANIES = (
    "Acme Corp|Globex|Initech|Umbrella Analytics|Stark Industries|Wayne Enterprises|Hooli|Pied Piper|"
    "Vandelay Industries|Soylent Foods|Cyberdyne Systems|Tyrell Corp|Wonka Industries|Massive Dynamic|"
    "Aperture Labs|Black Mesa|Oscorp|Gringotts|Monarch Solutions|Prestige Worldwide|Dunder Mifflin|"
    "Bluth Company|Sterling Cooper|Los Pollos Hermanos|Krusty Krab|Nakatomi Trading|Weyland-Yutani|"
    "Blue Sun|Virtucon|Gekko & Co|Duff Brewing|Planet Express|Oceanic Airlines|Ollivanders|"
    "Northwind Traders|Contoso|Fabrikam|Tailspin Toys|Adventure Works|Litware|Proseware|Woodgrove Bank|"
    "Lucerne Publishing|Margie's Travel|Wide World Importers|Coho Winery|Trey Research|Alpine Ski House|"
    "Fourth Coffee|Datum Corp|Bellows College|Humongous Insurance|Graphic Design Institute|VanArsdel|"
    "Relecloud|Southridge Video|Blue Yonder Airlines|City Power & Light|Consolidated Messenger|Lamna Healthcare"
).split("|")
TITLES = (
    "VP of Sales|Head of Marketing|CTO|CEO|Engineering Manager|Procurement Lead|Office Manager|"
    "Operations Director|Product Manager|Account Executive|CFO|IT Director|Founder|Data Scientist|"
    "Sales Manager|Customer Success Lead|Software Engineer|Buyer|Chief of Staff|Marketing Analyst"
).split("|")
TAGS = "enterprise|smb|saas|inbound|outbound|warm|cold|referral|conference|partner|priority|renewal|trial|webinar".split("|")
SOURCES = ("Trade Show", "Website Form", "LinkedIn", "Referral", "Cold Outreach", "Webinar")
USERS = (("Alex Johnson", "alex@parsalink.example"), ("Maria Garcia", "maria@parsalink.example"),
         ("Sam Lee", "sam@parsalink.example"), ("Priya Shah", "priya@parsalink.example"),
         ("Tom Becker", "tom@parsalink.example"))  # fmt: skip
NOTES = (
    "Met at SaaStr conference; wants a demo next quarter.",
    "Asked for pricing for 50 seats.",
    "Prefers email over calls.\nFollow up after their budget review.",
    "Currently using a competitor; contract ends in March.",
    "Introduced by a mutual contact at the partner summit.",
)
TASKS = ("Send proposal", "Schedule demo", "Follow-up call", "Send case study", "Check in after trial")
STAGE_WEIGHTS = (30, 22, 16, 9, 6, 10, 7)
LINK_COLUMNS = ("contact_pk", "tag_id", "position")
NOTE_COLUMNS = ("id", "contact_id", "text", "created_at", "updated_at")
TASK_COLUMNS = ("id", "contact_id", "title", "due_date", "done", "done_at", "created_at", "updated_at")
DOMAINS_FREE = ("gmail.example", "outlook.example", "proton.example")


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def fill_demo(db: Backend, *, contacts: int = 500, seed: int = 1) -> dict[str, Any]:
    """Fill an empty database; returns counts of what was made.

    At least one contact: a demo of none would leave only the team and the accounts, and the
    database would no longer be empty for a second demo. A database holding anything (contacts,
    users, accounts, sources or tags) is refused, naming what it holds.
    """
    if isinstance(contacts, bool) or not isinstance(contacts, int) or contacts < 1:
        raise ValidationError("contacts", f"must be at least 1, not {contacts!r}")
    rng = random.Random(seed)
    with db.write() as conn:
        held = [f"{n} {noun}{'s' * (n != 1)}" for noun, table in (("contact", "contact"), ("user", "app_user"),
                ("account", "account"), ("source", "source"), ("tag", "tag"))
                if (n := conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())]  # fmt: skip
        if held:
            raise ParsalinkError(
                f"the database already has {', '.join(held)}; demo data only goes into an empty "
                "database (use --db with a new file)"
            )
        with sql_for(conn).bulk_load(conn) as load:
            made = _fill(conn, load, rng, contacts)
    return made


def _fill(conn: Any, load: Any, rng: random.Random, contacts: int) -> dict[str, Any]:
    """The rows of a demo, through the backend's bulk ``load`` (``SqlPieces.bulk_load``)."""
    start = ANCHOR - timedelta(days=730)
    created = to_store(start)

    def rid(prefix: str, when: datetime) -> str:
        return f"{prefix}_{ulid(_ms(when), rng.getrandbits(80))}"

    user_ids = [rid("usr", start) for _ in USERS]
    load.insert("app_user", ("id", "name", "email", "created_at", "email_key"),
                [(i, n, e, created, email_key(e)) for i, (n, e) in zip(user_ids, USERS)])  # fmt: skip
    acc_ids = contact_store.account_ids(conn, COMPANIES, created, make_id=lambda: rid("acc", start))
    src_ids = [f"{rng.getrandbits(128):032x}" for _ in SOURCES]
    src_ids = [f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:]}" for s in src_ids]
    load.insert("source", ("uid", "name", "created_at"), [(i, n, created) for i, n in zip(src_ids, SOURCES)])
    tag_ids = contact_store.tag_ids(conn, TAGS)
    company_domains = [_slug(c) + ".example" for c in COMPANIES]

    seen: set[str] = set()
    span = int((ANCHOR - start).total_seconds())
    made = {"contacts": 0, "notes": 0, "tasks": 0}
    offsets = sorted(rng.randrange(span) for _ in range(contacts))
    actor = audit.current_actor()
    for batch_start in range(0, contacts, BATCH):
        rows, links, note_rows, task_rows, acts = [], [], [], [], []
        pks = load.contact_pks(min(contacts, batch_start + BATCH) - batch_start)
        for n in range(batch_start, min(contacts, batch_start + BATCH)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            acc = rng.randrange(len(COMPANIES)) if rng.random() < 0.85 else None
            domain = company_domains[acc] if acc is not None and rng.random() < 0.8 else rng.choice(DOMAINS_FREE)
            local = f"{_slug(first)}.{_slug(last)}"
            email = f"{local}@{domain}"
            if email in seen:
                email = f"{local}{n}@{domain}"
            seen.add(email)
            created_dt = start + timedelta(seconds=offsets[n], microseconds=rng.randrange(1_000_000))
            updated_dt = min(ANCHOR, created_dt + timedelta(seconds=rng.randrange(86400 * 60)))
            cid = rid("cnt", created_dt)
            pk = pks[n - batch_start]
            phone = f"+1{rng.randrange(201, 990)}555{rng.randrange(10000):04d}" if rng.random() < 0.8 else None
            stage = rng.choices(STAGE_VALUES, STAGE_WEIGHTS)[0]
            c_at, u_at = to_store(created_dt), to_store(updated_dt)
            rows.append((  # in contact_store.CONTACT_COLUMNS order
                pk, cid, first, last, email, email_key(email), phone, rng.choice(TITLES), stage,
                acc_ids[acc] if acc is not None else None,
                rng.choice(user_ids) if rng.random() < 0.9 else None,
                rng.choice(NOTES) if rng.random() < 0.15 else None,
                int(rng.random() < 0.04), int(rng.random() < 0.02),
                rng.choice(src_ids) if rng.random() < 0.6 else None, None, c_at, u_at,
            ))  # fmt: skip
            for pos, tag in enumerate(rng.sample(range(len(TAGS)), rng.choice((0, 1, 1, 2, 2, 3)))):
                links.append((pk, tag_ids[tag], pos))
            acts.append(audit.encoded_row(cid, "created", c_at, actor))
            if rng.random() < 0.1:
                note_rows.append((rid("nte", updated_dt), cid, rng.choice(NOTES), u_at, u_at))
            if rng.random() < 0.06:
                due = (updated_dt + timedelta(days=rng.randrange(1, 30))).date().isoformat()
                done = int(rng.random() < 0.3)
                task_rows.append((rid("tsk", updated_dt), cid, rng.choice(TASKS), due, done, u_at if done else None, u_at, u_at))
        load.insert("contact", contact_store.CONTACT_COLUMNS, rows)
        load.insert("contact_tag", LINK_COLUMNS, links)
        load.insert("note", NOTE_COLUMNS, note_rows)
        load.insert("task", TASK_COLUMNS, task_rows)
        load.insert("activity", audit.ACTIVITY_COLUMNS, acts)
        made["contacts"] += len(rows)
        made["notes"] += len(note_rows)
        made["tasks"] += len(task_rows)
    return {"users": len(USERS), "accounts": len(COMPANIES), "sources": len(SOURCES), "tags": len(TAGS), **made}
