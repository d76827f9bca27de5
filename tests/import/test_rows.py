"""Each row: the same validation and normalisation as creating a contact, with the row numbers a
spreadsheet shows, and the conventions of real exports."""

from __future__ import annotations

import pytest

from .conftest import contacts_by_email

pytestmark = pytest.mark.both_backends  # the same results on SQLite and PostgreSQL


def errors_of(job):
    return {e["row"]: e["message"] for e in job["errors"]}


def test_row_errors_use_the_references_messages_and_spreadsheet_rows(run_import, write_csv, service):
    job = run_import(write_csv("leads.csv", (
        "First Name,Last Name,Email,Phone,Stage\n"
        "Ann,Lee,ann@example.com,+1 415 555 0134,Engaged\n"      # row 2: fine
        "Bob,Ray,bob@example,(415) 555-0135,new\n"              # row 3: bad email
        "Cy,Doe,,415-555-0136,new\n"                            # row 4: no email
        ",,dee@example.com,,\n"                                 # row 5: no name
        "Eve,Fox,eve@example.com,12,\n"                         # row 6: bad phone
        "Fay,Gil,fay@example.com,,Closed Won\n"                 # row 7: HubSpot/Salesforce stage
        "Gus,Hay,gus@example.com,,Someday\n"                    # row 8: unknown stage
        "Hal,Ito,hal@example.com\n"                             # row 9: ragged
    )))  # fmt: skip
    assert job["status"] == "complete"
    assert errors_of(job) == {
        3: "Invalid email format",
        4: "Email is required",
        5: "firstName or lastName is required",
        6: "Invalid phone number: '12'",
        8: "Unknown stage 'Someday'; expected one of: new, contacted, engaged, proposal_sent, negotiation, customer, inactive",
        9: "row has 3 fields, the header has 5",
    }
    assert job["successCount"] == 2 and job["processedRows"] == job["totalRows"] == 8
    people = contacts_by_email(service)
    assert people["ann@example.com"]["phone"] == "+14155550134"
    assert people["ann@example.com"]["stage"] == "engaged"
    assert people["fay@example.com"]["stage"] == "customer"


def test_row_numbers_count_preamble_blank_lines_and_quoted_line_breaks(run_import, write_csv):
    job = run_import(write_csv("linkedin.csv", (
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email addresses are missing."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"   # row 4
        'Ann,Lee,https://x.example/ann,ann@example.com,"Acme, Inc.",CTO,01 Jan 2024\n'
        "\n"                                                                         # row 6: blank
        'Bob,Ray,https://x.example/bob,,Globex,"Head of\nSales",02 Jan 2024\n'      # row 7
        "Cy,Doe,https://x.example/cy,not-an-email,Initech,CEO,03 Jan 2024\n"         # row 8
    )))  # fmt: skip
    assert errors_of(job) == {7: "Email is required", 8: "Invalid email format"}
    assert job["totalRows"] == 3


def test_values_are_normalised_like_create(run_import, write_csv, service):
    service.add_account("Acme Corp")
    run_import(write_csv("leads.csv", (
        "Name,E-mail 1 - Value,Phone 1 - Value,Organization Name,Organization Title,Labels,Notes\n"
        'Mary Ann Smith,  Mary@Example.COM  ::: other@example.com,+44 20 7946 0958 ::: +1 415 555 0100,'
        'acme corp,  VP of Sales ,* myContacts ::: Enterprise ::: warm,"line one\nline two"\n'
    )))  # fmt: skip
    person = contacts_by_email(service)["Mary@example.com"]
    assert (person["firstName"], person["lastName"]) == ("Mary Ann", "Smith")
    assert person["phone"] == "+442079460958"  # the first of the Google multi-value cell
    assert person["accountName"] == "Acme Corp"  # found by name, case-insensitively
    assert person["title"] == "VP of Sales"
    assert person["tags"] == ["Enterprise", "warm"]
    assert person["notes"] == "line one\nline two"
    assert person["stage"] == "new"


def test_tags_split_on_commas_and_semicolons(run_import, write_csv, service):
    run_import(write_csv("leads.csv", (
        "First Name,Email,Tags\n"
        'Ann,ann@example.com,"saas, inbound;Warm"\n'
        "Bob,bob@example.com,VIP;vip;Partner\n"
    )))  # fmt: skip
    people = contacts_by_email(service)
    assert people["ann@example.com"]["tags"] == ["saas", "inbound", "Warm"]
    assert people["bob@example.com"]["tags"] == ["VIP", "Partner"]
    assert service.list_contacts(tags="warm")["count"] == 1  # tag filters see imported tags


def test_accounts_are_found_or_created_once(run_import, write_csv, service):
    run_import(
        write_csv(
            "leads.csv",
            (
                "First Name,Email,Company\nAnn,ann@example.com,Globex\nBob,bob@example.com,GLOBEX\nCy,cy@example.com,Initech\n"
            ),
        )
    )
    assert sorted(a["name"] for a in service.list_accounts()) == ["Globex", "Initech"]
    people = contacts_by_email(service)
    assert people["ann@example.com"]["accountId"] == people["bob@example.com"]["accountId"]


