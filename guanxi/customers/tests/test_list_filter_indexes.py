"""The customer list's value tier and credit limit conditions are served by their own
(org, field) indexes instead of walking the org's rows; the contact title condition
(a "contains" match) is one no B-tree index can serve, so it has none."""

import decimal
import random

import pytest
from django.db import connection

from guanxi.core.tenancy import org_scope
from guanxi.customers import selectors
from guanxi.customers.filters import ContactFilter, CustomerFilter
from guanxi.customers.models import Contact, Customer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan"),
]


def _plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return " | ".join(row[-1] for row in cursor.fetchall())


@pytest.fixture
def book(world, other_world):
    """Two orgs of a few thousand customers with spread tiers and credit limits, and
    the planner's statistics."""
    rnd = random.Random(7)
    for org, owner in ((world.org, world.admin), (other_world.org, other_world.admin)):
        with org_scope(org):
            customers = Customer.objects.bulk_create(
                [
                    Customer(
                        org=org,
                        code=f"K{org.pk}-{i}",
                        name=f"客户{i}",
                        owner=owner,
                        department_id=owner.department_id,
                        value_tier=rnd.choice(["A", "B", "C", "D", "", "", "", ""]),
                        credit_limit=decimal.Decimal(rnd.choice([0, 0, 0, 1000, 5000, 20000])),
                    )
                    for i in range(3000)
                ],
                batch_size=1000,
            )
            Contact.objects.bulk_create(
                [
                    Contact(org=org, customer=c, name=f"联系人{c.pk}", title="经理", owner=owner)
                    for c in customers[:1000]
                ],
                batch_size=1000,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _customers(world, query):
    with org_scope(world.org):
        found = CustomerFilter(query, queryset=selectors.customer_queryset(employee=world.admin))
        return found.qs.order_by("-id")[:21]


def test_value_tier_walks_its_index_in_the_lists_order(world, book):
    plan = _plan(_customers(world, {"value_tier": "A"}))
    assert "USING INDEX customer_org_tier (org_id=? AND value_tier=?)" in plan
    assert "TEMP B-TREE" not in plan  # newest first straight from the index


def test_a_credit_limit_range_reads_its_index(world, book):
    plan = _plan(_customers(world, {"credit_limit_min": "1", "credit_limit_max": "9000"}))
    assert "USING INDEX customer_org_credit (org_id=? AND credit_limit>? AND credit_limit<?)" in (
        plan
    )


def test_the_indexed_lists_still_give_the_right_rows(world, book):
    with org_scope(world.org):
        everyone = Customer.objects.all()
        tier_a = list(everyone.filter(value_tier="A").order_by("-id")[:21])
        credit = list(
            everyone.filter(credit_limit__gte=1, credit_limit__lte=9000).order_by("-id")[:21]
        )
    assert list(_customers(world, {"value_tier": "A"})) == tier_a
    assert list(_customers(world, {"credit_limit_min": "1", "credit_limit_max": "9000"})) == credit


def test_contact_title_contains_is_not_an_index_lookup(world, book):
    with org_scope(world.org):
        contacts = ContactFilter(
            {"title": "经理"}, queryset=selectors.contact_queryset(employee=world.admin)
        ).qs.order_by("-id")[:21]
        plan = _plan(contacts)
    assert "title" not in plan  # LIKE '%经理%' is checked on the rows the org index gives
