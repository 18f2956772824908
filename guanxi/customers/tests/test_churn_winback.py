"""The churn scan gives every customer it moves to dormant a win-back care task (唤醒):
for the owner, unassigned in the pool or without an active owner, in the scan's own
transaction, never a second open one, with the same queries for 1 or 30 customers."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.customers import care, lifecycle, pool, services
from guanxi.customers.models import CareTask, Customer, LifecycleChange
from guanxi.orgs.models import Employee
from guanxi.orgs.tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
Stage = Customer.Lifecycle
Kind = CareTask.Kind
D = datetime.date
TODAY = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
LONG_AGO = D(2025, 1, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _customer(world, name, *, owner=None, stage=Stage.REPEAT, last_order=LONG_AGO):
    """A customer of ``owner`` (rep_a unless told) whose stage was set long ago."""
    with org_scope(world.org):
        customer = services.customer_create(actor=owner or world.rep_a, name=name)
        Customer.objects.filter(pk=customer.pk).update(
            lifecycle_stage=stage, last_order_on=last_order
        )
        LifecycleChange.objects.filter(customer=customer).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
        return customer


def _winback(world):
    """``{customer name: (assignee id, department id, due, status)}`` of the win-back tasks."""
    with org_scope(world.org):
        return {
            task.customer.name: (
                task.assignee_id,
                task.assignee_department_id,
                task.due_on,
                task.status,
            )
            for task in CareTask.objects.filter(kind=Kind.WINBACK).select_related("customer")
        }


def test_each_customer_moved_gets_one_task_for_its_owner_across_batches(world):
    for i in range(3):
        _customer(world, f"甲{i}")
    _customer(world, "乙", owner=world.rep_b, stage=Stage.NEW)
    _customer(world, "未到期", last_order=D(2026, 5, 1))  # not dormant: no task
    _customer(world, "潜在", stage=Stage.POTENTIAL)  # not scanned: no task
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk, batch_size=2) == 4
    tasks = _winback(world)
    east, north = world.rep_a.department_id, world.rep_b.department_id
    assert tasks == {
        "甲0": (world.rep_a.pk, east, D(2026, 6, 1), "open"),
        "甲1": (world.rep_a.pk, east, D(2026, 6, 1), "open"),
        "甲2": (world.rep_a.pk, east, D(2026, 6, 1), "open"),
        "乙": (world.rep_b.pk, north, D(2026, 6, 1), "open"),
    }
    with org_scope(world.org):
        task = CareTask.objects.get(customer__name="乙")
        assert task.title == "唤醒休眠客户乙" and task.get_kind_display() == "唤醒"
        # the owner finds it among their due care tasks
        assert [t.customer.name for t in care.due_tasks(employee=world.rep_b)] == ["乙"]


def test_pool_customers_and_departed_owners_leave_the_task_unassigned(world):
    pooled = _customer(world, "公海客户")
    leaver = EmployeeFactory(org=world.org, department=world.rep_a.department, name="离职者")
    orphan = _customer(world, "离职者的客户")
    with org_scope(world.org):
        Customer.objects.filter(pk=orphan.pk).update(owner=leaver)
        Customer.objects.filter(pk=pooled.pk).update(in_pool=True, owner=None, department=None)
        Employee.objects.filter(pk=leaver.pk).update(status=Employee.Status.LEFT)
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 2
    assert _winback(world) == {
        "公海客户": (None, None, D(2026, 6, 1), "open"),
        "离职者的客户": (None, None, D(2026, 6, 1), "open"),
    }
    # whoever claims the pool customer the same day takes the task with it
    with org_scope(world.org):
        pool.pool_claim(actor=world.rep_b, customer_ids=[pooled.pk])
    assert _winback(world)["公海客户"][0] == world.rep_b.pk


def test_rerun_and_open_task_are_not_duplicated(world):
    customer = _customer(world, "反复休眠")
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 0  # already dormant
    assert len(_winback(world)) == 1
    # back to "repeat" long ago, dormant again while the first task is still open
    with org_scope(world.org):
        Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=Stage.REPEAT)
        LifecycleChange.objects.filter(customer=customer).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    with org_scope(world.org):
        assert CareTask.objects.filter(customer=customer, kind=Kind.WINBACK).count() == 1
        # once that task is done, the next time it goes dormant brings a new one
        task = CareTask.objects.get(customer=customer, kind=Kind.WINBACK)
        care.care_task_complete(actor=world.rep_a, task=task, note="电话回访")
        Customer.objects.filter(pk=customer.pk).update(lifecycle_stage=Stage.REPEAT)
        LifecycleChange.objects.filter(customer=customer).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    with org_scope(world.org):
        statuses = CareTask.objects.filter(customer=customer, kind=Kind.WINBACK)
        assert sorted(statuses.values_list("status", flat=True)) == ["done", "open"]


def test_tasks_are_written_in_the_batch_transaction(world, monkeypatch):
    """If the tasks cannot be written, the batch's customers are not moved either."""
    customer = _customer(world, "同一事务")

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(care, "care_winback_create", broken)
    with pytest.raises(RuntimeError):
        lifecycle.lifecycle_churn_scan(org=world.org.pk)
    with org_scope(world.org):
        assert Customer.objects.get(pk=customer.pk).lifecycle_stage == Stage.REPEAT
        assert not LifecycleChange.objects.filter(customer=customer, reason="no_purchase").exists()
    assert _winback(world) == {}


def _scan_queries(world, count):
    for i in range(count):
        _customer(world, f"客户{count}-{i}", owner=(world.rep_a, world.rep_b)[i % 2])
    with CaptureQueriesContext(connection) as queries:
        assert lifecycle.lifecycle_churn_scan(org=world.org.pk, batch_size=100) == count
    with org_scope(world.org):
        assert CareTask.objects.filter(kind=Kind.WINBACK, status="open").count() == count
    return len(queries)


def test_query_count_is_the_same_for_one_and_thirty_customers(world, other_world):
    one = _scan_queries(world, 1)
    with org_scope(world.org):
        CareTask.objects.all().delete()
        Customer.objects.all().delete()
    assert _scan_queries(world, 30) == one


def test_other_orgs_get_no_tasks(world, other_world):
    _customer(world, "本组织")
    assert lifecycle.lifecycle_churn_scan(org=other_world.org.pk) == 0
    with org_scope(other_world.org):
        assert not CareTask.objects.exists()
    assert _winback(world) == {}


def test_a_second_open_win_back_task_by_hand_is_refused(world):
    customer = _customer(world, "手工唤醒")
    lifecycle.lifecycle_churn_scan(org=world.org.pk)
    with org_scope(world.org), pytest.raises(BusinessRuleError) as refused:
        care.care_task_create(
            actor=world.rep_a, customer=customer, title="再唤醒", due_on=D(2026, 6, 3),
            kind=Kind.WINBACK,
        )  # fmt: skip
    assert "已有未完成的唤醒任务" in str(refused.value.message)
    assert len(_winback(world)) == 1
