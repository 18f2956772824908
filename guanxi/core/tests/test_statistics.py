"""SQLite planner statistics: tables big enough to matter are analyzed when they have no
statistics or have grown since; the manager's scoped customer count then joins the owner
and department indexes instead of walking every customer of the org."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from guanxi.core import statistics
from guanxi.core.tenancy import org_scope
from guanxi.customers.models import Customer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only"),
]


def _stats(table):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone()[0]:
            return []
        cursor.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = %s", [table])
        return cursor.fetchall()


def _customers(world, count, *, start=0):
    now = timezone.now()
    owners = [world.rep_a, world.rep_b, world.manager, world.admin]
    Customer.objects.bulk_create(
        [
            Customer(
                org=world.org, code=f"S{start + i:06d}", name=f"统计客户{start + i}",
                owner=owners[i % 4] if i % 50 else world.rep_a, department=owners[i % 4].department,
                created_at=now, updated_at=now, registered_on=datetime.date(2026, 1, 1),
            )
            for i in range(count)
        ],
        batch_size=1000,
    )  # fmt: skip


def test_small_tables_are_left_alone(world):
    with org_scope(world.org):
        _customers(world, statistics.MIN_ROWS - 10)
    assert "customers_customer" not in statistics.refresh()
    assert _stats("customers_customer") == []


def test_a_table_without_statistics_is_analyzed_and_again_once_it_has_grown(world):
    with org_scope(world.org):
        _customers(world, 1200)
    assert "customers_customer" in statistics.refresh()
    assert _stats("customers_customer")
    assert "customers_customer" not in statistics.refresh()  # nothing changed since
    with org_scope(world.org):
        _customers(world, 300, start=1200)  # a quarter more: within the drift
    assert "customers_customer" not in statistics.refresh()
    with org_scope(world.org):
        _customers(world, 1500, start=1500)  # now over half again
    assert "customers_customer" in statistics.refresh()
    rows = max(int(stat.split()[0]) for _idx, stat in _stats("customers_customer"))
    assert rows == 3000


def test_after_migrate_only_fills_in_what_is_missing(world):
    with org_scope(world.org):
        _customers(world, 1200)
    statistics.after_migrate(sender=None)
    assert _stats("customers_customer")
    with org_scope(world.org):
        _customers(world, 3000, start=1200)
    assert "customers_customer" not in statistics.stale_tables(only_missing=True)
    assert "customers_customer" in statistics.stale_tables()


def test_with_statistics_the_scoped_count_joins_owner_and_department(world):
    with org_scope(world.org):
        _customers(world, 4000)
    sql = (
        "SELECT count(*) FROM (SELECT id FROM customers_customer WHERE org_id = %s AND "
        "deleted_at IS NULL AND (owner_id = %s OR department_id IN (%s)) LIMIT 10001)"
    )
    args = [world.org.pk, world.rep_a.pk, world.rep_a.department_id]
    statistics.refresh()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, args)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "customer_org_live" not in plan, plan
