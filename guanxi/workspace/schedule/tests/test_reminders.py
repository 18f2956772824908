"""The minute scan notifies the assignee and participants once per reminder."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from guanxi.core.tenancy import org_scope
from guanxi.workspace.notifications.models import Notification
from guanxi.workspace.schedule import services, tasks

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


def _sent(world):
    with org_scope(world.org):
        return sorted(
            Notification.objects.filter(kind="task_due").values_list("recipient_id", "title")
        )


def test_reminders_go_out_once_to_assignee_and_participants(world, other_world):
    with org_scope(world.org):
        task = services.task_create(
            actor=world.rep_a,
            title="回访客户",
            due_at=at(10, 10),
            reminder_minutes=30,
            participants=[world.rep_b],
        )
        services.event_create(
            actor=world.rep_b, title="周会", starts_at=at(10, 11), reminder_minutes=10
        )
        services.task_create(actor=world.rep_a, title="不提醒", due_at=at(10, 10))
    with org_scope(other_world.org):
        services.task_create(
            actor=other_world.admin, title="别家", due_at=at(10, 10), reminder_minutes=60
        )

    with time_machine.travel(at(10, 9, 0), tick=False):
        tasks.schedule_reminders_minutely.call_local()
    assert _sent(world) == []  # not yet
    with time_machine.travel(at(10, 9, 31), tick=False):
        tasks.schedule_reminders_minutely.call_local()
        tasks.schedule_reminders_minutely.call_local()  # the next minute: nothing new
    assert _sent(world) == sorted(
        [(world.rep_a.pk, "任务到期：回访客户"), (world.rep_b.pk, "任务到期：回访客户")]
    )
    with org_scope(world.org):
        note = Notification.objects.filter(recipient=world.rep_a).get()
    assert note.link == "/calendar/?view=day&at=2026-12-10" and "10:00" in note.body
    with time_machine.travel(at(10, 10, 55), tick=False):
        tasks.schedule_reminders_minutely.call_local()
    assert (world.rep_b.pk, "日程提醒：周会") in _sent(world)
    assert len(_sent(world)) == 3
    with org_scope(other_world.org):
        assert Notification.objects.filter(kind="task_due").count() == 1

    # moved to the next day: reminded again at the new time, once
    with org_scope(world.org):
        services.reschedule(actor=world.rep_a, item=task, due_at=at(11, 10))
    with time_machine.travel(at(11, 9, 45), tick=False):
        tasks.schedule_reminders_minutely.call_local()
        tasks.schedule_reminders_minutely.call_local()
    assert len(_sent(world)) == 5
