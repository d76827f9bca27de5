"""The CSV reader on hostile files: it ends with records or a clear ImportFileError.

Property tests (hypothesis) cover arbitrary bytes, random encodings, quoting and line endings,
unbalanced quotes and rows of nothing but delimiters. The giant inputs (a 5 MB cell, thousands
of columns, 10 MB of delimiters or quotes) run in a child process under an address-space limit
and a wall-clock timeout, so a hang, a crash or a memory blow-up fails the test instead of the
run.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from parsalink_tui.importing import mapping
from parsalink_tui.importing.reading import MAX_FILE_BYTES, ImportFileError, open_csv, row_width_error

from .conftest import record_peak, tally

FUZZ = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PER_INPUT_SECONDS = 5  # a few-KB input taking this long is a hang in the making
PROBE = Path(__file__).with_name("csv_probe.py")
PROBE_MEMORY_MB = 1024  # address space for the child: the 10 MB cap must fit well inside
PROBE_TIMEOUT = 90


def read_all(data: bytes) -> tuple[str, object]:
    """What an import does with a file before validating rows; returns ("records", rows) or
    ("refused", message). Any other exception propagates: that is the bug."""
    started = time.perf_counter()
    try:
        source = open_csv(data)
    except ImportFileError as exc:
        message = str(exc)
        assert message and "\n" not in message and "Traceback" not in message, repr(message)
        return "refused", message
    finally:
        assert time.perf_counter() - started < PER_INPUT_SECONDS
    assert source.header and len(set(source.header)) == len(source.header)
    assert all(isinstance(name, str) and name and "\n" not in name for name in source.header)
    records = list(source.records())
    numbers = [number for number, _ in records]
    assert numbers == sorted(set(numbers)) and all(n > source.header_row for n in numbers)
    assert source.count() == len(records)
    sample = source.sample(50)
    assert sample == [cells for _, cells in records[:50]]
    guessed = mapping.guess_mapping(source.header, sample)
    assert list(guessed) == source.header
    for _, cells in records:
        assert all(isinstance(cell, str) for cell in cells)
        error = row_width_error(cells, len(source.header))
        assert error is None or isinstance(error, str)
    assert time.perf_counter() - started < PER_INPUT_SECONDS
    return "records", [cells for _, cells in records]


# ---------------------------------------------------------------- arbitrary input

@FUZZ
@given(st.binary(max_size=3000))
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe")
@example(b"\xff\xfe\x00")  # odd-length UTF-16
@example(b"\x00\x00\xfe\xff\x00\x00\x00")
@example(b"PK\x03\x04rest")
@example(b'"' * 50)
@example(b"sep=\n")
@example(b"sep=,")
@example(b"Email\n\x00")
def test_arbitrary_bytes(data: bytes) -> None:
    tally("hypothesis: CSV files (arbitrary bytes)")
    read_all(data)


TOKENS = ['"', '""', ",", ";", "\t", "|", "\n", "\r", "\r\n", " ", "a", "Email", "First Name", "x@example.com",
          "sep=;", "\ufeff", "é", "\x85", "\u2028", "=1+2", "Notes:"]


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=200).map("".join),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "latin-1", "utf-16-le"]))
@example('Email,Name\n"a@example.com,"Bob\n', "utf-8")
@example('"Email","Name"\n"unterminated', "utf-16")
def test_random_quoting_and_encodings(text: str, encoding: str) -> None:
    """Unbalanced and doubled quotes, mixed delimiters and line endings, any supported codec."""
    tally("hypothesis: CSV files (quote/delimiter chaos)")
    read_all(text.encode(encoding, errors="replace"))


# ---------------------------------------------------------------- well-formed files round-trip

HEADER_POOL = ["First Name", "Last Name", "Email", "Phone", "Title", "Company", "Notes", "Tags", "Lead Status"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252"]
QUOTING = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]


@st.composite
def csv_files(draw):  # type: ignore[no-untyped-def]
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    encoding = draw(st.sampled_from(ENCODINGS))
    # Cells may hold the file's own delimiter, quotes and line breaks (they get quoted), but not
    # the other candidate delimiters: with those a file is ambiguous, not wrong.
    letters = "abcXYZ09 @.-'\"\n\r" + delimiter + ("éüñ" if encoding == "cp1252" else "éü€名字😀\u200f")
    header = draw(st.lists(st.sampled_from(HEADER_POOL), min_size=2, max_size=6, unique=True))
    cell = st.text(st.sampled_from(letters), max_size=12)
    row = st.lists(cell, min_size=len(header), max_size=len(header)).filter(lambda r: "".join(r).strip())
    rows = draw(st.lists(row, max_size=25))
    buffer = io.StringIO(newline="")
    quoting = draw(st.sampled_from(QUOTING))
    terminator = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    if quoting == csv.QUOTE_MINIMAL and terminator != "\r\n":
        # csv.writer then leaves a cell's lone "\r" (or "\n") unquoted: an ambiguous file.
        quoting = csv.QUOTE_ALL
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerow(header)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.booleans()):
        text = f"sep={delimiter}\n" + text
    return text.encode(encoding), header, rows


@FUZZ
@given(csv_files())
def test_well_formed_files_read_back_cell_for_cell(case) -> None:  # type: ignore[no-untyped-def]
    tally("hypothesis: CSV files (well-formed round trip)")
    data, header, rows = case
    outcome, got = read_all(data)
    assert outcome == "records", got
    assert got == rows


@FUZZ
@given(st.sampled_from([",", ";", "\t", "|"]), st.lists(st.integers(0, 40), min_size=1, max_size=60),
       st.sampled_from(["\n", "\r\n", "\r"]), st.booleans())
def test_rows_of_only_delimiters_are_blank(delimiter: str, widths: list[int], newline: str, quoted: bool) -> None:
    """",,,,"-rows (and '"","",""' ones) are blank rows: skipped, never contacts or a crash."""
    tally("hypothesis: CSV files (rows of only delimiters)")
    empty = '""' if quoted else ""
    lines = [delimiter.join(["First Name", "Email"])] + [delimiter.join([empty] * (w + 1)) for w in widths]
    outcome, got = read_all(newline.join(lines).encode())
    assert (outcome, got) == ("records", [])


def test_only_delimiters_without_a_header_is_refused() -> None:
    for body in (b",,,,\n,,,\n", b";;;;;", b"\t\t\t\r\n\t", b'"","",""\n'):
        outcome, message = read_all(body)
        assert outcome == "refused" and ("empty" in str(message) or "no header row" in str(message))


# ---------------------------------------------------------------- giants, in a child process

MB = 1024 * 1024


def _wide(columns: int, rows: int) -> bytes:
    header = ",".join(["Email", *(f"Field {i}" for i in range(columns - 1))])
    body = "\n".join(",".join([f"p{r}@example.com", *("v" * (i % 7) for i in range(columns - 1))]) for r in range(rows))
    return (header + "\n" + body + "\n").encode()


GIANTS = {
    "5 MB quoted cell": lambda: b'First Name,Email,Notes\nAda,ada@example.com,"' + b"x\n" * (5 * MB // 2) + b'"\n',
    "5 MB unquoted cell": lambda: b"First Name,Email,Notes\nAda,ada@example.com," + b"x" * (5 * MB) + b"\n",
    "5 MB header cell": lambda: b"Foo," + b"h" * (5 * MB) + b"\n1,2\n",
    "5 MB cell, no newline": lambda: b"Email\n" + b"y" * (5 * MB),
    "5000 columns x 300 rows": lambda: _wide(5000, 300),
    "20000 columns x 20 rows": lambda: _wide(20000, 20),
}
SLOW_GIANTS = {
    "10 MB of commas": lambda: b"," * MAX_FILE_BYTES,
    "header + 10 MB of commas": lambda: b"First Name,Email\n" + b"," * (MAX_FILE_BYTES - 17),
    "header + 5M rows of delimiters": lambda: b"First Name,Email\n" + b",\n" * (MAX_FILE_BYTES // 2 - 9),
    "10 MB of quotes": lambda: b'"' * MAX_FILE_BYTES,
    "10 MB unterminated quoted cell": lambda: b'Email,Notes\na@example.com,"' + b"q" * (MAX_FILE_BYTES - 30),
    "10 MB of line breaks": lambda: b"\r\n" * (MAX_FILE_BYTES // 2),
}


def probe(tmp_path: Path, name: str, data: bytes) -> dict:
    path = tmp_path / "giant.csv"
    path.write_bytes(data)
    try:
        done = subprocess.run([sys.executable, str(PROBE), str(path), str(PROBE_MEMORY_MB)],
                              capture_output=True, text=True, timeout=PROBE_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: reading did not finish in {PROBE_TIMEOUT} s (hang)")
    assert done.returncode == 0, f"{name}: exit {done.returncode}\n{done.stderr[-2000:]}"
    verdict = json.loads(done.stdout)
    tally("giant CSV files read in a child process")
    record_peak("peak RSS of a child reading a giant CSV, MB", verdict["maxrss_mb"])
    record_peak("seconds to read a giant CSV", verdict["seconds"])
    assert verdict["outcome"] in ("records", "refused")
    return verdict


@pytest.mark.parametrize("name", list(GIANTS))
def test_giant_inputs_end_with_records_or_a_refusal(tmp_path: Path, name: str) -> None:
    verdict = probe(tmp_path, name, GIANTS[name]())
    if name.startswith("5 MB") and name != "5 MB header cell":
        assert verdict["outcome"] == "records" and verdict["records"] == 1, verdict
    if "columns" in name:
        assert verdict["outcome"] == "records" and verdict["ragged"] == 0, verdict


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SLOW_GIANTS))
def test_ten_megabyte_worst_cases(tmp_path: Path, name: str) -> None:
    probe(tmp_path, name, SLOW_GIANTS[name]())


def test_over_the_cap_is_refused_before_decoding() -> None:
    started = time.perf_counter()
    with pytest.raises(ImportFileError, match="limit is 10 MB"):
        open_csv(b"\xff" * (MAX_FILE_BYTES + 1))
    assert time.perf_counter() - started < 1
