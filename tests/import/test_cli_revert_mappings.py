"""``import revert`` and ``import mappings``, and ``--saved-mapping`` on start and preview."""

from __future__ import annotations

import json

from . import test_cli_import
from .test_cli_import import ok_json

cli = test_cli_import.cli  # the in-process CLI fixture


# A CRM export whose columns the guesser cannot place: "Contact" holds emails, "Handle" names.
ODD = "Contact,Handle,Extra\nann@example.com,Ann,x\nbob@example.com,Bob,y\n"
CHOSEN = '{"Contact": "email", "Handle": "firstName", "Extra": null}'


def test_revert_from_the_cli(cli, write_csv):
    job = ok_json(cli("import", "start", "--wait", "--field-mappings", CHOSEN, str(write_csv("a.csv", ODD))))
    assert job["successCount"] == 2
    done = ok_json(cli("import", "revert", job["uid"]))
    assert done["revert"]["deleted"] == 2 and done["revertedAt"]
    assert ok_json(cli("contacts", "list"))["count"] == 0

    code, out, err = cli("import", "revert", job["uid"])
    assert code == 1 and not out and err.startswith("error: import job") and "already reverted" in err
    assert "Traceback" not in err


def test_revert_of_an_unknown_or_queued_job_is_one_line(cli, write_csv):
    code, _, err = cli("import", "revert", "nope")
    assert code == 1 and err.strip() == "error: import job not found: nope"
    queued = ok_json(cli("import", "start", str(write_csv("q.csv", ODD)), "--field-mappings", CHOSEN))
    code, _, err = cli("import", "revert", queued["uid"])
    if code != 0:  # the detached worker may already have finished it; if not, a clear refusal
        assert code == 1 and "only a complete import can be reverted" in err and "\n" not in err.strip()


def test_a_mapping_chosen_once_is_used_again_only_when_asked(cli, write_csv):
    first = write_csv("march.csv", ODD)
    ok_json(cli("import", "start", "--wait", "--field-mappings", CHOSEN, str(first)))
    saved = ok_json(cli("import", "mappings", "list"))
    assert len(saved) == 1 and saved[0]["mapping"] == json.loads(CHOSEN) and saved[0]["filename"] == "march.csv"

    april = write_csv("april.csv", "contact , HANDLE,Extra\ncy@example.com,Cy,z\n")  # same columns, other spelling
    # Without --saved-mapping a script's import is what it always was: "Handle" is not a name.
    may = write_csv("may.csv", "contact , HANDLE,Extra\ndy@example.com,Dy,z\n")
    assert ok_json(cli("import", "preview", str(may)))["mapping"]["HANDLE"] is None
    plain = ok_json(cli("import", "start", "--wait", str(may)))
    assert plain["successCount"] == 0 and plain["errors"] == [{"row": 2, "message": "firstName or lastName is required"}]
    preview = ok_json(cli("import", "preview", "--saved-mapping", str(april)))
    assert preview["savedMapping"]["id"] == saved[0]["id"]
    assert preview["rows"][0]["contact"]["email"] == "cy@example.com"
    assert preview["rows"][0]["contact"]["firstName"] == "Cy"
    assert "savedMapping" not in ok_json(cli("import", "preview", str(april)))
    job = ok_json(cli("import", "start", "--wait", "--saved-mapping", str(april)))
    assert job["successCount"] == 1

    ok_json(cli("import", "mappings", "forget", str(saved[0]["id"])))
    assert ok_json(cli("import", "mappings", "list")) == []
    code, out, err = cli("import", "preview", "--saved-mapping", str(april))
    assert code == 1 and not out and "no saved mapping for these columns" in err
    code, _, err = cli("import", "mappings", "forget", str(saved[0]["id"]))
    assert code == 1 and err.strip() == f"error: saved mapping not found: {saved[0]['id']}"


def test_explicit_mappings_win_over_the_saved_one_and_replace_it(cli, write_csv):
    ok_json(cli("import", "start", "--wait", "--field-mappings", CHOSEN, str(write_csv("a.csv", ODD))))
    other = write_csv("b.csv", "Contact,Handle,Extra\ndi@example.com,Di,Smith\n")
    job = ok_json(cli("import", "start", "--wait", "--saved-mapping", "--field-mappings", '{"Extra": "lastName"}',
                      str(other)))  # fmt: skip
    assert job["successCount"] == 1
    [contact] = [c for c in ok_json(cli("contacts", "list"))["results"] if c["email"] == "di@example.com"]
    assert contact["firstName"] == "Di" and contact["lastName"] == "Smith"
    [saved] = ok_json(cli("import", "mappings", "list"))
    assert saved["mapping"] == {"Contact": "email", "Handle": "firstName", "Extra": "lastName"}
