"""Tasks and events beside the customer: the 360° card, merges and handovers."""

import datetime

import pytest
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace.schedule import services
from guanxi.workspace.schedule.models import Event, Task

pytestmark = pytest.mark.django_db


def soon(days):
    return timezone.now() + datetime.timedelta(days=days)


def test_the_360_card_loads_after_the_page_with_what_i_may_see(world, web):
    with org_scope(world.org):
        customer = customer_services.customer_create(actor=world.rep_a, name="义乌小商品")
        services.task_create(actor=world.rep_a, title="寄目录", due_at=soon(1), customer=customer)
        services.event_create(
            actor=world.rep_a, title="义乌拜访", starts_at=soon(2), customer=customer
        )
        done = services.task_create(actor=world.rep_a, title="已办", customer=customer)
        services.task_complete(actor=world.rep_a, task=done)
    client = web(world.rep_a)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/calendar/customer/{customer.pk}/card/" in page
    card = client.get(f"/calendar/customer/{customer.pk}/card/").content.decode()
    assert "寄目录" in card and "义乌拜访" in card and "已办" not in card
    assert f"/calendar/new/task/?customer={customer.pk}" in card
    # someone who cannot see the customer gets nothing
    assert web(world.rep_b).get(f"/calendar/customer/{customer.pk}/card/").status_code == 404


def test_a_merge_moves_tasks_and_events_to_the_survivor(world):
    with org_scope(world.org):
        survivor = customer_services.customer_create(actor=world.admin, name="杭州甲公司")
        merged = customer_services.customer_create(actor=world.admin, name="杭州甲公司（重复）")
        task = services.task_create(actor=world.admin, title="回访", customer=merged)
        event = services.event_create(
            actor=world.admin, title="见面", starts_at=soon(1), customer=merged
        )
        preview = customer_services.customers_merge_preview(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[merged.pk]
        )
        counts = {row["key"]: row["count"] for row in preview["related"]}
        assert counts["schedule"] == 2
        customer_services.customers_merge(
            actor=world.admin, survivor_id=survivor.pk, merged_ids=[merged.pk]
        )
        assert Task.objects.get(pk=task.pk).customer_id == survivor.pk
        assert Event.objects.get(pk=event.pk).customer_id == survivor.pk


def test_a_handover_gives_open_tasks_and_coming_events(world):
    with org_scope(world.org):
        customer = customer_services.customer_create(
            actor=world.admin, name="离职交接客户", owner=world.rep_b
        )
        open_task = services.task_create(actor=world.rep_b, title="待办", customer=customer)
        other_task = services.task_create(actor=world.rep_b, title="别的客户的待办")
        done = services.task_create(actor=world.rep_b, title="办完了", customer=customer)
        services.task_complete(actor=world.rep_b, task=done)
        coming = services.event_create(
            actor=world.rep_b, title="下周会议", starts_at=soon(7), customer=customer
        )
        past = services.event_create(
            actor=world.rep_b, title="上周会议", starts_at=soon(-7), customer=customer
        )
        moved = services.handover_open_items(world.rep_b, world.rep_a, [customer.pk], world.admin)
        assert moved == 2
        for item, owner in (
            (Task.objects.get(pk=open_task.pk), world.rep_a),
            (Event.objects.get(pk=coming.pk), world.rep_a),
            (Task.objects.get(pk=other_task.pk), world.rep_b),
            (Task.objects.get(pk=done.pk), world.rep_b),
            (Event.objects.get(pk=past.pk), world.rep_b),
        ):
            assert item.assignee == owner, item.title
        assert Task.objects.get(pk=open_task.pk).department == world.east
        assert Task.objects.get(pk=open_task.pk).version == 2
        log = ChangeRecord.objects.filter(entity="schedule.task", object_id=str(open_task.pk))
        assert log.filter(action="update").exists()
        # handing over everything takes the rest of the open items too
        assert services.handover_open_items(world.rep_b, world.manager, None, world.admin) == 1
        assert Task.objects.get(pk=other_task.pk).assignee == world.manager


def test_handing_customers_over_takes_their_open_tasks_along(world):
    """The customers handover runs the schedule's registered step."""
    with org_scope(world.org):
        customer = customer_services.customer_create(
            actor=world.admin, name="移交带任务客户", owner=world.rep_b
        )
        task = services.task_create(actor=world.rep_b, title="月底回款确认", customer=customer)
        result = customer_services.customers_handover(
            actor=world.admin, from_employee=world.rep_b, to_employee=world.rep_a
        )
        assert result["schedule"] == 1 and result["customers"] == 1
        assert Task.objects.get(pk=task.pk).assignee == world.rep_a
