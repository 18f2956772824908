"""Candidate ids from the full-text index, in the database's own dialect.

One SQL statement per kind (two for some large scopes, see below) returns up to
``fetch`` ids for each of three tiers, newest first: exact key (code, phone, e-mail),
title starting with the query, any match. The org and the kind are in the tokens
themselves (text tokens live in a space of their org and kind). The employee's data
scope is, for a scope of a few departments, tokens of the same full-text expression
(the owner's OR each department's), so the index never walks another employee's
records; for a scope of many departments (``SCOPE_TOKENS_MAX``) it is a condition on
the entry's own ``owner_id`` / ``department_id`` columns instead (see ``_Scope``).
"""

import json
from dataclasses import dataclass
from functools import lru_cache

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


# A data scope of more departments than this is checked on the entry's columns, not by
# OR-ing a token per department into the full-text expression. Both index engines read
# every ORed token's whole posting list (each department's entries of every kind), so a
# scope of a department tree of ~190 departments made each lookup read the postings of
# nearly every entry of the org: ~30 ms on SQLite and ~100 ms on PostgreSQL for 50,000
# customers. Checked on the columns, a lookup reads the text's matches newest first and
# keeps those in scope, stopping when it has enough. That is cheap while the scope holds
# a good share of the matches; a scope of many departments but few records (and a
# frequent text) is served by its tokens after all, whose posting lists are then short:
# on SQLite for the matches older than a window (``SQLITE_WINDOW``), on PostgreSQL for
# the whole lookup (``PG_DENSE``). Scopes of a few
# departments stay tokens: an intersection with short posting lists is what keeps a
# frequent text cheap for someone who sees little.
SCOPE_TOKENS_MAX = 16


@dataclass(frozen=True)
class _Scope:
    """A data scope checked on the entry's columns: its owner is the employee, or its
    department is one of ``department_ids`` (what the scope tokens stand for)."""

    owner_id: int
    department_ids: tuple[int, ...]


def _column_scope(*, owner_id, department_ids, all_scope) -> _Scope | None:
    if all_scope or len(department_ids) <= SCOPE_TOKENS_MAX:
        return None
    return _Scope(int(owner_id), tuple(sorted(int(pk) for pk in department_ids)))


@lru_cache(maxsize=256)
def _scope_tokens(owner_id, department_ids: frozenset, pg: bool) -> str:
    """The OR of the owner's token and each department's (the same few scopes are asked
    for again and again, and a large one is hundreds of digests)."""
    quote = _quote_pg if pg else _quote_fts
    scope = [quote(tk.meta("o", owner_id))]
    scope += [quote(tk.meta("d", pk)) for pk in sorted(department_ids)]
    return _and(scope, "|" if pg else "OR")


def expressions(query: tk.Query, *, org_id, kind, owner_id, department_ids, all_scope, pg):
    """``{tier: expression}`` in FTS5 syntax, or tsquery syntax when ``pg``; the scope
    as tokens (``all_scope``: no scope tokens)."""
    quote = _quote_pg if pg else _quote_fts
    and_, or_ = ("&", "|") if pg else ("AND", "OR")
    prefix = tk.space(org_id, kind)
    base = [] if all_scope else [_scope_tokens(owner_id, frozenset(department_ids), pg)]
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


def candidates(
    query: tk.Query, *, fetch, org_id, kind, owner_id, department_ids, all_scope
) -> list[tuple[int, int]]:
    """``[(tier, entry id)]`` newest first within each tier, among the entries of
    ``kind`` that ``owner_id`` owns or that belong to one of ``department_ids`` (every
    entry of the kind when ``all_scope``). One statement; a scope of more than
    ``SCOPE_TOKENS_MAX`` departments may take one more (PostgreSQL: the density check
    first; SQLite: the older matches of a sparse scope after)."""
    pg = connection.vendor == "postgresql"
    where = {"org_id": org_id, "kind": kind, "owner_id": owner_id, "pg": pg}
    tiers = expressions(query, department_ids=department_ids, all_scope=all_scope, **where)
    scope = _column_scope(owner_id=owner_id, department_ids=department_ids, all_scope=all_scope)
    # a large scope: the tiers' text alone, the scope checked on the columns (the tokens
    # stay for the older matches of a sparse scope)
    text = expressions(query, department_ids=(), all_scope=True, **where) if scope else {}
    with connection.cursor() as cursor:
        if scope and pg and not _pg_dense(cursor, scope, org_id, kind):
            scope = None  # a sparse scope: its tokens
        return _run(cursor, tiers, fetch, pg=pg, kind=(org_id, kind), scope=scope, text=text)


