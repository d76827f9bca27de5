"""The exact fast paths on international data (issue 14): both bench files' phones and emails,
and generated plain phone shapes in every region phonenumbers knows, give the libraries' verdicts."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import SUPPORTED_REGIONS

from parsalink_tui import validation_fast

from .test_validation import email_mismatches, library_email, library_phone, ours_phone, phone_mismatches

BENCH = Path(__file__).resolve().parents[1] / "bench" / "gen_contacts_csv.py"
REGIONS = sorted(SUPPORTED_REGIONS)


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_contacts_csv", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _columns(path: Path) -> tuple[list[str], list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r["Phone"] for r in rows if r["Phone"].strip()], [r["Email"] for r in rows if r["Email"].strip()]


def test_leading_zeros_and_national_prefixes_skip_the_library(monkeypatch):
    def no_library(value: str, region: str | None) -> str | None:
        raise AssertionError(f"fell back to the library for {value!r} in {region}")

    monkeypatch.setattr(validation_fast, "_library_phone", no_library)
    for value, region in [
        ("030 1234567", "US"), ("030 8463 4123", "US"), ("+39 06 6982 1234", "US"), ("+39 06 6982 1234", None),
        ("02 1234 5678", "IT"), ("0612345678", "IT"),
        # National prefixes, stripped as parse() strips them:
        ("030 1234567", "DE"), ("020 7946 0958", "GB"), ("+44 (0)20 7946 0958", "US"), ("01 42 68 53 00", "FR"),
        ("(02) 9374 4000", "AU"), ("+49 (0)30 1234567", None), ("0 30 1234567", "DE"),
    ]:  # fmt: skip
        assert ours_phone(value, region) == library_phone(value, region), (value, region)


def test_both_bench_files_match_the_libraries(tmp_path):
    gen = _generator()
    phones: list[str] = []
    emails: list[str] = []
    for name, make in (("intl.csv", gen.generate_intl), ("bench.csv", gen.generate)):
        make(tmp_path / name, size=400_000)
        more_phones, more_emails = _columns(tmp_path / name)
        phones += more_phones
        emails += more_emails
    assert len(phones) > 5000 and any(p.startswith("030 ") for p in phones)
    assert any(not e.isascii() for e in emails)
    for region in ("US", "DE", "GB", "FR", "AU", None):
        validation_fast.clear_caches()
        assert phone_mismatches([(p, region) for p in phones]) == []
    assert email_mismatches(emails) == []


PLAIN_PHONE = st.builds(
    lambda plus, zeros, body, seps: plus + zeros + "".join(d + s for d, s in zip(body, seps, strict=False)),
    st.sampled_from(["", "+", "(", "+("]),
    st.sampled_from(["", "0", "00", "000", "011"]),
    st.text("0123456789", min_size=1, max_size=18),
    st.lists(st.sampled_from(["", "", "", " ", "-", ".", "(", ")", ") "]), max_size=18),
)


@settings(max_examples=2000, deadline=None)
@given(PLAIN_PHONE, st.one_of(st.sampled_from(REGIONS), st.none()))
def test_plain_shapes_in_every_region_match_the_library(value: str, region: str | None) -> None:
    assert phone_mismatches([(value, region)]) == []


def test_accented_local_parts_skip_the_library(monkeypatch):
    def no_library(address: str) -> str | None:
        raise AssertionError(f"fell back to the library for {address!r}")

    expected = {a: library_email(a) for a in ACCENTED}
    validation_fast.clear_caches()
    monkeypatch.setattr(validation_fast, "_library_email", no_library)
    for address in ACCENTED:
        assert validation_fast.email_normalized(address) == expected[address], address


ACCENTED = ["björn.müller12@example.de", "chloé.dubois@Example.FR", "garcía@bücher.example", "ø@a.co",
            "Info.Ü@example.com", "δοκιμή@παράδειγμα.δοκιμή", "我買@屋企.香港", ("é" * 250) + "@a.co"]  # fmt: skip

INTL_LOCAL = st.text(
    st.one_of(
        st.sampled_from(list("abcXYZ09.!#$%&'*+/=?^_`{|}~-\"(),:;<>@[\\] ")),
        st.characters(min_codepoint=0x80, max_codepoint=0x10FFFF, exclude_categories=()),
        st.sampled_from(list("éüößøłçñÉÅ\u0301\u0308\u200b\u00ad\u2028\ufeff\u3000ｆ")),
    ),
    min_size=1,
    max_size=80,
)


@settings(max_examples=2000, deadline=None)
@given(INTL_LOCAL, st.sampled_from(["example.com", "bücher.example", "a.co", "EXAMPLE.de", "x" * 60 + ".com", "a..b"]))
def test_internationalised_local_parts_match_the_library(local: str, domain: str) -> None:
    validation_fast.clear_caches()
    assert email_mismatches([local + "@" + domain]) == []
