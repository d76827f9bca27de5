"""On PostgreSQL a list page in every ordering walks an index and stops after the page: the
ordering SQL (``listing.order_clause`` with ``PostgresSql``'s pieces) is written exactly as the
baseline's indexes are, so no ordering sorts the whole table."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from parsalink_tui.backends.postgres import SQL, open_postgres
from parsalink_tui.listing import ORDERING_CHOICES, order_clause


@pytest.fixture(scope="module")
def filled(pg_cluster: str):
    """One database of 20,000 contacts (some without a last name), analysed."""
    import psycopg

    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute("CREATE DATABASE plans")
    db = open_postgres(pg_cluster.replace("@/parsalink?", "@/plans?", 1))
    with db.write() as conn:
        conn.execute(text(
            "INSERT INTO contact (id, email, email_key, first_name, last_name, stage, created_at, updated_at) "
            "SELECT 'cnt_' || g, 'e' || g || '@x.example', 'e' || g || '@x.example', 'F' || g, "
            "CASE WHEN g % 7 = 0 THEN NULL ELSE 'L' || (g % 1000) END, "
            "(ARRAY['new', 'contacted', 'engaged', 'customer'])[g % 4 + 1], "
            "to_char(g, 'FM0000000'), to_char(g, 'FM0000000') FROM generate_series(1, 20000) g"
        ))  # fmt: skip
        conn.execute(text("ANALYZE contact"))
    yield db
    db.close()


@pytest.mark.parametrize("ordering", ORDERING_CHOICES)
def test_a_page_in_every_ordering_walks_an_index_without_sorting(filled, ordering: str) -> None:
    with filled.read() as conn:
        plan = "\n".join(conn.execute(text(
            f"EXPLAIN SELECT c.pk FROM contact c WHERE TRUE ORDER BY {order_clause(SQL, ordering)} LIMIT 20"
        )).scalars())  # fmt: skip
    assert "Sort" not in plan and "Index Scan" in plan, plan


def test_demo_data_is_vacuumed_so_index_only_scans_read_no_table_row(pg_cluster: str) -> None:
    """Rows just copied in are not all-visible until a VACUUM: until then a count by index
    (``Index Only Scan``) still visits the table for each row. ``Backend.after_load`` vacuums."""
    import psycopg

    from parsalink_tui.demo import fill_demo

    with psycopg.connect(pg_cluster, autocommit=True) as conn:
        conn.execute("CREATE DATABASE demo_vacuum")
        # As a real server commits: the test cluster's synchronous_commit=off delays the flush
        # of the commit record, and VACUUM cannot mark a page visible before it.
        conn.execute("ALTER DATABASE demo_vacuum SET synchronous_commit = on")
    db = open_postgres(pg_cluster.replace("@/parsalink?", "@/demo_vacuum?", 1))
    try:
        fill_demo(db, contacts=3000, seed=2)
        with db.read() as conn:
            pages = dict(conn.execute(text(
                "SELECT relname, relpages - relallvisible FROM pg_class "
                "WHERE relname IN ('contact', 'contact_tag', 'activity') AND relpages > 0"
            )).all())  # fmt: skip
    finally:
        db.close()
    assert pages == {"contact": 0, "contact_tag": 0, "activity": 0}


def test_a_search_with_another_filter_reads_the_contact_table_once(filled) -> None:
    """The search condition is on the row itself, so the planner can combine the trigram and
    stage indexes; ``c.pk IN (SELECT s.pk FROM contact s …)`` made it build the whole set of
    matches first (at 1M: stage + tag + ``son`` counted in ~290 ms instead of ~90)."""
    from parsalink_tui.listing import MEMBER, make_filters, where_clause

    with filled.read() as conn:
        params: dict = {}
        where = where_clause(conn, make_filters(stage="engaged", search="L12"), params, sets=MEMBER)
        plan = "\n".join(conn.execute(text(f"EXPLAIN SELECT count(*) FROM contact c WHERE {where}"), params).scalars())
    assert plan.count(" on contact ") == 1, plan


@pytest.mark.parametrize(("term", "walks"), [("zq", False), ("e", True), ("F1", True)])
def test_a_short_term_page_walks_the_date_index_only_when_the_term_is_common(filled, term: str, walks: bool) -> None:
    """1-2 character terms have no index; the planner must know from the column's statistics
    whether the term is rare (scan and sort the few matches) or common (walk created_at and stop
    after the page). ``strpos`` gave it a fixed guess, so it walked the index for every term:
    at 1M, a rare term's page walked all million entries (~800 ms)."""
    match = SQL.search_match(term)
    with filled.read() as conn:
        plan = "\n".join(conn.execute(text(
            f"EXPLAIN SELECT c.pk FROM contact c WHERE {match.on('c', ':fts')} "
            f"ORDER BY {order_clause(SQL, '-createdAt')} LIMIT 20"
        ), {"fts": match.expr}).scalars())  # fmt: skip
    assert ("ix_contact_created" in plan) == walks, plan
