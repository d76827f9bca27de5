"""One table of text limits (``validation.TEXT_LIMITS``): the HTTP API's 400s and its schema, an
import's row errors and the TUI form's caps and checks all enforce the value it holds, for every
field in it. A limit written again anywhere, and then changed in one place, fails here."""

from __future__ import annotations

import warnings

from textual.widgets import Input, TextArea

from parsalink_tui.server import create_app
from parsalink_tui.validation import TEXT_LIMITS

from .conftest import SIZE
from .helpers import open_form

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's "use httpx2" deprecation notice
    from fastapi.testclient import TestClient

CSV_COLUMNS = {"firstName": "First Name", "lastName": "Last Name", "title": "Title", "accountName": "Company",
               "notes": "Notes"}  # fmt: skip


def body(field: str, length: int, n: int) -> dict[str, str]:
    return {"firstName": "Ann", "lastName": "Lee", "email": f"p{n}@example.com", field: "x" * length}


def test_the_api_refuses_one_character_more_than_the_table_and_documents_the_limit(service):
    token = service.create_token("limits")["token"]
    with TestClient(create_app(service), raise_server_exceptions=False) as client:
        auth = {"Authorization": f"Bearer {token}"}
        paths = client.get("/openapi.json").json()["paths"]
        documented = {
            method: op["requestBody"]["content"]["application/json"]["schema"]["properties"]
            for path in ("/api/contacts/", "/api/contacts/{contact_id}/")
            for method, op in paths[path].items() if method in ("post", "patch")
        }
        assert set(documented) == {"post", "patch"}
        for n, (field, limit) in enumerate(TEXT_LIMITS.items()):
            too_long = client.post("/api/contacts/", json=body(field, limit + 1, 2 * n), headers=auth)
            assert too_long.status_code == 400, (field, too_long.text)
            assert f"longer than {limit} characters" in too_long.text and field in too_long.text
            fits = client.post("/api/contacts/", json=body(field, limit, 2 * n + 1), headers=auth)
            assert fits.status_code == 201, (field, fits.text)
            for method, properties in documented.items():
                caps = [kind.get("maxLength") for kind in properties[field]["anyOf"] if kind["type"] == "string"]
                assert caps == [limit], (method, field)


def test_an_import_row_one_character_over_the_table_is_a_row_error(service, tmp_path):
    assert set(CSV_COLUMNS) == set(TEXT_LIMITS)
    lines = ["Email," + ",".join(CSV_COLUMNS.values())]
    for n, field in enumerate(CSV_COLUMNS):
        for length in (TEXT_LIMITS[field] + 1, TEXT_LIMITS[field]):
            cells = ["x" * length if f == field else ("Ann" if f == "firstName" else "") for f in CSV_COLUMNS]
            lines.append(f"p{n}.{length}@example.com," + ",".join(cells))
    path = tmp_path / "limits.csv"
    path.write_text("\n".join(lines) + "\n")
    uid = service.start_import(path, run=False)["uid"]
    service.work_imports()
    job = service.get_import_job(uid)
    assert {e["row"]: e["message"] for e in job["errors"]} == {
        2 + 2 * n: f"{field}: longer than {TEXT_LIMITS[field]} characters" for n, field in enumerate(CSV_COLUMNS)
    }
    assert job["successCount"] == len(TEXT_LIMITS)


async def test_the_form_caps_and_checks_each_field_at_the_tables_limit(service, make_app):
    app = make_app(service)
    async with app.run_test(size=SIZE) as pilot:
        form = await open_form(pilot)
        for field, limit in TEXT_LIMITS.items():
            widget = form.query_one(f"#{field}")
            if isinstance(widget, Input):
                assert widget.max_length == limit, field
            else:
                assert isinstance(widget, TextArea), field
            for length, fine in ((limit + 1, False), (limit, True)):
                if isinstance(widget, Input):
                    widget.value = "x" * length
                else:
                    widget.text = "x" * length
                assert form.check(field) is fine, (field, length)
                assert form.errors.get(field, "") == ("" if fine else f"longer than {limit} characters")
