"""Helpers of the sales modules' concurrency tests: threads released together, each on
its own database connection, and the mark that keeps them to PostgreSQL."""

import threading

import pytest
from django.db import connection

# SQLite serialises writers on the file lock: the races these tests guard against
# cannot happen there
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks between concurrent connections: run with DATABASE_URL on PostgreSQL",
)


def at_once(count, work):
    """Run ``work(n)`` for n in 0..count-1 in threads released together by a barrier;
    returns ``(results, errors)`` (the exceptions raised, for the test to assert)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def worker(n):
        try:
            barrier.wait(timeout=10)
            results.append(work(n))
        except Exception as exc:  # collected and asserted by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors
