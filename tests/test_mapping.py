"""Header → field mapping for real export formats, user overrides, and cell conventions."""

from __future__ import annotations

import pytest

from parsalink_tui.errors import ImportRefused
from parsalink_tui.importing.mapping import (
    FIELDS,
    RowMapper,
    apply_field_mappings,
    first_value,
    guess_field,
    guess_mapping,
    has_email_column,
    is_known_header,
    normalize_header,
    split_full_name,
    split_tags,
    translate_stage,
)
from parsalink_tui.importing.reading import open_csv


def mapped(mapping: dict[str, str | None]) -> dict[str, str]:
    """Only the columns that feed a field."""
    return {header: field for header, field in mapping.items() if field is not None}


def test_fields_are_the_writable_contact_fields_plus_full_name() -> None:
    assert set(FIELDS) == {
        "firstName", "lastName", "fullName", "email", "phone", "title", "stage", "accountName",
        "assignedTo", "tags", "notes", "emailOptOut", "emailBounced",
    }


# --- real export headers ----------------------------------------------------------------------

GOOGLE_OLD = [
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Name Prefix",
    "Name Suffix", "Nickname", "Birthday", "Notes", "Group Membership", "E-mail 1 - Type",
    "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value",
    "Phone 2 - Type", "Phone 2 - Value", "Organization 1 - Type", "Organization 1 - Name",
    "Organization 1 - Title", "Organization 1 - Department",
]

GOOGLE_NEW = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Last Name",
    "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name",
    "Organization Title", "Organization Department", "Birthday", "Notes", "Photo", "Labels",
    "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
    "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
]

OUTLOOK = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Nickname", "E-mail Address",
    "E-mail 2 Address", "E-mail 3 Address", "Home Phone", "Home Phone 2", "Business Phone",
    "Business Phone 2", "Mobile Phone", "Other Phone", "Primary Phone", "Pager", "Business Fax",
    "Company Main Phone", "Job Title", "Department", "Company", "Office Location", "Categories",
    "Notes", "Web Page",
]

LINKEDIN = [
    "First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On",
]

MAILCHIMP = [
    "Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday",
    "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP", "LATITUDE",
    "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID",
    "NOTES", "TAGS",
]

HUBSPOT = [
    "Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
    "Job Title", "Company Name", "Lifecycle Stage", "Lead Status", "Contact owner",
    "Create Date", "Associated Company", "Unsubscribed from all email",
]

SALESFORCE_REPORT = [
    "Contact Owner", "Salutation", "First Name", "Last Name", "Title", "Account Name",
    "Mailing City", "Phone", "Mobile", "Email", "Email Opt Out", "Lead Source", "Description",
    "Email Bounced Reason", "Email Bounced Date",
]

SALESFORCE_API = [
    "Id", "FirstName", "LastName", "Email", "Phone", "MobilePhone", "Title", "AccountId",
    "OwnerId", "HasOptedOutOfEmail", "IsEmailBounced", "EmailBouncedReason", "Description",
]

