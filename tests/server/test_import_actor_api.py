"""The audit rows of an import started over HTTP name the token that started it (and the job)."""

from __future__ import annotations

CSV = b"First Name,Last Name,Email,Title\nAda,Lovelace,ada@example.com,Countess\nAlan,Turing,alan@example.com,\n"


def _rows(service, email):
    (contact,) = service.list_contacts(search=email)["results"]
    return service.list_activity(contact["id"])


def test_contacts_an_async_import_creates_are_audited_with_the_token_and_the_job(api):
    uid = api.post("/api/crm/contacts/import/start/", files={"file": ("leads.csv", CSV)}).json()["uid"]
    assert api.finished_job(uid)["successCount"] == 2
    for email in ("ada@example.com", "alan@example.com"):
        (row,) = _rows(api.service, email)
        assert (row["action"], row["actor"], row["detail"]["importJob"]) == ("imported", f"token:{api.token_id}", uid)


def test_fields_an_update_import_fills_are_audited_with_the_token(api):
    api.service.create_contact({"firstName": "Ada", "email": "ada@example.com"})  # locally: no actor
    response = api.post("/api/crm/contacts/import/", files={"file": ("leads.csv", CSV)},
                        data={"on_duplicate": "update"})  # fmt: skip
    assert response.json()["status"] == "complete"
    created, *filled = _rows(api.service, "ada@example.com")
    assert "actor" not in created
    assert [(row["field"], row["actor"]) for row in filled] == [
        ("lastName", f"token:{api.token_id}"), ("title", f"token:{api.token_id}")
    ]  # fmt: skip
    (imported,) = _rows(api.service, "alan@example.com")
    assert imported["actor"] == f"token:{api.token_id}"


def test_a_vcard_import_over_http_names_the_token_too(api):
    card = b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Grace Hopper\r\nEMAIL:grace@example.com\r\nEND:VCARD\r\n"
    assert api.post("/api/crm/contacts/import/", files={"file": ("g.vcf", card)}).json()["successCount"] == 1
    (row,) = _rows(api.service, "grace@example.com")
    assert row["actor"] == f"token:{api.token_id}"


def test_the_actor_is_kept_on_the_job_so_any_worker_stamps_it(service):
    job = service.as_actor("token:tok_other").start_import_bytes(CSV, "leads.csv", run=False)
    assert service.work_imports() == 1  # this worker acts for nobody: the job says who started it
    (row,) = _rows(service, "ada@example.com")
    assert (row["actor"], row["detail"]["importJob"]) == ("token:tok_other", job["uid"])


def test_a_local_import_has_no_actor(service):
    service.start_import_bytes(CSV, "leads.csv", run=False)
    service.work_imports()
    assert "actor" not in _rows(service, "ada@example.com")[0]
