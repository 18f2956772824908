"""Query planner statistics of the embedded database (SQLite).

PostgreSQL keeps its own: autovacuum analyzes a table as it changes. SQLite has none
until ``ANALYZE`` runs, and a migration that rebuilds a table drops that table's. Without
them the planner guesses, and at scale it guesses badly: counting a sales manager's
customers (owner or department, of one org) walked all of the org's customers through the
"live customers" index — 0.5 s on a million — instead of joining the owner and department
indexes (30 ms), which it does once it knows how many rows each index value stands for.

``refresh`` analyzes each table of at least ``MIN_ROWS`` rows that has no statistics or
whose row count has moved by more than ``DRIFT`` since it was analyzed, one table per
statement (SQLite holds its write lock for one table's analysis at a time). It runs after
every ``migrate`` (tables without statistics only) and every night. Smaller tables are
left alone: their plans do not matter, and tests keep the plans of an unanalyzed database.
"""

from django.db import connections

MIN_ROWS = 1000
DRIFT = 1.5
# the full-text index and its shadow tables keep statistics of their own
SKIPPED_PREFIXES = ("sqlite_", "search_fts")


def _analyzed_rows(cursor):
    """``{table: rows when analyzed}`` from ``sqlite_stat1`` (absent before any ANALYZE)."""
    cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT tbl, stat FROM sqlite_stat1")
    found: dict[str, int] = {}
    for table, stat in cursor.fetchall():
        rows = int((stat or "0").split()[0])
        found[table] = max(rows, found.get(table, 0))
    return found


def stale_tables(*, using="default", only_missing=False):
    """Tables ``refresh`` would analyze now."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    stale = []
    with connection.cursor() as cursor:
        analyzed = _analyzed_rows(cursor)
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            if table.startswith(SKIPPED_PREFIXES):
                continue
            if only_missing and table in analyzed:
                continue
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - a table name
            rows = cursor.fetchone()[0]
            if rows < MIN_ROWS:
                continue
            before = analyzed.get(table)
            if before is None or not (before / DRIFT <= rows <= before * DRIFT):
                stale.append(table)
    return stale


def refresh(*, using="default", only_missing=False):
    """Analyze the stale tables (SQLite; nothing on other databases). Returns their names."""
    connection = connections[using]
    tables = stale_tables(using=using, only_missing=only_missing)
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA analysis_limit = 0")  # exact: sampled counts mislead
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')
    return tables


def after_migrate(sender, using="default", **kwargs):
    """``post_migrate``: tables a migration created or rebuilt get their statistics."""
    refresh(using=using, only_missing=True)
