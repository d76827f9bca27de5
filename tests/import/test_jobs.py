"""The job: the reference's shape, source stamping, audit rows, progress a poller sees move, a
failed job, the recent-jobs list, the preview, and the failed-rows CSV."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time

import pytest

from parsalink_tui import contact_store
from parsalink_tui.csv_guard import MARKER, guard, unguard
from parsalink_tui.errors import NotFoundError
from parsalink_tui.importing import writer
from tests.conftest import CORPORA

from .conftest import contacts_by_email
from .helpers import assert_counters_match, big_csv, query, table_counts

JOB_KEYS = [
    "uid", "filename", "status", "progressPercent", "totalRows", "processedRows", "successCount",
    "errorCount", "errors", "duplicates", "errorMessage", "sourceName", "createdAt", "startedAt",
    "finishedAt",
    "region",  # extension (issue 14): the country of numbers written without "+"
]  # fmt: skip


@pytest.mark.both_backends
def test_job_shape_through_its_life(service, write_csv):
    source = service.add_source("Trade Show")
    body = service.start_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\nBob,bad\n"),
                                source_uid=source["uid"], run=False)  # fmt: skip
    queued = service.get_import_job(body["uid"])
    assert list(queued) == JOB_KEYS
    assert queued["status"] == "queued" and queued["progressPercent"] == 0
    assert queued["startedAt"] is None and queued["finishedAt"] is None
    assert queued["createdAt"].endswith("Z") and queued["sourceName"] == "Trade Show"
    service.work_imports()
    done = service.get_import_job(body["uid"])
    assert list(done) == JOB_KEYS
    assert {k: done[k] for k in ("status", "progressPercent", "totalRows", "processedRows", "successCount",
                                 "errorCount", "errorMessage")} == {
        "status": "complete", "progressPercent": 100, "totalRows": 2, "processedRows": 2,
        "successCount": 1, "errorCount": 1, "errorMessage": ""}  # fmt: skip
    assert done["errors"] == [{"row": 3, "message": "Invalid email format"}]
    assert done["startedAt"] <= done["finishedAt"]
    light = service.get_import_job(body["uid"], with_issues=False)
    assert "errors" not in light and "duplicates" not in light and light["successCount"] == 1
    # the uploaded bytes are kept only while the job can still run
    assert query(service, "SELECT count(*) FROM import_file") == [(0,)]


@pytest.mark.both_backends
def test_unknown_job(service):
    with pytest.raises(NotFoundError):
        service.get_import_job("nope")
    with pytest.raises(NotFoundError):
        service.import_error_rows("nope")


@pytest.mark.both_backends
def test_source_is_stamped_and_each_contact_gets_an_imported_activity(run_import, write_csv, service):
    source = service.add_source("Webinar")
    job = run_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\nBob,bob@example.com\n"),
                     source_uid=source["uid"])  # fmt: skip
    assert query(service, "SELECT DISTINCT source_uid, import_job_uid FROM contact") == [(source["uid"], job["uid"])]
    for person in contacts_by_email(service).values():
        (activity,) = service.list_activity(person["id"])
        assert activity["action"] == "imported"
        assert activity["detail"]["importJob"] == job["uid"] and activity["detail"]["filename"] == "leads.csv"
    assert [
        a["detail"]["row"] for p in contacts_by_email(service).values() for a in service.list_activity(p["id"])
    ] in ([2, 3], [3, 2])


@pytest.mark.both_backends
@pytest.mark.uses_search
def test_imported_contacts_are_searchable(run_import, write_csv, service):
    run_import(
        write_csv("leads.csv", "First Name,Last Name,Email,Phone\nZelda,Quixote,zq@example.com,+1 415 555 0134\n")
    )
    assert service.list_contacts(search="quix")["count"] == 1
    assert service.list_contacts(search="4155550")["count"] == 1


@pytest.mark.both_backends
def test_progress_moves_while_a_poller_watches(service, tmp_path, monkeypatch):
    from parsalink_tui.importing import runner

    # Batches are sized by time (~0.3 s); cap them so even a fast machine commits several.
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 3000)
    path = big_csv(tmp_path / "big.csv", 30_000)
    body = service.start_import(path)  # run=True: the core's worker thread
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = service.get_import_job(body["uid"], with_issues=False)
        seen.append((job["status"], job["processedRows"], job["totalRows"], job["progressPercent"]))
        if job["status"] in ("complete", "failed"):
            break
        time.sleep(0.02)
    assert seen[-1][0] == "complete"
    moving = [s for s in seen if s[0] == "processing" and 0 < s[1] < 30_000]
    assert len({s[1] for s in moving}) >= 3, seen  # several committed batches were visible
    assert all(s[2] == 30_000 for s in moving)  # totalRows known before the end
    percents = [s[3] for s in seen]
    assert percents == sorted(percents) and max(p for p in percents if p < 100) < 100
    job = service.get_import_job(body["uid"])
    assert_counters_match(job, table_counts(service, body["uid"]))


@pytest.mark.both_backends
def test_an_unexpected_error_fails_the_job_and_keeps_committed_rows(service, tmp_path, monkeypatch):
    path = big_csv(tmp_path / "big.csv", 3000)
    calls = {"n": 0}
    original = writer.BatchWriter.write

    def flaky(self, job, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk on fire")
        return original(self, job, batch)

    monkeypatch.setattr(writer.BatchWriter, "write", flaky)
    body = service.start_import(path, run=False)
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["status"] == "failed" and job["finishedAt"]
    assert job["errorMessage"].startswith("unexpected error after row ") and job["errorMessage"].endswith(
        "OSError: disk on fire"
    )
    assert 0 < job["processedRows"] < 3000
    assert_counters_match(job, table_counts(service, body["uid"]))
    assert query(service, "SELECT count(*) FROM import_file") == [(0,)]


@pytest.mark.both_backends
def test_a_jobs_errors_duplicates_and_failed_rows_read_back(service, write_csv):
    from sqlalchemy import text

    uid = service.start_import(write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\nBob,bad\n"), run=False)["uid"]
    with service.db.write() as conn:  # as the worker records them
        conn.execute(text("INSERT INTO import_issue (job_uid, row, kind, message, email, existing_id, raw) VALUES "
                          "(:u, 3, 'error', 'Invalid email format', NULL, NULL, :raw), "
                          "(:u, 2, 'duplicate', NULL, 'ann@example.com', 'cnt_x', NULL)"),
                     {"u": uid, "raw": json.dumps(["Bob", "bad"])})  # fmt: skip
    job = service.get_import_job(uid)
    assert job["errors"] == [{"row": 3, "message": "Invalid email format"}]
    assert job["duplicates"] == [{"row": 2, "email": "ann@example.com", "existingId": "cnt_x"}]
    assert service.list_import_jobs()[0]["errors"] == job["errors"]
    assert service.import_error_rows(uid) == (["First Name", "Email"], [(3, "Invalid email format", ["Bob", "bad"])])


@pytest.mark.both_backends
def test_list_returns_the_last_fifty_most_recent_first(service, write_csv):
    path = write_csv("leads.csv", "First Name,Email\nAnn,ann@example.com\n")
    uids = [service.start_import(path, run=False)["uid"] for _ in range(53)]
    jobs = service.list_import_jobs()
    assert len(jobs) == 50 and [j["uid"] for j in jobs] == uids[::-1][:50]
    assert list(jobs[0]) == JOB_KEYS


# --- preview -----------------------------------------------------------------------------------


@pytest.mark.both_backends
def test_preview_shows_mapping_and_first_rows_without_writing(service, write_csv):
    path = write_csv("leads.csv", (
        "Given Name,Family Name,E-mail Address,Mobile Phone,Fax,Lead Status\n"
        "Ann,Lee,ann@example.com,(415) 555-0134,1,Working - Contacted\n"
        "Bob,Ray,bob@,,2,\n"
        "Cy,Doe,cy@example.com,,3,\n"
    ))  # fmt: skip
    preview = service.preview_import(path, rows=2)
    assert preview["mapping"] == {"Given Name": "firstName", "Family Name": "lastName", "E-mail Address": "email",
                                  "Mobile Phone": "phone", "Fax": None, "Lead Status": "stage"}  # fmt: skip
    assert preview["columns"][0] == {"header": "Given Name", "field": "firstName", "guessed": "firstName"}
    assert preview["totalRows"] == 3 and preview["headerRow"] == 1 and preview["delimiter"] == ","
    assert [r["row"] for r in preview["rows"]] == [2, 3]
    assert preview["rows"][0]["contact"]["phone"] == "+14155550134"
    assert preview["rows"][0]["contact"]["stage"] == "contacted"
    assert preview["rows"][1] == {"row": 3, "cells": ["Bob", "Ray", "bob@", "", "2", ""], "contact": None,
                                  "error": "Invalid email format"}  # fmt: skip
    assert preview["warnings"] == []
    assert query(service, "SELECT count(*) FROM import_job") == [(0,)]


@pytest.mark.both_backends
def test_preview_applies_field_mappings_and_warns_instead_of_refusing(service, write_csv):
    # One filled cell in three is not an address: too few for the content to name the column.
    path = write_csv("leads.csv", "Nombre,Contacto\nAna,ana@example.com\nBea,llamar al 555\nCruz,c@example.com\n")
    preview = service.preview_import(path)
    assert preview["mapping"] == {"Nombre": None, "Contacto": None}
    assert preview["warnings"] and "no column holds email" in preview["warnings"][0]
    fixed = service.preview_import(path, field_mappings={"Nombre": "firstName", "Contacto": "email"})
    assert fixed["warnings"] == [] and fixed["rows"][0]["contact"]["email"] == "ana@example.com"
    assert fixed["columns"][1] == {"header": "Contacto", "field": "email", "guessed": None}
    assert fixed["rows"][1]["error"] == "Invalid email format"


@pytest.mark.both_backends
def test_an_email_column_no_name_matches_is_found_by_its_content(service, write_csv, run_import):
    path = write_csv("leads.csv", "Nombre,Notas,Correo electrónico\nAna,hola,ana@example.com\n"
                                  "Bea,,\nCruz,x@y,cruz@example.org ::: c2@example.org\n")
    preview = service.preview_import(path)
    assert preview["columns"][2] == {"header": "Correo electrónico", "field": "email", "guessed": "email"}
    assert preview["warnings"] == []
    job = run_import(path, field_mappings={"Nombre": "firstName"})
    assert job["successCount"] == 2 and job["errors"] == [{"row": 3, "message": "Email is required"}]
    assert service.preview_import(write_csv("w.csv", "Name,Work Email Address\nAna,a@example.com\n"))["mapping"] == {
        "Name": "fullName", "Work Email Address": "email"}


# --- the failed rows as CSV ---------------------------------------------------------------------


@pytest.mark.both_backends
def test_errors_csv_is_formula_safe_and_reimports(run_import, write_csv, service):
    payloads = [
        p["payload"] for p in json.loads((CORPORA / "security" / "csv_injection_payloads.json").read_text("utf-8"))
    ]
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(["First Name", "Last Name", "Email", "Phone"])
    rows.writerow(["Ok", "Person", "ok@example.com", "+1 415 555 0134"])
    for n, payload in enumerate(payloads):
        rows.writerow([payload, "X", f"bad{n}", "+1 415 555 0199"])  # bad email: every row fails
    rows.writerow(["Short", "Row"])
    job = run_import(write_csv("payloads.csv", out.getvalue()))
    assert job["errorCount"] == len(payloads) + 1
    data = service.import_errors_csv(job["uid"])
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert table.pop(0) == [MARKER]
    assert table[0] == ["error", "First Name", "Last Name", "Email", "Phone"]
    assert len(table) == len(payloads) + 2
    for cells in table:
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    by_name = {cells[1]: cells for cells in table[1:]}
    for payload in payloads:
        assert by_name[guard(payload)][4] == "'+1 415 555 0199"
    assert table[-1] == ["row has 2 fields, the header has 4", "Short", "Row"]
    # Fixing the emails in the report and importing it again works, phones included.
    fixed = io.StringIO()
    rewrite = csv.writer(fixed)
    rewrite.writerow([MARKER])  # as a spreadsheet saves it again: the note line stays
    rewrite.writerow(table[0])
    for n, cells in enumerate(table[1:-1]):
        rewrite.writerow([cells[0], cells[1], cells[2], f"fixed{n}@example.com", cells[4]])
    again = run_import(write_csv("fix.csv", fixed.getvalue().encode("utf-8-sig")))
    assert again["errorCount"] == 0 and again["successCount"] == len(payloads)
    people = contacts_by_email(service)
    assert {people[f"fixed{n}@example.com"]["phone"] for n in range(len(payloads))} == {"+14155550199"}
    # The payload names went in as text (without our quote), control characters stripped.
    assert people["fixed0@example.com"]["firstName"] == payloads[0]


@pytest.mark.both_backends
def test_errors_csv_of_an_error_report_does_not_stack_error_columns(run_import, write_csv, service):
    job = run_import(write_csv("fix.csv", "error,First Name,Email\nold message,Ann,still-bad\n"))
    table = list(csv.reader(io.StringIO(service.import_errors_csv(job["uid"]).decode("utf-8-sig"))))
    assert table == [[MARKER], ["error", "First Name", "Email"], ["Invalid email format", "Ann", "still-bad"]]


@pytest.mark.parametrize("cell", ["=1+2", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "\rx", "plain", "", "'", "'x"])
def test_guard(cell):
    out = guard(cell)
    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert out == "'" + cell
    else:
        assert out == cell
    assert unguard(out) == cell


@pytest.mark.parametrize("cell", ["'=x", "''-dash", "'@a", "'\r", "'" * 3 + "+1"])
def test_guard_of_a_cell_that_already_starts_with_quotes_is_undone_exactly(cell):
    assert guard(cell) == "'" + cell and unguard(guard(cell)) == cell


@pytest.mark.both_backends
def test_a_users_own_csv_keeps_its_quotes(run_import, write_csv, service):
    """Only files this app wrote lose their formula guard: a real title "'-dash" stays."""
    job = run_import(write_csv("mine.csv", "First Name,Title,Email,Phone,Tags\n"
                                           "Ann,'-dash,ann@example.com,+1 415 555 0134,'=vip\n"))
    assert job["successCount"] == 1
    ann = contacts_by_email(service)["ann@example.com"]
    assert ann["title"] == "'-dash" and ann["tags"] == ["'=vip"]


@pytest.mark.both_backends
def test_errors_csv_round_trip_is_exact_for_every_field(run_import, write_csv, service):
    """A failed row fixed in the errors CSV imports exactly as the same row fixed in the original
    file: every cell, including cells that began with CR, tab, a formula character or quotes."""
    service.add_user("Ann Owner", "ann.owner@example.com")
    header = ["First Name", "Last Name", "Title", "Company", "Owner", "Tags", "Notes", "Email", "Email Opt Out", "Stage"]
    cells = ["\rx", "'-dash", "\t=1+2", "@corp", "\rann.owner@example.com", "\rvip;'=quoted", "\r=note\nline",
             "bad", "\ryes", "\rengaged"]
    original = io.StringIO()
    csv.writer(original).writerows([header, cells])
    job = run_import(write_csv("orig.csv", original.getvalue()))
    assert job["errors"] == [{"row": 2, "message": "Invalid email format"}]
    table = list(csv.reader(io.StringIO(service.import_errors_csv(job["uid"]).decode("utf-8-sig"), newline="")))
    table[2][header.index("Email") + 1] = "from.report@example.com"
    report = io.StringIO()
    csv.writer(report).writerows(table)
    run_import(write_csv("report.csv", report.getvalue()))
    cells[header.index("Email")] = "from.original@example.com"
    fixed = io.StringIO()
    csv.writer(fixed).writerows([header, cells])
    run_import(write_csv("fixed.csv", fixed.getvalue()))
    people = contacts_by_email(service)
    via_report, via_original = people["from.report@example.com"], people["from.original@example.com"]
    for key in ("id", "email", "accountId", "createdAt", "updatedAt"):
        del via_report[key], via_original[key]
    assert via_report == via_original
    assert via_report["lastName"] == "'-dash" and via_report["tags"] == ["vip", "'=quoted"]
    assert via_report["assignedToName"] == "Ann Owner" and via_report["emailOptOut"] is True


@pytest.mark.both_backends
def test_a_source_deleted_during_the_job_is_no_longer_stamped(service, tmp_path, monkeypatch):
    from parsalink_tui.importing import runner

    monkeypatch.setattr(runner, "FIRST_BATCH_ROWS", 100)
    monkeypatch.setattr(runner, "MAX_BATCH_ROWS", 100)
    source = service.add_source("Fair")
    body = service.start_import(big_csv(tmp_path / "big.csv", 300), source_uid=source["uid"], run=False)
    original = writer.BatchWriter.write
    calls = {"n": 0}

    def delete_after_first(self, job, batch):
        calls["n"] += 1
        if calls["n"] == 2:
            contact_store.run(job.raw, "DELETE FROM source WHERE uid = :uid", {"uid": source["uid"]})
        return original(self, job, batch)

    monkeypatch.setattr(writer.BatchWriter, "write", delete_after_first)
    service.work_imports()
    job = service.get_import_job(body["uid"])
    assert job["status"] == "complete" and job["sourceName"] is None
    assert query(service, "SELECT count(*) FROM contact WHERE source_uid IS NOT NULL") == [(0,)]
    assert job["successCount"] == 300 - 6  # deletion cleared it on every contact


@pytest.mark.both_backends
def test_preview_warns_about_owners_who_are_not_users(service, write_csv):
    service.add_user("Jane Seller", "jane@parsalink.example")
    path = write_csv("hubspot.csv", "First Name,Email,Contact owner\nAnn,ann@x.example,Tom Closer\n"
                                    "Bob,bob@x.example,Jane Seller\nCy,cy@x.example,Tom Closer\nDi,di@x.example,Al\n"
                                    "Eve,not-an-email,Zed\n")  # a row that fails for another reason too
    preview = service.preview_import(path)
    assert len(preview["warnings"]) == 1
    warning = preview["warnings"][0]
    assert "'Contact owner'" in warning and "('Tom Closer', 'Al', 'Zed')" in warning and "ignore the column" in warning
    assert service.preview_import(path, field_mappings={"Contact owner": None})["warnings"] == []
    assert service.preview_import(write_csv("ok.csv", "Email,Owner\na@x.example,jane@parsalink.example\n"))[
        "warnings"] == []


def test_a_database_analysed_while_small_still_imports_by_index_and_is_re_analysed(service, db_path, tmp_path):
    """The demo runs ANALYZE: with 300 contacts on record the planner prefers scanning the
    table to the email index for an IN (…) list; the duplicate check must seek anyway, and the
    statistics are refreshed once an import has grown the table."""
    from parsalink_tui.demo import fill_demo
    from parsalink_tui.importing import bulk_sqlite, runner, writer

    fill_demo(service.db, contacts=300, seed=3)
    raw = sqlite3.connect(db_path)
    def recorded() -> int:
        return max(int(stat.split()[0]) for (stat,) in raw.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'contact'"))

    assert recorded() == 300
    sql = bulk_sqlite.existing_sql(writer._EXISTING_NAMES)
    plan = " ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, ('["a@b.example"]',)))
    assert "SEARCH c USING INDEX" in plan and "SCAN c" not in plan, plan
    assert runner.refresh_statistics(service.db) is False  # 300 on record, 300 there
    body = service.start_import(big_csv(tmp_path / "big.csv", 3_000), run=False)
    service.work_imports()
    assert service.get_import_job(body["uid"])["successCount"] == 2_940
    assert recorded() == 3_240
    assert runner.refresh_statistics(service.db) is False  # fresh again


def test_statistics_are_left_alone_where_there_are_none(service, tmp_path):
    from parsalink_tui.importing import runner

    service.start_import(big_csv(tmp_path / "big.csv", 500), run=False)
    service.work_imports()
    assert runner.refresh_statistics(service.db) is False
    with service.db.read() as conn:
        assert conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None


def test_jobs_collect_garbage_less_often_and_restore_the_setting():
    import gc
    import threading

    from parsalink_tui.importing import runner

    before = gc.get_threshold()
    inside = []
    with runner._fewer_collections():
        inside.append(gc.get_threshold())
        done = threading.Event()

        def other_job() -> None:  # a second database's job, overlapping this one
            with runner._fewer_collections():
                inside.append(gc.get_threshold())
            done.set()

        threading.Thread(target=other_job).start()
        done.wait(5)
        inside.append(gc.get_threshold())  # the other job ended: still raised for this one
    assert gc.get_threshold() == before
    assert all(t[0] == max(runner.GC_THRESHOLD, before[0]) and t[1:] == before[1:] for t in inside), inside