def test_assignee_by_id_name_or_email(run_import, write_csv, service):
    alex = service.add_user("Alex Johnson", "alex@example.com")
    sam = service.add_user("Sam Lee")
    service.add_user("Pat Kim")
    service.add_user("Pat Kim")
    job = run_import(write_csv("leads.csv", (
        "First Name,Email,Contact Owner\n"
        f"Ann,ann@example.com,{alex['id']}\n"
        "Bob,bob@example.com,ALEX@example.com\n"
        "Cy,cy@example.com,sam lee\n"
        "Dee,dee@example.com,Nobody Here\n"
        "Eve,eve@example.com,Pat Kim\n"
        "Fay,fay@example.com,\n"
    )))  # fmt: skip
    people = contacts_by_email(service)
    assert people["ann@example.com"]["assignedTo"] == alex["id"]
    assert people["bob@example.com"]["assignedTo"] == alex["id"]
    assert people["cy@example.com"]["assignedTo"] == sam["id"]
    assert people["fay@example.com"]["assignedTo"] is None
    assert errors_of(job) == {
        5: "assignedTo: no user 'Nobody Here' (give a user id, email or name)",
        6: "assignedTo: owner 'Pat Kim' is ambiguous: 2 users; give the user id",
    }


def test_control_characters_are_stripped(run_import, write_csv, service):
    run_import(write_csv("leads.csv", "First Name,Last Name,Email,Title\n"
                         "A\x1b[31mnn,Lee\x07,ann@example.com,C\x9bTO\n"))  # fmt: skip
    person = contacts_by_email(service)["ann@example.com"]
    assert (person["firstName"], person["lastName"], person["title"]) == ("A[31mnn", "Lee", "CTO")


def test_terminal_and_markup_payloads_are_stored_inert(run_import, write_csv, service):
    import csv
    import io
    import json

    from tests.conftest import CORPORA

    payloads = json.loads((CORPORA / "security" / "tui_injection_payloads.json").read_text("utf-8"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["First Name", "Last Name", "Email"])
    # A NUL byte makes the whole file refused (see test_refusals); the rest must import inert.
    values = [v for v in payloads["rich_textual_markup"] + payloads["terminal_escape"] if "\x00" not in v]
    for n, value in enumerate(values):
        writer.writerow([value, "X", f"p{n}@example.com"])
    # Among ordinary rows, as in a real file (a file dense with controls is refused as binary).
    for n in range(100):
        writer.writerow(["Plain", "Person", f"plain{n}@example.com"])
    job = run_import(write_csv("payloads.csv", out.getvalue()))
    assert job["errorCount"] == 0 and job["successCount"] == len(values) + 100
    for person in contacts_by_email(service).values():
        assert not any(ch < " " or "\x7f" <= ch <= "\x9f" for ch in person["firstName"])


@pytest.mark.parametrize(
    ("cell", "flag"),
    [
        ("true", True),
        ("Yes", True),
        ("1", True),
        ("x", True),
        ("false", False),
        ("no", False),
        ("0", False),
        ("", False),
    ],
)
def test_yes_no_columns(run_import, write_csv, service, cell, flag):
    run_import(write_csv("leads.csv", f"First Name,Email,Email Opt Out\nAnn,ann@example.com,{cell}\n"))
    assert contacts_by_email(service)["ann@example.com"]["emailOptOut"] is flag


def test_yes_no_column_with_nonsense_is_a_row_error(run_import, write_csv):
    job = run_import(write_csv("leads.csv", "First Name,Email,Email Opt Out\nAnn,ann@example.com,maybe\n"))
    assert errors_of(job) == {2: "emailOptOut: expected true or false, not 'maybe'"}


def test_bounce_reason_column_means_bounced(run_import, write_csv, service):
    run_import(
        write_csv(
            "sf.csv", "FirstName,Email,EmailBouncedReason\nAnn,ann@example.com,550 mailbox full\nBob,bob@example.com,\n"
        )
    )
    people = contacts_by_email(service)
    assert people["ann@example.com"]["emailBounced"] is True and people["bob@example.com"]["emailBounced"] is False


def test_too_long_values_name_the_field(run_import, write_csv):
    job = run_import(write_csv("leads.csv", f"First Name,Email,Title\nAnn,ann@example.com,{'t' * 201}\n"))
    assert errors_of(job) == {2: "title: longer than 200 characters"}


def test_a_row_error_never_stops_the_job(run_import, write_csv):
    lines = ["First Name,Email"] + [f"P{n},{'bad' if n % 2 else f'p{n}@example.com'}" for n in range(200)]
    job = run_import(write_csv("leads.csv", "\n".join(lines) + "\n"))
    assert job["status"] == "complete" and job["successCount"] == 100 and job["errorCount"] == 100


def test_formula_quote_from_our_error_export_is_removed(run_import, write_csv, service):
    from parsalink_tui.csv_guard import MARKER

    # The marker line padded with commas, as a spreadsheet saves it again.
    run_import(write_csv(
        "fix.csv", f"{MARKER},,,\nerror,First Name,Email,Phone\nInvalid phone,Ann,ann@example.com,'+1 415 555 0134\n"
    ))
    assert contacts_by_email(service)["ann@example.com"]["phone"] == "+14155550134"
