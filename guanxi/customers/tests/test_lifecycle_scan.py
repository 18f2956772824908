"""Order events keep the last order date; the nightly churn scan moves new and repeat
customers with no purchase for ``churn_threshold_days`` days to dormant."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import org_scope
from guanxi.customers import lifecycle, services, tasks
from guanxi.customers.models import Customer, LifecycleChange, LifecycleScan
from guanxi.orgs.models import OrgSettings

pytestmark = pytest.mark.django_db
Stage = Customer.Lifecycle
D = datetime.date
TODAY = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def _customer(world, name, *, stage=Stage.TARGET, last_order=None):
    with org_scope(world.org):
        customer = services.customer_create(actor=world.rep_a, name=name)
        Customer.objects.filter(pk=customer.pk).update(
            lifecycle_stage=stage, last_order_on=last_order
        )
        LifecycleChange.objects.filter(customer=customer).update(
            created_at=timezone.now() - datetime.timedelta(days=400)
        )
        customer.refresh_from_db()
        return customer


def _stage(customer):
    with org_scope(customer.org_id):
        return Customer.objects.get(pk=customer.pk).lifecycle_stage


def _threshold(world, days):
    with org_scope(world.org):
        OrgSettings.objects.filter(org=world.org).update(churn_threshold_days=days)


def test_order_events_set_the_last_order_date_and_never_move_it_back(world):
    customer = _customer(world, "下单客户", stage=Stage.OPPORTUNITY)
    with org_scope(world.org):
        assert services.lifecycle_event(customer=customer, event="first_order") is True
        customer.refresh_from_db()
        assert (customer.lifecycle_stage, customer.last_order_on) == (Stage.NEW, D(2026, 6, 1))
        # an older order recorded late keeps the newer date; the stage still moves
        assert services.lifecycle_event(customer=customer, event="repeat_order", on=D(2026, 3, 1))
        customer.refresh_from_db()
        assert (customer.lifecycle_stage, customer.last_order_on) == (Stage.REPEAT, D(2026, 6, 1))
        # a repeat customer ordering again: no stage change, but the date would move on
        Customer.objects.filter(pk=customer.pk).update(last_order_on=D(2026, 1, 1))
        assert (
            services.lifecycle_event(customer=customer, event="repeat_order", on="2026-05-20")
            is False
        )
        assert Customer.objects.get(pk=customer.pk).last_order_on == D(2026, 5, 20)
        # a future date counts as today; a deal lost does not touch the date
        services.lifecycle_event(customer=customer, event="repeat_order", on=D(2027, 1, 1))
        assert Customer.objects.get(pk=customer.pk).last_order_on == D(2026, 6, 1)


def test_an_event_stage_change_is_audited_and_bumps_the_version(world):
    customer = _customer(world, "审计客户", stage=Stage.POTENTIAL)
    with org_scope(world.org):
        version = customer.version
        services.lifecycle_event(customer=customer, event="deal_lost")
        assert Customer.objects.get(pk=customer.pk).version == version + 1
        record = ChangeRecord.objects.filter(object_id=str(customer.pk)).order_by("-id").first()
        assert record.changes == {"lifecycle_stage": {"old": "potential", "new": "lost"}}
        assert record.actor is None


def test_a_bad_order_date_is_refused_without_writing(world):
    from django.core.exceptions import ValidationError

    customer = _customer(world, "错误日期", stage=Stage.OPPORTUNITY)
    with org_scope(world.org), pytest.raises(ValidationError):
        services.lifecycle_event(customer=customer, event="first_order", on="not a date")
    assert _stage(customer) == Stage.OPPORTUNITY


def test_scan_moves_only_new_and_repeat_customers_past_the_threshold(world):
    _threshold(world, 90)
    old_new = _customer(world, "久未购买新客户", stage=Stage.NEW, last_order=D(2026, 3, 1))
    old_repeat = _customer(world, "久未购买老客户", stage=Stage.REPEAT, last_order=D(2025, 1, 1))
    edge = _customer(world, "刚好90天", stage=Stage.REPEAT, last_order=D(2026, 3, 3))
    fresh = _customer(world, "最近购买", stage=Stage.REPEAT, last_order=D(2026, 5, 1))
    unknown = _customer(world, "无下单日期", stage=Stage.REPEAT)
    lost = _customer(world, "流失客户", stage=Stage.LOST, last_order=D(2024, 1, 1))
    moved = lifecycle.lifecycle_churn_scan(org=world.org.pk)
    assert moved == 2
    assert _stage(old_new) == _stage(old_repeat) == Stage.DORMANT
    assert _stage(edge) == _stage(fresh) == _stage(unknown) == Stage.REPEAT
    assert _stage(lost) == Stage.LOST
    with org_scope(world.org):
        change = LifecycleChange.objects.filter(customer=old_new).first()
        assert (change.from_stage, change.to_stage, change.reason, change.actor) == (
            "new", "dormant", "no_purchase", None,
        )  # fmt: skip
        audit = ChangeRecord.objects.filter(object_id=str(old_repeat.pk)).order_by("-id").first()
        assert audit.changes == {"lifecycle_stage": {"old": "repeat", "new": "dormant"}}
        assert Customer.objects.get(pk=old_new.pk).version == old_new.version + 1
        scan = LifecycleScan.objects.get()
        assert (scan.threshold_days, scan.moved, scan.actor) == (90, 2, None)


def test_the_threshold_parameter_decides(world):
    customer = _customer(world, "参数客户", stage=Stage.REPEAT, last_order=D(2026, 4, 1))
    _threshold(world, 90)
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 0
    _threshold(world, 30)
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    assert _stage(customer) == Stage.DORMANT


def test_scan_is_idempotent(world):
    customer = _customer(world, "重复扫描", stage=Stage.NEW, last_order=D(2025, 6, 1))
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 0
    with org_scope(world.org):
        assert LifecycleChange.objects.filter(customer=customer, reason="no_purchase").count() == 1
        assert list(LifecycleScan.objects.values_list("moved", flat=True)) == [0, 1]


def test_manual_override_holds_until_the_threshold_passes_again(world, api):
    _threshold(world, 60)
    customer = _customer(world, "手动唤醒", stage=Stage.NEW, last_order=D(2026, 1, 1))
    lifecycle.lifecycle_churn_scan(org=world.org.pk)
    assert _stage(customer) == Stage.DORMANT
    # a rep wakes it up by hand (win-back): it stays repeat on the next nights
    with org_scope(world.org):
        version = Customer.objects.get(pk=customer.pk).version
    response = api(world.rep_a).patch(
        f"/api/v1/customers/{customer.pk}",
        {"lifecycle_stage": "repeat", "version": version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 0
    assert _stage(customer) == Stage.REPEAT
    # a manual change to any stage is still possible after the scan moved it
    with time_machine.travel(TODAY + datetime.timedelta(days=61), tick=False):
        assert lifecycle.lifecycle_churn_scan(org=world.org.pk) == 1
    assert _stage(customer) == Stage.DORMANT
    with org_scope(world.org):
        reasons = list(
            LifecycleChange.objects.filter(customer=customer).values_list("reason", flat=True)
        )
    assert reasons[:3] == ["no_purchase", "manual", "no_purchase"]


def test_a_stale_edit_form_cannot_undo_the_scan(world):
    from guanxi.core.errors import StaleVersion

    customer = _customer(world, "旧表单", stage=Stage.REPEAT, last_order=D(2025, 1, 1))
    lifecycle.lifecycle_churn_scan(org=world.org.pk)
    with org_scope(world.org), pytest.raises(StaleVersion):
        services.customer_update(
            actor=world.rep_a, customer=customer, version=customer.version, notes="x"
        )
    assert _stage(customer) == Stage.DORMANT


def _count_queries(world, n, batch_size):
    for i in range(n):
        _customer(world, f"批量{n}-{i}", stage=Stage.REPEAT, last_order=D(2025, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        moved = lifecycle.lifecycle_churn_scan(org=world.org.pk, batch_size=batch_size)
    assert moved == n
    return len(queries)


def test_query_count_does_not_grow_with_the_customers(world):
    few = _count_queries(world, 3, 100)
    many = _count_queries(world, 12, 100)
    assert few == many


def test_batches_cover_every_customer(world):
    for i in range(7):
        _customer(world, f"分批{i}", stage=Stage.NEW, last_order=D(2025, 1, 1))
    assert lifecycle.lifecycle_churn_scan(org=world.org.pk, batch_size=3) == 7
    with org_scope(world.org):
        assert not Customer.objects.filter(lifecycle_stage=Stage.NEW).exists()
        assert LifecycleChange.objects.filter(reason="no_purchase").count() == 7


def test_daily_job_scans_every_org_separately(world, other_world):
    mine = _customer(world, "本组织", stage=Stage.REPEAT, last_order=D(2026, 2, 1))
    theirs = _customer(other_world, "他组织", stage=Stage.REPEAT, last_order=D(2026, 2, 1))
    _threshold(other_world, 200)
    result = tasks.lifecycle_churn_daily.call_local()
    assert result[world.org.pk] == 1 and result[other_world.org.pk] == 0
    assert _stage(mine) == Stage.DORMANT and _stage(theirs) == Stage.REPEAT


def test_lifecycle_page_shows_the_last_scan_and_who_may_run_it(world, web):
    _customer(world, "页面客户", stage=Stage.REPEAT, last_order=D(2025, 1, 1))
    client = web(world.rep_a)
    box = client.get("/customers/lifecycle/scan/").content.decode()
    assert "尚未运行" in box and "lifecycle-scan-run" not in box
    assert client.post("/customers/lifecycle/scan/run/").status_code == 403
    assert _stage_count(world, Stage.REPEAT) == 1
    admin = web(world.admin)
    response = admin.post("/customers/lifecycle/scan/run/")
    assert response.status_code == 302
    box = admin.get("/customers/lifecycle/scan/").content.decode()
    assert "1 个客户转为休眠" in box and "lifecycle-scan-run" in box
    assert (
        'hx-get="/customers/lifecycle/scan/"' in admin.get("/customers/lifecycle/").content.decode()
    )


def _stage_count(world, stage):
    with org_scope(world.org):
        return Customer.objects.filter(lifecycle_stage=stage).count()
