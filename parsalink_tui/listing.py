"""``list_contacts``: the reference's filtered, searched, paginated list (plus ``ordering``).

Every filter maps to an indexed column (see the migrations): stage and assignee have
(col, created_at, id) indexes, tags filter through ``EXISTS`` on the link table, search through
the search index. A page is picked by an index-only subquery (``pk IN (… LIMIT/OFFSET)``)
so deep pages do not fetch the rows they skip. What is written differently per database (the
case-insensitive sort key, plan hints, search) comes from ``backends.sql_for(conn)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Connection, text

from .backends import sql_for
from .backends.base import SqlPieces
from .contacts import tags_for
from .errors import InvalidPageError, ValidationError
from .schemas import contact_list_item
from .timeutil import parse_iso, to_store
from .validation import STAGE_VALUES, fold_key, normalize_stage, normalize_tags, strip_control

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
LIST_PATH = "/api/contacts/"
UNASSIGNED = "none"
WALK_BUDGET = 200_000  # index entries a page may walk before sorting the matches is cheaper
EXPORT_CHUNK = 1000  # rows (with their tags) fetched at a time by every_match
DENSE_SHARE = 20  # every_match walks the ordering index when 1 contact in this many matches

_STAGE_RANK = "CASE c.stage " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGE_VALUES)) + " END"
_ORDERINGS = {
    "createdAt": "c.created_at {d}, c.id {d}",
    "updatedAt": "c.updated_at {d}, c.id {d}",
    "lastName": "{last} {n}, {first} {n}, c.id {d}",  # SqlPieces.nocase, nulls_first
    "stage": _STAGE_RANK + " {d}, c.created_at {r}, c.id {r}",
}
ORDERING_CHOICES = tuple(o for name in _ORDERINGS for o in (name, "-" + name))


def int_param(value: Any, name: str, low: int, high: int | None) -> int:
    """``value`` (an int or its text) as a whole number from ``low`` to ``high``; else a
    ValidationError naming the parameter ``name`` (a page number, a page size)."""
    if isinstance(value, bool):
        raise ValidationError(name, f"must be a whole number, not {value!r}")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise ValidationError(name, f"must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ValidationError(name, f"must be {bound}, not {value}")
    return value


@dataclass
class Filters:
    """Validated list parameters (everything but page/limit/ordering)."""

    stage: str | None = None
    assigned_to: str | None = None
    search: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    tags: list[str] = field(default_factory=list)
    import_job: str | None = None

    def query_params(self) -> dict[str, str]:
        """The API query-string form, for ``next``/``previous`` links."""
        out: dict[str, str] = {}
        if self.stage:
            out["stage"] = self.stage
        if self.assigned_to:
            out["assignedTo"] = self.assigned_to
        if self.search:
            out["search"] = self.search
        if self.created_after:
            out["createdAfter"] = self.created_after.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.created_before:
            out["createdBefore"] = self.created_before.strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.tags:
            out["tags"] = ",".join(self.tags)
        if self.import_job:
            out["importJob"] = self.import_job
        return out


def make_filters(
    *,
    stage: str | None = None,
    assigned_to: str | None = None,
    search: str | None = None,
    created_after: str | datetime | None = None,
    created_before: str | datetime | None = None,
    tags: str | list[str] | None = None,
    import_job: str | None = None,
) -> Filters:
    """Validate filter values; every bad value is an error naming its parameter."""
    f = Filters()
    if isinstance(stage, str) and not strip_control(stage):
        stage = None  # blank is "no filter", as "" is (not the "new" a blank stage means on create)
    if stage is not None:
        if not isinstance(stage, str):
            raise ValidationError("stage", f"must be a stage name, not {stage!r}")
        f.stage = normalize_stage(stage)
    if assigned_to not in (None, ""):
        if not isinstance(assigned_to, str):
            raise ValidationError("assignedTo", f"must be a user id, not {assigned_to!r}")
        f.assigned_to = assigned_to
    if search is not None:
        if not isinstance(search, str):
            raise ValidationError("search", f"must be text, not {search!r}")
        # Controls out, as from any user text: a NUL cut the FTS5 query short ("unterminated string").
        f.search = " ".join(strip_control(search).split()) or None
    for name, value in (("createdAfter", created_after), ("createdBefore", created_before)):
        if value in (None, ""):
            continue
        parsed = value if isinstance(value, datetime) else None
        if parsed is None:
            if not isinstance(value, str):
                raise ValidationError(name, f"not an ISO 8601 date or datetime: {value!r}")
            parsed = parse_iso(value, name)
        setattr(f, "created_after" if name == "createdAfter" else "created_before", parsed)
    if tags not in (None, "", []):
        try:
            f.tags = normalize_tags(tags)
        except ValidationError as exc:
            raise ValidationError("tags", exc.message) from None
    f.import_job = import_job or None
    return f


def _column_conditions(conn: Connection, f: Filters, params: dict[str, Any], skip_stage: bool) -> list[str]:
    """Conditions on contact columns that have indexes covering (column, …, pk)."""
    conds: list[str] = []
    if f.stage and not skip_stage:
        conds.append("c.stage = :stage")
        params["stage"] = f.stage
    if f.assigned_to == UNASSIGNED:
        conds.append("c.assigned_to IS NULL")
    elif f.assigned_to:
        if conn.execute(text("SELECT 1 FROM app_user WHERE id = :u"), {"u": f.assigned_to}).first() is None:
            raise ValidationError("assignedTo", f"no user with id {f.assigned_to}")
        conds.append("c.assigned_to = :assigned_to")
        params["assigned_to"] = f.assigned_to
    if f.created_after:
        conds.append("c.created_at >= :created_after")
        params["created_after"] = to_store(f.created_after)
    if f.created_before:
        conds.append("c.created_at < :created_before")
        params["created_before"] = to_store(f.created_before)
    if f.import_job:
        conds.append("c.import_job_uid = :import_job")
        params["import_job"] = f.import_job
    return conds


def _tag_ids(conn: Connection, f: Filters) -> list[int] | None:
    """Ids of the filter's tags; None when one does not exist (nothing can match)."""
    ids = []
    for name in f.tags:
        tag_id = conn.execute(text("SELECT id FROM tag WHERE name_key = :k"), {"k": fold_key(name)}).scalar()
        if tag_id is None:
            return None
        ids.append(tag_id)
    return ids


