"""Property tests for the field validators every write goes through (CLI, TUI, import rows).

On any text — all of Unicode, lone surrogates (what a non-UTF-8 argv byte becomes),
controls, huge strings — each validator returns a value or raises ``ValidationError``, never
anything else, and what it returns can be stored (valid UTF-8, no control characters).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parsalink_tui import validation
from parsalink_tui.errors import ValidationError

from .conftest import CONTROL_CHARS, tally

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Every code point, surrogates included (st.text() leaves them out by default).
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=())
CONTROLISH = st.sampled_from(["\x00", "\x1b", "\x07", "\x7f", "\x85", "\x9b", "\r", "\n", "\t", "\r\n",
                              "\u2028", "\u202e", "\ufeff", "\ud800", "\udcff", " ", "\u00a0"])
NASTY_TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=300),
    st.lists(st.one_of(CONTROLISH, st.text(max_size=5)), max_size=60).map("".join),
)

_C0_C1 = re.compile("[\x00-\x1f\x7f-\x9f]")


def storable(value: str) -> None:
    """What a validator returns must go into SQLite and come back unchanged."""
    value.encode("utf-8")  # raises on a lone surrogate


def only_validation_errors(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        assert str(exc) and "\n" not in str(exc), repr(str(exc))
        return exc


@FUZZ
@given(NASTY_TEXT, st.booleans())
@example("A\x1b[31mRED\x1b[0mB", False)
@example("line\r\nnext\rlast\x85", True)
@example("\ud800", False)
def test_strip_control_never_leaves_controls(value: str, keep_newlines: bool) -> None:
    tally("hypothesis: strip_control inputs")
    out = validation.strip_control(value, keep_newlines=keep_newlines)
    allowed = {"\n"} if keep_newlines else set()
    assert not (set(out) & CONTROL_CHARS) - allowed, repr(out)
    assert out == out.strip()
    if keep_newlines:
        assert "\r" not in out
    # Idempotent: cleaning clean text changes nothing.
    assert validation.strip_control(out, keep_newlines=keep_newlines) == out


@FUZZ
@given(NASTY_TEXT, st.integers(min_value=1, max_value=400), st.booleans())
@example("\udcff", 100, False)
@example("ok \ud83d", 100, True)
def test_clean_text_returns_storable_text_or_validation_error(value: str, limit: int, keep: bool) -> None:
    tally("hypothesis: clean_text inputs")
    out = only_validation_errors(validation.clean_text, value, "firstName", max_length=limit, keep_newlines=keep)
    if isinstance(out, str):
        storable(out)
        assert out and len(out) <= limit
        assert not (set(out) & CONTROL_CHARS) - ({"\n"} if keep else set())


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.text(max_size=3), max_size=3),
                 st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2), st.binary(max_size=5)))
def test_clean_text_refuses_non_text(value: object) -> None:
    tally("hypothesis: clean_text non-text inputs")
    out = only_validation_errors(validation.clean_text, value, "title")
    assert out is None or isinstance(out, ValidationError)


EMAILISH = st.builds(
    lambda local, at, domain: local + at + domain,
    st.one_of(st.text(ANY_CHAR, max_size=70), st.from_regex(r"[A-Za-z0-9._%+\-!#$&'*/=?^`{|}~]{0,70}", fullmatch=True)),
    st.sampled_from(["@", "@", "@@", "", " @ "]),
    st.one_of(st.text(ANY_CHAR, max_size=30),
              st.sampled_from(["example.com", "EXAMPLE.com", "xn--bcher-kva.example", "bücher.example",
                               "a.test", "localhost", "[127.0.0.1]", "example.com.", "-a.example", "a" * 64 + ".example"])),
)


@FUZZ
@given(st.one_of(NASTY_TEXT, EMAILISH))
@example("=1+2@example.com")
@example("\udcff@example.com")
@example("a" * 65 + "@example.com")
def test_normalize_email_returns_an_address_or_validation_error(value: str) -> None:
    tally("hypothesis: normalize_email inputs")
    out = only_validation_errors(validation.normalize_email, value)
    if isinstance(out, str):
        storable(out)
        assert "@" in out and not _C0_C1.search(out)
        # The stored form is a fixed point: normalizing it again gives it back.
        assert validation.normalize_email(out) == out


PHONEISH = st.builds(
    lambda plus, body: plus + body,
    st.sampled_from(["", "+", "00", "++", "tel:"]),
    st.lists(st.sampled_from(list("0123456789 ().-x#;,/*٠١٢٣") + ["ext", "\u00a0", "\x00"]), max_size=40).map("".join),
)
REGIONS = st.one_of(st.sampled_from(["US", "GB", "DE", "IR", "FR", "JP", "ZZ", "001", "", "us"]), st.none(),
                    st.text(max_size=4))


@FUZZ
@given(st.one_of(NASTY_TEXT, PHONEISH), REGIONS)
@example("+1 555 987 6543", "US")
@example("\ud800", "US")
@example("9" * 300, "GB")
def test_normalize_phone_returns_e164_none_or_validation_error(value: str, region: str | None) -> None:
    tally("hypothesis: normalize_phone inputs")
    out = only_validation_errors(validation.normalize_phone, value, region)
    if isinstance(out, str):
        assert re.fullmatch(r"\+[0-9]{2,18}(;ext=[0-9]{1,20})?", out), out
        assert validation.normalize_phone(out, region) == out  # the stored form reads back as itself


@FUZZ
@given(st.one_of(NASTY_TEXT, st.sampled_from([label for pair in validation.STAGES for label in pair]).flatmap(
    lambda s: st.sampled_from([s, s.upper(), f"  {s}\t", s.replace("_", "-"), s + "\x1b", "\x9b" + s]))))
def test_normalize_stage_returns_a_stage_or_validation_error(value: str) -> None:
    tally("hypothesis: normalize_stage inputs")
    out = only_validation_errors(validation.normalize_stage, value)
    if isinstance(out, str):
        assert out in validation.STAGE_VALUES


@FUZZ
@given(st.one_of(NASTY_TEXT, st.lists(NASTY_TEXT, max_size=8), st.lists(st.one_of(st.none(), st.integers()), max_size=2)))
@example(["ok", "\udcff"])
@example("a,\ud800;b")
@example(["x" * 101])
def test_normalize_tags_returns_storable_names_or_validation_error(value: object) -> None:
    tally("hypothesis: normalize_tags inputs")
    out = only_validation_errors(validation.normalize_tags, value)
    if isinstance(out, list):
        keys = [t.casefold() for t in out]
        assert len(keys) == len(set(keys))
        for tag in out:
            storable(tag)
            assert tag and len(tag) <= validation.MAX_TAG_LENGTH
            assert not set(tag) & CONTROL_CHARS
            assert "," not in tag and ";" not in tag


@pytest.mark.parametrize("size", [1_000_000, 5_000_000])
def test_validators_on_huge_text_finish_quickly(size: int) -> None:
    """A 5 MB cell (the importer may hand one over) is refused by length, not ground through."""
    import time

    big = "x" * size
    started = time.perf_counter()
    for fn, args in ((validation.clean_text, (big, "notes")), (validation.normalize_email, (big + "@example.com",)),
                     (validation.normalize_phone, ("1" * size,)), (validation.normalize_stage, (big,)),
                     (validation.normalize_tags, (big,))):
        assert isinstance(only_validation_errors(fn, *args), ValidationError)
    assert time.perf_counter() - started < 5


# ---------------------------------------------------------------- list filters (what a search box sends)

TYPED = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=40)


@pytest.fixture(scope="module")
def small_service(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from parsalink_tui.demo import fill_demo
    from parsalink_tui.service import Service

    svc = Service.open(tmp_path_factory.mktemp("filters") / "f.db")
    fill_demo(svc.db, contacts=60, seed=3)
    yield svc
    svc.close()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(search=st.one_of(st.none(), TYPED, st.sampled_from(['"', "*", "smi*", "a OR b", "NEAR(a b)", "^x", "(555",
                                                          "\x00x\x00", "%", "_", "\\", "col:x", "'", "-", "+1"])),
       tags=st.one_of(st.none(), TYPED), stage=st.one_of(st.none(), TYPED),
       ordering=st.one_of(st.none(), TYPED, st.sampled_from(["-createdAt", "lastName", "stage"])),
       created_after=st.one_of(st.none(), TYPED, st.sampled_from(["2025-01-01", "2025-01-01T00:00:00+14:00"])),
       assigned_to=st.one_of(st.none(), TYPED, st.just("none")))
def test_list_filters_return_a_page_or_validation_error(small_service, search, tags, stage, ordering,  # type: ignore[no-untyped-def]
                                                        created_after, assigned_to) -> None:
    tally("hypothesis: list filter combinations")
    out = only_validation_errors(small_service.list_contacts, search=search, tags=tags, stage=stage,
                                 ordering=ordering, created_after=created_after, assigned_to=assigned_to)
    if isinstance(out, dict):
        assert out["count"] >= len(out["results"])
        counts = only_validation_errors(small_service.stage_counts, search=search, tags=tags,
                                        created_after=created_after, assigned_to=assigned_to)
        if isinstance(counts, dict) and not stage:
            assert sum(counts.values()) == out["count"]
