"""Demo data on both databases (``SqlPieces.bulk_load``: multi-row INSERTs and rebuilt search
tables on SQLite, COPY on PostgreSQL): the same seed makes the same contacts on either."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsalink_tui.demo import fill_demo
from parsalink_tui.errors import ParsalinkError
from parsalink_tui.service import Service

pytestmark = pytest.mark.both_backends


def test_the_same_seed_makes_the_same_demo_on_either_database(service: Service, tmp_path: Path) -> None:
    made = fill_demo(service.db, contacts=300, seed=3)
    reference = Service.open(tmp_path / "reference.db")
    try:
        assert made == fill_demo(reference.db, contacts=300, seed=3)
        assert made["contacts"] == 300 and made["notes"] > 0 and made["tasks"] > 0
        for ordering in ("createdAt", "-lastName", "stage"):
            assert service.list_contacts(limit=100, page=2, ordering=ordering) == \
                reference.list_contacts(limit=100, page=2, ordering=ordering)  # fmt: skip
        assert service.list_users() == reference.list_users()
        assert service.list_accounts() == reference.list_accounts()
        assert service.list_sources() == reference.list_sources()
        assert service.stage_counts() == reference.stage_counts()
        ids = [c["id"] for c in reference.list_contacts(limit=100)["results"]]
        for cid in ids[::10]:
            assert service.get_contact(cid, with_version=True) == reference.get_contact(cid, with_version=True)
            assert service.list_notes(cid) == reference.list_notes(cid)
            assert service.list_activity(cid) == reference.list_activity(cid)
        some = reference.get_contact(ids[3])
        for term in (some["lastName"], some["email"], some["lastName"][:2]):  # the search index holds the demo
            found = service.list_contacts(search=term, limit=100)
            assert found == reference.list_contacts(search=term, limit=100) and found["count"] > 0
    finally:
        reference.close()
    after = service.create_contact({"firstName": "After", "email": "after@example.com", "tags": ["new-tag"]})
    assert service.get_contact(after["id"])["tags"] == ["new-tag"]
    with pytest.raises(ParsalinkError, match=r"^the database already has 301 contacts, 5 users, "):
        fill_demo(service.db, contacts=5)