# How each kind of query uses the pk sets of search and tags (see where_clause).
DRIVE, MEMBER, PROBE, EACH = "drive", "member", "probe", "each"
# Probing the search index for one row (EXISTS … MATCH … AND rowid = pk) costs about as much as
# adding this many matches to a membership set (~70 µs against ~0.12 µs, measured at 1M).
PROBE_COST = 600


def where_clause(
    conn: Connection, f: Filters, params: dict[str, Any], *, skip_stage: bool = False, sets: str = DRIVE
) -> str:
    """SQL conditions over alias ``c`` for ``f``; ``TRUE`` when there are none, ``FALSE`` for no match.

    Search and tag filters are sets of contact pks. How they are written steers SQLite's plan
    (PostgreSQL's planner picks its own, whichever form it is given):
    ``DRIVE`` (``c.pk IN (…)``) lets a set drive the query — right when it is small;
    ``MEMBER`` (``+c.pk IN (…)``: ``SqlPieces.unindexed``) builds the set once and tests rows
    that an index walk yields — right for counting alongside an indexed column, without
    touching table rows;
    ``PROBE`` (``EXISTS``) tests tag links row by row — right when walking the ordering index
    and stopping after a page; ``EACH`` probes the search index row by row as well — right
    when nearly every row matches (a one-letter search), so the walk is short and building
    the set of matches would cost more than the page.
    """
    conds = _column_conditions(conn, f, params, skip_stage)
    tag_ids = _tag_ids(conn, f)
    if tag_ids is None:
        return "FALSE"
    sql = sql_for(conn)
    lhs = sql.unindexed("c.pk") if sets == MEMBER else "c.pk"
    for n, tag_id in enumerate(tag_ids):
        params[f"tag{n}"] = tag_id
        if sets in (PROBE, EACH):
            conds.append(f"EXISTS (SELECT 1 FROM contact_tag ct WHERE ct.contact_pk = c.pk AND ct.tag_id = :tag{n})")
        else:
            conds.append(f"{lhs} IN (SELECT contact_pk FROM contact_tag WHERE tag_id = :tag{n})")
    match = sql.search_match(f.search) if f.search else None
    if match is not None:
        params["fts"] = match.expr
        if sets == EACH:
            conds.append(match.has_row("c.pk"))
        else:
            conds.append(match.member("c.pk" if sets == DRIVE else sql.unindexed("c.pk")))
    return " AND ".join(conds) or "TRUE"


