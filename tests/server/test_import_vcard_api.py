"""vCard files over HTTP: the synchronous unified import takes them; the async start stays CSV only."""

from __future__ import annotations

from pathlib import Path

from parsalink_tui.server.imports import SYNC_IMPORT_MAX_ROWS

VCARDS = Path(__file__).parent.parent / "data" / "vcard"
SYNC = "/api/crm/contacts/import/"
START = "/api/crm/contacts/import/start/"


def _card(n: int) -> bytes:
    return b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:P %d\r\nN:P;%d;;;\r\nEMAIL:p%d@example.com\r\nEND:VCARD\r\n" % (n, n, n)


def test_the_synchronous_import_takes_a_vcf_file_and_answers_with_the_finished_job(api):
    data = (VCARDS / "google-contacts.vcf").read_bytes()
    response = api.post(SYNC, files={"file": ("google.vcf", data, "text/vcard")})
    assert response.status_code == 200, response.text
    job = response.json()
    assert (job["status"], job["filename"], job["successCount"], job["errorCount"]) == ("complete", "google.vcf", 2, 1)
    assert job["errors"][0]["row"] == 3  # the card without an email: its number in the file
    (sarah,) = api.get("/api/contacts/?search=sarah.kim@techcorp.example").json()["results"]
    assert (sarah["firstName"], sarah["lastName"], sarah["title"], sarah["accountName"], sarah["tags"]) == (
        "Sarah", "Kim", "VP Sales", "TechCorp", ["Customers"]
    )  # fmt: skip


def test_the_synchronous_import_takes_the_vcard_ending_too(api):
    response = api.post(SYNC, files={"file": ("one.VCARD", _card(1))})
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["successCount"]) == ("complete", 1)


def test_the_async_start_refuses_a_vcard_with_a_400_naming_file_and_where_vcards_go(api):
    for name in ("people.vcf", "people.vcard"):
        response = api.post(START, files={"file": (name, _card(1))})
        assert response.status_code == 400, response.text
        (message,) = response.json()["file"]
        assert message.startswith(f"{name} is not a .csv file") and message.endswith(f"send vCard files to {SYNC}")
    assert api.get("/api/crm/contacts/import-jobs/").json() == []


def test_a_file_of_another_kind_is_a_400_naming_file_on_both_endpoints(api):
    for path in (START, SYNC):
        response = api.post(path, files={"file": ("people.txt", b"Name,Email\nAda,ada@example.com\n")})
        assert response.status_code == 400, response.text
        assert list(response.json()) == ["file"]
        assert response.json()["file"][0].startswith("people.txt is not a .csv file")
    assert api.get("/api/crm/contacts/import-jobs/").json() == []


def test_the_synchronous_import_caps_cards_as_it_caps_rows(api):
    at_cap = b"".join(_card(n) for n in range(SYNC_IMPORT_MAX_ROWS))
    response = api.post(SYNC, files={"file": ("at-cap.vcf", at_cap)})
    assert (response.status_code, response.json()["successCount"]) == (200, SYNC_IMPORT_MAX_ROWS)
    over = at_cap + _card(SYNC_IMPORT_MAX_ROWS)
    response = api.post(SYNC, files={"file": ("over.vcf", over)})
    assert response.status_code == 400
    (message,) = response.json()["file"]
    assert f"over.vcf has {SYNC_IMPORT_MAX_ROWS + 1:,} cards" in message
    assert START not in message  # the async endpoint takes CSV only: not pointed to for a vCard
    assert len(api.get("/api/crm/contacts/import-jobs/").json()) == 1


def test_a_vcf_that_holds_no_vcard_is_a_failed_job_with_the_reason(api):
    response = api.post(SYNC, files={"file": ("leads.vcf", b"Name,Email\nAda,ada@example.com\n")})
    assert response.status_code == 200
    job = response.json()
    assert job["status"] == "failed"
    assert "no vCard" in job["errorMessage"] and "name it .csv" in job["errorMessage"]


def test_the_core_picks_the_vcard_reader_for_bytes_by_their_name(service):
    job = service.start_import_bytes(_card(7), "x/../phone.vcf", run=False)
    assert job["filename"] == "phone.vcf"
    assert service.work_imports() == 1
    done = service.get_import_job(job["uid"])
    assert (done["status"], done["successCount"]) == ("complete", 1)
    assert service.list_contacts(search="p7@example.com")["results"][0]["firstName"] == "7"
