"""Every option of every sub-command, given a wrong type or an out-of-range value, fails with one
``error: …`` line on stderr, nothing on stdout, a non-zero exit and no traceback.

The command tree is walked from ``parsalink_tui.cli.main``, so a new command or option is covered
the day it is added: typed options (int, IntRange, Choice, bool, DateTime, Path, …) get bad values
derived from their type; free-text options get hostile text and must not crash; arguments that
name an id get unknown ids; ``--data`` gets broken JSON of every kind. Options whose meaning a type
cannot express (``--stage``, ``--limit`` …) have their bad values listed in SEMANTIC below; options
of type ``NonEmpty`` (``--stage``, ``--tags``, ``--due``, ``--db`` …) get empty and blank values.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from parsalink_tui.cli import main
from parsalink_tui.cli_types import NonEmpty
from parsalink_tui.service import Service

from .conftest import assert_clean_error, invoke, tally

Path_ = tuple[str, ...]


def walk(group: click.Group, path: Path_ = ()) -> Iterator[tuple[Path_, click.Command]]:
    ctx = click.Context(group, info_name=" ".join(path) or "parsalink-tui")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = dict(walk(main))
IDS = [" ".join(path) for path in COMMANDS]


def user_options(command: click.Command) -> list[click.Option]:
    return [p for p in command.params if isinstance(p, click.Option) and not p.is_flag
            and "--help" not in p.opts and not p.hidden]


# Bad values a type cannot know about: (command, option) → [(value, text the error must name)].
TOO_OLD = "0001-01-01T00:00:00+01:00"
TOO_LATE = "9999-12-31T23:59:59-01:00"
SEMANTIC: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("contacts list", "--page"): [("0", "page"), ("-1", "page"), ("1000", "page 1000: invalid page, the last page is 1")],
    ("contacts list", "--limit"): [("0", "limit"), ("101", "limit"), ("-5", "limit"), ("9" * 30, "limit")],
    ("contacts list", "--stage"): [("bogus", "stage"), ("\x1b[2J", "stage")],
    ("contacts list", "--assigned-to"): [("usr_00000000000000000000000000", "assignedTo")],
    ("contacts list", "--created-after"): [("yesterday", "createdAfter"), ("2024-13-01", "createdAfter"),
                                           (TOO_LATE, "createdAfter"), (TOO_OLD, "createdAfter")],
    ("contacts list", "--created-before"): [("2024-02-30", "createdBefore"), (TOO_LATE, "createdBefore"),
                                            (TOO_OLD, "createdBefore")],
    ("contacts list", "--tags"): [("x" * 101, "tags")],
    ("contacts list", "--ordering"): [("name", "ordering"), ("-", "ordering"), ("--createdAt", "ordering")],
    ("tasks add", "--due"): [("tomorrow", "due"), ("2024-02-30", "due"), ("99999-01-01", "due")],
    ("tasks add", "--title"): [("", "title"), ("\x07\x1b", "title"), ("t" * 501, "title")],
    ("notes add", "--text"): [("", "text"), ("  \n\t", "text"), ("n" * 20_001, "text")],
    ("users add", "--name"): [("", "name"), ("\x00", "name"), ("u" * 201, "name")],
    ("users add", "--email"): [("not-an-email", "email"), ("a@b.test", "email"), ("a@@example.com", "email")],
    ("accounts add", "--name"): [("", "name"), ("a" * 201, "name")],
    ("sources add", "--name"): [("", "name"), ("s" * 201, "name")],
}
# Free text that must not crash anything, wherever a string option takes it.
HOSTILE_TEXT = ["\x00", "\x1b]0;pwned\x07", "a\nb\r\nc", "\x9b31m", "'; DROP TABLE contact; --", "%_\\", '"', "x" * 100_000,
                "٣٤٥", "\u202e\u200f", "NaN", "null", "[]", "{}"]
UNKNOWN_IDS = ["cnt_00000000000000000000000000", "nope", "' OR 1=1 --", "%", "x" * 10_000, "\x1b[2J"]


def bad_values(param: click.Parameter) -> list[str]:
    """Values the parameter's type must refuse (click.types, newest first in the MRO)."""
    t = param.type
    values: list[str] = []
    if isinstance(t, NonEmpty):  # an empty value is an error, never "no value" (cli_types.py)
        values += ["", "  "] + ([",", " ; ,"] if t.separators else [])
    if isinstance(t, click.types._NumberRangeBase):  # IntRange, FloatRange
        step = 1 if isinstance(t, click.types.IntParamType) else 0.5
        if t.min is not None:
            values.append(str(t.min if t.min_open else t.min - step))
        if t.max is not None:
            values.append(str(t.max if t.max_open else t.max + step))
    if isinstance(t, click.types.IntParamType):
        values += ["abc", "1.5", "", "1e3", "0x10"]
    elif isinstance(t, click.types.FloatParamType):
        values += ["abc", "", "1,5"]
    elif isinstance(t, click.Choice):
        values += ["no-such-choice", ""]
    elif isinstance(t, click.types.BoolParamType):
        values += ["maybe", "2"]
    elif isinstance(t, click.DateTime):
        values += ["not-a-date", "2024-13-45"]
    elif isinstance(t, click.types.UUIDParameterType):
        values += ["not-a-uuid"]
    elif isinstance(t, click.Path):
        if t.exists:
            values += ["/nonexistent/parsalink/x.csv"]
    elif isinstance(t, click.File):
        if "r" in t.mode:
            values += ["/nonexistent/parsalink/x.csv"]
    return values


