"""A page past the last is an error naming the page and the last page (Django REST framework's
404 "Invalid page."), in the core and on the command line; page 1 of an empty list is a page."""

from __future__ import annotations

import json

import pytest

from parsalink_tui.errors import InvalidPageError, NotFoundError

from .conftest import make_contact
from .test_cli import fails, ok_json

pytestmark = pytest.mark.both_backends  # every test taking `service`: on SQLite and on PostgreSQL


def _five(service) -> None:
    for n in range(5):
        make_contact(service, email=f"p{n}@example.com")


def test_a_page_past_the_last_is_an_invalid_page_error(service) -> None:
    _five(service)
    assert len(service.list_contacts(page=3, limit=2)["results"]) == 1
    with pytest.raises(InvalidPageError) as caught:
        service.list_contacts(page=4, limit=2)
    exc = caught.value
    assert (exc.page, exc.last_page, exc.detail) == (4, 3, "Invalid page.")
    assert str(exc) == "page 4: invalid page, the last page is 3"
    assert isinstance(exc, NotFoundError)  # a 404 for the HTTP layer, like every NotFoundError


@pytest.mark.uses_search
def test_filters_count_toward_the_last_page(service) -> None:
    _five(service)
    with pytest.raises(InvalidPageError, match="the last page is 1"):
        service.list_contacts(page=2, search="p3@")


def test_page_one_of_an_empty_list_is_an_empty_page(service) -> None:
    assert service.list_contacts(page=1) == {"count": 0, "next": None, "previous": None, "results": []}
    _five(service)
    assert service.list_contacts(page=1, stage="customer")["results"] == []
    with pytest.raises(InvalidPageError, match="page 2: invalid page, the last page is 1"):
        service.list_contacts(page=2, stage="customer")


def test_the_cli_names_the_page_and_the_last_page(cli) -> None:
    for n in range(3):
        ok_json(cli("contacts", "create", "--data", json.dumps({"firstName": "P", "email": f"p{n}@example.com"})))
    assert len(ok_json(cli("contacts", "list", "--limit", "1", "--page", "3"))["results"]) == 1
    rc, out, err = cli("contacts", "list", "--limit", "1", "--page", "1000")
    fails((rc, out, err), code=1)
    assert err == "error: page 1000: invalid page, the last page is 3\n"
