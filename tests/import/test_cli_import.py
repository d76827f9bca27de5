"""``parsalink-tui import …``: start (detached or --wait), preview, status, list, errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time

import pytest

from parsalink_tui.cli import run
from parsalink_tui.csv_guard import MARKER

from .helpers import big_csv


@pytest.fixture
def cli(db_path, capsysbinary):
    """Run the CLI in-process: returns (exit code, stdout bytes, stderr text)."""

    def invoke(*args: str):
        code = 0
        try:
            run(["--db", str(db_path), *args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out, err = capsysbinary.readouterr()
        return code, out, err.decode()

    return invoke


def ok_json(result):
    code, out, err = result
    assert code == 0, err
    return json.loads(out)


LEADS = "First Name,Last Name,Email,Phone\nAnn,Lee,ann@example.com,=1+2\nBob,Ray,bob@example.com,+1 415 555 0134\nCy,Doe,cy@,\n"


def test_start_returns_at_once_and_a_detached_worker_finishes_the_job(cli, tmp_path):
    path = big_csv(tmp_path / "big.csv", 20_000)
    started = time.monotonic()
    body = ok_json(cli("import", "start", str(path)))
    assert time.monotonic() - started < 3
    assert set(body) == {"uid", "status", "filename"} and body["status"] == "queued"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = ok_json(cli("import", "status", body["uid"]))
        if job["status"] in ("complete", "failed"):
            break
        time.sleep(0.2)
    assert job["status"] == "complete" and job["successCount"] == 20_000 - 400


def test_wait_prints_the_final_job(cli, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    job = ok_json(cli("import", "start", str(path), "--wait"))
    assert job["status"] == "complete" and job["successCount"] == 1
    assert job["errors"] == [{"row": 2, "message": "Invalid phone number: '=1+2'"},
                             {"row": 4, "message": "Invalid email format"}]  # fmt: skip
    listed = ok_json(cli("import", "list"))
    assert [j["uid"] for j in listed] == [job["uid"]]
    assert ok_json(cli("import", "status", job["uid"])) == job


def test_wait_on_a_job_that_fails_prints_it_and_exits_1(cli, tmp_path):
    path = tmp_path / "sheet.csv"  # an Excel workbook saved under a .csv name
    path.write_bytes(b"PK\x03\x04" + bytes(200))
    code, out, err = cli("import", "start", str(path), "--wait")
    job = json.loads(out)
    assert code == 1 and job["status"] == "failed" and job["filename"] == "sheet.csv"
    assert "ZIP archive" in job["errorMessage"]
    assert err.count("\n") == 1 and err.startswith(f"error: import job {job['uid']} failed: the file looks like")
    assert ok_json(cli("import", "status", job["uid"]))["status"] == "failed"


def test_wait_with_options(cli, tmp_path):
    source = ok_json(cli("sources", "add", "--name", "Trade Show"))
    path = tmp_path / "leads.csv"
    path.write_text("Nombre,Correo\nAna,ana@example.com\nAna B,ANA@example.com\n")
    mappings = tmp_path / "map.json"
    mappings.write_text('{"Nombre": "firstName", "Correo": "email"}')
    job = ok_json(cli("import", "start", str(path), "--source", source["uid"], "--field-mappings", f"@{mappings}",
                      "--on-duplicate", "update", "--wait"))  # fmt: skip
    assert job["sourceName"] == "Trade Show" and job["successCount"] == 1 and len(job["duplicates"]) == 1


def test_preview(cli, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("Nombre,Correo\nAna,ana@example.com\n")
    preview = ok_json(
        cli("import", "preview", str(path), "--field-mappings", '{"Nombre": "firstName", "Correo": "email"}')
    )
    assert preview["mapping"] == {"Nombre": "firstName", "Correo": "email"}
    assert preview["rows"][0]["contact"]["firstName"] == "Ana"


def test_errors_writes_the_failed_rows_as_safe_csv(cli, tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    job = ok_json(cli("import", "start", str(path), "--wait"))
    code, out, err = cli("import", "errors", job["uid"])
    assert code == 0 and err == ""
    assert out.startswith(b"\xef\xbb\xbf") and b"\r\n" in out
    table = list(csv.reader(io.StringIO(out.decode("utf-8-sig"), newline="")))
    assert table == [
        [MARKER],  # what the reader recognises as this app's own file: its guards come off again
        ["error", "First Name", "Last Name", "Email", "Phone"],
        ["Invalid phone number: '=1+2'", "Ann", "Lee", "ann@example.com", "'=1+2"],
        ["Invalid email format", "Cy", "Doe", "cy@", ""],
    ]


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        (("import", "status", "nope"), "import job not found: nope", 1),
        (("import", "errors", "nope"), "import job not found: nope", 1),
        (("import", "start", "missing.csv"), "no such file", 1),
        (("import", "start", "LEADS", "--field-mappings", "{bad"), "not valid JSON", 1),
        (("import", "start", "LEADS", "--field-mappings", "@/nonexistent.json"), "cannot read", 2),
        (("import", "start", "LEADS", "--on-duplicate", "merge"), "merge", 2),
        (("import", "start", "LEADS", "--source", "nope"), "unknown source", 1),
    ],
)
def test_mistakes_are_one_line_errors(cli, tmp_path, args, needle, code):
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    args = tuple(str(path) if a == "LEADS" else a for a in args)
    rc, out, err = cli(*args)
    assert rc == code and out == b""
    assert err.startswith("error: ") and err.count("\n") == 1 and needle in err, err


def test_the_console_script_end_to_end(tmp_path):
    """The real command, as a user runs it, with --wait (no terminal: no progress bar)."""
    path = tmp_path / "leads.csv"
    path.write_text(LEADS)
    result = subprocess.run(
        [sys.executable, "-m", "parsalink_tui", "--db", str(tmp_path / "x.db"), "import", "start", str(path), "--wait"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0 and result.stderr == ""
    assert json.loads(result.stdout)["successCount"] == 1