@pytest.fixture
def world(db_path: Path) -> dict[str, str]:
    svc = Service.open(db_path)
    user = svc.add_user("Alex Johnson", "alex@example.com")
    contact = svc.create_contact({"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com",
                                  "tags": ["warm"], "assignedTo": user["id"]})
    task = svc.add_task(contact["id"], "Call back")
    note = svc.add_note(contact["id"], "Met at a fair")
    svc.close()
    return {"contact": contact["id"], "task": task["id"], "note": note["id"], "user": user["id"]}


_counter = iter(range(10**9))


def baseline(path: Path_, command: click.Command, world: dict[str, str], tmp_path: Path) -> dict[str, list[str]]:
    """A valid value for every argument and required option, by name (then by type)."""
    args: dict[str, list[str]] = {}
    for param in command.params:
        name = param.name or ""
        if isinstance(param, click.Argument):
            kind = name.removesuffix("_id")
            args[name] = [world.get(kind, "x")]
        elif isinstance(param, click.Option) and param.required:
            if name == "data":
                body = ({"firstName": "Base", "email": f"base{next(_counter)}@example.com"}
                        if path[-1] == "create" else {"title": "Fine"})
                value = json.dumps(body)
            elif isinstance(param.type, click.Choice):
                value = str(param.type.choices[0])
            elif isinstance(param.type, click.types._NumberRangeBase):
                value = str(param.type.min if param.type.min is not None else 1)
            elif isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType)):
                value = "1"
            elif isinstance(param.type, (click.Path, click.File)):
                sample = tmp_path / "sample.csv"
                sample.write_text("First Name,Email\nAda,ada@example.com\n")
                value = str(sample)
            else:
                value = "Valid text"
            args[name] = [param.opts[0], value]
    return args


def argv(path: Path_, parts: dict[str, list[str]]) -> list[str]:
    flat = [*path]
    for value in parts.values():
        flat += value
    return flat


@pytest.fixture
def run_cli(db_path, capsys, monkeypatch):  # type: ignore[no-untyped-def]
    def _run(args: list[str], stdin: str | None = None):  # type: ignore[no-untyped-def]
        tally("command lines tried")
        return invoke(capsys, monkeypatch, db_path, *args, stdin=stdin)

    return _run


def test_the_tree_is_walked() -> None:
    assert ("contacts", "list") in COMMANDS and ("demo",) in COMMANDS and len(COMMANDS) >= 17
    known = {(" ".join(path), opt) for path, cmd in COMMANDS.items() for p in user_options(cmd) for opt in p.opts}
    stale = [key for key in SEMANTIC if key not in known]
    assert stale == [], f"SEMANTIC names options that no longer exist: {stale}"


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_bad_option_values(path: Path_, world, run_cli, tmp_path: Path) -> None:
    command = COMMANDS[path]
    label = " ".join(path)
    for option in user_options(command):
        values = [(v, option.opts[0]) for v in bad_values(option)]
        values += [(v, needle) for opt in option.opts for v, needle in SEMANTIC.get((label, opt), [])]
        for value, needle in values:
            parts = baseline(path, command, world, tmp_path)
            parts[option.name or ""] = [option.opts[0], value]
            err = assert_clean_error(run_cli(argv(path, parts)))
            assert needle in err, (label, option.opts[0], value, err)
            tally("bad option values refused")


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items()
                                  if any(isinstance(x, click.Argument) and isinstance(x.type, (click.Path, click.File))
                                         for x in c.params)], ids=lambda p: " ".join(p))
