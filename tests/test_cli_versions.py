"""CLI preconditions: ``contacts get --with-version`` and ``contacts update --if-match``."""

from __future__ import annotations

import json

from parsalink_tui.schemas import DETAIL_FIELDS

from .test_cli import cli, fails, ok_json  # noqa: F401 - cli is a fixture


def make(cli) -> str:  # noqa: F811
    body = {"firstName": "Sarah", "lastName": "Kim", "email": "sarah.kim@example.com"}
    return ok_json(cli("contacts", "create", "--data", json.dumps(body)))["id"]


def test_get_with_version_wraps_the_unchanged_contact(cli):  # noqa: F811
    cid = make(cli)
    plain = ok_json(cli("contacts", "get", cid))
    wrapped = ok_json(cli("contacts", "get", cid, "--with-version"))
    assert list(wrapped) == ["version", "contact"] and isinstance(wrapped["version"], int)
    assert wrapped["contact"] == plain and tuple(plain) == DETAIL_FIELDS  # the reference's shape, unchanged
    ok_json(cli("contacts", "update", cid, "--data", '{"title": "CEO"}'))
    assert ok_json(cli("contacts", "get", cid, "--with-version"))["version"] > wrapped["version"]


def test_update_if_match_refuses_a_contact_changed_since(cli):  # noqa: F811
    cid = make(cli)
    seen = ok_json(cli("contacts", "get", cid, "--with-version"))["version"]
    ok_json(cli("contacts", "update", cid, "--data", '{"title": "Changed elsewhere"}'))
    fails(cli("contacts", "update", cid, "--data", '{"lastName": "Lee"}', "--if-match", str(seen)),
          f"error: contact {cid} was changed elsewhere since you read it", code=1)  # fmt: skip
    assert ok_json(cli("contacts", "get", cid))["lastName"] == "Kim"
    now = ok_json(cli("contacts", "get", cid, "--with-version"))["version"]
    out = ok_json(cli("contacts", "update", cid, "--data", '{"lastName": "Lee"}', "--if-match", str(now)))
    assert (out["lastName"], out["title"]) == ("Lee", "Changed elsewhere")


def test_if_match_must_be_a_version_number(cli):  # noqa: F811
    cid = make(cli)
    fails(cli("contacts", "update", cid, "--data", "{}", "--if-match", "0"), "--if-match", code=2)
    fails(cli("contacts", "update", cid, "--data", "{}", "--if-match", "abc"), "--if-match", code=2)
