"""Candidate ids from the full-text index, in the database's own dialect.

One SQL statement per kind returns up to ``fetch`` ids for each of three tiers,
newest first: exact key (code, phone, e-mail), title starting with the query,
any match. The org, the kind and the employee's data scope are tokens of the
same full-text expression (text tokens live in a space of their org and kind), so
the index never walks another org's or another employee's records.
"""

from django.db import connection

from guanxi.search import tokens as tk

EXACT, START, ANY = 0, 1, 2


def _quote_fts(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _quote_pg(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _and(parts, joiner):
    parts = [p for p in parts if p]
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else "(" + f" {joiner} ".join(parts) + ")"


def expressions(query: tk.Query, *, org_id, kind, owner_id, department_ids, all_scope, pg):
    """``{tier: expression}`` in FTS5 syntax, or tsquery syntax when ``pg``."""
    quote = _quote_pg if pg else _quote_fts
    and_, or_ = ("&", "|") if pg else ("AND", "OR")
    prefix = tk.space(org_id, kind)
    base = []
    if not all_scope:
        scope = [quote(tk.meta("o", owner_id))]
        scope += [quote(tk.meta("d", pk)) for pk in sorted(department_ids)]
        base.append(_and(scope, or_))
    text = _and([_and([quote(prefix + t) for t in group], and_) for group in query.groups], or_)
    tiers = {EXACT: _and([quote(tk.exact_key(org_id, kind, query.exact)), *base], and_)}
    if text:
        start = tk.start_key(org_id, kind, query.head)
        if start:
            tiers[START] = _and([quote(start), text, *base], and_)
        tiers[ANY] = _and([text, *base], and_)
    return tiers


# PostgreSQL: a frequent token matches tens of thousands of entries, and fetching them all
# to keep the newest few is what costs. So the lookup first looks among the kind's newest
# RECENT_WINDOW records of the org (the GIN bitmap ANDed with a range of the
# (org, kind, object id) index); a tier that window does not fill is looked up in full.
RECENT_WINDOW = 50_000


def candidates(query: tk.Query, *, fetch, **scope) -> list[tuple[int, int]]:
    """``[(tier, entry id)]`` newest first within each tier."""
    pg = connection.vendor == "postgresql"
    tiers = expressions(query, pg=pg, **scope)
    with connection.cursor() as cursor:
        if not pg or ANY not in tiers:
            return _run(cursor, tiers, fetch, pg=pg)
        # one statement: the rare tiers in full, "any" among the newest records, and the
        # kind's newest record id (to know whether the window left anything out)
        window = (scope["org_id"], scope["kind"], RECENT_WINDOW)
        rows = _run(cursor, tiers, fetch, pg=True, window=window)
        top = next((pk for tier, pk in rows if tier == TOP), 0)
        rows = [(tier, pk) for tier, pk in rows if tier != TOP]
        if top > RECENT_WINDOW and sum(1 for tier, _ in rows if tier == ANY) < fetch:
            rows = [(tier, pk) for tier, pk in rows if tier != ANY]
            rows += _run(cursor, {ANY: tiers[ANY]}, fetch, pg=True)
        return rows


TOP = -1
NEWEST = (
    "SELECT coalesce(max(object_id), 0) FROM search_searchentry WHERE org_id = %s AND kind = %s"
)


def _run(cursor, tiers, fetch, *, pg, window=None):
    """``window``: (org id, kind, size) limits the "any" tier to the kind's newest ``size``
    records and adds a ``(TOP, newest object id)`` row."""
    parts, params = [], []
    for tier, expression in tiers.items():  # tier is one of our int constants
        if pg:
            recent = window is not None and tier == ANY
            parts.append(
                f"(SELECT {int(tier)}, id FROM search_searchentry "  # noqa: S608
                # "id + 0": the planner must not walk the primary key backwards testing
                # every row (it would, for a rare token); the GIN index finds the rows
                "WHERE tokens::tsvector @@ %s::tsquery"
                + (
                    f" AND org_id = %s AND kind = %s AND object_id > ({NEWEST}) - %s"
                    if recent
                    else ""
                )
                + " ORDER BY id + 0 DESC LIMIT %s)"
            )
            params += [expression]
            if recent:
                org_id, kind, size = window
                params += [org_id, kind, org_id, kind, size]
            params += [fetch]
        else:
            parts.append(
                f"SELECT {int(tier)}, rowid FROM (SELECT rowid FROM search_fts "  # noqa: S608
                "WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT %s)"
            )
            params += [expression, fetch]
    if pg and window is not None:
        parts.append(f"(SELECT {TOP}, ({NEWEST}))")
        params += [window[0], window[1]]
    cursor.execute(" UNION ALL ".join(parts), params)
    return [(int(tier), int(pk)) for tier, pk in cursor.fetchall()]


def matching_ids(value: str, *, org_id, kind) -> tuple[str, list] | None:
    """``(sql, params)`` selecting the object ids of ``kind`` whose entries hold every
    piece of ``value`` (the fragment, pinyin, code, e-mail or phone-digit match of the
    search box, every hit, not ranked), for a list filter: ``pk IN (sql)``. ``None``
    when the value gives no index tokens (a single character): the caller scans instead.
    """
    query = tk.parse(value)
    if query.empty:
        return None
    pg = connection.vendor == "postgresql"
    expression = expressions(
        query, org_id=org_id, kind=kind, owner_id=None, department_ids=(), all_scope=True, pg=pg
    )[ANY]
    if pg:
        sql = "SELECT object_id FROM search_searchentry WHERE tokens::tsvector @@ %s::tsquery"
    else:
        sql = (
            "SELECT object_id FROM search_searchentry WHERE id IN "
            "(SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
        )
    params: list = [expression]
    for piece in query.pieces:  # the tokens find candidates; every piece must be in the text
        sql += " AND text LIKE %s ESCAPE '\\'"
        escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    return sql, params
