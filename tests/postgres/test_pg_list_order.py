"""Text orderings on PostgreSQL are SQLite's whatever the server's locale: a database made with
a linguistic collation (ICU en-US, as many servers are set up) still lists contacts by last name,
and users, accounts and sources by name, in the order the same data has on SQLite."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from parsalink_tui.backends.postgres import open_postgres
from parsalink_tui.service import Service

NAMES = ["Élan", "Fox", "eve", "de la Cruz", "Dean", "Zoë", "zoe", "Ørsted", "Oz", "o'Brien"]


@pytest.fixture
def linguistic_url(pg_cluster: str) -> str:
    import psycopg

    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute("CREATE DATABASE linguistic LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8' "
                     "TEMPLATE template0")  # fmt: skip
    yield pg_cluster.replace("@/parsalink?", "@/linguistic?", 1)
    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        for attempt in range(20):  # an autovacuum worker may connect again between FORCE's kill and the drop
            try:
                conn.execute("DROP DATABASE linguistic WITH (FORCE)")
                break
            except psycopg.errors.ObjectInUse:
                if attempt == 19:
                    raise
                time.sleep(0.1)


def fill(svc: Service) -> dict[str, list[str]]:
    for n, name in enumerate(NAMES):
        svc.create_contact({"firstName": name[::-1], "lastName": name, "email": f"c{n}@example.com"})
        svc.add_user(name)
        svc.add_account(f"{name} {n}")
        svc.add_source(name)
    orders = {o: [c["lastName"] for c in svc.list_contacts(ordering=o, limit=100)["results"]]
              for o in ("lastName", "-lastName")}  # fmt: skip
    orders["users"] = [u["name"] for u in svc.list_users()]
    orders["accounts"] = [a["name"] for a in svc.list_accounts()]
    orders["sources"] = [s["name"] for s in svc.list_sources()]
    return orders


def test_orderings_by_name_are_sqlites_on_a_linguistic_database(linguistic_url: str, tmp_path: Path) -> None:
    sqlite, pg = Service.open(tmp_path / "t.db"), Service(open_postgres(linguistic_url))
    try:
        expected, got = fill(sqlite), fill(pg)
    finally:
        sqlite.close()
        pg.close()
    assert expected["lastName"][:3] == ["de la Cruz", "Dean", "eve"]  # SQLite: "É" after every ASCII letter
    assert got == expected