REFERENCE = [
    "firstName", "lastName", "email", "phone", "title", "stage", "accountName", "assignedTo",
    "tags", "notes", "emailOptOut", "emailBounced",
]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (GOOGLE_OLD, {
            "Name": "fullName", "Given Name": "firstName", "Family Name": "lastName",
            "Notes": "notes", "Group Membership": "tags", "E-mail 1 - Value": "email",
            "Phone 1 - Value": "phone", "Organization 1 - Name": "accountName",
            "Organization 1 - Title": "title", "E-mail 2 - Value": "email", "Phone 2 - Value": "phone",
        }),
        (GOOGLE_NEW, {
            "First Name": "firstName", "Last Name": "lastName",
            "Organization Name": "accountName", "Organization Title": "title", "Notes": "notes",
            "Labels": "tags", "E-mail 1 - Value": "email", "Phone 1 - Value": "phone",
            "E-mail 2 - Value": "email", "Phone 2 - Value": "phone",
        }),
        (OUTLOOK, {
            "First Name": "firstName", "Last Name": "lastName", "E-mail Address": "email",
            "Business Phone": "phone", "Job Title": "title", "Company": "accountName",
            "Categories": "tags", "Notes": "notes",
            # every email and phone column: each row takes the first one it fills
            "E-mail 2 Address": "email", "E-mail 3 Address": "email", "Home Phone": "phone",
            "Home Phone 2": "phone", "Business Phone 2": "phone", "Mobile Phone": "phone",
            "Other Phone": "phone", "Primary Phone": "phone", "Company Main Phone": "phone",
        }),
        (LINKEDIN, {
            "First Name": "firstName", "Last Name": "lastName", "Email Address": "email",
            "Company": "accountName", "Position": "title",
        }),
        (MAILCHIMP, {
            "Email Address": "email", "First Name": "firstName", "Last Name": "lastName",
            "Phone Number": "phone", "NOTES": "notes", "TAGS": "tags",
        }),
        (HUBSPOT, {
            "First Name": "firstName", "Last Name": "lastName", "Email": "email",
            "Phone Number": "phone", "Job Title": "title", "Company Name": "accountName",
            "Lifecycle Stage": "stage", "Contact owner": "assignedTo",
            "Unsubscribed from all email": "emailOptOut", "Mobile Phone Number": "phone",
        }),
        (SALESFORCE_REPORT, {
            "Contact Owner": "assignedTo", "First Name": "firstName", "Last Name": "lastName",
            "Title": "title", "Account Name": "accountName", "Phone": "phone", "Email": "email",
            "Email Opt Out": "emailOptOut", "Description": "notes",
            "Email Bounced Reason": "emailBounced", "Mobile": "phone",
        }),
        (SALESFORCE_API, {
            "FirstName": "firstName", "LastName": "lastName", "Email": "email", "Phone": "phone",
            "Title": "title", "HasOptedOutOfEmail": "emailOptOut",
            "IsEmailBounced": "emailBounced", "Description": "notes", "MobilePhone": "phone",
        }),
        (REFERENCE, {name: name for name in REFERENCE}),
    ],
    ids=["google-old", "google-new", "outlook", "linkedin", "mailchimp", "hubspot",
         "salesforce-report", "salesforce-api", "reference"],
)
def test_guess_mapping_for_real_exports(headers: list[str], expected: dict[str, str]) -> None:
    mapping = guess_mapping(headers)
    assert list(mapping) == headers
    assert mapped(mapping) == expected
    assert has_email_column(mapping)


def test_second_columns_feed_email_and_phone_but_no_other_field() -> None:
    mapping = guess_mapping(GOOGLE_OLD)
    assert mapping["E-mail 2 - Value"] == "email" and mapping["Phone 2 - Value"] == "phone"
    outlook = guess_mapping(OUTLOOK)
    for other in ("E-mail 2 Address", "Mobile Phone", "Home Phone", "Primary Phone"):
        assert outlook[other] in ("email", "phone"), other
    assert outlook["Title"] is None  # Outlook's honorific; "Job Title" is the title
    assert guess_mapping(["Email", "Company", "Organization"])["Organization"] is None


def test_each_row_takes_its_first_filled_email_and_phone_column() -> None:
    headers = ["Mobile Phone", "E-mail Address", "Business Phone", "E-mail 2 Address", "Notes"]
    mapper = RowMapper(guess_mapping(headers), headers)
    # Business Phone outranks Mobile Phone although it comes later in the file.
    assert mapper(["+1 415 555 0101", "a@x.example", "+44 20 7946 0958", "", "n"]) == {
        "phone": "+44 20 7946 0958", "email": "a@x.example", "notes": "n"}
    assert mapper(["+1 415 555 0101", "", "", "b@y.example ::: c@y.example", ""]) == {
        "phone": "+1 415 555 0101", "email": "b@y.example", "notes": ""}
    assert mapper(["", " ::: ", "  ", "", ""]) == {"phone": "", "email": "", "notes": ""}
    assert mapper(["+1 415 555 0101"]) == {"phone": "+1 415 555 0101", "email": "", "notes": ""}  # ragged


def test_hubspot_lead_status_yields_to_lifecycle_stage_and_owner_ids_are_not_users() -> None:
    assert guess_mapping(HUBSPOT)["Lead Status"] is None
    assert guess_mapping(["Email", "Lead Status"])["Lead Status"] == "stage"
    assert guess_mapping(SALESFORCE_API)["OwnerId"] is None


