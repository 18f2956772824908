"""Object ids by index tokens, for checks that are not the search box (duplicates).

``exact_ids`` gives every record of a kind holding one of many exact keys (an
import's duplicate check). ``object_ids`` gives the ids of one org's records of one
kind that hold one of some exact keys (phone digits, e-mail) or every text token of
one of some groups (name bigrams), in every data scope: the caller decides what to
show. Each of the two alternatives reads at most ``fetch`` entries, newest first, so a
frequent token costs a bounded number of rows; both are one statement.
"""

from django.db import connection

from guanxi.search import tokens as tk


def _quote(token: str, pg: bool) -> str:
    if pg:
        return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
    return '"' + token.replace('"', '""') + '"'


def _any(parts: list[str], pg: bool) -> str:
    return f" {'|' if pg else 'OR'} ".join(f"({p})" if len(parts) > 1 else p for p in parts)


def _all(tokens: list[str], pg: bool) -> str:
    return f" {'&' if pg else 'AND'} ".join(tokens)


def object_ids(*, org_id, kind: str, exact=(), groups=(), fetch: int = 100) -> list[int]:
    """Object ids of ``kind`` whose entry holds the exact key of one of ``exact`` (values
    as the index keys them: phone digits, lower-case e-mail), or every token of one of
    ``groups`` (text tokens as ``tokens.parse`` gives them, without their space): at
    most ``fetch`` of each alternative, newest first. One statement; none when there is
    nothing to look for."""
    pg = connection.vendor == "postgresql"
    found = _statement(org_id=org_id, kind=kind, exact=exact, groups=groups, fetch=fetch, pg=pg)
    if found is None:
        return []
    sql, params = found
    with connection.cursor() as cursor:
        if pg:
            # Every slice is costed as if it ran in full, so a frequent token lifts the
            # estimate over ``jit_above_cost`` and compiling would cost more than the
            # lookup: JIT is off for this statement's transaction only (SET LOCAL).
            cursor.execute(JIT_OFF + sql, params)
            cursor.nextset()
        else:
            cursor.execute(sql, params)
        return list(dict.fromkeys(int(pk) for (pk,) in cursor.fetchall()))


JIT_OFF = "SET LOCAL jit = off; "
# An OR of many exact keys is costed as if each key were common (the keys are unique, the
# planner cannot know): past about twenty keys PostgreSQL chose to read the whole table
# in parallel (a minute on 4,000,000 entries) over the GIN index (milliseconds).
EXACT_ONLY = "SET LOCAL jit = off; SET LOCAL enable_seqscan = off; "


def exact_ids(*, org_id, kind: str, values) -> set[int]:
    """Object ids of ``kind`` whose entry holds the exact key of one of ``values`` (phone
    digits, normalised e-mails, codes): every match, unordered; one statement. For many
    values at once (an import's chunk)."""
    pg = connection.vendor == "postgresql"
    keys = [_quote(tk.exact_key(org_id, kind, value), pg) for value in values if value]
    if not keys:
        return set()
    with connection.cursor() as cursor:
        if pg:
            # the keys hold the org already; "+ 0" keeps the org's index out of the plan
            cursor.execute(EXACT_ONLY + _MATCH + " AND org_id + 0 = %s", [_any(keys, pg), org_id])
            cursor.nextset()
            cursor.nextset()
        else:
            cursor.execute(
                "SELECT object_id FROM search_searchentry WHERE org_id = %s AND id IN "
                "(SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
                [org_id, _any(keys, pg)],
            )
        return {int(pk) for (pk,) in cursor.fetchall()}


def _statement(*, org_id, kind, exact, groups, fetch, pg) -> tuple[str, list] | None:
    prefix = tk.space(org_id, kind)
    keys = [_quote(tk.exact_key(org_id, kind, value), pg) for value in exact if value]
    texts = [_all([_quote(prefix + token, pg) for token in group], pg) for group in groups if group]
    expressions = [_any(part, pg) for part in (keys, texts) if part]
    if not expressions:
        return None
    if not pg:
        branch = (
            "SELECT rowid FROM (SELECT rowid FROM search_fts WHERE search_fts MATCH %s "
            "ORDER BY rowid DESC LIMIT %s)"
        )
        rowids = " UNION ALL ".join([branch] * len(expressions))
        sql = f"SELECT object_id FROM search_searchentry WHERE id IN ({rowids})"  # noqa: S608
        return sql, [arg for expression in expressions for arg in (expression, fetch)]
    parts: list[str] = []
    params: list = []
    if keys:
        parts.append(f"({_MATCH}{_NEWEST_FIRST})")
        params += [_any(keys, pg), fetch]
    if texts:
        sql, args = _in_slices(_any(texts, pg), org_id, kind, fetch)
        parts.append(sql)
        params += args
    return " UNION ALL ".join(parts), params


# PostgreSQL: "id + 0" so that the GIN index finds the rows and the primary key is not
# walked backwards testing each one
_MATCH = "SELECT object_id FROM search_searchentry WHERE tokens::tsvector @@ %s::tsquery"
_NEWEST_FIRST = " ORDER BY id + 0 DESC LIMIT %s"
_NEWEST = (
    "SELECT coalesce(max(object_id), 0) FROM search_searchentry WHERE org_id = %s AND kind = %s"
)
# A frequent name token (a common brand, a city) matches tens of thousands of entries,
# and sorting them all to keep the newest few is what costs. So the name alternative
# looks among the newest records first, in widening slices of object ids (a range of the
# (org, kind, object id) index), and the next slice is read only while fewer than
# ``fetch`` were found: the branches of one UNION ALL under a LIMIT, which PostgreSQL runs
# in turn and stops when the LIMIT is met.
SLICES = (5_000, 50_000)


def _in_slices(expression, org_id, kind, fetch):
    branches, params = [], []
    for seen, reach in zip([0, *SLICES], [*SLICES, None], strict=True):
        where, args = "", [expression]
        if reach is not None:
            where += f" AND org_id = %s AND kind = %s AND object_id > ({_NEWEST}) - %s"
            args += [org_id, kind, org_id, kind, reach]
        if seen:
            where += f" AND object_id + 0 <= ({_NEWEST}) - %s"
            args += [org_id, kind, seen]
        branches.append(f"({_MATCH}{where}{_NEWEST_FIRST})")
        params += [*args, fetch]
    union = " UNION ALL ".join(branches)
    sql = f"SELECT object_id FROM ({union} LIMIT %s) AS found"  # noqa: S608
    return f"({sql})", [*params, fetch]