# ---- PostgreSQL ---------------------------------------------------------------------------

# "id + 0": the planner must not walk the primary key backwards testing every row (it
# would, for a rare token); the GIN index finds the rows
_PG_MATCH = "SELECT id FROM search_searchentry WHERE tokens::tsvector @@ %s::tsquery"
_PG_ORDER = " ORDER BY id + 0 DESC LIMIT %s"
# The columns of a large scope: the departments are one array parameter, so neither the
# statement nor its plan grows with the scope.
_PG_IN_SCOPE = " AND (owner_id = %s OR department_id = ANY(%s))"
# PostgreSQL checks a large scope on the columns only when it is dense: when it holds at
# least 1 in ``PG_DENSE`` of the kind's newest ``PG_DENSE_SAMPLE`` records (read
# backwards along the (org, kind, object id) index by a query of its own, before the
# lookup). Then a frequent text fills the LIMIT among the newest records, and a rare one
# has few matches to visit. A sparse scope keeps its tokens, whose posting lists are then
# short, while a frequent text's matches would be many heap visits for the few in scope.
# (Both ways in one statement would let PostgreSQL choose at run time, but planning the
# long token expression costs more than the extra query.)
PG_DENSE = 8
PG_DENSE_SAMPLE = 500
_PG_DENSITY = (
    "SELECT count(*) FILTER (WHERE owner_id = %s OR department_id = ANY(%s)) * %s >= count(*)"
    " FROM (SELECT owner_id, department_id FROM search_searchentry"
    " WHERE org_id = %s AND kind = %s ORDER BY object_id DESC LIMIT %s) AS newest"
)


def _pg_dense(cursor, scope: _Scope, org_id, kind) -> bool:
    """Does ``scope`` hold at least 1 in ``PG_DENSE`` of the kind's newest records?"""
    cursor.execute(
        _PG_DENSITY,
        [scope.owner_id, list(scope.department_ids), PG_DENSE, org_id, kind, PG_DENSE_SAMPLE],
    )
    return bool(cursor.fetchone()[0])


def _pg_slice(kind, seen, reach) -> tuple[str, list]:
    """The condition of the records newer than ``reach`` that the slices before (the
    ``seen`` newest) did not cover."""
    org_id, name = kind
    where, args = "", []
    if reach is not None:  # a range of the (org, kind, object id) index
        where += f" AND org_id = %s AND kind = %s AND object_id > ({NEWEST}) - %s"
        args += [org_id, name, org_id, name, reach]
    if seen:  # "+ 0": a plain filter, not a second range to walk
        where += f" AND object_id + 0 <= ({NEWEST}) - %s"
        args += [org_id, name, seen]
    return where, args


def _pg_tier(tier, expression, fetch, kind, scope=None, text=None):
    """One tier's SELECT and parameters; "any" in slices of the newest records.
    ``scope``: a large scope, checked on the columns; ``text``: then the tier's
    expression without the scope tokens (``expression`` has them)."""
    in_scope = _PG_IN_SCOPE if scope else ""
    scope_args = [scope.owner_id, list(scope.department_ids)] if scope else []
    if tier != ANY:
        sql = f"(SELECT {int(tier)}, id FROM ({_PG_MATCH}{in_scope}{_PG_ORDER}) AS found)"  # noqa: S608
        return sql, [text if scope else expression, *scope_args, fetch]
    branches, params = [], []
    for seen, reach in zip([0, *RECENT_SLICES], [*RECENT_SLICES, None], strict=True):
        where, args = _pg_slice(kind, seen, reach)
        branches.append(f"({_PG_MATCH}{where}{in_scope}{_PG_ORDER})")
        params += [text if scope else expression, *args, *scope_args, fetch]
    union = " UNION ALL ".join(branches)
    sql = f"(SELECT {int(tier)}, id FROM ({union} LIMIT %s) AS found)"  # noqa: S608
    return sql, [*params, fetch]


# ---- SQLite -------------------------------------------------------------------------------

