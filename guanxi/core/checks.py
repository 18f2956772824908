"""Start-up checks (``manage.py check --database default``, run by ``guanxi serve``)."""

from django.core.checks import Error, Tags, register
from django.db import connections


@register(Tags.database)
def postgres_utf8_ctype(app_configs, databases=None, **kwargs):
    """pg_trgm indexes Chinese text only when the database's LC_CTYPE is UTF-8."""
    problems = []
    for alias in databases or []:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT datctype FROM pg_database WHERE datname = current_database()")
            (ctype,) = cursor.fetchone()
        if "utf" not in ctype.lower().replace("-", ""):
            problems.append(
                Error(
                    f"Database '{alias}' has LC_CTYPE {ctype!r}; Chinese search needs a UTF-8 "
                    "locale.",
                    hint="Create the database with LC_CTYPE 'C.UTF-8' (see docs/en/operations.md).",
                    id="guanxi.E001",
                )
            )
    return problems