def test_matching_ignores_case_spaces_and_punctuation() -> None:
    for header in ("E-MAIL ADDRESS", "email_address", " Email  Address ", "EmailAddress"):
        assert guess_field(header) == "email", header
    assert guess_field("first_name") == guess_field("FIRST NAME") == "firstName"
    assert normalize_header("E-mail 1 - Value") == "email1value"
    assert guess_field("E-mail 1 - Label") is None
    assert guess_field("Favourite colour") is None


def test_known_headers_include_ignored_export_columns() -> None:
    assert is_known_header("Connected On") and is_known_header("MEMBER_RATING")
    assert is_known_header("Email")
    assert not is_known_header("a") and not is_known_header("Notes: see below please")


def test_sample_lets_a_filled_column_stand_in_for_an_empty_one() -> None:
    headers = ["Email", "E-mail 2 Address", "Business Phone", "Mobile Phone", "Title",
               "Job Title"]
    sample = [
        ["", "second@example.com", "", "+1 415 555 0100", "Dr.", ""],
        ["", "", "", "", "Mr.", ""],
    ]
    mapping = guess_mapping(headers, sample)
    assert mapped(mapping) == {
        "Email": "email", "E-mail 2 Address": "email", "Business Phone": "phone",
        "Mobile Phone": "phone", "Job Title": "title",
    }
    headers = ["Email", "Company", "Organization", "Title", "Job Title"]
    sample = [["a@x.example", "", "Acme", "Dr.", ""]]
    assert mapped(guess_mapping(headers, sample)) == {
        "Email": "email", "Organization": "accountName", "Job Title": "title",
    }
    # Without data the ranking alone decides.
    assert mapped(guess_mapping(headers)) == {
        "Email": "email", "Company": "accountName", "Job Title": "title",
    }


def test_duplicate_header_names_keep_the_first() -> None:
    mapping = guess_mapping(["Email", "Email"])
    assert mapping == {"Email": "email"}


def test_no_email_column() -> None:
    assert not has_email_column(guess_mapping(["First Name", "Last Name", "Phone"]))


# --- user overrides ---------------------------------------------------------------------------

HEADERS = ["First Name", "Last Name", "E-mail Address", "Work Mail", "Favourite colour"]


def test_override_maps_an_unknown_header_and_moves_the_field() -> None:
    auto = guess_mapping(HEADERS)
    assert auto["E-mail Address"] == "email" and auto["Work Mail"] is None
    result = apply_field_mappings(auto, {"Work Mail": "email"}, HEADERS)
    assert result["Work Mail"] == "email"
    assert result["E-mail Address"] is None
    assert result["First Name"] == "firstName"
    # The same for a field read from several columns: the user's columns replace the detected ones.
    google = ["E-mail 1 - Value", "E-mail 2 - Value", "Notes"]
    assert apply_field_mappings(guess_mapping(google), {"E-mail 2 - Value": "email"}, google) == {
        "E-mail 1 - Value": None, "E-mail 2 - Value": "email", "Notes": "notes"}
    assert apply_field_mappings(guess_mapping(google), {"E-mail 1 - Value": None}, google) == {
        "E-mail 1 - Value": None, "E-mail 2 - Value": "email", "Notes": "notes"}


def test_override_to_none_or_empty_string_ignores_a_column() -> None:
    auto = guess_mapping(HEADERS)
    result = apply_field_mappings(auto, {"First Name": None, "Last Name": ""}, HEADERS)
    assert result["First Name"] is None and result["Last Name"] is None
    assert auto["First Name"] == "firstName", "the automatic mapping is not modified"


def test_overrides_may_swap_fields() -> None:
    auto = guess_mapping(HEADERS)
    result = apply_field_mappings(
        auto, {"First Name": "lastName", "Last Name": "firstName"}, HEADERS
    )
    assert result["First Name"] == "lastName" and result["Last Name"] == "firstName"


def test_overrides_may_send_several_columns_to_email_or_phone() -> None:
    auto = guess_mapping(HEADERS)
    result = apply_field_mappings(auto, {"Work Mail": "email", "Favourite colour": "email"}, HEADERS)
    assert mapped(result) == {"First Name": "firstName", "Last Name": "lastName", "Work Mail": "email",
                              "Favourite colour": "email"}  # the user's columns replace the automatic one
    mapper = RowMapper(result, HEADERS)  # neither is a known export name: left to right
    assert mapper(["A", "B", "x@auto.example", "", "c@colour.example"])["email"] == "c@colour.example"
    assert mapper(["A", "B", "", "w@work.example", "c@colour.example"])["email"] == "w@work.example"


