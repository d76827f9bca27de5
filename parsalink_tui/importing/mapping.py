"""Mapping CSV column headers to contact fields, and the per-cell conventions of real exports.

Exports name one thing many ways ("E-mail 1 - Value", "Email Address", "EMAIL", "email") and some
carry several columns for one field (E-mail / E-mail 2, Business / Mobile / Home Phone). Headers
are compared after :func:`normalize_header` (casefold, keep only letters and digits), and every
field has an alias list in priority order. Email and phone take every column that matches
(:data:`MULTI_COLUMN_FIELDS`): each row uses the first of them that is filled, best-ranked alias
first, so a contact whose business phone is empty keeps its mobile number and a row with only a
second address is still imported; a row never has two competing values. Every other field is
fed by one column: the highest-priority match (the rest are ignored, mapped to ``None``).

Pure functions, no I/O: the reader and the job runner call them, the TUI previews their output.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from parsalink_tui.errors import ImportRefused

#: The fields a column can be mapped to: the API's writable contact fields, plus "fullName",
#: a single "Name" column that the caller splits with :func:`split_full_name` when a row has
#: neither firstName nor lastName.
FIELDS: tuple[str, ...] = (
    "firstName",
    "lastName",
    "fullName",
    "email",
    "phone",
    "title",
    "stage",
    "accountName",
    "assignedTo",
    "tags",
    "notes",
    "emailOptOut",
    "emailBounced",
)

# Normalized aliases, best first. Sources: Google Contacts (old "Given Name"/"E-mail 1 - Value"
# format and the newer "First Name"/"Organization Name"/"Labels" one), Outlook, LinkedIn
# Connections, Mailchimp audience exports, HubSpot contact exports, Salesforce reports (labels)
# and Data Loader (API names), Thunderbird, and the reference's own camelCase names.
_ALIASES: dict[str, tuple[str, ...]] = {
    "firstName": ("firstname", "givenname", "first", "fname", "forename"),
    "lastName": ("lastname", "familyname", "surname", "last", "lname"),
    "fullName": ("fullname", "name", "contactname", "displayname"),
    "email": (
        "email", "emailaddress", "email1value", "primaryemail", "email1", "emailaddress1",
        "email1address", "workemail", "businessemail", "personalemail", "email2value",
        "email2address", "email2", "secondaryemail", "email3value", "email3address",
        "otheremail", "mail", "workemailaddress", "businessemailaddress", "primaryemailaddress",
        "personalemailaddress", "homeemail", "homeemailaddress", "otheremailaddress",
        "emailaddresses", "emails", "emailid", "mailaddress",
    ),
    "phone": (
        "phone", "phonenumber", "phone1value", "businessphone", "workphone", "mobilephone",
        "mobilephonenumber", "mobile", "mobilenumber", "cellphone", "cell", "primaryphone",
        "homephone", "telephone", "tel", "phone2value", "businessphone2", "homephone2",
        "otherphone", "companymainphone", "phone3value",
    ),
    # "jobtitle" outranks "title" because Outlook's "Title" column is the honorific (Mr., Dr.).
    "title": ("jobtitle", "title", "position", "organization1title", "organizationtitle", "role"),
    "stage": ("stage", "contactstage", "lifecyclestage", "leadstatus"),
    "accountName": (
        "accountname", "company", "companyname", "organization1name", "organizationname",
        "organization", "associatedcompany", "account", "employer",
    ),
    "assignedTo": (
        "assignedto", "assignee", "contactowner", "owner", "leadowner", "hubspotowner",
        "salesrep", "accountowner",
    ),
    "tags": ("tags", "tag", "labels", "groupmembership", "categories"),
    "notes": ("notes", "note", "description", "comments", "comment"),
    "emailOptOut": (
        "emailoptout", "hasoptedoutofemail", "optedoutofemail", "unsubscribedfromallemail",
        "emailoptedout", "unsubscribed", "donotemail", "optout",
    ),
    "emailBounced": (
        "emailbounced", "isemailbounced", "bounced", "emailbouncedreason", "emailbounceddate",
        "emailhardbouncereason",
    ),
}

# Columns that say "bounced" by holding a reason or a date rather than a yes/no: a non-empty
# cell means True (Salesforce EmailBouncedReason/EmailBouncedDate, HubSpot hard bounce reason).
_PRESENCE_MEANS_TRUE = frozenset(
    {"emailbouncedreason", "emailbounceddate", "emailhardbouncereason"}
)

#: Fields that every matching column feeds, the first filled one in each row (see RowMapper).
MULTI_COLUMN_FIELDS = frozenset({"email", "phone"})

# Fields where a lower-priority column may stand in for one empty in every sample row (see
# guess_mapping). Not "title": there the lower alias can mean something else (Outlook's Title).
_NO_DATA_FALLBACK = frozenset({"title"})

# Columns real exports carry that we deliberately ignore. They only help the reader recognise
# a header row; they never map to a field.
_KNOWN_OTHER = frozenset({
    "middlename", "additionalname", "nameprefix", "namesuffix", "nickname", "initials", "suffix",
    "url", "profileurl", "connectedon", "memberrating", "optintime", "optinip", "confirmtime",
    "confirmip", "latitude", "longitude", "gmtoff", "dstoff", "timezone", "cc", "region",
    "lastchanged", "leid", "euid", "birthday", "address", "city", "state", "zip", "zipcode",
    "postalcode", "country", "website", "webpage", "department", "leadsource", "createdate",
    "createddate", "lastactivitydate", "lastmodifieddate", "email1label", "email1type",
    "email2label", "phone1label", "phone1type", "phone2label", "fileas", "gender", "language",
    "fax", "businessfax", "homefax", "pager", "mailingstreet", "mailingcity", "mailingstate",
    "mailingzippostalcode", "mailingcountry", "recordid", "contactid", "id", "unsubtime",
    "cleantime", "unsubcampaigntitle", "unsubreason", "organization1department",
    "organizationdepartment", "emaildisplayname", "screenname", "homeaddress", "workaddress",
    # Salesforce ids of other records: never one of our users or accounts, so not mapped.
    "ownerid", "accountid",
})

_ALIAS_INDEX: dict[str, tuple[str, int]] = {
    alias: (field, rank)
    for field, aliases in _ALIASES.items()
    for rank, alias in enumerate(aliases)
}
assert len(_ALIAS_INDEX) == sum(map(len, _ALIASES.values())), "an alias is listed twice"

_NOT_WORD = re.compile(r"[\W_]+")


def normalize_header(header: str) -> str:
    """Casefold and keep letters and digits only, so "E-mail 1 - Value" == "email1value"."""
    return _NOT_WORD.sub("", header.casefold())


def guess_field(header: str) -> str | None:
    """The field one header name means on its own, ignoring competition from other columns."""
    hit = _ALIAS_INDEX.get(normalize_header(header))
    return hit[0] if hit else None


def is_known_header(header: str) -> bool:
    """True for a column name some real export uses (mapped or deliberately ignored)."""
    key = normalize_header(header)
    return key in _ALIAS_INDEX or key in _KNOWN_OTHER


def guess_mapping(
    headers: list[str], sample: Iterable[list[str]] | None = None
) -> dict[str, str | None]:
    """Map each header to a field or None (ignored).

    Email and phone get every column that matches (:data:`MULTI_COLUMN_FIELDS`); any other
    field gets at most one. Among several columns for one field the best-ranked alias wins.
    When no header names an email column, the sample picks one by its content
    (:func:`_email_column_by_content`). With ``sample`` (the first
    data rows, cells aligned with ``headers``), a column that is empty in every sample row
    yields to the next candidate that has data, because exports such as Outlook's carry all
    their columns whether used or not ("Primary Phone" is usually empty, "Mobile Phone" not).
    Headers should be unique, as :attr:`CsvSource.header` is; a repeated name keeps its first.
    """
    rows = [row for row in sample] if sample is not None else []
    candidates: dict[str, list[tuple[int, int, str]]] = {}
    for column, header in enumerate(headers):
        hit = _ALIAS_INDEX.get(normalize_header(header))
        if hit:
            candidates.setdefault(hit[0], []).append((hit[1], column, header))
    mapping: dict[str, str | None] = {}
    for header in headers:
        mapping.setdefault(header, None)
    for field, options in candidates.items():
        if field in MULTI_COLUMN_FIELDS:
            for _, _, header in options:
                mapping[header] = field
            continue
        options.sort()
        chosen = options[0]
        if rows and field not in _NO_DATA_FALLBACK:
            with_data = [
                option for option in options
                if any(len(row) > option[1] and row[option[1]].strip() for row in rows)
            ]
            if with_data:
                chosen = with_data[0]
        mapping[chosen[2]] = field
    if "email" not in candidates and rows:
        column = _email_column_by_content(headers, rows, mapping)
        if column is not None:
            mapping[column] = "email"
    return mapping


# Roughly an address: only to pick the column; each row's value is then validated for real.
_LOOKS_LIKE_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def _email_column_by_content(headers: list[str], rows: list[list[str]],
                             mapping: Mapping[str, str | None]) -> str | None:  # fmt: skip
    """A column no name matched that holds email addresses: of the unmapped columns, the one
    with the most sample cells that look like addresses, if at least 4 in 5 of its filled
    cells do ("Contact E-mail", "Correo electrónico", "Work Email Addr."). None if none does."""
    best: tuple[int, str] | None = None
    for column, header in enumerate(headers):
        if mapping.get(header) is not None:
            continue
        values = [first_value(row[column]) for row in rows if len(row) > column and row[column].strip()]
        hits = sum(1 for value in values if _LOOKS_LIKE_EMAIL.fullmatch(value))
        if hits and hits * 5 >= len(values) * 4 and (best is None or hits > best[0]):
            best = (hits, header)
    return best[1] if best else None


def apply_field_mappings(
    auto: Mapping[str, str | None],
    field_mappings: Mapping[str, Any] | str | None,
    headers: list[str],
) -> dict[str, str | None]:
    """Apply the user's overrides (header → field, or None/"" to ignore) to the automatic mapping.

    ``field_mappings`` may also be the API's JSON string. A header is found as written, or else
    ignoring case, spaces and punctuation when that names one column. Mapping a header to a field
    moves the field there: the columns the automatic mapping gave it become ignored (for email
    and phone too: name several headers to keep several; :class:`RowMapper` says which one a
    row uses). Raises :class:`ImportRefused` naming the bad entry: a header the file does not
    have, a field that does not exist, a non-string key or value, or two headers sent to one
    field (allowed for email and phone).
    """
    result: dict[str, str | None] = {header: auto.get(header) for header in headers}
    if field_mappings is None or field_mappings == "":
        return result
    if isinstance(field_mappings, str):
        try:
            field_mappings = json.loads(field_mappings)
        except ValueError as exc:
            raise ImportRefused(f"field_mappings is not valid JSON: {exc}") from None
    if not isinstance(field_mappings, Mapping):
        raise ImportRefused("field_mappings must be an object of CSV header → field name")
    overrides: dict[str, str | None] = {}
    claimed: dict[str, str] = {}
    for header, field in field_mappings.items():
        if not isinstance(header, str):
            raise ImportRefused(f"field_mappings: header {header!r} is not a string")
        if field is not None and not isinstance(field, str):
            raise ImportRefused(
                f"field_mappings: the field for {header!r} must be a string or null"
            )
        if header not in result:  # "correo" or "Correo " for the column "Correo", if only one is meant
            alike = [h for h in headers if normalize_header(h) == normalize_header(header)]
            if len(set(alike)) == 1 and normalize_header(header):
                header = alike[0]
        if header not in result:
            shown = ", ".join(repr(h) for h in headers[:12]) + (", …" if len(headers) > 12 else "")
            raise ImportRefused(
                f"field_mappings: the file has no column {header!r} (its columns: {shown})"
            )
        field = field or None
        if field is not None and field not in FIELDS:
            hint = next((f for f in FIELDS if normalize_header(f) == normalize_header(field)), None)
            advice = f"did you mean {hint!r}?" if hint else "use one of " + ", ".join(FIELDS)
            raise ImportRefused(
                f"field_mappings: {field!r} (for {header!r}) is not a field; {advice}"
            )
        if field is not None and field in claimed and field not in MULTI_COLUMN_FIELDS:
            raise ImportRefused(
                f"field_mappings: {claimed[field]!r} and {header!r} are both mapped to {field}"
            )
        if field is not None:
            claimed[field] = header
        overrides[header] = field
    for header, field in overrides.items():
        if field is not None:
            for other, other_field in result.items():
                if other_field == field and other not in overrides:
                    result[other] = None
        result[header] = field
    return result


def has_email_column(mapping: Mapping[str, str | None]) -> bool:
    """True when some column feeds "email", which every contact requires."""
    return "email" in mapping.values()


# Foreign pipeline vocabularies → our seven stages, keyed by normalize_header(value):
#
#   HubSpot lifecycle stage        subscriber, lead, other → new; marketingqualifiedlead (MQL)
#                                  → contacted (marketing has reached them, sales has not yet);
#                                  salesqualifiedlead (SQL) → engaged (a two-way sales
#                                  conversation); opportunity → proposal_sent (a deal is open);
#                                  customer, evangelist → customer
#   HubSpot lead status            new, open → new; attempted to contact → contacted;
#                                  connected, in progress → engaged; open deal → proposal_sent;
#                                  unqualified, bad timing → inactive
#   Salesforce lead status         Open - Not Contacted → new; Working - Contacted, Working →
#                                  contacted; Nurturing, Qualified → engaged; Closed - Converted
#                                  → customer; Closed - Not Converted, Unqualified → inactive
#   Salesforce opportunity stages  Proposal/Price Quote → proposal_sent; Negotiation/Review →
#                                  negotiation; Closed Won → customer; Closed Lost → inactive
#   ours                           each value and label maps to itself (new … inactive)
_STAGE_TABLE: dict[str, str] = {
    "subscriber": "new", "lead": "new", "other": "new",
    "marketingqualifiedlead": "contacted", "mql": "contacted",
    "salesqualifiedlead": "engaged", "sql": "engaged",
    "opportunity": "proposal_sent", "customer": "customer", "evangelist": "customer",
    "open": "new", "attemptedtocontact": "contacted", "connected": "engaged",
    "inprogress": "engaged", "opendeal": "proposal_sent", "unqualified": "inactive",
    "badtiming": "inactive",
    "opennotcontacted": "new", "workingcontacted": "contacted", "working": "contacted",
    "nurturing": "engaged", "qualified": "engaged", "closedconverted": "customer",
    "closednotconverted": "inactive",
    "proposalpricequote": "proposal_sent", "negotiationreview": "negotiation",
    "closedwon": "customer", "closedlost": "inactive",
    "new": "new", "contacted": "contacted", "engaged": "engaged", "proposalsent": "proposal_sent",
    "negotiation": "negotiation", "inactive": "inactive",
}


def translate_stage(value: str) -> str | None:
    """Our stage for a HubSpot/Salesforce pipeline value (table above), or None if unknown.

    Case, spaces and punctuation are ignored ("Marketing Qualified Lead", "marketingqualifiedlead"
    and "Closed - Not Converted" all work). None lets the caller report a row error.
    """
    return _STAGE_TABLE.get(normalize_header(value))


_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"})
_SURNAME_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "del", "della",
                                "la", "le", "du", "dos", "das", "bin", "ibn", "ter"})


def split_full_name(value: str) -> tuple[str, str]:
    """Split a single name cell into (first, last).

    "Mary Ann Smith" → ("Mary Ann", "Smith"); "Smith, John" → ("John", "Smith"); one word →
    (word, ""). Lower-case particles stay with the surname ("Ludwig van Beethoven" → ("Ludwig",
    "van Beethoven")) and a trailing suffix stays with it too ("John Smith Jr." → ("John",
    "Smith Jr.")), because that is how people file those names.
    """
    text = " ".join(value.split())
    if "," in text:
        before, _, after = text.partition(",")
        before, after = before.strip(), after.strip()
        if after and normalize_header(after) not in _NAME_SUFFIXES:
            return after, before
        text = f"{before} {after}".strip()
    words = text.split(" ") if text else []
    if len(words) < 2:
        return (words[0] if words else ""), ""
    start = len(words) - 1
    if len(words) > 2 and normalize_header(words[-1]) in _NAME_SUFFIXES:
        start -= 1
    while start > 1 and words[start - 1] in _SURNAME_PARTICLES:
        start -= 1
    return " ".join(words[:start]), " ".join(words[start:])


def first_value(cell: str) -> str:
    """The first non-empty value of a Google multi-value cell ("a ::: b" → "a"), stripped."""
    for part in cell.split(":::"):
        part = part.strip()
        if part:
            return part
    return ""


_GOOGLE_SYSTEM_GROUPS = frozenset({"mycontacts", "starred"})
_TAG_SEPARATORS = re.compile(r"[;,]")


def is_google_system_group(tag: str) -> bool:
    """Google's own groups on every contact ("myContacts", "* starred"), not the user's labels."""
    tag = tag.strip()
    return normalize_header(tag[2:] if tag.startswith("* ") else tag) in _GOOGLE_SYSTEM_GROUPS


def split_tags(value: str) -> list[str]:
    """Tag names from one tags cell, in order, without duplicates (case-insensitive).

    Google's "* myContacts ::: Friends" splits on ":::" and drops the system groups
    ("* myContacts", "* starred"; other "* X" groups keep their name X); Outlook's
    "Business;VIP" splits on ";"; Mailchimp's '"Tag A","Tag B"' is read as a CSV line;
    anything else splits on commas. Normalising tag text is validation's job, not this one's.
    """
    value = value.strip()
    if not value:
        return []
    if ":::" in value:
        parts = value.split(":::")
    elif value.startswith('"'):
        parts = next(csv.reader([value], skipinitialspace=True), [])
    else:
        parts = _TAG_SEPARATORS.split(value)
    tags: list[str] = []
    seen: set[str] = set()
    for part in parts:
        tag = part.strip().strip('"').strip()
        if tag.startswith("* "):
            if is_google_system_group(tag):
                continue
            tag = tag[2:].strip()
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags


class RowMapper:
    """Turns a record's cells into {field: text} for the mapped fields.

    Built once per import from the final mapping. Cells are stripped; a short row gives ""
    for the missing cells (the caller reports the width error separately). email and phone
    take the first value of a Google multi-value cell, from the first of their columns that is
    filled in the row: columns named like a known export's by that name's rank (E-mail before
    E-mail 2, Business Phone before Mobile Phone), then any others left to right; an
    emailBounced column that holds a reason or date becomes "true" when non-empty. fullName,
    stage and tags are left as text: the caller applies split_full_name, translate_stage and
    split_tags.
    """

    def __init__(self, mapping: Mapping[str, str | None], headers: list[str]) -> None:
        position: dict[str, int] = {}
        for index, header in enumerate(headers):
            position.setdefault(header, index)
        self.columns: dict[str, list[int]] = {}
        for header, field in mapping.items():
            if field is not None:
                self.columns.setdefault(field, []).append(position[header])
        for field, indexes in self.columns.items():
            indexes.sort(key=lambda index, field=field: (_rank(headers[index], field), index))
        self._plan = [
            (field, indexes[0], field in MULTI_COLUMN_FIELDS, tuple(indexes[1:]),
             normalize_header(headers[indexes[0]]) in _PRESENCE_MEANS_TRUE and field == "emailBounced")
            for field, indexes in self.columns.items()
        ]

    def __call__(self, cells: list[str]) -> dict[str, str]:
        """Map one record; never raises for ragged rows."""
        width = len(cells)
        row: dict[str, str] = {}
        for field, index, multi, others, presence in self._plan:
            text = cells[index].strip() if index < width else ""
            if multi:
                text = first_value(text)
                for other in others:
                    if text:
                        break
                    if other < width:
                        text = first_value(cells[other])
            if presence:
                text = "true" if text else ""
            row[field] = text
        return row


def _rank(header: str, field: str) -> int:
    """How good an alias of ``field`` the header is (0 best); unknown headers rank last."""
    hit = _ALIAS_INDEX.get(normalize_header(header))
    return hit[1] if hit is not None and hit[0] == field else len(_ALIAS_INDEX)
