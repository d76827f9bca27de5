"""An import's phone region: the country of numbers written without "+" (issue 14: a German
national "030 1234567" imported with the default region US was stored as "+10301234567")."""

from __future__ import annotations

import json

import pytest

from parsalink_tui.errors import ImportRefused
from parsalink_tui.importing import validate_process

from .helpers import query

CSV = "First Name,Email,Phone\nJörg,joerg@example.de,030 1234567\nAnn,ann@example.com,+1 415 555 0134\n"


def _phones(service) -> list[str]:
    return [phone for (phone,) in query(service, "SELECT phone FROM contact ORDER BY pk")]


@pytest.mark.both_backends
@pytest.mark.parametrize("in_child", [False, True], ids=["in-process", "validation-process"])
def test_start_import_reads_national_numbers_in_the_jobs_region(service, tmp_path, monkeypatch, in_child):
    monkeypatch.setattr(validate_process, "MIN_RECORDS", 0 if in_child else 10**9)
    path = tmp_path / "de.csv"
    path.write_text(CSV, encoding="utf-8")
    body = service.start_import(path, run=False, region="de")
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["status"] == "complete" and job["successCount"] == 2, job
    assert job["region"] == "DE"
    assert _phones(service) == ["+49301234567", "+14155550134"]


@pytest.mark.both_backends
def test_the_default_region_is_the_apps(service, tmp_path):
    path = tmp_path / "us.csv"
    path.write_text("First Name,Email,Phone\nAnn,ann@example.com,(415) 555-0134\n", encoding="utf-8")
    body = service.start_import(path, run=False)
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["region"] == "US" and job["successCount"] == 1, job
    assert _phones(service) == ["+14155550134"]


def test_an_unknown_region_is_refused_before_any_job(service, tmp_path):
    path = tmp_path / "de.csv"
    path.write_text(CSV, encoding="utf-8")
    for bad in ("XX", "Germany", "", "D E"):
        with pytest.raises(ImportRefused, match="^region: unknown region"):
            service.start_import(path, run=False, region=bad)
        with pytest.raises(ImportRefused, match="^region: unknown region"):
            service.preview_import(path, region=bad)
    assert service.list_import_jobs() == []


def test_preview_shows_and_uses_the_region(service, tmp_path):
    path = tmp_path / "de.csv"
    path.write_text(CSV, encoding="utf-8")
    preview = service.preview_import(path, region="DE")
    assert preview["region"] == "DE"
    assert [row["contact"]["phone"] for row in preview["rows"]] == ["+49301234567", "+14155550134"]
    assert service.preview_import(path)["region"] == "US"


def test_cli_region_options(cli, tmp_path):
    path = tmp_path / "de.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out, err = cli("import", "preview", str(path), "--region", "DE")
    assert code == 0, err
    assert json.loads(out)["rows"][0]["contact"]["phone"] == "+49301234567"
    code, out, err = cli("import", "start", str(path), "--region", "de", "--wait")
    assert code == 0, err
    job = json.loads(out)
    assert job["region"] == "DE" and job["successCount"] == 2
    for command in ("start", "preview"):
        code, out, err = cli("import", command, str(path), "--region", "XX")
        assert code == 2 and out == ""
        assert err.startswith("error: Invalid value for '--region': unknown region 'XX'"), err
        assert len(err.strip().splitlines()) == 1