def test_overrides_as_json_string_and_none() -> None:
    auto = guess_mapping(HEADERS)
    assert apply_field_mappings(auto, None, HEADERS) == auto
    result = apply_field_mappings(auto, '{"Favourite colour": "notes"}', HEADERS)
    assert result["Favourite colour"] == "notes"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Colour": "notes"}, "no column 'Colour'"),
        ({"Work Mail": "emial"}, "'emial' .*is not a field"),
        ({"Work Mail": "first_name"}, "did you mean 'firstName'"),
        ({"Work Mail": 3}, "must be a string or null"),
        ({"Work Mail": "notes", "Favourite colour": "notes"}, "both mapped to notes"),
        ("{not json", "not valid JSON"),
        ('["Work Mail"]', "must be an object"),
    ],
)
def test_bad_overrides_are_refused_with_the_name(overrides: object, message: str) -> None:
    auto = guess_mapping(HEADERS)
    with pytest.raises(ImportRefused, match=message):
        apply_field_mappings(auto, overrides, HEADERS)  # type: ignore[arg-type]


# --- stages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stage"),
    [
        ("subscriber", "new"), ("lead", "new"), ("Lead", "new"),
        ("marketingqualifiedlead", "contacted"), ("Marketing Qualified Lead", "contacted"),
        ("salesqualifiedlead", "engaged"), ("opportunity", "proposal_sent"),
        ("customer", "customer"), ("evangelist", "customer"), ("other", "new"),
        ("ATTEMPTED_TO_CONTACT", "contacted"), ("IN_PROGRESS", "engaged"),
        ("OPEN_DEAL", "proposal_sent"), ("BAD_TIMING", "inactive"),
        ("Open - Not Contacted", "new"), ("Working - Contacted", "contacted"),
        ("Closed - Converted", "customer"), ("Closed - Not Converted", "inactive"),
        ("Closed Won", "customer"), ("Negotiation/Review", "negotiation"),
        ("Proposal Sent", "proposal_sent"), ("proposal_sent", "proposal_sent"),
        ("inactive", "inactive"),
    ],
)
def test_translate_stage(value: str, stage: str) -> None:
    assert translate_stage(value) == stage


@pytest.mark.parametrize("value", ["", "VIP", "warm-ish", "closed"])
def test_translate_stage_unknown(value: str) -> None:
    assert translate_stage(value) is None


# --- cell conventions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mary Ann Smith", ("Mary Ann", "Smith")),
        ("Smith, John", ("John", "Smith")),
        ("Smith,  John  A.", ("John A.", "Smith")),
        ("Cher", ("Cher", "")),
        ("  Ada   Lovelace ", ("Ada", "Lovelace")),
        ("Ludwig van Beethoven", ("Ludwig", "van Beethoven")),
        ("Maria de la Cruz", ("Maria", "de la Cruz")),
        ("John Smith Jr.", ("John", "Smith Jr.")),
        ("John Smith, Jr.", ("John", "Smith Jr.")),
        ("Van Morrison", ("Van", "Morrison")),
        ("", ("", "")),
    ],
)
def test_split_full_name(value: str, expected: tuple[str, str]) -> None:
    assert split_full_name(value) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("a@example.com ::: b@example.com", "a@example.com"),
        (" +1 415 555 0100 ", "+1 415 555 0100"),
        (" ::: b@example.com", "b@example.com"),
        ("", ""),
    ],
)
def test_first_value(cell: str, expected: str) -> None:
    assert first_value(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("* myContacts ::: Friends", ["Friends"]),
        ("* myContacts ::: * starred ::: Clients ::: VIP", ["Clients", "VIP"]),
        ("* friends ::: Golf", ["friends", "Golf"]),
        ("Business;VIP;business", ["Business", "VIP"]),
        ('"Customer","Smith, Inc"', ["Customer", "Smith, Inc"]),
        ("saas, inbound", ["saas", "inbound"]),
        ("   ", []),
    ],
)
def test_split_tags(cell: str, expected: list[str]) -> None:
    assert split_tags(cell) == expected


