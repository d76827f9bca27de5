"""Benchmark: validating a 70k-row import, our exact fast paths vs the libraries on every row.

Run by hand from the repo root:  python bench/bench_validation.py [rows]

Rows look like a real contact export: a few hundred distinct domains, ~2% bad emails, ~5% odd
phone formats (extensions, vanity letters, 00/011 prefixes, 7-digit local numbers, national
formats with a trunk 0, junk). Both sides run in this process on the same rows; each timing is
the median of 5 runs, and ours starts every run with empty caches (a fresh import job). The
verdicts of both sides are compared row by row before anything is timed.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import phonenumbers  # noqa: E402
from email_validator import EmailNotValidError, validate_email  # noqa: E402
from phonenumbers import NumberParseException, PhoneNumberFormat  # noqa: E402

from parsalink_tui import validation_fast  # noqa: E402
from parsalink_tui.errors import ValidationError  # noqa: E402
from parsalink_tui.validation import normalize_email, normalize_phone  # noqa: E402

Row = tuple[str, str]
RUNS = 5

FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "david",
         "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica", "thomas",
         "sarah", "charles", "karen", "Chris", "Anne-Marie", "José", "Zoë", "li", "o'neil"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
        "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor",
        "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris", "Nguyen"]
WORDS = ["acme", "globex", "initech", "umbrella", "stark", "wayne", "hooli", "vandelay", "tyrell",
         "cyberdyne", "soylent", "wonka", "oscorp", "duff", "gringotts", "monsters", "paper",
         "dunder", "pied", "piper", "bluth", "prestige", "sterling", "cooper", "massive", "dynamic"]
TLDS = ["com", "com", "com", "net", "org", "io", "co.uk", "de", "example", "ca", "com.au"]


def make_domains(rng: random.Random, count: int = 300) -> list[str]:
    common = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com"]
    made = {f"{rng.choice(WORDS)}{rng.choice(['', '-', ''])}{rng.choice(WORDS)}.{rng.choice(TLDS)}"
            for _ in range(count * 2)}
    domains = common + sorted(made)[: count - len(common)]
    domains += ["münchen-beispiel.de", "bücher.example", "MAIL.Example.COM"]
    return domains


def make_email(rng: random.Random, domains: list[str]) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", f"{first}{last}",
                        f"{first}.{last}{rng.randrange(100)}", f"{first}+crm", "info", "Sales"])
    if rng.random() < 0.2:
        local = local.capitalize()
    # Skewed towards the big providers, as real lists are.
    domain = domains[min(int(rng.expovariate(1 / 40)), len(domains) - 1)]
    if rng.random() < 0.02:  # ~2% bad
        return rng.choice([
            f"{local}@{domain.split('.')[0]}", f"{local}.@{domain}", f"{local} {last}@{domain}",
            f"{local}@@{domain}", f"{local}@{domain},", f"{local}", f"{local}@foo.test",
            f"\"{first} {last}\" <{local}@{domain}>", f"{local}@{domain}.",
        ])
    return f"{local}@{domain}"


def make_phone(rng: random.Random) -> str:
    area = str(rng.randrange(201, 990))
    exchange = str(rng.randrange(200, 1000))
    line = f"{rng.randrange(10000):04d}"
    if rng.random() < 0.05:  # ~5% odd formats, left to the library
        return rng.choice([
            f"{area}-{exchange}-{line} x{rng.randrange(1, 999)}",
            f"{area}.{exchange}.{line} ext. {rng.randrange(1, 99)}",
            f"1-800-FLOWERS", f"{exchange}-{line}", f"011 44 20 {rng.randrange(1000, 9999)} {line}",
            f"020 7946 {line}", f"+44 (0)20 7946 {line}", f"00 49 30 {exchange}{line}",
            f"({area}) {exchange}-{line} / ({area}) {exchange}-0000", "n/a", f"{area}{exchange}",
        ])
    return rng.choice([
        f"({area}) {exchange}-{line}", f"{area}-{exchange}-{line}", f"{area}.{exchange}.{line}",
        f"+1 {area} {exchange} {line}", f"+1{area}{exchange}{line}", f"1-{area}-{exchange}-{line}",
        f"{area}{exchange}{line}", f"+44 20 7946 {line}", f"+49 30 {exchange}{line}",
        f"+61 2 {exchange[:2]}{line[:2]} {line}",
    ])


def make_rows(count: int, seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    domains = make_domains(rng)
    return [(make_email(rng, domains), make_phone(rng)) for _ in range(count)]


def ours(rows: list[Row]) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    for email, phone in rows:
        try:
            e: str | None = normalize_email(email)
        except ValidationError:
            e = None
        try:
            p = normalize_phone(phone, "US")
        except ValidationError:
            p = None
        out.append((e, p))
    return out


def libraries(rows: list[Row]) -> list[tuple[str | None, str | None]]:
    out: list[tuple[str | None, str | None]] = []
    for email, phone in rows:
        try:
            e: str | None = validate_email(email.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            e = None
        try:
            number = phonenumbers.parse(phone.strip(), "US")
            p = (phonenumbers.format_number(number, PhoneNumberFormat.E164)
                 if phonenumbers.is_possible_number(number) else None)
        except NumberParseException:
            p = None
        out.append((e, p))
    return out


def median_seconds(fn: Callable[[list[Row]], object], rows: list[Row], cold: bool) -> float:
    times = []
    for _ in range(RUNS):
        if cold:
            validation_fast.clear_caches()
        start = time.perf_counter()
        fn(rows)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 70_000
    rows = make_rows(count)
    validation_fast.clear_caches()
    got, want = ours(rows), libraries(rows)
    mismatches = [(r, g, w) for r, g, w in zip(rows, got, want) if g != w]
    if mismatches:
        raise SystemExit(f"verdicts differ on {len(mismatches)} rows, e.g. {mismatches[:3]}")
    bad_emails = sum(e is None for e, _ in want)
    bad_phones = sum(p is None for _, p in want)
    print(f"{count} rows, {len({e.rpartition('@')[2] for e, _ in rows})} distinct domain parts; "
          f"refused: {bad_emails} emails, {bad_phones} phones; verdicts identical on every row")

    t_ours = median_seconds(ours, rows, cold=True)
    t_libs = median_seconds(libraries, rows, cold=False)
    timings = (("ours (fast paths, cold caches)", t_ours), ("libraries on every row", t_libs))
    for label, seconds in timings:
        print(f"{label:31} median {seconds:.3f} s  ({seconds / count * 1e6:.1f} µs/row)")
    print(f"speed-up: {t_libs / t_ours:.1f}x")


if __name__ == "__main__":
    main()
