"""start_import refuses a bad upload with a clear message, before any job exists — except bytes
that are not text, whose job is created and fails (see failed_job)."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from parsalink_tui.errors import ImportRefused
from parsalink_tui.csv_guard import MARKER
from parsalink_tui.importing.reading import MAX_FILE_BYTES
from tests.conftest import CORPORA

pytestmark = pytest.mark.both_backends  # the same results on SQLite and PostgreSQL

GOOD = "First Name,Last Name,Email\nAnn,Lee,ann@example.com\n"


def refused(service, path, *needles, **options) -> str:
    with pytest.raises(ImportRefused) as caught:
        service.start_import(path, run=False, **options)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert "\n" not in message
    assert service.list_import_jobs() == []  # nothing was created
    return message


def test_a_good_file_is_accepted(service, write_csv):
    body = service.start_import(write_csv("leads.csv", GOOD), run=False)
    assert set(body) == {"uid", "status", "filename"}
    assert body["status"] == "queued" and body["filename"] == "leads.csv"


@pytest.mark.parametrize("name", ["leads.txt", "leads.xlsx", "leads", "leads.csv.gz"])
def test_not_a_csv_name(service, write_csv, name):
    refused(service, write_csv(name, GOOD), "not a .csv file")


def test_upper_case_extension_is_fine(service, write_csv):
    assert service.start_import(write_csv("LEADS.CSV", GOOD), run=False)["status"] == "queued"


def test_missing_file(service, tmp_path):
    refused(service, tmp_path / "nope.csv", "no such file")


def test_ten_megabytes_plus_one_byte(service, tmp_path):
    path = tmp_path / "big.csv"
    with path.open("wb") as fh:
        fh.write(GOOD.encode())
        fh.write(b"x" * (MAX_FILE_BYTES + 1 - len(GOOD)))
    assert path.stat().st_size == 10 * 1024 * 1024 + 1
    refused(service, path, "10,485,761 bytes", "10 MB")


def test_exactly_ten_megabytes_is_accepted(service, tmp_path):
    path = tmp_path / "cap.csv"
    row = "Ann,Lee,ann{}@example.com\n"
    with path.open("w", encoding="ascii", newline="") as fh:
        fh.write("First Name,Last Name,Email\n")
        size, n = 27, 0
        while size + len(row.format(n)) <= MAX_FILE_BYTES:
            fh.write(row.format(n))
            size += len(row.format(n))
            n += 1
        fh.write("x" * (MAX_FILE_BYTES - size))  # pad to the byte: a last ragged row
    assert path.stat().st_size == MAX_FILE_BYTES
    assert service.start_import(path, run=False)["status"] == "queued"


def test_empty_file(service, write_csv):
    refused(service, write_csv("empty.csv", b""), "empty")


def test_blank_lines_only(service, write_csv):
    refused(service, write_csv("blank.csv", "\n\n  \n,,,\n"), "empty")


def test_header_without_rows(service, write_csv):
    refused(service, write_csv("header.csv", "First Name,Last Name,Email\n"), "no contacts")


def test_directory(service, tmp_path):
    (tmp_path / "folder.csv").mkdir()
    refused(service, tmp_path / "folder.csv", "is a directory")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_blocking(service, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    refused(service, fifo, "not a regular file")


# --- the exception: bytes that are not text are queued, and the job fails with the reason ----


def failed_job(service, path, *needles) -> dict:
    """The issue: "A NUL byte or binary content fails the job with a clear message"."""
    body = service.start_import(path, run=False)
    assert body["status"] == "queued"
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["status"] == "failed" and job["processedRows"] == job["successCount"] == 0, job
    for needle in needles:
        assert needle in job["errorMessage"], job["errorMessage"]
    assert "\n" not in job["errorMessage"] and "Traceback" not in job["errorMessage"]
    with pytest.raises(ImportRefused, match=needles[0]):  # a preview says so before anything is queued
        service.preview_import(path)
    assert service.import_errors_csv(job["uid"]) == f"{MARKER}\r\nerror\r\n".encode("utf-8-sig")  # no rows read
    return job


def test_png_renamed_csv_fails_its_job(service, write_csv):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256))
    failed_job(service, write_csv("photo.csv", png), "PNG image")


def test_zip_renamed_csv_fails_its_job(service, write_csv):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("leads.csv", GOOD)
    failed_job(service, write_csv("leads.csv", buffer.getvalue()), "ZIP archive")


def test_nul_bytes_fail_the_job_naming_the_line(service):
    path = CORPORA / "encodings-and-dialects" / "csvkit-examples" / "null_byte.csv"
    failed_job(service, path, "NUL bytes", "line ")
    assert service.list_contacts()["count"] == 0


def test_binary_content_with_bad_field_mappings_is_still_refused(service, write_csv):
    path = write_csv("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    refused(service, path, "not valid JSON", field_mappings="{nope")
    refused(service, path, "'emial'", field_mappings={"E-mail": "emial"})


def test_no_header_row(service):
    # Thunderbird's fixture: data from the first line, no column names.
    path = CORPORA / "exports" / "thunderbird-import-tests" / "csv_no_header.csv"
    refused(service, path, "no header row")


def test_no_email_column(service, write_csv):
    message = refused(service, write_csv("names.csv", "First Name,Last Name,Phone\nAnn,Lee,4155550134\n"),
                      "no column holds email addresses", "'Phone'", "field_mappings")  # fmt: skip
    assert "First Name" in message


def test_no_email_column_after_mapping_it_away(service, write_csv):
    refused(service, write_csv("leads.csv", GOOD), "no column holds email", field_mappings={"Email": None})


def test_unknown_source(service, write_csv):
    refused(service, write_csv("leads.csv", GOOD), "unknown source", "nope", source_uid="nope")


def test_known_source_is_fine(service, write_csv):
    source = service.add_source("Trade Show")
    assert service.start_import(write_csv("leads.csv", GOOD), source_uid=source["uid"], run=False)


@pytest.mark.parametrize(
    ("mappings", "needle"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be an object"),
        ('"email"', "must be an object"),
        ({"Email": "mail"}, "'mail'"),
        ({"Email": "Email"}, "did you mean 'email'"),
        ({"Nope": "email"}, "no column 'Nope'"),
        ({"Email": 3}, "must be a string or null"),
        ({"First Name": "notes", "Email": "notes"}, "both mapped to notes"),
    ],
)
def test_bad_field_mappings(service, write_csv, mappings, needle):
    refused(service, write_csv("leads.csv", GOOD), needle, field_mappings=mappings)


def test_bad_on_duplicate(service, write_csv):
    refused(service, write_csv("leads.csv", GOOD), "on_duplicate", on_duplicate="merge")


def test_refusal_is_a_one_line_cli_error(tmp_path: Path, capsys):
    from parsalink_tui.cli import run

    path = tmp_path / "leads.txt"
    path.write_text(GOOD)
    with pytest.raises(SystemExit) as exited:
        run(["--db", str(tmp_path / "x.db"), "import", "start", str(path)])
    out, err = capsys.readouterr()
    assert exited.value.code == 1 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "not a .csv file" in err
