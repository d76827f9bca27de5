"""``GET /api/contacts/export/``: the whole filtered view as a file, and the spool that streams it."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest

from parsalink_tui.server.spool import Abandoned, Spool

EXPORT = "/api/contacts/export/"


def _core(service, **options):
    out = io.BytesIO()
    service.export_contacts(out, **options)
    return out.getvalue()


@pytest.fixture
def people(api):
    api.create(firstName="Ada", lastName="Lovelace", email="ada@example.com", stage="customer", tags=["vip"])
    api.create(firstName="Alan", lastName="Turing", email="alan@example.com", stage="new", tags=["vip", "=cmd"])
    api.create(firstName="Grace", lastName="Hopper", email="grace@example.com", stage="customer")
    return api


@pytest.mark.parametrize(
    ("query", "options", "media", "filename"),
    [
        ("", {}, "text/csv; charset=utf-8", "contacts.csv"),
        ("?format=csv&stage=customer", {"stage": "customer"}, "text/csv; charset=utf-8", "contacts.csv"),
        ("?format=vcard&tags=vip", {"fmt": "vcard", "tags": "vip"}, "text/vcard; charset=utf-8", "contacts.vcf"),
        ("?format=vcard&vcardVersion=3", {"fmt": "vcard", "vcard_version": 3}, "text/vcard; charset=utf-8", "contacts.vcf"),
        ("?format=json&ordering=lastName&search=a", {"fmt": "json", "ordering": "lastName", "search": "a"},
         "application/json", "contacts.json"),
    ],
)  # fmt: skip
def test_the_export_is_the_cores_file_for_the_same_filters(people, query, options, media, filename):
    response = people.get(EXPORT + query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.content == _core(people.service, **options)


def test_every_contact_is_exported_not_one_page(api):
    for n in range(25):
        api.service.create_contact({"firstName": f"P{n}", "email": f"p{n}@example.com"})
    response = api.get(EXPORT + "?format=json&limit=5&page=2")  # the list's paging does not apply
    assert len(response.json()) == 25


def test_unknown_and_empty_parameters_are_ignored(people):
    response = people.get(EXPORT + "?stage=&search=&format=&vcardVersion=&color=blue")
    assert response.status_code == 200
    assert response.content == _core(people.service)


@pytest.mark.parametrize(
    ("query", "name"),
    [("format=xml", "format"), ("format=vcard&vcardVersion=5", "vcardVersion"), ("stage=won", "stage"),
     ("createdAfter=yesterday", "createdAfter"), ("ordering=email", "ordering"), ("assignedTo=nobody", "assignedTo")],
)  # fmt: skip
def test_an_invalid_value_is_a_400_naming_its_parameter(people, query, name):
    response = people.get(f"{EXPORT}?{query}")
    assert response.status_code == 400, response.text
    assert list(response.json()) == [name]


def test_a_token_is_required(people):
    response = people.client.get(EXPORT)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_export_is_not_taken_for_a_contact_id(people):
    response = people.get(EXPORT)
    assert (response.status_code, response.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    contact = people.create(email="someone@example.com")
    assert people.get(f"/api/contacts/{contact['id']}/").json() == contact
    assert people.get("/api/contacts/export-not/").status_code == 404


# -- the spool: the export's thread and the response are decoupled ---------------------------------


def _collect(spool: Spool) -> bytes:
    async def read() -> bytes:
        return b"".join([chunk async for chunk in spool.chunks()])

    return asyncio.get_event_loop().run_until_complete(read())


def test_the_export_finishes_without_waiting_for_the_client_then_every_byte_is_sent():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        spool = Spool(loop)
        parts = [bytes([n % 256]) * 100_000 for n in range(50)]  # 5 MB, nobody reading yet

        def produce(out):
            for part in parts:
                out.write(part)

        writer = threading.Thread(target=spool.run, args=(produce,))
        writer.start()
        writer.join(timeout=60)
        assert not writer.is_alive()  # its read transaction would be over: the client never held it open
        assert spool.finished and spool.error is None
        assert _collect(spool) == b"".join(parts)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def test_a_failure_before_the_first_byte_is_raised_by_started_and_after_it_cuts_the_stream():
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        early = Spool(loop)
        early.run(lambda out: (_ for _ in ()).throw(ValueError("bad parameter")))
        with pytest.raises(ValueError, match="bad parameter"):
            loop.run_until_complete(early.started())

        def half(out):
            out.write(b"first chunk")
            raise RuntimeError("disk gone")

        late = Spool(loop)
        late.run(half)
        loop.run_until_complete(late.started())  # bytes were written: the response has started
        with pytest.raises(RuntimeError, match="disk gone"):
            _collect(late)
    finally:
        loop.close()
        asyncio.set_event_loop(None)


def test_a_reader_that_goes_away_stops_the_export_at_its_next_write():
    loop = asyncio.new_event_loop()
    try:
        spool = Spool(loop)
        spool.write(b"x")
        spool.close()  # the response ended (client disconnected)
        with pytest.raises(Abandoned):
            spool.write(b"y")
    finally:
        loop.close()


def test_at_most_two_exports_run_at_once_and_the_others_wait_their_turn(api, monkeypatch):
    from parsalink_tui.server.export import EXPORTS_AT_ONCE

    lock = threading.Lock()
    running = [0, 0]  # now, most at once
    crowded = threading.Event()  # set if more than the cap ever run: no need to wait then

    def slow_export(self, out, **options):
        with lock:
            running[0] += 1
            running[1] = max(running[1], running[0])
            if running[0] > EXPORTS_AT_ONCE:
                crowded.set()
        out.write(b"x")
        crowded.wait(2)  # a held export; the others arrive meanwhile
        with lock:
            running[0] -= 1

    monkeypatch.setattr(type(api.service), "export_contacts", slow_export)
    answers = []
    clients = [threading.Thread(target=lambda: answers.append(api.get(EXPORT).content))
               for _ in range(EXPORTS_AT_ONCE + 1)]  # fmt: skip
    for client in clients:
        client.start()
    for client in clients:
        client.join(60)
    assert answers == [b"x"] * (EXPORTS_AT_ONCE + 1)
    assert running[1] == EXPORTS_AT_ONCE