# A large scope on SQLite: FTS5 hands out the text's matches newest first (it reads its
# doclists backwards); among the newest ``SQLITE_WINDOW`` of them each is looked up by
# primary key and kept when in scope, and the LIMIT stops the walk as soon as it has
# enough, which it does at once when the scope holds a good share of the matches. Only
# when a full window gave too few does a second statement look at the older matches,
# through the scope's tokens: that scope holds few of the matches, and it is then the
# one whose posting lists are short (SQLite runs in-process: a second statement costs
# next to nothing). The departments are one JSON parameter read by ``json_each`` (an IN
# set SQLite indexes once per statement; no scope runs into the limit on the number of
# parameters).
SQLITE_WINDOW = 1000
_FTS_NEWEST = (
    "SELECT rowid AS pk FROM search_fts WHERE search_fts MATCH %s ORDER BY rowid DESC LIMIT %s"
)
_FTS_IN_WINDOW = (
    "SELECT search_fts.rowid AS pk FROM search_fts JOIN search_searchentry AS entry "  # noqa: S608
    "ON entry.id = search_fts.rowid WHERE search_fts MATCH %s "
    f"AND search_fts.rowid >= (SELECT min(pk) FROM ({_FTS_NEWEST}))"
    " AND (entry.owner_id = %s OR entry.department_id IN (SELECT value FROM json_each(%s)))"
    " ORDER BY search_fts.rowid DESC LIMIT %s"
)
# the oldest match of the window, when the window is full (no row otherwise)
_FTS_WINDOW_END = f"SELECT min(pk) FROM ({_FTS_NEWEST}) HAVING count(*) >= %s"  # noqa: S608
_FTS_OLDER = (
    "SELECT rowid AS pk FROM search_fts WHERE search_fts MATCH %s AND rowid < %s "
    "ORDER BY rowid DESC LIMIT %s"
)
HIT, WINDOW_END = 0, 1


def _sqlite_tier(tier, expression, fetch, scope=None, text=None):
    """One tier's SELECT and parameters (``scope``, ``text``: as for ``_pg_tier``): rows
    of (tier, entry id, ``HIT``), and for a large scope (tier, oldest match of the window,
    ``WINDOW_END``) when the window was full."""
    if scope is None:
        sql = f"SELECT {int(tier)}, pk, {HIT} FROM ({_FTS_NEWEST})"  # noqa: S608
        return sql, [expression, fetch]
    sql = (
        f"SELECT {int(tier)}, pk, {HIT} FROM ({_FTS_IN_WINDOW}) "  # noqa: S608
        f"UNION ALL SELECT {int(tier)}, *, {WINDOW_END} FROM ({_FTS_WINDOW_END})"
    )
    departments = json.dumps(scope.department_ids)
    return sql, [
        *[text, text, SQLITE_WINDOW, scope.owner_id, departments, fetch],
        *[text, SQLITE_WINDOW, SQLITE_WINDOW],
    ]


def _sqlite_older(cursor, tiers, rows, fetch) -> list[tuple[int, int]]:
    """The hits of the first statement, each tier followed by its older matches through
    the scope's tokens when its window was full but gave fewer than ``fetch``."""
    found: dict[int, list[int]] = {tier: [] for tier in tiers}
    for tier, pk, what in rows:
        if what == HIT:
            found[int(tier)].append(int(pk))
    parts, params = [], []
    for tier, low, what in rows:
        wanted = fetch - len(found[int(tier)])
        if what == WINDOW_END and low is not None and wanted > 0:
            parts.append(f"SELECT {int(tier)}, pk FROM ({_FTS_OLDER})")  # noqa: S608
            params += [tiers[int(tier)], low, wanted]
    if parts:
        cursor.execute(" UNION ALL ".join(parts), params)
        for tier, pk in cursor.fetchall():
            found[int(tier)].append(int(pk))
    return [(tier, pk) for tier, pks in found.items() for pk in pks]


def _run(cursor, tiers, fetch, *, pg, kind, scope=None, text=None):
    """Every tier in one statement; ``kind``: (org id, kind name) for the slices;
    ``scope``: a large data scope, checked on the entries' columns, and ``text``: then
    the tiers' expressions without the scope tokens."""
    parts, params = [], []
    for tier, expression in tiers.items():  # tier is one of our int constants
        tier_text = text[tier] if scope else None
        if pg:
            sql, args = _pg_tier(tier, expression, fetch, kind, scope, tier_text)
        else:
            sql, args = _sqlite_tier(tier, expression, fetch, scope, tier_text)
        parts.append(sql)
        params += args
    sql = " UNION ALL ".join(parts)
    if not pg:
        cursor.execute(sql, params)
        return _sqlite_older(cursor, tiers, cursor.fetchall(), fetch)
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
