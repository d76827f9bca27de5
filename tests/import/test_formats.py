"""Files as users bring them: every encoding and dialect, and the exports of the usual tools,
imported end to end through the job."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import CORPORA

from .conftest import contacts_by_email

pytestmark = pytest.mark.both_backends  # the same results on SQLite and PostgreSQL

CSVKIT = CORPORA / "encodings-and-dialects" / "csvkit-examples"
THUNDERBIRD = CORPORA / "exports" / "thunderbird-import-tests"

ROWS = "First Name,Last Name,Email,Title\nRenée,Müller,renee@example.com,Directrice – Ventes\nJosé,Núñez,jose@example.com,CTO\n"


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
     ("utf-16-be", codecs.BOM_UTF16_BE), ("cp1252", b""), ("latin-1", b"")],
)  # fmt: skip
def test_encodings(run_import, write_csv, service, encoding, prefix):
    text = ROWS if encoding != "latin-1" else ROWS.replace("–", "-")
    job = run_import(write_csv("leads.csv", prefix + text.encode(encoding)))
    assert job["status"] == "complete" and job["successCount"] == 2, job["errors"]
    people = contacts_by_email(service)
    assert people["renee@example.com"]["firstName"] == "Renée"
    assert people["renee@example.com"]["lastName"] == "Müller"
    assert people["jose@example.com"]["lastName"] == "Núñez"
    if encoding != "latin-1":
        assert people["renee@example.com"]["title"] == "Directrice – Ventes"


@pytest.mark.parametrize(
    "text",
    [
        ROWS.replace(",", ";"),                                  # Excel in comma-decimal locales
        "sep=;\n" + ROWS.replace(",", ";"),                       # Excel's sep= line
        ROWS.replace(",", "\t"),                                  # "Unicode text" / TSV
        ROWS.replace(",", "|"),
        ROWS.replace("\n", "\r\n"),                               # Windows
        ROWS.replace("\n", "\r"),                                 # classic Mac
        ('"First Name","Last Name","Email","Title"\n"Renée","Müller","renee@example.com","Directrice – Ventes"\n'
         '"José","Núñez","jose@example.com","CTO"\n'),            # everything quoted
    ],
    ids=["semicolon", "sep-line", "tab", "pipe", "crlf", "cr", "quoted"],
)  # fmt: skip
def test_dialects(run_import, write_csv, service, text):
    job = run_import(write_csv("leads.csv", text))
    assert job["successCount"] == 2 and job["errorCount"] == 0, job["errors"]
    assert contacts_by_email(service)["jose@example.com"]["title"] == "CTO"


def test_sep_line_counts_as_a_row(run_import, write_csv):
    job = run_import(write_csv("leads.csv", "sep=;\nFirst Name;Email\nAnn;bad\n"))
    assert job["errors"] == [{"row": 3, "message": "Invalid email format"}]


# --- exports of the usual tools (headers as they write them) ------------------------------------

EXPORTS = {
    "google-old.csv": (
        "Name,Given Name,Additional Name,Family Name,Yomi Name,Group Membership,E-mail 1 - Type,"
        "E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,Organization 1 - Title\n"
        "Ann Lee,Ann,,Lee,,* myContacts ::: Clients,* Work,ann@example.com ::: ann.lee@example.org,"
        "Mobile,+1 415 555 0134 ::: +1 415 555 0199,Acme,CTO\n"
    ),
    "google-new.csv": (
        "First Name,Middle Name,Last Name,Organization Name,Organization Title,Labels,E-mail 1 - Label,"
        "E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n"
        "Ann,,Lee,Acme,CTO,Clients ::: * starred,Work,ann@example.com,Mobile,(415) 555-0134\n"
    ),
    "outlook.csv": (
        "Title,First Name,Middle Name,Last Name,Suffix,Company,Department,Job Title,Business Phone,"
        "Mobile Phone,E-mail Address,E-mail 2 Address,Categories,Notes\n"
        "Dr.,Ann,,Lee,,Acme,R&D,CTO,,415.555.0134,ann@example.com,,Clients;VIP,Met at the fair\n"
    ),
    "linkedin.csv": (
        "Notes:\n"
        '"When exporting your connection data, you may notice that some of the email addresses are missing. '
        'You will only see email addresses for connections who have allowed their connections to see or download it."\n'
        "\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/ann,ann@example.com,Acme,CTO,01 Jan 2024\n"
    ),
    "mailchimp.csv": (
        "Email Address,First Name,Last Name,Phone Number,MEMBER_RATING,OPTIN_TIME,TAGS\n"
        'ann@example.com,Ann,Lee,+14155550134,2,2024-01-01 10:00:00,"""Clients"",""VIP"""\n'
    ),
    "hubspot.csv": (
        "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Job Title,Lifecycle Stage,"
        "Lead Status,Contact owner,Create Date\n"
        "101,Ann,Lee,ann@example.com,+1 (415) 555-0134,Acme,CTO,Sales Qualified Lead,Open,,2024-01-01\n"
    ),
    "salesforce.csv": (
        "Id,FirstName,LastName,Email,Phone,Title,AccountId,LeadSource,HasOptedOutOfEmail,EmailBouncedReason\n"
        "003xx,Ann,Lee,ann@example.com,(415) 555-0134,CTO,001xx,Web,1,\n"
    ),
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_exports_of_the_usual_tools(run_import, write_csv, service, name):
    job = run_import(write_csv(name, EXPORTS[name]))
    assert job["status"] == "complete" and job["errors"] == [], job["errors"]
    person = contacts_by_email(service)["ann@example.com"]
    assert (person["firstName"], person["lastName"]) == ("Ann", "Lee")
    if name != "mailchimp.csv":
        assert person["title"] == "CTO"
    if name != "linkedin.csv":
        assert person["phone"] == "+14155550134"
    expected_tags = {"google-old.csv": ["Clients"], "google-new.csv": ["Clients"],
                     "outlook.csv": ["Clients", "VIP"], "mailchimp.csv": ["Clients", "VIP"]}  # fmt: skip
    assert person["tags"] == expected_tags.get(name, [])
    if name == "hubspot.csv":
        assert person["stage"] == "engaged"  # Sales Qualified Lead
    if name == "salesforce.csv":
        assert person["emailOptOut"] is True and person["accountName"] is None
    if name == "outlook.csv":
        assert person["notes"] == "Met at the fair" and person["accountName"] == "Acme"


def test_rows_of_one_file_take_whichever_email_and_phone_column_they_fill(run_import, write_csv, service):
    """Outlook writes every phone and email column for every contact; each row fills different
    ones. Nothing a row holds is dropped: its first filled column (best-ranked first) is used."""
    job = run_import(write_csv("outlook-mixed.csv", (
        "First Name,Last Name,E-mail Address,E-mail 2 Address,Business Phone,Mobile Phone,Home Phone\n"
        "Olga,Out,olga@contoso.com,,,(415) 555-0101,\n"
        "Pat,Two,pat@contoso.com,,+44 20 7946 0958,(415) 555-0102,\n"
        "Quin,Three,,quin@personal.example,,,415-555-0103\n"
        "Rae,Four,,,,(415) 555-0104,\n"
    )))
    assert job["successCount"] == 3
    assert job["errors"] == [{"row": 5, "message": "Email is required"}]
    people = contacts_by_email(service)
    assert people["olga@contoso.com"]["phone"] == "+14155550101"  # only the mobile is filled
    assert people["pat@contoso.com"]["phone"] == "+442079460958"  # business outranks mobile
    assert people["quin@personal.example"]["phone"] == "+14155550103"  # second address, home phone


# --- the corpora in tests/data ---------------------------------------------------------------


def test_thunderbird_address_books_import_and_report_their_reserved_domains(run_import, service):
    # Thunderbird's fixtures use .invalid addresses, which email-validator refuses (special use).
    for name in ("basic_csv_addressbook.csv", "csv_semicolon.csv", "export.csv"):
        job = run_import(THUNDERBIRD / name)
        assert job["status"] == "complete" and job["totalRows"] == 2
        assert job["errors"] == [
            {"row": 2, "message": "Invalid email format"},
            {"row": 3, "message": "Invalid email format"},
        ]


@pytest.mark.parametrize(
    "name", ["test_utf8.csv", "test_utf8_bom.csv", "test_latin1.csv", "test_utf16_little.csv", "test_utf16_big.csv"]
)
def test_csvkit_encodings_with_a_mapping(run_import, service, name):
    """Headers a,b,c are nobody's export: map them, and every encoding reads the same rows."""
    first, second, third = ("foo", "bar", "baz") if "utf8" in name else ("a", "b", "c")
    job = run_import(CSVKIT / name, field_mappings={first: "email", second: "firstName", third: "lastName"})
    assert job["status"] == "complete" and job["totalRows"] == 2
    assert job["errors"] == [
        {"row": 2, "message": "Invalid email format"},
        {"row": 3, "message": "Invalid email format"},
    ]


def test_csvkit_mac_line_endings_and_preamble(run_import):
    job = run_import(CSVKIT / "mac_newlines.csv", field_mappings={"a": "email", "b": "firstName"})
    assert [e["row"] for e in job["errors"]] == [2, 3]  # "Once upon\ra time" stays one record
    job = run_import(CSVKIT / "test_skip_lines.csv", field_mappings={"a": "email", "b": "firstName"})
    assert job["errors"] == [{"row": 5, "message": "Invalid email format"}]


def test_csvkit_ragged_rows(run_import):
    job = run_import(CSVKIT / "bad.csv", field_mappings={"column_a": "email", "column_b": "firstName"})
    assert job["errors"] == [
        {"row": 2, "message": "row has 4 fields, the header has 3"},
        {"row": 3, "message": "row has 2 fields, the header has 3"},
        {"row": 4, "message": "Invalid email format"},
    ]
