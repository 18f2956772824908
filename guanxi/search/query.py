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
# to keep the newest few is what costs (every match is a heap visit). So the "any" tier
# looks among the kind's newest records first (the GIN bitmap ANDed with a range of the
# (org, kind, object id) index) and goes on to the older ones only while the hits found are
# fewer than wanted: the slices are the branches of one UNION ALL under a LIMIT, which
# PostgreSQL runs in turn, stopping as soon as the LIMIT is met. A frequent token is served
# by the first few thousand records; a rare one costs one small range probe more than a
# single lookup. (Each slice's range is walked in full, about as dear per record as a heap
# visit: measured on 1M customers / 3M contacts, one slice of 5,000 beat 5,000 + 50,000
# and 2,000 + 20,000 for the frequent and the rare queries of the benchmark alike.)
RECENT_SLICES: tuple[int, ...] = (5_000,)
NEWEST = (
    "SELECT coalesce(max(object_id), 0) FROM search_searchentry WHERE org_id = %s AND kind = %s"
)


def candidates(query: tk.Query, *, fetch, **scope) -> list[tuple[int, int]]:
    """``[(tier, entry id)]`` newest first within each tier (one statement)."""
    pg = connection.vendor == "postgresql"
    tiers = expressions(query, pg=pg, **scope)
    with connection.cursor() as cursor:
        return _run(cursor, tiers, fetch, pg=pg, kind=(scope["org_id"], scope["kind"]))


def _pg_tier(tier, expression, fetch, kind):
    """One tier's SELECT and parameters; "any" in slices of the newest records."""
    # "id + 0": the planner must not walk the primary key backwards testing every row (it
    # would, for a rare token); the GIN index finds the rows
    select = "SELECT id FROM search_searchentry WHERE tokens::tsvector @@ %s::tsquery"
    order = " ORDER BY id + 0 DESC LIMIT %s"
    if tier != ANY:
        sql = f"(SELECT {int(tier)}, id FROM ({select}{order}) AS found)"  # noqa: S608
        return sql, [expression, fetch]
    org_id, name = kind
    branches, params = [], []
    # each slice: the records newer than ``reach`` that the slices before did not cover
    for seen, reach in zip([0, *RECENT_SLICES], [*RECENT_SLICES, None], strict=True):
        where, args = "", [expression]
        if reach is not None:  # a range of the (org, kind, object id) index
            where += f" AND org_id = %s AND kind = %s AND object_id > ({NEWEST}) - %s"
            args += [org_id, name, org_id, name, reach]
        if seen:  # "+ 0": a plain filter, not a second range to walk
            where += f" AND object_id + 0 <= ({NEWEST}) - %s"
            args += [org_id, name, seen]
        branches.append(f"({select}{where}{order})")
        params += [*args, fetch]
    union = " UNION ALL ".join(branches)
    sql = f"(SELECT {int(tier)}, id FROM ({union} LIMIT %s) AS found)"  # noqa: S608
    return sql, [*params, fetch]


def _run(cursor, tiers, fetch, *, pg, kind):
    """Every tier in one statement; ``kind``: (org id, kind name) for the slices."""
    parts, params = [], []
    for tier, expression in tiers.items():  # tier is one of our int constants
        if pg:
            sql, args = _pg_tier(tier, expression, fetch, kind)
            parts.append(sql)
            params += args
        else:
            parts.append(
                f"SELECT {int(tier)}, rowid FROM (SELECT rowid FROM search_fts "  # noqa: S608
                "WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT %s)"
            )
            params += [expression, fetch]
    sql = " UNION ALL ".join(parts)
    if not pg:
        cursor.execute(sql, params)
        return [(int(tier), int(pk)) for tier, pk in cursor.fetchall()]
    # The planner costs every slice and tier as if it ran in full, so a frequent token
    # lifts the statement's estimate over ``jit_above_cost`` and PostgreSQL spends 50-150 ms
    # compiling it for a lookup that takes a few. JIT is switched off for this statement
    # alone: SET LOCAL sent in the same query string lasts only for its implicit
    # transaction (or, inside a transaction, until that ends).
    cursor.execute(JIT_OFF + sql, params)
    cursor.nextset()
    return [(int(tier), int(pk)) for tier, pk in cursor.fetchall()]


JIT_OFF = "SET LOCAL jit = off; "


def _token_is_the_text(query: tk.Query) -> bool:
    """Is the query one piece that is itself its only token, Chinese or digits? Such a
    token is only ever made from text that holds the piece (a Chinese bigram of a run,
    a window of a digit run), so checking the text again would find nothing new; left
    out, it also lets the planner estimate how many entries match."""
    pieces = query.pieces
    return (
        len(pieces) == 1
        and query.groups == [pieces]
        and (pieces[0].isdigit() or not pieces[0].isascii())  # a piece is Chinese or [a-z0-9]
    )


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
    if _token_is_the_text(query):
        return sql, params
    for piece in query.pieces:  # the tokens find candidates; every piece must be in the text
        sql += " AND text LIKE %s ESCAPE '\\'"
        escaped = piece.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    return sql, params