def test_bad_file_arguments(path: Path_, world, run_cli, tmp_path: Path) -> None:
    """A path argument given something missing, a folder, an empty or a binary file."""
    command = COMMANDS[path]
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    for param in command.params:
        if not (isinstance(param, click.Argument) and isinstance(param.type, (click.Path, click.File))):
            continue
        for value in ("/nonexistent/parsalink/x.csv", str(tmp_path), str(empty), str(binary), ""):
            parts = baseline(path, command, world, tmp_path)
            parts[param.name or ""] = [value]
            result = run_cli(argv(path, parts))
            if path == ("import", "start") and value == str(binary):
                # Binary content is queued and its job fails with the reason (the rule;
                # tests/import/test_refusals.py follows the job to its end).
                code, out, err = result
                assert code == 0 and err == "" and json.loads(out)["status"] == "queued", result
                tally("binary files queued to fail")
                continue
            assert_clean_error(result)
            tally("bad file arguments refused")


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_hostile_text_in_free_text_options_never_crashes(path: Path_, world, run_cli, tmp_path: Path) -> None:
    """Plain string options accept or refuse anything, but always cleanly."""
    command = COMMANDS[path]
    for option in user_options(command):
        if not isinstance(option.type, click.types.StringParamType) or option.name == "data":
            continue
        for value in HOSTILE_TEXT:
            parts = baseline(path, command, world, tmp_path)
            if path == ("contacts", "export"):
                parts["fmt"] = ["--format", "json"]  # its default is CSV; the JSON form is checked here
            parts[option.name or ""] = [option.opts[0], value]
            code, out, err = result = run_cli(argv(path, parts))
            if code == 0:
                assert err == ""
                if out:
                    json.loads(out)
            else:
                assert_clean_error(result)
            tally("hostile free-text option values tried")


def is_id(param: click.Parameter) -> bool:
    return isinstance(param, click.Argument) and ((param.name or "").endswith("_id") or param.name in ("id", "uid"))


@pytest.mark.parametrize("path", [p for p, c in COMMANDS.items() if any(is_id(x) for x in c.params)],
                         ids=lambda p: " ".join(p))
def test_unknown_ids(path: Path_, world, run_cli, tmp_path: Path) -> None:
    command = COMMANDS[path]
    for param in command.params:
        if not is_id(param):
            continue
        for unknown in UNKNOWN_IDS:
            parts = baseline(path, command, world, tmp_path)
            parts[param.name or ""] = [unknown]
            result = run_cli(argv(path, parts))
            tally("unknown ids tried")
            if path == ("contacts", "activity"):
                # The audit log outlives contacts: any id has a (maybe empty) history.
                assert result[0] == 0 and json.loads(result[1]) == []
                continue
            assert_clean_error(result, "not found")


@pytest.mark.parametrize("path", list(COMMANDS), ids=IDS)
def test_missing_required_and_unknown_options(path: Path_, world, run_cli, tmp_path: Path) -> None:
    command = COMMANDS[path]
    for param in command.params:
        if not param.required:
            continue
        parts = baseline(path, command, world, tmp_path)
        del parts[param.name or ""]
        code, *_ = result = run_cli(argv(path, parts))
        assert_clean_error(result, "Missing")
        assert code == 2
    code, *_ = result = run_cli([*path, "--no-such-option", "1"])
    assert_clean_error(result, "no-such-option")
    assert code == 2


DATA_COMMANDS = [p for p, c in COMMANDS.items() if any(getattr(x, "name", "") == "data" for x in c.params)]


