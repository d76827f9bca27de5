"""A deterministic, realistic contacts CSV for the import benchmark (and for trying imports by hand).

    python bench/gen_contacts_csv.py [OUT.csv] [--bytes N] [--seed S]

The default is just under the 10 MB import cap (~70k rows) at ``bench/out/contacts-10mb.csv``.
Same seed, same bytes. What is in it, so the importer does real work on every row:

* columns as a CRM export writes them: First Name, Last Name, Email, Phone, Company, Job Title,
  Lead Status (Salesforce values, translated to our stages), Tags (``"saas, warm"``), Notes
  (some quoted, with commas and line breaks), Owner (a user's name or email, or blank);
* ~2% of emails malformed (``john@``, ``john smith@acme.com``, ``john@@acme.com`` …);
* ~5% of phones in odd formats (extensions, ``tel:``, UK and German numbers, dots, vanity
  letters, too short), some valid and some row errors; the rest are US numbers in the usual
  three or four shapes;
* ~3% of rows repeat an earlier row's email (sometimes in another case): in-file duplicates;
* names with accents and apostrophes, company domains plus free-mail domains.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CAP = 10 * 1024 * 1024
DEFAULT_BYTES = CAP - 4096
DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "contacts-10mb.csv"

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard "
    "Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty "
    "Anthony Sandra Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua "
    "Michelle Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Laura "
    "Priya Wei Aisha Mateo Sofía Hiroshi Yuki Olga Lars Ingrid Fatima Omar Chen Amara Diego Lucía "
    "Zoë Noah Liam Mia Ava Ethan Isabella Lucas Amelia Mason Harper Logan Evelyn Elijah José Renée"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kim Patel Chen "
    "Schmidt Müller Rossi Dubois Novak Kowalski Tanaka Sato Okafor Mensah Haddad Larsen Johansson "
    "O'Brien Murphy Kelly Sullivan Fischer Weber Becker Silva Santos Costa Ivanova Petrov Cohen Levi"
).split()
COMPANY_WORDS = (
    "Acme Globex Initech Umbrella Stark Wayne Hooli Vandelay Soylent Cyberdyne Tyrell Wonka Massive "
    "Aperture Oscorp Monarch Prestige Dunder Bluth Sterling Nakatomi Weyland Virtucon Gekko Northwind "
    "Contoso Fabrikam Tailspin Litware Proseware Woodgrove Lucerne Coho Trey Alpine Datum Bellows "
    "Humongous VanArsdel Relecloud Southridge Lamna Blue Red Green Silver Golden Summit Harbor River"
).split()
COMPANY_KINDS = (
    "Corp",
    "Inc",
    "Labs",
    "Analytics",
    "Systems",
    "Trading",
    "Foods",
    "Logistics",
    "Health",
    "Software",
    "Partners",
    "Group",
    "& Co",
    "Industries",
    "Media",
)
TITLES = (
    "VP of Sales|Head of Marketing|CTO|CEO|Engineering Manager|Procurement Lead|Office Manager|"
    "Operations Director|Product Manager|Account Executive|CFO|IT Director|Founder|Data Scientist|"
    "Sales Manager|Customer Success Lead|Software Engineer|Buyer|Chief of Staff|Marketing Analyst"
).split("|")
STATUSES = (
    "Open - Not Contacted",
    "Working - Contacted",
    "Nurturing",
    "Qualified",
    "Closed - Converted",
    "Closed - Not Converted",
    "New",
    "Engaged",
    "Proposal Sent",
    "Negotiation",
    "Customer",
    "",
)
TAGS = (
    "enterprise",
    "smb",
    "saas",
    "inbound",
    "outbound",
    "warm",
    "cold",
    "referral",
    "conference",
    "partner",
    "priority",
    "renewal",
    "trial",
    "webinar",
)
NOTES = (
    "",
    "",
    "",
    "",
    "Met at SaaStr conference; wants a demo next quarter.",
    "Asked for pricing for 50 seats.",
    "Prefers email over calls.\nFollow up after their budget review.",
    "Currently using a competitor, contract ends in March.",
    "Introduced by a mutual contact at the partner summit.",
    'Said "call me after the 15th".',
)
OWNERS = ("", "", "Alex Johnson", "maria@parsalink.example", "Sam Lee")
FREE_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me", "icloud.com", "gmx.de")
BAD_EMAILS = (
    "{u}@",
    "{u} x@{d}",
    "{u}@@{d}",
    "{u}@{stem}",
    "{u}.{d}",
    "{u}@{stem}..com",
    "@{d}",
    "{u}@-{d}",
    "{u}@{d}.",
    "{u},{d}",
)
ODD_PHONES = (
    "{a}.{b}.{c} ext. {x}",
    "tel:+1-{a}-{b}-{c}",
    "+44 20 7946 0{x}",
    "+49 (0)30 1234{x}",
    "1-800-FLOWERS",
    "{b}-{c}",
    "00 44 20 7946 0{x}",
    "+1 ({a}) {b}-{c} x{x}",
    "({a}){b}{c}",
    "+33 1 42 68 53 {x}",
    "+61 2 9374 4{x}",
    "12345",
    "{a}-{b}-{c} / {a}-{b}-0000",
)


def _phone(rng: random.Random) -> str:
    a, b, c = rng.randint(201, 989), rng.randint(200, 999), rng.randint(0, 9999)
    parts = {"a": a, "b": b, "c": f"{c:04d}", "x": rng.randint(10, 99)}
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(ODD_PHONES).format(**parts)
    if roll < 0.10:
        return ""
    shape = rng.choice(("({a}) {b}-{c}", "{a}-{b}-{c}", "+1 {a} {b} {c}", "{a}{b}{c}"))
    return shape.format(**parts)


def _slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())


def _quote(cell: str) -> str:
    if any(ch in cell for ch in ',"\n\r'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def generate(out: Path, *, size: int = DEFAULT_BYTES, seed: int = 20260608) -> tuple[int, int]:
    """Write the CSV to ``out``; returns (data rows, bytes). Stops before passing ``size``."""
    rng = random.Random(seed)
    companies = []
    for word in COMPANY_WORDS:
        for kind in rng.sample(COMPANY_KINDS, 6):
            name = f"{word} {kind}"
            companies.append(
                (name, _slug(word + kind.replace("& Co", "co")) + rng.choice((".com", ".io", ".co.uk", ".de")))
            )
    header = "First Name,Last Name,Email,Phone,Company,Job Title,Lead Status,Tags,Notes,Owner\r\n"
    out.parent.mkdir(parents=True, exist_ok=True)
    used: list[str] = []
    written = len(header.encode())
    rows = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        while True:
            first, last = rng.choice(FIRST), rng.choice(LAST)
            company, domain = rng.choice(companies)
            roll = rng.random()
            user = f"{_slug(first)}.{_slug(last)}{rng.randint(1, 9999)}"
            if roll < 0.03 and used:
                email = rng.choice(used)
                if rng.random() < 0.3:
                    email = email.upper()
            elif roll < 0.05:
                email = rng.choice(BAD_EMAILS).format(u=user, d=domain, stem=domain.split(".")[0])
            else:
                email = f"{user}@{rng.choice(FREE_MAIL) if rng.random() < 0.25 else domain}"
                used.append(email)
            tags = ", ".join(rng.sample(TAGS, rng.choice((0, 1, 1, 2, 3))))
            cells = (
                first,
                last,
                email,
                _phone(rng),
                company,
                rng.choice(TITLES),
                rng.choice(STATUSES),
                tags,
                rng.choice(NOTES),
                rng.choice(OWNERS),
            )
            line = ",".join(_quote(cell) for cell in cells) + "\r\n"
            size_of = len(line.encode())
            if written + size_of > size:
                break
            fh.write(line)
            written += size_of
            rows += 1
    return rows, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--bytes", type=int, default=DEFAULT_BYTES)
    parser.add_argument("--seed", type=int, default=20260608)
    args = parser.parse_args()
    rows, size = generate(args.out, size=args.bytes, seed=args.seed)
    print(f"{args.out}: {rows} rows, {size} bytes")


if __name__ == "__main__":
    main()
