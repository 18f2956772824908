"""What follows a customer into and out of the public pool: the audit trail (also of the
automatic return, written in bulk) and the open care tasks."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guanxi.audit import display
from guanxi.audit.models import ChangeRecord
from guanxi.audit.selectors import history_for
from guanxi.core.tenancy import all_orgs, org_scope
from guanxi.customers import care, pool, services
from guanxi.customers.models import CareTask, Contact, Customer, PoolEvent
from guanxi.orgs import policy
from guanxi.orgs.models import OrgSettings
from guanxi.search import selectors as search_selectors

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
D = datetime.date


def _customers(world, n, owner, prefix="客户"):
    with org_scope(world.org):
        return [
            services.customer_create(actor=world.admin, name=f"{prefix}{i}", owner=owner)
            for i in range(n)
        ]


def _customer_changes(world, customer):
    with org_scope(world.org):
        return [
            r
            for r in history_for(customer)
            if r.action == ChangeRecord.Action.UPDATE and "in_pool" in r.changes
        ]


def _task(world, customer, assignee, due_on, **extra):
    with org_scope(world.org):
        return CareTask.objects.create(
            org=world.org,
            customer=customer,
            kind=extra.pop("kind", CareTask.Kind.CUSTOM),
            title=extra.pop("title", "关怀"),
            due_on=due_on,
            assignee=assignee,
            assignee_department_id=assignee.department_id if assignee else None,
            **extra,
        )


def _auto_return(world, n, *, batch_size=pool.BATCH_SIZE):
    """``n`` customers of rep_a become stale; returns (customers, queries of the run)."""
    with time_machine.travel(START, tick=False):
        customers = _customers(world, n, world.rep_a, prefix=f"陈旧{n}-")
    later = START + datetime.timedelta(days=40)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
        assert pool.pool_auto_return(org=world.org, batch_size=batch_size) == n
    return customers, len(queries)


# ---- audit of the automatic return --------------------------------------------------------


def test_auto_return_writes_an_audit_entry_per_customer_shown_in_its_history(world):
    customers, _queries = _auto_return(world, 3)
    for customer in customers:
        (record,) = _customer_changes(world, customer)
        assert record.actor is None and record.actor_name == ""
        assert record.object_repr == customer.name
        assert record.changes == {
            "department": {"old": {"id": world.east.pk, "repr": "华东组"}, "new": None},
            "in_pool": {"old": False, "new": True},
            "owner": {"old": {"id": world.rep_a.pk, "repr": "张三"}, "new": None},
        }
        rows = {
            row.name: (row.old, row.new)
            for row in display.describe_changes(record, employee=world.admin)
        }
        assert rows["owner"] == ("张三", "—")
        assert rows["department"] == ("华东组", "—")
    with org_scope(world.org):
        assert PoolEvent.objects.filter(action=PoolEvent.Action.AUTO_RETURN).count() == 3


def test_customer_page_history_shows_the_automatic_return_by_the_system(world, web):
    (customer,), _queries = _auto_return(world, 1)
    page = web(world.admin).get(f"/customers/{customer.pk}/").content.decode()
    assert "张三" in page and "系统" in page


def test_auto_return_queries_do_not_grow_with_the_customers_returned(world):
    _few, few_queries = _auto_return(world, 2)
    with all_orgs():
        Customer.objects.all().delete()
    _many, many_queries = _auto_return(world, 40)
    assert many_queries == few_queries
    with org_scope(world.org):
        assert (
            ChangeRecord.objects.filter(entity="customers.customer", action="update").count() == 42
        )


def test_auto_return_batches_cost_the_same_queries_each(world):
    _one, one_batch = _auto_return(world, 5, batch_size=5)
    with all_orgs():
        Customer.objects.all().delete()
    _two, two_batches = _auto_return(world, 10, batch_size=5)
    per_batch = two_batches - one_batch  # a loop that ends on a short batch: no extra select
    assert 0 < per_batch < one_batch


# ---- audit of moves by hand ---------------------------------------------------------------


def test_release_claim_and_assign_are_audited_with_names_in_bulk(world):
    one = _customers(world, 1, world.rep_a, "单个")
    many = _customers(world, 12, world.rep_a, "多个")
    with org_scope(world.org):
        policy.can(world.rep_a, "customers.view")  # the rep's permissions: once per request
    counts = []
    for batch in (one, many):
        with org_scope(world.org), CaptureQueriesContext(connection) as queries:
            pool.pool_release(
                actor=world.rep_a, customer_ids=[c.pk for c in batch], reason="无意向"
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_b, customer_ids=[one[0].pk])
        pool.pool_assign(
            actor=world.manager, customer_ids=[c.pk for c in many], to_employee=world.rep_a
        )
    release, claim = sorted(_customer_changes(world, one[0]), key=lambda r: r.pk)
    assert release.actor == world.rep_a and release.changes["owner"]["old"]["repr"] == "张三"
    assert claim.actor == world.rep_b
    assert claim.changes == {
        "department": {"old": None, "new": {"id": world.north.pk, "repr": "华北组"}},
        "in_pool": {"old": True, "new": False},
        "owner": {"old": None, "new": {"id": world.rep_b.pk, "repr": "李四"}},
    }
    assigned = _customer_changes(world, many[5])
    assert [r.actor for r in sorted(assigned, key=lambda r: r.pk)] == [world.rep_a, world.manager]


# ---- care tasks follow the customer -------------------------------------------------------


def test_release_unassigns_the_owners_open_care_tasks_only(world):
    (customer,) = _customers(world, 1, world.rep_a)
    with time_machine.travel(START, tick=False):
        mine = _task(world, customer, world.rep_a, D(2026, 3, 10))
        done = _task(world, customer, world.rep_a, D(2026, 2, 10), status=CareTask.Status.DONE)
        colleague = _task(world, customer, world.rep_b, D(2026, 3, 12))
        with org_scope(world.org):
            pool.pool_release(actor=world.rep_a, customer_ids=[customer.pk], reason="无意向")
            assert list(care.due_tasks(employee=world.rep_a, today=D(2026, 3, 9))) == []
    with org_scope(world.org):
        mine.refresh_from_db(), done.refresh_from_db(), colleague.refresh_from_db()
    assert (mine.status, mine.assignee, mine.assignee_department) == ("open", None, None)
    assert (done.status, done.assignee) == ("done", world.rep_a)
    assert (colleague.status, colleague.assignee) == ("open", world.rep_b)


def test_auto_return_unassigns_care_tasks_and_claim_hands_them_over(world):
    with time_machine.travel(START, tick=False):
        (customer,) = _customers(world, 1, world.rep_a)
        with org_scope(world.org):
            contact = services.contact_create(actor=world.rep_a, customer=customer, name="陈静")
    soon = _task(world, customer, world.rep_a, D(2026, 4, 20), title="生日", contact=contact,
                 kind=CareTask.Kind.BIRTHDAY)  # fmt: skip
    missed = _task(world, customer, world.rep_a, D(2026, 4, 5), title="纪念日")
    noted = _task(world, customer, world.rep_a, D(2026, 4, 6), note="准备茶叶")
    with time_machine.travel(START + datetime.timedelta(days=31), tick=False):
        assert pool.pool_auto_return(org=world.org) == 1
    with org_scope(world.org):
        assert not CareTask.objects.filter(assignee__isnull=False).exists()
        assert Contact.objects.get().owner is None
    claim_day = datetime.datetime(2026, 4, 10, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(claim_day, tick=False), org_scope(world.org):
        pool.pool_claim(actor=world.rep_b, customer_ids=[customer.pk])
        due = list(care.due_tasks(employee=world.rep_b, today=D(2026, 4, 18)))
    assert due == [soon]
    with org_scope(world.org):
        soon.refresh_from_db(), missed.refresh_from_db(), noted.refresh_from_db()
    assert (soon.status, soon.assignee, soon.assignee_department) == (
        "open",
        world.rep_b,
        world.north,
    )
    assert (missed.status, missed.assignee) == ("cancelled", None)
    assert missed.note == "客户在公海期间已过期"
    assert (noted.status, noted.note) == ("cancelled", "准备茶叶")


def test_assign_hands_unassigned_care_tasks_to_the_new_owner(world):
    (customer,) = _customers(world, 1, world.rep_a)
    task = _task(world, customer, world.rep_a, datetime.date.today() + datetime.timedelta(days=5))
    with org_scope(world.org):
        pool.pool_release(actor=world.rep_a, customer_ids=[customer.pk], reason="无意向")
        pool.pool_assign(actor=world.manager, customer_ids=[customer.pk], to_employee=world.rep_b)
        task.refresh_from_db()
    assert (task.status, task.assignee, task.assignee_department) == (
        "open",
        world.rep_b,
        world.north,
    )


def test_care_generation_skips_pool_customers_and_restarts_for_the_claimer(world):
    with all_orgs():
        OrgSettings.objects.filter(org=world.org).update(birthday_reminder_days=7)
    (customer,) = _customers(world, 1, world.rep_a)
    with org_scope(world.org):
        services.contact_create(
            actor=world.rep_a, customer=customer, name="陈静", birthday=D(1990, 5, 18)
        )
        pool.pool_release(actor=world.rep_a, customer_ids=[customer.pk], reason="无意向")
    assert care.care_generate(org=world.org, today=D(2026, 5, 15)) == 0
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_b, customer_ids=[customer.pk])
    assert care.care_generate(org=world.org, today=D(2026, 5, 15)) == 1
    with org_scope(world.org):
        assert CareTask.objects.get().assignee == world.rep_b


# ---- the search index follows the owner ---------------------------------------------------


def _found(employee, text):
    return [hit.id for hit in search_selectors.search(employee=employee, query=text)]


def test_global_search_follows_the_customer_into_and_out_of_the_pool(world):
    with time_machine.travel(START, tick=False), org_scope(world.org):
        stale, other = (
            services.customer_create(actor=world.admin, name=name, owner=world.rep_a)
            for name in ("星辰科技有限公司", "星辰贸易有限公司")
        )
        assert _found(world.rep_a, "星辰") == [other.pk, stale.pk]
    with time_machine.travel(START + datetime.timedelta(days=40), tick=False):
        assert pool.pool_auto_return(org=world.org) == 2
    with org_scope(world.org):
        assert _found(world.rep_a, "星辰") == []
        pool.pool_claim(actor=world.rep_b, customer_ids=[stale.pk])
        assert _found(world.rep_b, "星辰") == [stale.pk]
        pool.pool_release(actor=world.rep_b, customer_ids=[stale.pk], reason="无意向")
        assert _found(world.rep_b, "星辰") == []