def count_contacts(conn: Connection, f: Filters, *, skip_stage: bool = False) -> int:
    """How many contacts match, touching as few table rows as possible.

    Search and tag sets are counted straight from the search index and the link table when no
    other filter needs the contact's columns; otherwise an indexed column drives and the sets
    are membership tests (every index on contact ends with its pk, so no row is read).
    """
    params: dict[str, Any] = {}
    has_columns = bool(_column_conditions(conn, f, {}, skip_stage))
    match = sql_for(conn).search_match(f.search) if f.search else None
    if not has_columns and (match or f.tags):
        tag_ids = _tag_ids(conn, f)
        if tag_ids is None:
            return 0
        if match:
            params["fts"] = match.expr
            source, key, cond = match.index()
            conds = [cond]
        else:
            params["tag0"] = tag_ids[0]
            source, key, conds = "contact_tag", "contact_pk", ["tag_id = :tag0"]
            tag_ids = tag_ids[1:]
        for n, tag_id in enumerate(tag_ids, start=1):
            params[f"tag{n}"] = tag_id
            conds.append(f"{key} IN (SELECT contact_pk FROM contact_tag WHERE tag_id = :tag{n})")
        return conn.execute(text(f"SELECT count(*) FROM {source} WHERE {' AND '.join(conds)}"), params).scalar() or 0
    where = where_clause(conn, f, params, skip_stage=skip_stage, sets=MEMBER if has_columns else DRIVE)
    return conn.execute(text(f"SELECT count(*) FROM contact c WHERE {where}"), params).scalar() or 0


def check_ordering(ordering: str | None) -> str:
    """The ordering's name (default ``-createdAt``); a ValidationError naming ``ordering`` if unknown."""
    name = ordering or "-createdAt"
    if not isinstance(name, str) or name not in ORDERING_CHOICES:
        raise ValidationError("ordering", f"must be one of {', '.join(ORDERING_CHOICES)}, not {name!r}")
    return name


def order_clause(sql: SqlPieces, ordering: str | None, *, sort: bool = False) -> str:
    """ORDER BY terms; ``sort`` keeps the ordering index out of the plan (SQLite: a unary ``+``)
    so the matches are sorted instead of walking the index (faster when they are few)."""
    name = check_ordering(ordering)
    desc = name.startswith("-")
    template = _ORDERINGS[name.lstrip("-")]
    d = "DESC" if desc else "ASC"
    terms = template.format(d=d, r="ASC" if desc else "DESC", n=sql.nulls_first(d),
                            last=sql.nocase("c.last_name"), first=sql.nocase("c.first_name"))  # fmt: skip
    return sql.unindexed(terms) if sort else terms


def _link(page: int, limit: int, f: Filters, ordering: str | None) -> str:
    params: dict[str, Any] = {"page": page}
    if limit != DEFAULT_LIMIT:
        params["limit"] = limit
    params.update(f.query_params())
    if ordering:
        params["ordering"] = ordering
    return f"{LIST_PATH}?{urlencode(params)}"