@pytest.mark.parametrize("path", DATA_COMMANDS, ids=lambda p: " ".join(p))
def test_broken_data(path: Path_, world, run_cli, tmp_path: Path) -> None:
    command = COMMANDS[path]
    not_utf8 = tmp_path / "latin1.json"
    not_utf8.write_bytes(b'{"firstName": "Jos\xe9"}')
    cases: list[tuple[str, str | None, str]] = [
        ("{not json", None, "not valid JSON"),
        ("", None, "not valid JSON"),
        ("[1, 2, 3]", None, "must be a JSON object"),
        ('"a string"', None, "must be a JSON object"),
        ("null", None, "must be a JSON object"),
        ("42", None, "must be a JSON object"),
        ("[" * 100_000, None, "nested too deeply"),
        ("1" * 5000, None, "not valid JSON"),
        ('{"firstName": "\\udcff", "email": "s@example.com"}', None, "surrogate"),
        ('{"\\ud800": 1}', None, "surrogate"),
        ('{"\\u001b]0;pwned\\u0007\\nx": 1}', None, "unknown field"),
        ('{"firstName": 5}', None, "firstName"),
        ('{"email": ["a@example.com"]}', None, "email"),
        ('{"emailOptOut": "yes"}', None, "emailOptOut"),
        ('{"tags": {"a": 1}}', None, "tags"),
        ('{"accountId": "acc_nope"}', None, "accountId"),
        ('{"assignedTo": 7}', None, "assignedTo"),
        ('{"stage": "won"}', None, "stage"),
        ('{"phone": "call me"}', None, "phone"),
        ('{"firstName": NaN}', None, "firstName"),
        ('{"emailOptOut": 1e999}', None, "emailOptOut"),
        ("@" + str(tmp_path / "missing.json"), None, "cannot read"),
        ("@" + str(tmp_path), None, "cannot read"),
        ("@" + str(not_utf8), None, "not UTF-8"),
        ("@", None, "cannot read"),
        ("-", "{broken", "not valid JSON"),
        ("-", "[]", "must be a JSON object"),
    ]
    for data, stdin, needle in cases:
        parts = baseline(path, command, world, tmp_path)
        parts["data"] = ["--data", data]
        assert_clean_error(run_cli(argv(path, parts), stdin=stdin), needle)
        tally("broken --data values refused")


def test_bad_database_paths(run_cli, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello\n")
    for db, needle in ((tmp_path, "directory"), (text_file, "not a parsalink database")):
        assert_clean_error(run_cli(["--db", str(db), "contacts", "list"]), needle)
    assert text_file.read_text() == "hello\n"


def test_non_utf8_arguments_are_refused(run_cli) -> None:
    """A byte that is not UTF-8 in argv reaches Python as a lone surrogate (surrogateescape)."""
    for args in (["contacts", "get", "\udcff"], ["users", "add", "--name", "Jos\udce9"],
                 ["contacts", "list", "--search", "ab\udcff"]):
        code, *_ = result = run_cli(args)
        assert_clean_error(result, "not valid UTF-8")
        assert code == 2


@pytest.mark.parametrize("args", [
    [b"contacts", b"list", b"--page", b"abc"],
    [b"contacts", b"list", b"--created-after", TOO_LATE.encode()],
    [b"contacts", b"create", b"--data", b"[" * 50_000],
    [b"contacts", b"get", b"\xff\xfe"],
    [b"contacts", b"get", b"cnt_\x1b]0;pwned\x07"],
    [b"users", b"add", b"--name", b"Jos\xe9"],
], ids=["int", "date-overflow", "deep-json", "not-utf8-id", "escape-in-id", "latin1-name"])
def test_the_real_process_prints_one_line(tmp_path: Path, args: list[bytes]) -> None:
    """The same promise from `python -m parsalink_tui`, with real argv bytes and real streams."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable.encode(), b"-m", b"parsalink_tui", b"--db", str(tmp_path / "p.db").encode(),
                           *args], capture_output=True, timeout=60)
    tally("command lines tried in a real process")
    assert done.returncode != 0 and done.stdout == b""
    assert done.stderr.startswith(b"error: ") and done.stderr.count(b"\n") == 1, done.stderr
    assert not set(done.stderr[:-1]) & (set(range(0x20)) | {0x7F}), done.stderr
    done.stderr.decode("utf-8")
