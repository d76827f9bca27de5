"""Hostile strings through the command line are inert: stored as given minus control characters,
read back identically, printed as valid JSON, refused (where refused) with one clean line.

Payloads: every string in tests/data/security/ (CSV/formula injection from OWASP and
PayloadsAllTheThings, Rich/Textual markup and terminal escapes from real issues; see SOURCE.txt).
Each goes in as a first and last name, title, tag, contact notes, account name, email local part,
note, task title, user and source name. The TUI side is tested in tests/tui.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from email_validator import EmailNotValidError, validate_email

from ..conftest import CORPORA
from .conftest import CONTROL_CHARS, assert_clean_error, assert_ok_json, tally

SECURITY = CORPORA / "security"
pytestmark = pytest.mark.both_backends  # hostile input through the CLI, on both databases


def _payloads() -> list[str]:
    csv_items = json.loads((SECURITY / "csv_injection_payloads.json").read_text(encoding="utf-8"))
    tui = json.loads((SECURITY / "tui_injection_payloads.json").read_text(encoding="utf-8"))
    found = [item["payload"] for item in csv_items]
    found += tui["rich_textual_markup"] + tui["terminal_escape"]
    found += list(tui["sources"])  # the keys are payloads too ("[bold red]x[/] / [link=...]")
    return list(dict.fromkeys(found))


PAYLOADS = _payloads()
ESCAPES = json.loads((SECURITY / "tui_injection_payloads.json").read_text(encoding="utf-8"))["terminal_escape"]


def without_controls(value: str, *, keep_newlines: bool = False) -> str:
    """The documented cleaning, written out independently of validation.strip_control: line
    breaks and tabs are whitespace (a space, or "\\n" in multi-line text), every other C0/C1
    control and DEL is dropped, surrounding whitespace is trimmed."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for ch in value:
        if ch == "\n":
            out.append("\n" if keep_newlines else " ")
        elif ch == "\t":
            out.append(" ")
        elif ch not in CONTROL_CHARS:
            out.append(ch)
    return "".join(out).strip()


def no_raw_controls(stdout: str) -> None:
    """JSON escapes C0 controls, but not DEL or C1 (e.g. the one-byte CSI \\x9b): none may be there."""
    assert not set(stdout) & (CONTROL_CHARS - {"\n"}), repr(stdout)


def test_corpus_is_loaded() -> None:
    assert len(PAYLOADS) >= 35 and any("\x1b" in p for p in PAYLOADS) and any(p.startswith("=") for p in PAYLOADS)


@pytest.mark.parametrize("n", range(len(PAYLOADS)), ids=[repr(p)[1:30] for p in PAYLOADS])
def test_payload_in_every_contact_field(cli, n: int) -> None:
    payload = PAYLOADS[n]
    tally("security payloads tried (distinct strings)")
    one_line = without_controls(payload)
    multi_line = without_controls(payload, keep_newlines=True)
    assert one_line, "every corpus payload keeps some visible text"

    body = {"firstName": payload, "lastName": payload, "title": payload, "notes": payload,
            "accountName": payload, "email": f"payload{n}@example.com"}
    code, out, err = result = cli("contacts", "create", "--data", json.dumps(body))
    no_raw_controls(out)
    created = assert_ok_json(result)
    got = cli("contacts", "get", created["id"])
    no_raw_controls(got[1])
    contact = assert_ok_json(got)
    assert contact == created
    assert contact["firstName"] == contact["lastName"] == contact["title"] == contact["accountName"] == one_line
    assert contact["notes"] == multi_line
    tally("payload x field combinations stored and read back", 5)

    # A tag: refused cleanly when it holds "," or ";" (a tag list separator), else stored.
    result = cli("contacts", "update", created["id"], "--data", json.dumps({"tags": [payload]}))
    if "," in payload or ";" in payload:
        assert_clean_error(result, "tags")
        assert assert_ok_json(cli("contacts", "get", created["id"]))["tags"] == []
    else:
        assert assert_ok_json(result)["tags"] == [one_line]
        assert assert_ok_json(cli("contacts", "get", created["id"]))["tags"] == [one_line]
        listed = assert_ok_json(cli("contacts", "list", "--tags", one_line))
        assert [c["id"] for c in listed["results"]] == [created["id"]]
    tally("payload x field combinations stored and read back")

    # A note and a task on the contact, a user and a source named by the payload.
    note = assert_ok_json(cli("notes", "add", created["id"], "--text", payload))
    assert note["text"] == multi_line
    assert [x["text"] for x in assert_ok_json(cli("notes", "list", created["id"]))] == [multi_line]
    task = assert_ok_json(cli("tasks", "add", created["id"], "--title", payload))
    assert task["title"] == one_line
    assert [x["title"] for x in assert_ok_json(cli("tasks", "list", created["id"]))] == [one_line]
    user = assert_ok_json(cli("users", "add", "--name", payload))
    assert user["name"] == one_line and user in assert_ok_json(cli("users", "list"))
    source = assert_ok_json(cli("sources", "add", "--name", payload))
    assert source["name"] == one_line and source in assert_ok_json(cli("sources", "list"))
    tally("payload x field combinations stored and read back", 4)

    # Searching for it is just a search.
    code, out, err = cli("contacts", "list", "--search", payload)
    assert code == 0 and err == "", err
    no_raw_controls(out)
    json.loads(out)

    # The audit log holds the hostile text as data, and prints as valid JSON too.
    code, out, err = cli("contacts", "activity", created["id"])
    assert code == 0 and err == ""
    no_raw_controls(out)
    assert json.loads(out)[0]["action"] == "created"