def list_contacts(
    conn: Connection,
    *,
    page: Any = 1,
    limit: Any = DEFAULT_LIMIT,
    ordering: str | None = None,
    **filters: Any,
) -> dict[str, Any]:
    """``{count, next, previous, results}`` as the reference; newest first unless ``ordering``.

    A page past the last is :class:`~parsalink_tui.errors.InvalidPageError` (page 1 of an empty
    list is an empty page).
    """
    page = int_param(page, "page", 1, None)
    limit = int_param(limit, "limit", 1, MAX_LIMIT)
    f = make_filters(**filters)
    sql = sql_for(conn)
    order = order_clause(sql, ordering)
    count = count_contacts(conn, f)
    offset = (page - 1) * limit
    if offset >= count and page > 1:  # as Django REST framework's paginator: a 404, not []
        raise InvalidPageError(page, last_page=max(1, -(-count // limit)))
    rows: list[Any] = []
    if offset < count:
        # Walking the ordering index finds the page after reading about (offset + limit) ×
        # total / count entries; fetching every match and sorting costs about one row read per
        # match. The count (already known) and the table size pick the cheaper plan.
        total = conn.execute(text("SELECT max(pk) FROM contact")).scalar() or 0
        walk = (offset + limit) * total <= WALK_BUDGET * count
        # Expected index entries walked for the page, each probed: cheaper than building the
        # set of all matches when the search matches most rows.
        each = f.search is not None and (offset + limit) * total * PROBE_COST < count * count
        page_params: dict[str, Any] = {"limit": limit, "offset": offset}
        page_where = where_clause(conn, f, page_params, sets=(EACH if each else PROBE) if walk else DRIVE)
        inner_order = order_clause(sql, ordering, sort=not walk)
        rows = conn.execute(
            text(
                "SELECT c.*, a.name AS account_name FROM contact c "
                "LEFT JOIN account a ON a.id = c.account_id "
                f"WHERE c.pk IN (SELECT c.pk FROM contact c WHERE {page_where} ORDER BY {inner_order} "
                f"LIMIT :limit OFFSET :offset) ORDER BY {order}"
            ),
            page_params,
        ).mappings().all()
    tags = tags_for(conn, [r["id"] for r in rows])
    return {
        "count": count,
        "next": _link(page + 1, limit, f, ordering) if page * limit < count else None,
        "previous": _link(page - 1, limit, f, ordering) if page > 1 else None,
        "results": [contact_list_item(r, tags[r["id"]]) for r in rows],
    }


def stage_counts(conn: Connection, **filters: Any) -> dict[str, int]:
    """Contacts per stage under the other filters (the TUI's stage bar); ``stage`` is ignored."""
    f = make_filters(**filters)
    params: dict[str, Any] = {}
    where = where_clause(conn, f, params, skip_stage=True, sets=MEMBER)
    counts = dict.fromkeys(STAGE_VALUES, 0)
    for stage, n in conn.execute(text(f"SELECT c.stage, count(*) FROM contact c WHERE {where} GROUP BY c.stage"), params):
        counts[stage] = n
    return counts


def every_match(
    conn: Connection, f: Filters, count: int, *, ordering: str | None = None, chunk: int | None = None
) -> Iterator[list[tuple[Mapping[str, Any], list[str]]]]:
    """Every contact ``f`` matches (``count`` of them), in the list's order, as chunks of
    (row, tags); rows also carry ``account_name``, ``assigned_to_name`` and ``assigned_to_email``.

    One statement, stepped as the chunks are taken: inside the caller's read transaction the
    whole export is one snapshot (a contact edited meanwhile is neither missed nor repeated,
    whatever the ordering; writers are not blocked, WAL), and memory holds one chunk. When the
    matches are dense the ordering index is walked with the search and tag sets as membership
    tests; when they are few, the matches are fetched and sorted (as for a page).
    """
    total = conn.execute(text("SELECT max(pk) FROM contact")).scalar() or 0
    walk = count * DENSE_SHARE >= total
    params: dict[str, Any] = {}
    where = where_clause(conn, f, params, sets=MEMBER if walk else DRIVE)
    result = conn.execute(
        text(
            "SELECT c.*, a.name AS account_name, u.name AS assigned_to_name, u.email AS assigned_to_email "
            "FROM contact c LEFT JOIN account a ON a.id = c.account_id LEFT JOIN app_user u ON u.id = c.assigned_to "
            f"WHERE {where} ORDER BY {order_clause(sql_for(conn), ordering, sort=not walk)}"
        ),
        params,
    ).mappings()
    while rows := result.fetchmany(chunk or EXPORT_CHUNK):
        tags = tags_for(conn, [row["id"] for row in rows])
        yield [(row, tags[row["id"]]) for row in rows]


def contact_position(conn: Connection, contact_id: str, *, ordering: str | None = None, **filters: Any) -> int | None:
    """Where ``contact_id`` stands (0 = first) in the list ``filters`` and ``ordering`` make;
    None when it is not in that list (deleted, or no longer matching). One pass over the
    matches; the TUI asks it only when a reload moved the highlighted contact off its page."""
    f = make_filters(**filters)
    params: dict[str, Any] = {"target": contact_id}
    where = where_clause(conn, f, params)
    found = conn.execute(text(f"SELECT 1 FROM contact c WHERE c.id = :target AND {where}"), params).first()
    if found is None:
        return None
    order = order_clause(sql_for(conn), ordering)
    ranked = f"SELECT c.id AS cid, row_number() OVER (ORDER BY {order}) - 1 AS pos FROM contact c"
    position = conn.execute(text(f"SELECT pos FROM ({ranked} WHERE {where}) AS ranked WHERE cid = :target"),
                            params).scalar()  # fmt: skip
    return None if position is None else int(position)
