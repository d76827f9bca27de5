"""The command line: JSON out in the reference's shapes, one-line errors, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from parsalink_tui.cli import run
from parsalink_tui.schemas import DETAIL_FIELDS, LIST_FIELDS


@pytest.fixture
def cli(db_path, capsys, monkeypatch):
    """Run the CLI in-process on a fresh database: returns (exit code, stdout, stderr)."""

    def invoke(*args: str, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = 0
        try:
            run(["--db", str(db_path), *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def ok_json(result):
    code, out, err = result
    assert code == 0, err
    assert err == ""
    return json.loads(out)


def fails(result, *needles, code=None):
    rc, out, err = result
    assert rc != 0 and (code is None or rc == code)
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    for needle in needles:
        assert needle in err
    assert "Traceback" not in err


def test_create_get_update_delete_roundtrip(cli, tmp_path):
    user = ok_json(cli("users", "add", "--name", "Alex Johnson", "--email", "alex@example.com"))
    assert list(user) == ["id", "name", "email", "createdAt"] and user["id"].startswith("usr_")
    body = {"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com", "phone": "+15559876543",
            "title": "Engineering Manager", "stage": "new", "accountName": "TechCorp", "assignedTo": user["id"],
            "tags": ["saas", "inbound"], "notes": "Met at SaaStr conference"}  # fmt: skip
    created = ok_json(cli("contacts", "create", "--data", json.dumps(body)))
    assert tuple(created) == DETAIL_FIELDS
    assert created["assignedToName"] == "Alex Johnson" and created["accountName"] == "TechCorp"
    cid = created["id"]
    assert ok_json(cli("contacts", "get", cid)) == created
    patch = tmp_path / "patch.json"
    patch.write_text(json.dumps({"stage": "engaged", "tags": ["saas", "inbound", "qualified"]}))
    updated = ok_json(cli("contacts", "update", cid, "--data", f"@{patch}"))
    assert updated["stage"] == "engaged" and updated["tags"] == ["saas", "inbound", "qualified"]
    assert updated["title"] == "Engineering Manager"
    listed = ok_json(cli("contacts", "list", "--stage", "engaged", "--tags", "qualified"))
    assert listed["count"] == 1 and tuple(listed["results"][0]) == LIST_FIELDS
    assert cli("contacts", "delete", cid) == (0, "", "")
    fails(cli("contacts", "get", cid), cid, code=1)
    actions = [a["action"] for a in ok_json(cli("contacts", "activity", cid))]
    assert actions == ["created", "stage_changed", "updated", "deleted"]


def test_data_from_stdin(cli):
    made = ok_json(cli("contacts", "create", "--data", "-", stdin='{"lastName": "Solo", "email": "solo@example.com"}'))
    assert made["lastName"] == "Solo"


def test_list_passes_every_parameter(cli):
    for n in range(3):
        ok_json(cli("contacts", "create", "--data", json.dumps({"firstName": f"N{n}", "email": f"n{n}@example.com", "tags": ["x"]})))
    r = ok_json(cli("contacts", "list", "--page", "2", "--limit", "1", "--search", "example", "--tags", "x",
                    "--created-after", "2000-01-01", "--created-before", "2999-01-01T00:00:00Z",
                    "--ordering", "createdAt", "--assigned-to", "none"))  # fmt: skip
    assert r["count"] == 3 and [c["firstName"] for c in r["results"]] == ["N1"]
    assert r["next"].startswith("/api/contacts/?page=3&limit=1") and r["previous"].startswith("/api/contacts/?page=1")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["contacts", "list", "--limit", "500"], "limit"),
        (["contacts", "list", "--page", "0"], "page"),
        (["contacts", "list", "--page", "x"], "--page"),
        (["contacts", "list", "--stage", "hot"], "stage"),
        (["contacts", "list", "--created-after", "soon"], "createdAfter"),
        (["contacts", "list", "--ordering", "email"], "ordering"),
        (["contacts", "list", "--assigned-to", "usr_x"], "assignedTo"),
        (["contacts", "create", "--data", "{bad"], "--data"),
        (["contacts", "create", "--data", "@/no/such/file.json"], "--data"),
        (["contacts", "create", "--data", '{"firstName": "A"}'], "email"),
        (["contacts", "create", "--data", '{"firstName": "A", "email": "a@"}'], "Invalid email format"),
        (["contacts", "create", "--data", '{"firstName": "A", "email": "a@example.com", "phone": "12"}'], "'12'"),
        (["contacts", "create", "--data", "[1, 2]"], "body"),
        (["contacts", "update", "cnt_nope", "--data", "{}"], "cnt_nope"),
        (["contacts", "delete", "cnt_nope"], "cnt_nope"),
        (["contacts", "create"], "--data"),
        (["contacts", "frobnicate"], "frobnicate"),
        (["notes", "add", "cnt_nope", "--text", "x"], "cnt_nope"),
        (["tasks", "add", "cnt_nope", "--title", "x"], "cnt_nope"),
        (["tasks", "done", "tsk_nope"], "tsk_nope"),
        (["users", "add", "--name", "X", "--email", "nope"], "email"),
        (["demo", "--contacts", "-5"], "--contacts"),
        (["demo", "--seed", "abc"], "--seed"),
    ],
)
def test_errors_are_one_line_on_stderr_and_nothing_on_stdout(cli, args, needle):
    fails(cli(*args), needle)


def test_duplicate_email_names_existing_contact(cli):
    first = ok_json(cli("contacts", "create", "--data", '{"firstName": "A", "email": "a@example.com"}'))
    fails(cli("contacts", "create", "--data", '{"firstName": "B", "email": "A@EXAMPLE.COM"}'), first["id"])


def test_notes_tasks_accounts_sources(cli):
    c = ok_json(cli("contacts", "create", "--data", '{"firstName": "A", "email": "a@example.com"}'))
    note = ok_json(cli("notes", "add", c["id"], "--text", "hello"))
    assert ok_json(cli("notes", "list", c["id"])) == [note]
    task = ok_json(cli("tasks", "add", c["id"], "--title", "Call", "--due", "2026-12-01"))
    assert ok_json(cli("tasks", "done", task["id"]))["done"] is True
    assert ok_json(cli("tasks", "list", c["id"]))[0]["id"] == task["id"]
    fails(cli("tasks", "add", c["id"], "--title", "x", "--due", "tomorrow"), "due")
    acc = ok_json(cli("accounts", "add", "--name", "Acme"))
    assert ok_json(cli("accounts", "list")) == [acc]
    src = ok_json(cli("sources", "add", "--name", "Trade Show"))
    assert ok_json(cli("sources", "list")) == [src]


def test_demo_is_deterministic_and_only_fills_empty_databases(tmp_path, capsys):
    outs = []
    for name in ("a.db", "b.db"):
        run(["--db", str(tmp_path / name), "demo", "--contacts", "300", "--seed", "3"])
        capsys.readouterr()
        run(["--db", str(tmp_path / name), "contacts", "list", "--limit", "100", "--page", "2"])
        outs.append(capsys.readouterr().out)
    assert outs[0] == outs[1]
    listed = json.loads(outs[0])
    assert listed["count"] == 300
    assert {c["stage"] for c in listed["results"]} >= {"new", "contacted", "engaged"}
    with pytest.raises(SystemExit):
        run(["--db", str(tmp_path / "a.db"), "demo"])
    assert "already has 300 contacts" in capsys.readouterr().err


def test_bad_database_file_is_a_clean_error(tmp_path, cli):
    path = tmp_path / "notes.txt"
    path.write_text("just text")
    code = subprocess.run(
        [sys.executable, "-m", "parsalink_tui", "--db", str(path), "contacts", "list"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert code.returncode == 1 and code.stdout == ""
    assert code.stderr.startswith("error: ") and "not a parsalink database" in code.stderr
    assert path.read_text() == "just text"


def test_env_var_selects_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("PARSALINK_DB", str(tmp_path / "env.db"))
    out = subprocess.run(
        [sys.executable, "-m", "parsalink_tui", "users", "add", "--name", "Env"],
        capture_output=True, text=True, env={**__import__("os").environ},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "env.db").exists()


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["contacts", "list"], ["import", "list"], ["users", "add", "--name", "Full"]])
def test_output_to_a_full_disk_is_one_error_line(tmp_path, args):
    """`… > /dev/full`: the write fails with ENOSPC; one line on stderr, exit 1, no traceback."""
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "parsalink_tui", "--db", str(tmp_path / "p.db"), *args],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == "error: No space left on device\n", done.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`… | head -c 1`: the reader goes away; exit 1 without a word (nothing to tell a pipe)."""
    db = str(tmp_path / "p.db")
    subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", db, "demo", "--contacts", "300"],
                   check=True, capture_output=True)  # fmt: skip
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", db, "contacts", "list", "--limit", "100"],
                          stdout=reader.stdin, stderr=subprocess.PIPE, text=True, check=False)  # fmt: skip
    reader.stdin.close()
    reader.wait()
    assert done.returncode in (0, 1) and done.stderr == "", done.stderr


def test_a_closed_stdout_is_no_crash(tmp_path):
    """`… >&-`: Python starts with sys.stdout None; the command still runs and says nothing."""
    import os

    done = subprocess.run(
        [sys.executable, "-m", "parsalink_tui", "--db", str(tmp_path / "p.db"), "users", "add", "--name", "Closed"],
        stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1), check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr == "", done.stderr
    listed = subprocess.run([sys.executable, "-m", "parsalink_tui", "--db", str(tmp_path / "p.db"), "users", "list"],
                            capture_output=True, text=True, check=True)  # fmt: skip
    assert [user["name"] for user in json.loads(listed.stdout)] == ["Closed"]