def _library_verdict(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("n", range(len(PAYLOADS)), ids=[repr(p)[1:30] for p in PAYLOADS])
def test_payload_as_email_local_part(cli, n: int) -> None:
    payload = PAYLOADS[n]
    address = payload + "@example.com"
    expected = _library_verdict(without_controls(address))
    result = cli("contacts", "create", "--data", json.dumps({"lastName": "Payload", "email": address}))
    tally("payloads tried as an email local part")
    if expected is None:
        assert_clean_error(result, "email: Invalid email format")
        assert assert_ok_json(cli("contacts", "list"))["count"] == 0
        return
    tally("payloads accepted as an email local part")
    created = assert_ok_json(result)
    assert created["email"] == expected
    assert created["email"].rsplit("@", 1)[0] == without_controls(payload)
    assert assert_ok_json(cli("contacts", "get", created["id"]))["email"] == expected
    # The same address again is a duplicate, whatever its case.
    assert_clean_error(cli("contacts", "create", "--data", json.dumps({"lastName": "Again", "email": address.upper()})),
                       "already belongs to contact")


def test_payloads_are_stored_without_controls_in_the_file(cli, db_target: str) -> None:
    """Below the JSON: the database itself holds no control character from any payload."""
    from sqlalchemy import text

    from parsalink_tui.backends import open_database

    for n, payload in enumerate(PAYLOADS):
        body = {"firstName": payload, "title": payload, "notes": payload, "email": f"raw{n}@example.com"}
        assert_ok_json(cli("contacts", "create", "--data", json.dumps(body)))
    db = open_database(db_target)
    try:
        with db.read() as conn:
            for column in ("first_name", "title"):
                for (value,) in conn.execute(text(f"SELECT {column} FROM contact")):
                    assert not set(value) & CONTROL_CHARS, (column, value)
            for (value,) in conn.execute(text("SELECT notes FROM contact")):
                assert not set(value) & (CONTROL_CHARS - {"\n"}), value
    finally:
        db.close()


def _real_cli(db: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(db), *args],
                          capture_output=True, timeout=60)


def test_terminal_escapes_through_the_real_command(tmp_path: Path) -> None:
    """`python -m parsalink_tui` as a user runs it: raw bytes on stdout carry no ESC, BEL or C1."""
    db = tmp_path / "real.db"
    assert _real_cli(db, "users", "list").returncode == 0  # create the file once, not in parallel

    def one(n: int) -> None:
        payload = ESCAPES[n]
        body = {"firstName": payload, "lastName": payload, "title": payload, "notes": payload,
                "accountName": payload, "tags": [payload] if ";" not in payload else [],
                "email": f"esc{n}@example.com"}
        made = _real_cli(db, "contacts", "create", "--data", json.dumps(body))
        assert made.returncode == 0 and made.stderr == b"", made.stderr
        created = json.loads(made.stdout.decode("utf-8"))
        got = _real_cli(db, "contacts", "get", created["id"])
        assert got.returncode == 0 and got.stderr == b""
        for raw in (made.stdout, got.stdout):
            assert not set(raw) & (set(range(0x20)) - {0x0A}) and b"\xc2\x9b" not in raw and b"\x7f" not in raw
        contact = json.loads(got.stdout.decode("utf-8"))
        assert contact == created and contact["firstName"] == without_controls(payload)
        tally("payloads through the real `python -m parsalink_tui`")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(one, range(len(ESCAPES))))
