"""vCard import: the fixtures under tests/data/vcard (hand-made in real exports' shapes) run as
jobs through the CSV path's rows, duplicates, source stamping and --on-duplicate."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from parsalink_tui.errors import ImportRefused
from parsalink_tui.importing.reading import MAX_FILE_BYTES
from parsalink_tui.importing.vcard import COLUMNS, logical_lines, open_vcard

from .conftest import contacts_by_email

pytestmark = pytest.mark.both_backends  # the same results on SQLite and PostgreSQL

DATA = Path(__file__).resolve().parents[1] / "data" / "vcard"


def fixture(name: str, tmp_path: Path, as_name: str | None = None) -> Path:
    path = tmp_path / (as_name or name)
    path.write_bytes((DATA / name).read_bytes())
    return path


def test_apple_contacts(run_import, service, tmp_path):
    job = run_import(fixture("apple-contacts.vcf", tmp_path))
    assert job["status"] == "complete" and job["totalRows"] == 3 and job["successCount"] == 3, job
    people = contacts_by_email(service)
    jorgen = people["jorgen@nordlys.example"]  # item1.EMAIL;type=pref beats the WORK address before it
    assert (jorgen["firstName"], jorgen["lastName"], jorgen["phone"]) == ("Jørgen", "Øster", "+4741234567")
    assert jorgen["accountName"] == "Nordlys AS" and jorgen["title"] == "Head of Partnerships"
    assert jorgen["tags"] == ["Trade Show", "VIP"]
    assert jorgen["notes"] == "Met at the Oslo fair, hall B.\nWants a demo in May."  # no PHOTO base64 anywhere
    company = people["hello@brightwave.example"]  # empty N: the FN is split as a CSV "Name" column is
    assert (company["firstName"], company["lastName"]) == ("Brightwave", "Studios")
    assert people["aiko.nakamura@kumo.example"]["notes"] == "Prefers email; no calls before 10."


def test_google_contacts_system_groups_and_a_card_without_email(run_import, service, tmp_path):
    job = run_import(fixture("google-contacts.vcf", tmp_path))
    assert job["successCount"] == 2
    assert job["errors"] == [{"row": 3, "message": "Email is required"}]  # row = the card's number
    sarah = contacts_by_email(service)["sarah.kim@techcorp.example"]  # no PREF: the first one wins
    assert sarah["tags"] == ["Customers"] and sarah["phone"] == "+15559876543"


def test_android_quoted_printable_soft_breaks_and_unescaped_commas(run_import, service, tmp_path):
    job = run_import(fixture("android-2.1.vcf", tmp_path))
    assert job["successCount"] == 2 and job["errors"] == []
    people = contacts_by_email(service)
    jorgen = people["jorgen.private@nordlys.example"]
    assert (jorgen["firstName"], jorgen["lastName"], jorgen["phone"]) == ("Jørgen", "Øster", "+4741234567")
    # vobject's own text decoding would keep "Kunde siden 2019" only (the part before the comma).
    assert jorgen["notes"] == "Kunde siden 2019, møtes på messen.\nRing før kl. 10."
    taro = people["taro.yamada@sakura.example"]  # EMAIL;WORK;PREF, though another follows
    assert (taro["firstName"], taro["lastName"]) == ("太郎", "山田")


def test_android_soft_line_break_in_the_middle_of_a_character():
    body = "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=B0=20=E5=A4=AA=E9=\n=83=8E\nEMAIL:t@x.example"
    assert logical_lines(body) == [
        "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=B1=B1=E7=94=B0=20=E5=A4=AA=E9=83=8E", "EMAIL:t@x.example"]


def test_outlook_windows_1252(run_import, service, tmp_path):
    job = run_import(fixture("outlook-2.1.vcf", tmp_path, "Jürgen Müller.vcf"))
    assert job["successCount"] == 1, job
    person = contacts_by_email(service)["juergen.mueller@contoso.example"]
    assert (person["firstName"], person["lastName"], person["title"]) == ("Jürgen", "Müller", "Einkäufer")
    assert person["phone"] == "+49301234567" and person["accountName"] == "Contoso GmbH"
    assert person["notes"] == "Grüße an das Team, bitte Angebot bis Freitag."


def test_khard_4_0_pref_and_tel_uri(run_import, service, tmp_path):
    job = run_import(fixture("khard-4.0.vcf", tmp_path, "khard.vcard"))
    assert job["successCount"] == 2
    people = contacts_by_email(service)
    amelie = people["amelie@durand-perso.example"]  # PREF=1 beats PREF=2 written first
    assert amelie["phone"] == "+33612345678" and amelie["tags"] == ["client", "paris"]
    assert people["lars@eriksson.example"]["phone"] == "+46701234567"


def test_carddav_dump_a_bad_card_is_one_row_error(run_import, service, tmp_path):
    job = run_import(fixture("carddav-dump.vcf", tmp_path))
    assert job["status"] == "complete" and job["totalRows"] == 6 and job["successCount"] == 2
    assert job["errors"] == [
        {"row": 2, "message": "card 2: cannot read the line 'THIS LINE HAS NO COLON'"},
        {"row": 3, "message": "Email is required"},
        {"row": 4, "message": "card 4: no END:VCARD before the next BEGIN:VCARD"},
        {"row": 6, "message": "card 6: the file ends inside this card (no END:VCARD)"},
    ]
    assert set(contacts_by_email(service)) == {"priya.raman@indigo.example", "tomasz.nowak@wisla.example"}


def test_duplicates_source_and_update(run_import, service, tmp_path):
    source = service.add_source("Phone export")
    first = run_import(fixture("apple-contacts.vcf", tmp_path), source_uid=source["uid"])
    assert first["sourceName"] == "Phone export"
    cid = contacts_by_email(service)["aiko.nakamura@kumo.example"]["id"]
    again = run_import(fixture("apple-contacts.vcf", tmp_path))
    assert again["successCount"] == 0
    assert [(d["row"], d["email"]) for d in again["duplicates"]] == [
        (1, "jorgen@nordlys.example"), (2, "hello@brightwave.example"), (3, "aiko.nakamura@kumo.example")]
    service.update_contact(cid, {"title": None, "tags": ["kept"]})
    run_import(fixture("apple-contacts.vcf", tmp_path), on_duplicate="update")
    aiko = service.get_contact(cid)
    assert aiko["title"] == "Product Designer" and aiko["tags"] == ["kept"]


def test_preview_shows_what_each_card_becomes(service, tmp_path):
    preview = service.preview_import(fixture("carddav-dump.vcf", tmp_path), rows=3)
    assert preview["format"] == "vcard" and preview["totalRows"] == 6 and preview["headerRow"] == 0
    assert preview["mapping"] == {name: name for name in COLUMNS}
    rows = preview["rows"]
    assert [r["row"] for r in rows] == [1, 2, 3]
    assert rows[0]["contact"]["email"] == "priya.raman@indigo.example" and rows[0]["error"] is None
    assert rows[1]["contact"] is None and rows[1]["error"].startswith("card 2: cannot read")
    assert rows[2]["error"] == "Email is required"
    # A column can be left out as in a CSV file: the owner or the notes, say.
    assert service.preview_import(fixture("carddav-dump.vcf", tmp_path), {"notes": None}, rows=1)["rows"][0][
        "contact"]["notes"] is None


def test_a_vcf_holding_something_else_fails_its_job(run_import, service, write_csv):
    path = write_csv("contacts.vcf", "First Name,Email\nAnn,ann@example.com\n")
    job = run_import(path)
    assert job["status"] == "failed"
    assert "no vCard (no BEGIN:VCARD line)" in job["errorMessage"] and "name it .csv" in job["errorMessage"]
    with pytest.raises(ImportRefused, match="no BEGIN:VCARD"):
        service.preview_import(path)
    png = write_csv("photo.vcf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert run_import(png)["errorMessage"].startswith("the file looks like a PNG image")


def test_vcf_refusals_are_the_csv_ones(service, write_csv, tmp_path):
    with pytest.raises(ImportRefused, match="the import limit is 10 MB"):
        service.start_import(write_csv("big.vcf", b"BEGIN:VCARD\n" + b"x" * MAX_FILE_BYTES), run=False)
    with pytest.raises(ImportRefused, match="is empty"):
        service.start_import(write_csv("empty.vcf", b""), run=False)
    with pytest.raises(ImportRefused, match=r"not a \.csv file, nor a vCard \(\.vcf, \.vcard\)"):
        service.start_import(write_csv("cards.txt", b"BEGIN:VCARD\nEND:VCARD\n"), run=False)
    with pytest.raises(ImportRefused, match="name it .vcf"):  # a vCard named .csv
        service.start_import(fixture("khard-4.0.vcf", tmp_path, "cards.csv"), run=False)


def test_errors_csv_of_a_vcard_job_reimports_as_csv(run_import, service, tmp_path):
    job = run_import(fixture("google-contacts.vcf", tmp_path))
    table = list(csv.reader(io.StringIO(service.import_errors_csv(job["uid"]).decode("utf-8-sig"))))
    assert table[1] == ["error", *COLUMNS]
    row = dict(zip(table[1], table[2]))
    assert row["error"] == "Email is required" and row["fullName"] == "No Address Person"
    table[2][table[1].index("email")] = "no.address@example.com"
    fixed = tmp_path / "fixed.csv"
    with fixed.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(table)
    assert run_import(fixed)["successCount"] == 1
    person = contacts_by_email(service)["no.address@example.com"]
    assert (person["firstName"], person["lastName"], person["phone"]) == ("No Address", "Person", "+15552013344")


def test_a_big_vcard_is_validated_in_the_second_process_with_the_same_rows(run_import, service, tmp_path):
    from parsalink_tui.importing.validate_process import worth_a_process

    cards = []
    for n in range(1, 2001):
        if n == 1500:
            cards.append("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bad\r\nNOT A LINE\r\nEND:VCARD\r\n")
            continue
        cards.append(f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Person {n};Test;;;\r\nFN:Test Person {n}\r\n"
                     f"EMAIL;TYPE=INTERNET:p{n}@cards.example\r\nTEL;TYPE=CELL:+1 415 555 {n % 10000:04d}\r\n"
                     f"CATEGORIES:bulk\r\nEND:VCARD\r\n")
    data = "".join(cards).encode()
    assert worth_a_process(data, 0)
    path = tmp_path / "many.vcf"
    path.write_bytes(data)
    job = run_import(path)
    assert job["successCount"] == 1999 and job["errors"] == [
        {"row": 1500, "message": "card 1500: cannot read the line 'NOT A LINE'"}]


def test_cli_import_start_wait_and_preview(tmp_path):
    db = tmp_path / "cli.db"
    path = fixture("khard-4.0.vcf", tmp_path)
    run = [sys.executable, "-m", "parsalink_tui", "--db", str(db), "import"]
    preview = subprocess.run([*run, "preview", str(path)], capture_output=True, text=True, check=True)
    assert json.loads(preview.stdout)["rows"][0]["contact"]["lastName"] == "Durand"
    done = subprocess.run([*run, "start", str(path), "--wait"], capture_output=True, text=True, check=True)
    job = json.loads(done.stdout)
    assert job["status"] == "complete" and job["successCount"] == 2


def test_a_value_that_mentions_begin_or_end_does_not_cut_the_card():
    source = open_vcard(b"BEGIN:VCARD\r\nNOTE:BEGIN:VCARD is how a card starts and\r\n END:VCARD\r\n"
                        b" ends it\r\nEMAIL:a@x.example\r\nEND:VCARD\r\n")  # a folded NOTE
    [(number, cells)] = list(source.records())
    assert number == 1 and cells[COLUMNS.index("email")] == "a@x.example"
    assert cells[COLUMNS.index("notes")] == "BEGIN:VCARD is how a card starts andEND:VCARDends it"  # unfolded


def test_quoted_printable_with_an_unknown_charset_or_in_lower_case():
    source = open_vcard(
        b"BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=x-mac-nonsense;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\n"
        b"NOTE;encoding=quoted-printable:caf=C3=A9=0D=0Asecond line\r\nEMAIL:j@x.example\r\nEND:VCARD\r\n"
    )  # fmt: skip
    [(_, cells)] = list(source.records())
    at = COLUMNS.index
    assert (cells[at("firstName")], cells[at("lastName")]) == ("Jürgen", "Müller")  # not UTF-8: Windows-1252
    assert cells[at("notes")] == "café\nsecond line"


def test_records_resume_after_a_card_number():
    source = open_vcard((DATA / "carddav-dump.vcf").read_bytes())
    assert [number for number, _ in source.records(start_after_row=3)] == [4, 5, 6]
    assert source.sample(2)[0][COLUMNS.index("email")] == "priya.raman@indigo.example"
