"""Deterministic, realistic sample data: a sales team, accounts, sources, tags and contacts.

The same seed gives the same database (ids, names, dates), so screenshots and snapshot tests
are stable. Rows go in by batched ``executemany`` of plain tuples; a million contacts take
about a minute. Demo data only goes into an empty database, so it never mixes with real data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from .db import Database
from .errors import ParsalinkError, ValidationError
from .ids import ulid
from .migrations import fts_values_sql
from .search_sqlite import short_grams
from .timeutil import to_store
from .validation import STAGE_VALUES, fold_key

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
DOMAINS_FREE = ("gmail.example", "outlook.example", "proton.example")


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def fill_demo(db: Database, *, contacts: int = 500, seed: int = 1) -> dict[str, Any]:
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
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA cache_size = -262144")
        # Bulk-load fast path: secondary indexes and the search trigger come off for the load
        # and are rebuilt afterwards in the same transaction (sorting beats a million inserts).
        rebuild = raw.execute(
            "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND "
            "((type = 'index' AND tbl_name IN ('contact', 'contact_tag', 'activity', 'note', 'task')) "
            "OR name IN ('contact_fts_ai', 'contact_short_ai'))"
        ).fetchall()
        for kind, name, _ in rebuild:
            raw.execute(f'DROP {kind.upper()} "{name}"')
        start = ANCHOR - timedelta(days=730)
        created = to_store(start)

        def rid(prefix: str, when: datetime) -> str:
            return f"{prefix}_{ulid(_ms(when), rng.getrandbits(80))}"

        user_ids = [rid("usr", start) for _ in USERS]
        raw.executemany(
            "INSERT INTO app_user (id, name, email, created_at, email_key) VALUES (?,?,?,?,?)",
            [(i, n, e, created, e.casefold()) for i, (n, e) in zip(user_ids, USERS)])
        acc_ids = [rid("acc", start) for _ in COMPANIES]
        raw.executemany("INSERT INTO account (id, name, name_key, created_at) VALUES (?,?,?,?)",
                        [(i, n, fold_key(n), created) for i, n in zip(acc_ids, COMPANIES)])
        src_ids = [f"{rng.getrandbits(128):032x}" for _ in SOURCES]
        src_ids = [f"{s[:8]}-{s[8:12]}-4{s[13:16]}-a{s[17:20]}-{s[20:]}" for s in src_ids]
        raw.executemany("INSERT INTO source VALUES (?,?,?)", [(i, n, created) for i, n in zip(src_ids, SOURCES)])
        raw.executemany("INSERT INTO tag (id, name, name_key) VALUES (?,?,?)",
                        [(i, n, fold_key(n)) for i, n in enumerate(TAGS, 1)])
        company_domains = [_slug(c) + ".example" for c in COMPANIES]

        seen: set[str] = set()
        span = int((ANCHOR - start).total_seconds())
        made = {"contacts": 0, "notes": 0, "tasks": 0}
        offsets = sorted(rng.randrange(span) for _ in range(contacts))
        for batch_start in range(0, contacts, BATCH):
            rows, links, note_rows, task_rows, acts = [], [], [], [], []
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
                pk = n + 1  # the table is empty, so pks are ours to give
                phone = f"+1{rng.randrange(201, 990)}555{rng.randrange(10000):04d}" if rng.random() < 0.8 else None
                stage = rng.choices(STAGE_VALUES, STAGE_WEIGHTS)[0]
                c_at, u_at = to_store(created_dt), to_store(updated_dt)
                rows.append((
                    pk, cid, first, last, email, email.casefold(), phone, rng.choice(TITLES), stage,
                    acc_ids[acc] if acc is not None else None,
                    rng.choice(user_ids) if rng.random() < 0.9 else None,
                    rng.choice(NOTES) if rng.random() < 0.15 else None,
                    int(rng.random() < 0.04), int(rng.random() < 0.02),
                    rng.choice(src_ids) if rng.random() < 0.6 else None, c_at, u_at,
                ))  # fmt: skip
                for pos, tag in enumerate(rng.sample(range(1, len(TAGS) + 1), rng.choice((0, 1, 1, 2, 2, 3)))):
                    links.append((pk, tag, pos))
                acts.append((cid, "created", c_at))
                if rng.random() < 0.1:
                    note_rows.append((rid("nte", updated_dt), cid, rng.choice(NOTES), u_at, u_at))
                if rng.random() < 0.06:
                    due = (updated_dt + timedelta(days=rng.randrange(1, 30))).date().isoformat()
                    done = int(rng.random() < 0.3)
                    task_rows.append((rid("tsk", updated_dt), cid, rng.choice(TASKS), due, done, u_at if done else None, u_at, u_at))
            raw.executemany(
                "INSERT INTO contact (pk, id, first_name, last_name, email, email_key, phone, title, stage, "
                "account_id, assigned_to, notes, email_opt_out, email_bounced, source_uid, created_at, updated_at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            raw.executemany("INSERT INTO contact_tag VALUES (?,?,?)", links)
            raw.executemany("INSERT INTO note VALUES (?,?,?,?,?)", note_rows)
            raw.executemany("INSERT INTO task VALUES (?,?,?,?,?,?,?,?)", task_rows)
            raw.executemany("INSERT INTO activity (contact_id, action, created_at) VALUES (?,?,?)", acts)
            made["contacts"] += len(rows)
            made["notes"] += len(note_rows)
            made["tasks"] += len(task_rows)
        raw.execute(f"INSERT INTO contact_fts (rowid, name, email, phone) SELECT pk, {fts_values_sql('c')} FROM contact c")
        _index_short_terms(raw)
        for _, _, sql in rebuild:
            raw.execute(sql)
        raw.execute("ANALYZE")
    return {"users": len(USERS), "accounts": len(COMPANIES), "sources": len(SOURCES), "tags": len(TAGS), **made}


def _index_short_terms(raw: Any) -> None:
    """Fill contact_short for every contact (its trigger was off for the load): the words made
    in Python (~10x faster than the trigger's SQL), one INSERT … SELECT per chunk."""
    raw.execute("CREATE TEMP TABLE demo_short (pk INTEGER PRIMARY KEY, g TEXT)")
    cursor = raw.execute("SELECT pk, first_name, last_name, email, phone FROM contact ORDER BY pk")
    while chunk := cursor.fetchmany(50_000):
        raw.executemany("INSERT INTO temp.demo_short VALUES (?, ?)", [(row[0], short_grams(*row[1:])) for row in chunk])
        raw.execute("INSERT INTO contact_short (rowid, g) SELECT pk, g FROM temp.demo_short")
        raw.execute("DELETE FROM temp.demo_short")
    raw.execute("DROP TABLE temp.demo_short")