# --- from bytes to mapped rows ----------------------------------------------------------------


def test_google_file_to_mapped_rows() -> None:
    data = (
        b"Name,Given Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value,"
        b"Phone 1 - Type,Phone 1 - Value,Organization 1 - Name,Organization 1 - Title\r\n"
        b"Ada Lovelace,Ada,Lovelace,* myContacts ::: Friends,* Work,"
        b"ada@example.com ::: ada@home.example,Mobile,+44 20 7946 0018 ::: +44 20 7946 0019,"
        b"Analytical Engines,Programmer\r\n"
        b"Grace Hopper,,,* myContacts,,grace@example.com,,,,\r\n"
    )
    source = open_csv(data)
    mapping = guess_mapping(source.header, source.sample())
    row_of = RowMapper(mapping, source.header)
    rows = [(number, row_of(cells)) for number, cells in source.records()]
    assert rows[0] == (2, {
        "fullName": "Ada Lovelace", "firstName": "Ada", "lastName": "Lovelace",
        "tags": "* myContacts ::: Friends", "email": "ada@example.com",
        "phone": "+44 20 7946 0018", "accountName": "Analytical Engines", "title": "Programmer",
    })
    assert rows[1][0] == 3 and rows[1][1]["firstName"] == "" and rows[1][1]["email"] == (
        "grace@example.com"
    )
    assert split_tags(rows[0][1]["tags"]) == ["Friends"]
    assert split_full_name(rows[1][1]["fullName"]) == ("Grace", "Hopper")


def test_salesforce_bounce_reason_means_bounced_and_short_rows_give_empty() -> None:
    headers = ["First Name", "Email", "Email Bounced Reason", "Lead Status"]
    row_of = RowMapper(guess_mapping(headers), headers)
    assert row_of(["Ann", "ann@example.com", "550 mailbox unavailable", "Working - Contacted"]) == {
        "firstName": "Ann", "email": "ann@example.com", "emailBounced": "true",
        "stage": "Working - Contacted",
    }
    assert row_of(["Bob", " bob@example.com "]) == {
        "firstName": "Bob", "email": "bob@example.com", "emailBounced": "", "stage": "",
    }
    assert row_of.columns == {"firstName": [0], "email": [1], "emailBounced": [2], "stage": [3]}


def test_row_mapper_follows_user_overrides() -> None:
    headers = ["Name", "Work Mail", "E-mail Address"]
    mapping = apply_field_mappings(guess_mapping(headers), {"Work Mail": "email"}, headers)
    row_of = RowMapper(mapping, headers)
    assert row_of(["Ann Lee", "ann@work.example", "ann@home.example"]) == {
        "fullName": "Ann Lee", "email": "ann@work.example",
    }


def test_email_column_by_content_only_when_no_name_matches() -> None:
    headers = ["Who", "Email Domain", "Contacto", "Otro"]
    rows = [["Ana", "example.com", "ana@example.com", "ana@example.com"],
            ["Bea", "example.org", "bea@example.org", "nada"],
            ["Cy", "example.net", "", "cy@example.net"]]
    # "Contacto": 2 of 2 filled cells are addresses; "Otro" only 2 of 3; the domains have no "@".
    assert guess_mapping(headers, rows)["Contacto"] == "email"
    assert mapped(guess_mapping(headers, rows)) == {"Contacto": "email"}
    assert mapped(guess_mapping(headers)) == {}  # no sample, no guess
    # A column some name already maps to email wins; content is not consulted.
    assert mapped(guess_mapping(["E-mail", "Contacto"], [["", "a@example.com"]])) == {"E-mail": "email"}


def test_override_headers_match_ignoring_case_and_spaces_when_unambiguous() -> None:
    headers = ["Correo", "E-mail", "E mail"]
    auto = guess_mapping(headers)
    assert apply_field_mappings(auto, {"correo ": "notes"}, headers)["Correo"] == "notes"
    assert apply_field_mappings(auto, {"CORREO": None, "E-mail": "email"}, headers)["Correo"] is None
    with pytest.raises(ImportRefused, match="no column 'email'"):  # "E-mail" and "E mail": which one?
        apply_field_mappings(auto, {"email": "notes"}, headers)
