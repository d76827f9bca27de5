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
import unicodedata
from collections.abc import Iterator
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
    used: list[str] = []

    def records() -> Iterator[tuple[str, ...]]:
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
            yield (
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

    return _write(out, header, records(), size)


def _write(out: Path, header: str, records: Iterator[tuple[str, ...]], size: int) -> tuple[int, int]:
    """Writes the header and records until the next would pass ``size`` bytes; (records, bytes)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    written, rows = len(header.encode()), 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        for cells in records:
            line = ",".join(_quote(cell) for cell in cells) + "\r\n"
            size_of = len(line.encode())
            if written + size_of > size:
                break
            fh.write(line)
            written += size_of
            rows += 1
    return rows, written


# ---------------------------------------------------------------- the international file

INTL_OUT = DEFAULT_OUT.with_name("contacts-intl-10mb.csv")
INTL_SEED = 20261203
INTL_FIRST = (
    "Björn Chloé Zoë José Renée Søren Åsa Jörg Jürgen Günter Agnès Hélène François Léa Maëlle Inès "
    "Sofía Lucía Álvaro Íñigo Begoña Núria João Conceição Łukasz Zoltán Ákos Dávid Mikuláš Tomáš "
    "Emma Oliver Charlotte Jack Amelia Thomas Sophie Lukas Hannah Felix Marie Paul Anna Max Laura "
    "Liam Isla Noah Olivia William Ava James Mia Lucas Chloe Hugo Louise Jules Camille Arthur Léon"
).split()
INTL_LAST = (
    "Müller García Schröder Weiß Größ Bäcker Köhler Fößel Jäger Hoffmann Schneider Fischer Wagner "
    "Dubois Lefèvre Bérénger Moreau Girard Rousseau Févre Gauthier Mercier Fontaine Chevalier "
    "Martínez Rodríguez Pérez Sánchez Gómez Fernández López Muñoz Jiménez Núñez Ibáñez Peña "
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
    "Nguyen Chen Wang Kelly O'Connor Ryan Murphy Walsh Lindqvist Åström Nørgaard Sørensen Kowalczyk"
).split()
INTL_STAGES = (
    "New", "new", "NEW", "Contacted", "contacted", "Engaged", "engaged", "Proposal Sent",
    "proposal sent", "PROPOSAL SENT", "proposal_sent", "Negotiation", "negotiation", "Customer",
    "customer", "CUSTOMER", "Inactive", "inactive", "",
)
INTL_NOTES = (
    "Rencontré au salon VivaTech ; démo en février.",
    "Kennengelernt auf der CeBIT, will ein Angebot.",
    "Prefers calls in the morning (GMT).",
    "Interesada en la integración; llamar el 15.",
    "Met at the Sydney roadshow, APAC pricing.",
    'Said "send it to legal first".\nCFO decides.',
    "Uses a competitor until March.",
    "Intro via a partner; asks about SSO.",
)
INTL_TITLES = ("CEO", "CTO", "CFO", "Buyer", "Founder", "Head of Sales", "Geschäftsführer", "Directeur commercial",
               "Einkauf", "Account Manager", "Gerente", "IT Director", "Office Manager", "Jefa de compras")
INTL_KINDS = ("GmbH", "AG", "SARL", "SAS", "Ltd", "Pty Ltd", "S.L.", "S.A.", "AB", "BV", "Inc", "plc")
INTL_WORDS = (
    "Nordwind Bergmann Sonnenschein Alpenglück Rheintal Lumière Étoile Soleil Marée Aurore Sierra "
    "Solana Mirador Península Harbour Thames Kensington Ashford Bondi Coral Wattle Kookaburra Fjord "
    "Nordlys Polaris Vega Atlas Orion Cobalt Quartz Meridian Zenith Horizon Vertex Pinnacle Delta "
    "Kestrel Falcon Heron Lynx Otter Beacon Lantern Compass Anchor Keystone Granite Cedar Maple "
    "Willow Birch Aspen Juniper Laurel Saffron Indigo Ember Cinder Flint Copper Silber Gold Eisen "
    "Wolke Sturm Blitz Brücke Turm Garten Markt Hafen Quelle Welle Insel Kap Stern"
).split()
INTL_TLDS = (".de", ".fr", ".co.uk", ".com.au", ".es", ".com", ".io", ".eu", ".ch", ".at", ".se", ".nl")
INTL_FREE = ("gmail.com", "gmx.de", "web.de", "orange.fr", "free.fr", "hotmail.co.uk", "bigpond.com",
             "outlook.com", "yahoo.es", "t-online.de", "icloud.com", "proton.me")
INTL_PHONES = (
    ("+1 (212) 555-{n4}", 12), ("+44 20 7946 {n4}", 14), ("+33 1 42 68 {n2} {m2}", 12),
    ("+61 2 9374 {n4}", 12), ("030 {n4}123", 12), ("(415) 555-{n4}", 14), ("555.867.{n4}", 8),
    ("+49 30 {n4}567", 6), ("+44 7700 900{n3}", 4), ("", 6),
)


def _intl_slug(text: str, rng: random.Random) -> str:
    """Mostly ASCII-folded, sometimes as written (an internationalised local part)."""
    if rng.random() < 0.06:
        return "".join(ch for ch in text.lower() if ch.isalnum())
    return _slug(_fold(text))


def _fold(text: str) -> str:
    """ASCII letters for a name ("Björn" → "bjorn"; "ß", "ø", "ł" as "ss", "o", "l")."""
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def generate_intl(out: Path, *, size: int = DEFAULT_BYTES, seed: int = INTL_SEED) -> tuple[int, int]:
    """The international export (issue 14): nine columns, ~94k rows in 10 MB; returns (rows, bytes)."""
    rng = random.Random(seed)
    words = list(INTL_WORDS)
    companies = rng.sample([f"{w} {k}" for w in words for k in INTL_KINDS], 80)
    domains = [_slug(_fold(c)) + rng.choice(INTL_TLDS) for c in companies]
    while len(domains) < 388:
        domain = _slug(_fold(rng.choice(words))) + rng.choice(INTL_TLDS)
        if domain not in domains:
            domains.append(domain)
    domains += INTL_FREE
    phone_shapes = [shape for shape, weight in INTL_PHONES for _ in range(weight)]
    header = "First Name,Last Name,Email,Phone,Job Title,Company,Stage,Tags,Notes\r\n"
    used: list[str] = []

    def records() -> Iterator[tuple[str, ...]]:
        while True:
            first, last = rng.choice(INTL_FIRST), rng.choice(INTL_LAST)
            user = f"{_intl_slug(first, rng)}.{_intl_slug(last, rng)}{rng.randint(1, 99)}"
            domain = rng.choice(domains)
            roll = rng.random()
            if roll < 0.03 and used:
                email = rng.choice(used)
            elif roll < 0.05:
                email = rng.choice(BAD_EMAILS).format(u=user, d=domain, stem=domain.split(".")[0])
            else:
                email = f"{user}@{domain}"
                used.append(email)
            n = rng.randint(0, 9999)
            phone = rng.choice(phone_shapes).format(n4=f"{n:04d}", n3=f"{n % 1000:03d}", n2=f"{n % 100:02d}",
                                                    m2=f"{n // 100 % 100:02d}")
            yield (
                first, last, email, phone, rng.choice(INTL_TITLES), rng.choice(companies), rng.choice(INTL_STAGES),
                ", ".join(rng.sample(TAGS, rng.choice((0, 1, 2)))),
                rng.choice(INTL_NOTES) if rng.random() < 0.4 else "",
            )

    return _write(out, header, records(), size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--bytes", type=int, default=DEFAULT_BYTES)
    parser.add_argument("--seed", type=int, help=f"default: 20260608 (bench file), {INTL_SEED} (--intl)")
    parser.add_argument("--intl", action="store_true", help="the international export (issue 14) instead")
    args = parser.parse_args()
    if args.intl:
        out = INTL_OUT if args.out == DEFAULT_OUT else args.out
        rows, size = generate_intl(out, size=args.bytes, seed=args.seed or INTL_SEED)
        args.out = out
    else:
        rows, size = generate(args.out, size=args.bytes, seed=args.seed or 20260608)
    print(f"{args.out}: {rows} rows, {size} bytes")


if __name__ == "__main__":
    main()
