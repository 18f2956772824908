#!/usr/bin/env python3
"""Exit 0 when a PostgreSQL server answers at TEST_POSTGRES_URL (default: local).

With ``--url`` print the URL to use for the test run.
"""

import os
import sys

URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@localhost:5432/guanxi")


def main():
    if "--url" in sys.argv:
        print(URL)
        return 0
    try:
        import psycopg
    except ImportError:
        return 1
    base = URL.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(base, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception:  # not reachable, wrong credentials: no PostgreSQL run
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
