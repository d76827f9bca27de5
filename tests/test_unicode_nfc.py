"""Text is stored in Unicode NFC and queries are normalised the same way: a name written
decomposed ("e" + U+0301, as macOS exports write it) is found by "é", and the other way round."""

from __future__ import annotations

import unicodedata

import pytest

from parsalink_tui.validation import clean_text, normalize_tags, strip_control

from .conftest import make_contact
from .import_helpers import run_csv_import

DECOMPOSED = "Rene\u0301e Be\u0301ranger"
COMPOSED = "Renée Béranger"


def names(result: dict) -> set[str]:
    return {f"{c['firstName']} {c['lastName']}" for c in result["results"]}


@pytest.mark.parametrize("keep_newlines", [False, True])
def test_cleaned_text_is_nfc(keep_newlines: bool) -> None:
    assert strip_control(" Rene\u0301e\x1b ", keep_newlines=keep_newlines) == "Renée"
    assert strip_control("Rene\u0301e", keep_newlines=keep_newlines) == "Renée"
    assert clean_text("A\u030a", "title") == "Å"
    assert normalize_tags(["cafe\u0301", "café"]) == ["café"]  # one tag, not two


def test_a_decomposed_name_is_stored_nfc_and_found_both_ways(service) -> None:
    first, last = DECOMPOSED.split()
    made = make_contact(service, firstName=first, lastName=last, title="Directrice ge\u0301ne\u0301rale",
                        tags=["pre\u0301vu"], accountName="Socie\u0301te\u0301")
    assert (made["firstName"], made["lastName"]) == tuple(COMPOSED.split())
    assert unicodedata.is_normalized("NFC", made["title"]) and made["tags"] == ["prévu"]
    for query in ("é", "Renée", "Béranger", "Rene\u0301e", "e\u0301", "Renée Béranger"):
        assert names(service.list_contacts(search=query)) == {COMPOSED}, query
    assert service.list_contacts(tags="pre\u0301vu")["count"] == 1
    assert made["accountName"] == "Société"
    again = make_contact(service, email="other@example.com", accountName="Société")
    assert again["accountId"] == made["accountId"]  # the same account, not a second one


def test_an_import_stores_nfc_too(service, tmp_path) -> None:
    first, last = DECOMPOSED.split()
    job = run_csv_import(service, tmp_path, f"First Name,Last Name,Email,Title\n{first},{last},r@example.com,Ge\u0301rante\n")
    assert job["successCount"] == 1
    person = service.list_contacts(search="é")["results"][0]
    assert (person["firstName"], person["lastName"], person["title"]) == ("Renée", "Béranger", "Gérante")
