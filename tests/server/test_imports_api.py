"""Contract tests: the async CSV import, its jobs, and our synchronous import for small files."""

from __future__ import annotations

from parsalink_tui.importing.reading import MAX_FILE_BYTES
from parsalink_tui.server.imports import SYNC_IMPORT_MAX_ROWS
from parsalink_tui.server.limits import MAX_BODY_BYTES

CSV = b"First Name,Last Name,Email\nAda,Lovelace,ada@example.com\nAlan,Turing,not-an-email\n"


def test_start_is_202_queued_and_the_job_runs_in_the_servers_worker(api):
    response = api.post("/api/crm/contacts/import/start/", files={"file": ("leads.csv", CSV, "text/csv")})
    assert response.status_code == 202
    body = response.json()
    assert body == {"uid": body["uid"], "status": "queued", "filename": "leads.csv"}
    job = api.finished_job(body["uid"])
    assert (job["status"], job["successCount"], job["errorCount"]) == ("complete", 1, 1)
    assert job == api.service.get_import_job(body["uid"])
    assert api.get("/api/crm/contacts/import-jobs/").json()[0] == job


def test_source_and_field_mappings_are_read_from_the_form(api):
    source = api.service.add_source("Trade Show")
    data = b"Name,Courriel\nAda,ada@example.com\n"
    response = api.post("/api/crm/contacts/import/start/", files={"file": ("x.csv", data)},
                        data={"source_uid": source["uid"], "field_mappings": '{"Courriel": "email"}'})  # fmt: skip
    assert response.status_code == 202, response.text
    job = api.finished_job(response.json()["uid"])
    assert (job["successCount"], job["sourceName"]) == (1, "Trade Show")


def test_refusals_are_400_and_create_no_job(api):
    cases = [  # a file of the wrong kind names ``file``: test_import_vcard_api.py
        ({"file": ("leads.csv", b"")}, {}),
        ({"file": ("leads.csv", b"Name,Phone\nAda,123\n")}, {}),
        ({"file": ("leads.csv", CSV)}, {"source_uid": "nope"}),
        ({"file": ("leads.csv", CSV)}, {"field_mappings": "{not json"}),
    ]
    for files, data in cases:
        response = api.post("/api/crm/contacts/import/start/", files=files, data=data)
        assert response.status_code == 400, (files, data, response.text)
        assert response.json()["detail"]
    assert api.get("/api/crm/contacts/import-jobs/").json() == []


def test_a_missing_or_non_file_part_is_400_naming_file(api):
    response = api.post("/api/crm/contacts/import/start/", files={"other": ("x.csv", CSV)})
    assert response.status_code == 400
    assert response.json() == {"file": ["No file was submitted."]}
    response = api.post("/api/crm/contacts/import/start/", data={"file": "a,b"}, files={"x": ("y", b"1")})
    assert list(response.json()) == ["file"]


def test_a_body_that_is_not_multipart_is_415(api):
    for path in ("/api/crm/contacts/import/start/", "/api/crm/contacts/import/"):
        response = api.post(path, json={"file": "x"})
        assert response.status_code == 415


def test_a_client_filename_is_only_a_label(api, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.rglob("*"))
    response = api.post("/api/crm/contacts/import/start/", files={"file": ("../../etc/passwd.csv", CSV)})
    assert response.status_code == 202
    assert response.json()["filename"] == "passwd.csv"
    api.finished_job(response.json()["uid"])
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_content_length_over_the_cap_is_413_before_the_body_is_read(api):
    def never():
        raise AssertionError("the body was read")
        yield b""  # pragma: no cover

    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(MAX_BODY_BYTES + 1)}
    response = api.post("/api/crm/contacts/import/start/", content=never(), headers=headers)
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_a_file_part_over_10_mb_is_413(api):
    big = b"email\n" + b"a" * (MAX_FILE_BYTES - 5)
    response = api.post("/api/crm/contacts/import/start/", files={"file": ("big.csv", big)})
    assert response.status_code == 413
    assert api.get("/api/crm/contacts/import-jobs/").json() == []


def test_a_chunked_body_growing_past_the_cap_is_413(api):
    def chunks():
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    response = api.post("/api/crm/contacts/import/start/", content=chunks(),
                        headers={"Content-Type": "multipart/form-data; boundary=x"})  # fmt: skip
    assert response.status_code == 413


def test_the_synchronous_import_returns_the_finished_job(api):
    response = api.post("/api/crm/contacts/import/", files={"file": ("small.csv", CSV)})
    assert response.status_code == 200
    job = response.json()
    assert (job["status"], job["successCount"], job["errorCount"]) == ("complete", 1, 1)
    assert job["errors"] == [{"row": 3, "message": job["errors"][0]["message"]}]


def test_the_synchronous_import_refuses_more_rows_than_its_cap_naming_the_async_endpoint(api):
    rows = b"".join(b"p%d,p%d@example.com\n" % (n, n) for n in range(SYNC_IMPORT_MAX_ROWS + 1))
    response = api.post("/api/crm/contacts/import/", files={"file": ("many.csv", b"Name,Email\n" + rows)})
    assert response.status_code == 400
    (message,) = response.json()["file"]
    assert "/api/crm/contacts/import/start/" in message
    assert api.get("/api/crm/contacts/import-jobs/").json() == []


def test_an_unknown_job_is_404(api):
    response = api.get("/api/crm/contacts/import-jobs/nope/")
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_the_region_form_field_reads_national_numbers_and_a_bad_one_is_400_naming_it(api):
    data = "First Name,Email,Phone\nJörg,joerg@example.de,030 1234567\n".encode()
    response = api.post("/api/crm/contacts/import/start/", files={"file": ("de.csv", data)}, data={"region": "de"})
    assert response.status_code == 202, response.text
    job = api.finished_job(response.json()["uid"])
    assert (job["successCount"], job["region"]) == (1, "DE")
    assert api.service.list_contacts(search="joerg@example.de")["results"][0]["phone"] == "+49301234567"
    bad = api.post("/api/crm/contacts/import/start/", files={"file": ("de.csv", data)}, data={"region": "XX"})
    assert bad.status_code == 400 and list(bad.json()) == ["region"], bad.text
