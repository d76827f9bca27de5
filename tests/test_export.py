"""``contacts export``: every contact a filter matches, streamed as CSV, vCard or JSON; round trips
through the importer into a fresh database that has the same users."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from parsalink_tui import listing
from parsalink_tui.errors import ValidationError
from parsalink_tui.service import Service

USERS = [("Ann Owner", "ann.owner@example.com"), ("Bo Nomail", None)]
COMPARED = ("firstName", "lastName", "email", "phone", "title", "stage", "accountName", "assignedToName", "tags",
            "notes", "emailOptOut", "emailBounced")  # fmt: skip


def seed(service: Service) -> None:
    """Contacts with every writable field, unicode, and values that look like formulas or
    vCard/CSV syntax."""
    owners = {name: service.add_user(name, email)["id"] for name, email in USERS}
    service.create_contact({
        "firstName": '=HYPERLINK("http://x.example","click")', "lastName": "Øster-Ås", "email": "-dash@example.com",
        "phone": "+1 415 555 0134", "title": "'-dash", "stage": "proposal_sent",
        "accountName": '@Corp; "Ltd", ∑', "assignedTo": owners["Ann Owner"],
        "tags": ["=cmd|' /C calc'!A0", "日本", "a:::b", "* starred", '"quoted"', "+tag"],
        "notes": "line one\n=2+3\n, ; \\ back\\nslash\n\nlast line with ünïcödé " + "x" * 200,
        "emailOptOut": True, "emailBounced": True,
    })  # fmt: skip
    service.create_contact({"lastName": "+Solo", "email": "solo@example.com"})
    service.create_contact({
        "firstName": "Zoë", "lastName": "O'Brien, Jr.; III", "email": "zoe@example.com", "phone": "+44 20 7946 0958",
        "title": "@mention\\", "stage": "customer", "accountName": "Ünïcode AB", "assignedTo": owners["Bo Nomail"],
        "tags": ["vip"], "notes": "\\n is not a line break here; 山田 太郎",
    })  # fmt: skip
    service.create_contact({"firstName": "Tab", "lastName": "-1", "email": "tab@example.com", "title": "'",
                            "stage": "engaged"})  # fmt: skip


def exported(service: Service, **options) -> bytes:
    out = io.BytesIO()
    service.export_contacts(out, **options)
    return out.getvalue()


def compared(service: Service) -> dict[str, dict]:
    out = {}
    for contact in json.loads(exported(service, fmt="json")):
        out[contact["email"]] = {key: contact[key] for key in COMPARED}
    return out


@pytest.mark.parametrize(("fmt", "name", "version"), [("csv", "contacts.csv", 4), ("vcard", "contacts.vcf", 4),
                                                      ("vcard", "contacts.vcard", 3)])  # fmt: skip
def test_round_trip_into_a_fresh_database_with_the_same_users(service, tmp_path, fmt, name, version):
    seed(service)
    path = tmp_path / name
    path.write_bytes(exported(service, fmt=fmt, vcard_version=version))
    fresh = Service.open(tmp_path / "fresh.db")
    try:
        for user, email in USERS:
            fresh.add_user(user, email)
        body = fresh.start_import(path, run=False)
        fresh.work_imports()
        job = fresh.get_import_job(body["uid"])
        assert job["status"] == "complete" and job["errors"] == [] and job["successCount"] == 4, job
        assert compared(fresh) == compared(service)
    finally:
        fresh.close()


@pytest.mark.both_backends
def test_json_is_the_get_shape_of_every_match(service):
    seed(service)
    data = json.loads(exported(service, fmt="json", ordering="lastName"))
    ids = [c["id"] for c in service.list_contacts(ordering="lastName", limit=100)["results"]]
    assert data == [service.get_contact(cid) for cid in ids]
    assert exported(service, fmt="json", tags="no-such-tag") == b"[]\n"


@pytest.mark.both_backends
def test_csv_cells_are_guarded_and_the_file_is_marked(service):
    from parsalink_tui.csv_guard import MARKER

    seed(service)
    text = exported(service).decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == MARKER and lines[1].startswith("id,firstName,lastName,email,phone,title,stage,accountName,")
    assert "'=HYPERLINK" in text and "''-dash" in text and "'+14155550134" in text and "'-dash@example.com" in text


def test_every_filter_and_ordering_of_the_list_and_not_one_page(service, tmp_path):
    from parsalink_tui.demo import fill_demo

    fill_demo(service.db, contacts=2500, seed=5)
    user = service.list_users()[0]["id"]
    cases = [{}, {"stage": "engaged"}, {"search": "son"}, {"tags": "enterprise"}, {"assigned_to": user},
             {"created_after": "2026-06-01", "created_before": "2026-09-01"}, {"assigned_to": "none"},
             {"stage": "customer", "ordering": "lastName"}, {"ordering": "-updatedAt"}, {"ordering": "stage"}]  # fmt: skip
    for params in cases:
        expected = []
        page = 1
        while True:
            listed = service.list_contacts(page=page, limit=100, **params)
            expected += [c["id"] for c in listed["results"]]
            if not listed["next"]:
                break
            page += 1
        got = [c["id"] for c in json.loads(exported(service, fmt="json", **params))]
        assert got == expected, params
    assert len(json.loads(exported(service, fmt="json"))) == 2500


@pytest.mark.both_backends
def test_bad_parameters_are_refused_before_anything_is_written(service):
    out = io.BytesIO()
    for options in ({"stage": "hot"}, {"ordering": "email"}, {"fmt": "xml"}, {"fmt": "vcard", "vcard_version": 2},
                    {"created_after": "yesterday"}):  # fmt: skip
        with pytest.raises(ValidationError):
            service.export_contacts(out, **options)
    assert out.getvalue() == b""


def test_memory_follows_the_chunk_not_the_number_of_contacts(service, monkeypatch):
    from parsalink_tui.demo import fill_demo

    fill_demo(service.db, contacts=3000, seed=2)

    def peak(chunk: int) -> int:
        monkeypatch.setattr(listing, "EXPORT_CHUNK", chunk)
        sink = _Sink()
        tracemalloc.start()
        try:
            service.export_contacts(sink, fmt="csv")
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(100) * 3 < peak(3000)


class _Sink(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return len(data)


@pytest.mark.both_backends
def test_vcard_lines_are_folded_at_75_octets_without_splitting_characters(service):
    service.create_contact({"firstName": "Long", "email": "long@example.com", "notes": "é" * 300 + "日本" * 50})
    data = exported(service, fmt="vcard")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # every physical line is whole UTF-8
    assert b"VERSION:4.0" in data and b"X-PARSALINK-STAGE:new" in data


def test_cli_export_to_stdout_and_to_a_new_file(tmp_path):
    db = tmp_path / "cli.db"
    base = [sys.executable, "-m", "parsalink_tui", "--db", str(db)]
    subprocess.run([*base, "demo", "--contacts", "30"], capture_output=True, check=True)
    out = subprocess.run([*base, "contacts", "export", "--format", "json", "--stage", "customer"],
                         capture_output=True, check=True)  # fmt: skip
    customers = json.loads(out.stdout)
    assert customers and {c["stage"] for c in customers} == {"customer"}
    target = tmp_path / "all.vcf"
    subprocess.run([*base, "contacts", "export", "--format", "vcard", "--vcard-version", "3", "-o", str(target)],
                   capture_output=True, check=True)  # fmt: skip
    assert target.stat().st_mode & 0o777 == 0o600 and target.read_bytes().count(b"BEGIN:VCARD") == 30
    again = subprocess.run([*base, "contacts", "export", "-o", str(target)], capture_output=True, text=True,
                           check=False)  # fmt: skip
    assert again.returncode == 1 and "exists" in again.stderr and again.stdout == ""
    bad = subprocess.run([*base, "contacts", "export", "--ordering", "email"], capture_output=True, text=True,
                         check=False)  # fmt: skip
    assert bad.returncode == 1 and bad.stderr.startswith("error: ordering") and bad.stdout == ""
    assert Path(target).read_bytes().count(b"VERSION:3.0") == 30
