"""Tasks and events: validation, access, optimistic locking, rescheduling, reminders."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.workspace.schedule import selectors, services
from guanxi.workspace.schedule.models import Event, Task

pytestmark = pytest.mark.django_db

TZ = timezone.get_default_timezone()


def at(day, hour=9, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def scoped(world):
    with org_scope(world.org):
        yield world


def test_task_gets_the_assignee_and_department_and_is_audited(scoped):
    w = scoped
    task = services.task_create(actor=w.rep_a, title="  回访报价  ", due_at=at(3))
    assert task.title == "回访报价"
    assert task.assignee == w.rep_a and task.department == w.east
    assert task.status == Task.Status.OPEN and task.version == 1
    log = ChangeRecord.objects.get(entity="schedule.task", object_id=str(task.pk))
    assert log.action == ChangeRecord.Action.CREATE
    assert log.changes["title"]["new"] == "回访报价"


def test_bad_input_is_refused_with_every_field_named_and_nothing_stored(scoped):
    w = scoped
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            actor=w.rep_a, title="", starts_at=at(3, 10), ends_at=at(3, 9), reminder_minutes=-5
        )
    assert set(caught.value.message_dict) == {"title", "ends_at", "reminder_minutes"}
    with pytest.raises(ValidationError) as caught:
        services.task_create(actor=w.rep_a, title="x" * 201, priority="urgent")
    assert set(caught.value.message_dict) == {"title", "priority"}
    with pytest.raises(ValidationError) as caught:
        services.event_create(
            actor=w.rep_a,
            title="太长",
            starts_at=at(1),
            ends_at=at(1) + datetime.timedelta(days=400),
        )
    assert "ends_at" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.task_create(
            actor=w.rep_a, title="远古", due_at=datetime.datetime(1900, 1, 1, tzinfo=TZ)
        )
    assert not Task.objects.exists() and not Event.objects.exists()


def test_all_day_items_cover_whole_local_days(scoped):
    w = scoped
    event = services.event_create(
        actor=w.rep_a, title="展会", starts_at=at(3, 15), ends_at=at(4, 8), all_day=True
    )
    assert event.starts_at == at(3, 0) and event.ends_at == at(5, 0)
    one_day = services.event_create(actor=w.rep_a, title="团建", starts_at=at(6), all_day=True)
    assert (one_day.starts_at, one_day.ends_at) == (at(6, 0), at(7, 0))
    task = services.task_create(actor=w.rep_a, title="报税", due_at=at(8, 17), all_day=True)
    assert task.due_at == at(8, 0)


def test_stale_version_is_refused_and_nothing_changes(scoped):
    w = scoped
    task = services.task_create(actor=w.rep_a, title="准备合同", due_at=at(3))
    services.task_update(actor=w.rep_a, task=task, version=1, title="准备合同草稿")
    with pytest.raises(StaleVersion):
        services.task_update(actor=w.rep_a, task=task, version=1, title="旧的编辑")
    task.refresh_from_db()
    assert task.title == "准备合同草稿" and task.version == 2


def test_reschedule_moves_the_task_or_keeps_the_events_length(scoped):
    w = scoped
    task = services.task_create(actor=w.rep_a, title="寄样品", due_at=at(3, 14))
    moved = services.reschedule(actor=w.rep_a, item=task, due_at=at(5, 14), version=1)
    assert moved.due_at == at(5, 14) and moved.version == 2
    event = services.event_create(
        actor=w.rep_a, title="拜访", starts_at=at(3, 10), ends_at=at(3, 12)
    )
    event = services.reschedule(actor=w.rep_a, item=event, starts_at=at(10, 9), version=1)
    assert (event.starts_at, event.ends_at) == (at(10, 9), at(10, 11))
    log = ChangeRecord.objects.filter(entity="schedule.event", action="update").get()
    assert set(log.changes) == {"starts_at", "ends_at"}
    with pytest.raises(StaleVersion):
        services.reschedule(actor=w.rep_a, item=event, starts_at=at(11, 9), version=1)


def test_data_scope_and_participants_decide_who_sees(scoped):
    w = scoped
    private = services.task_create(actor=w.rep_b, title="李四的私事", due_at=at(3))
    shared = services.event_create(
        actor=w.rep_b, title="联合拜访", starts_at=at(4, 10), participants=[w.rep_a]
    )
    seen_by_a = set(selectors.task_queryset(employee=w.rep_a)) | set(
        selectors.event_queryset(employee=w.rep_a)
    )
    assert shared in seen_by_a and private not in seen_by_a
    # the manager's data scope (sales and below) covers both
    assert private in selectors.task_queryset(employee=w.manager)
    with pytest.raises(Http404):
        selectors.access_task(w.rep_a, private.pk)
    # a participant sees but does not edit
    assert selectors.access_event(w.rep_a, shared.pk) == shared
    with pytest.raises(Http404):
        selectors.access_event(w.rep_a, shared.pk, write=True)
    with pytest.raises(PermissionDenied):
        services.event_update(actor=w.rep_a, event=shared, title="改名")
    # someone without the function permission sees nothing
    assert not selectors.event_queryset(employee=w.agent).exists()


def test_a_participant_may_complete_a_shared_task(scoped):
    w = scoped
    task = services.task_create(actor=w.rep_b, title="一起写方案", participants=[w.rep_a])
    done = services.task_complete(actor=w.rep_a, task=task)
    assert done.status == Task.Status.DONE and done.completed_at is not None
    with pytest.raises(ValidationError):
        services.task_complete(actor=w.rep_a, task=done)
    reopened = services.task_reopen(actor=w.rep_b, task=done)
    assert reopened.status == Task.Status.OPEN and reopened.completed_at is None


def test_assigning_needs_the_person_in_the_data_scope(scoped):
    w = scoped
    with pytest.raises(ValidationError) as caught:
        services.task_create(actor=w.rep_a, title="给李四", assignee=w.rep_b)
    assert "assignee" in caught.value.message_dict
    task = services.task_create(actor=w.manager, title="给李四", assignee=w.rep_b)
    assert task.assignee == w.rep_b and task.department == w.north
    # moving a task to someone else takes the transfer permission (reps lack it)
    mine = services.task_create(actor=w.rep_a, title="我的")
    with pytest.raises(ValidationError):
        services.task_update(actor=w.rep_a, task=mine, assignee=w.manager)
    moved = services.task_update(actor=w.manager, task=task, assignee=w.rep_a)
    assert moved.assignee == w.rep_a and moved.department == w.east


def test_a_linked_customer_must_be_visible_to_the_actor(scoped):
    w = scoped
    theirs = customer_services.customer_create(actor=w.admin, name="北方客户", owner=w.rep_b)
    mine = customer_services.customer_create(actor=w.rep_a, name="东方客户")
    contact = customer_services.contact_create(actor=w.rep_a, customer=mine, name="陈静")
    with pytest.raises(ValidationError) as caught:
        services.task_create(actor=w.rep_a, title="看别人的客户", customer=theirs)
    assert "customer" in caught.value.message_dict
    task = services.task_create(actor=w.rep_a, title="约陈静", contact=contact)
    assert task.customer == mine  # the contact's customer comes along
    with pytest.raises(ValidationError) as caught:
        services.task_create(actor=w.rep_a, title="错配", customer=theirs, contact=contact)
    assert "contact" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.task_create(actor=w.rep_a, title="未知类型", target_type="sales.x", target_id=1)
    assert "target_type" in caught.value.message_dict
    # a record of a registered type, given generically, goes to its own field
    linked = services.task_create(
        actor=w.rep_a, title="按类型关联", target_type="contact", target_id=contact.pk
    )
    assert linked.contact == contact and linked.customer == mine and linked.target_type == ""
    with pytest.raises(ValidationError) as caught:
        services.task_create(
            actor=w.rep_a, title="看不到", target_type="customer", target_id=theirs.pk
        )
    assert "target_id" in caught.value.message_dict


def test_delete_needs_the_delete_permission_and_the_data_scope(scoped):
    w = scoped
    task = services.task_create(actor=w.rep_a, title="可删除")
    with pytest.raises(PermissionDenied):
        services.task_delete(actor=w.readonly, task=task)  # no tasks.delete
    with pytest.raises((PermissionDenied, Http404)):
        services.task_delete(actor=w.rep_b, task=task)  # a colleague's (scope: own)
    assert Task.objects.filter(pk=task.pk).exists()
    services.task_delete(actor=w.rep_a, task=task)  # reps delete their own
    assert not Task.objects.filter(pk=task.pk).exists()
    assert ChangeRecord.objects.filter(entity="schedule.task", action="delete").count() == 1


def test_reminders_are_claimed_once_and_rearmed_by_a_new_time(scoped):
    w = scoped
    task = services.task_create(
        actor=w.rep_a, title="打电话", due_at=at(3, 10), reminder_minutes=30, participants=[w.rep_b]
    )
    event = services.event_create(
        actor=w.rep_b, title="会议", starts_at=at(3, 11), reminder_minutes=15
    )
    assert task.remind_at == at(3, 9, 30)
    assert services.due_reminders(org=w.org, now=at(3, 9)) == []
    first = services.due_reminders(org=w.org, now=at(3, 10, 50))
    assert {(item.pk, type(item)) for item, _people in first} == {
        (task.pk, Task),
        (event.pk, Event),
    }
    people = dict((type(item), ids) for item, ids in first)
    assert people[Task] == sorted([w.rep_a.pk, w.rep_b.pk])
    assert services.due_reminders(org=w.org, now=at(3, 12)) == []
    services.reschedule(actor=w.rep_a, item=task, due_at=at(4, 10))
    again = services.due_reminders(org=w.org, now=at(4, 9, 45))
    assert [item.pk for item, _p in again] == [task.pk]
    # a done task is not reminded
    services.reschedule(actor=w.rep_a, item=task, due_at=at(5, 10))
    services.task_complete(actor=w.rep_a, task=task)
    assert services.due_reminders(org=w.org, now=at(5, 10)) == []


def test_calendar_items_are_two_queries_whatever_their_number(scoped, django_assert_num_queries):
    w = scoped
    start, end = at(1, 0), at(31, 0)
    for n in range(3):
        services.task_create(actor=w.rep_a, title=f"任务{n}", due_at=at(2 + n))
        services.event_create(
            actor=w.rep_a, title=f"日程{n}", starts_at=at(2 + n), participants=[w.rep_b]
        )
    with django_assert_num_queries(2):
        items = selectors.calendar_items(employee=w.rep_a, person=w.rep_a, start=start, end=end)
        [str(item.assignee) for item in items["tasks"] + items["events"]]
    assert len(items["tasks"]) == 3 and len(items["events"]) == 3
    # rep_b's calendar seen by rep_a: only what rep_a may see of it (the shared events)
    of_b = selectors.calendar_items(employee=w.rep_a, person=w.rep_b, start=start, end=end)
    assert of_b["tasks"] == [] and len(of_b["events"]) == 3


def test_feed_tokens_are_secret_and_regenerating_invalidates(scoped):
    w = scoped
    first = services.feed_regenerate(actor=w.rep_a)
    assert first.startswith(f"{w.org.pk}-") and len(first) > 40
    assert services.feed_employee(first) == w.rep_a
    second = services.feed_regenerate(actor=w.rep_a)
    assert services.feed_employee(first) is None
    assert services.feed_employee(second) == w.rep_a
    assert services.feed_employee(second[:-1] + ("A" if second[-1] != "A" else "B")) is None
    assert services.feed_employee("") is None
    assert services.feed_employee("abc-def") is None
    assert first.split("-", 1)[1] not in str(list(ChangeRecord.objects.values("changes")))


def test_a_feed_stops_when_its_employee_leaves(scoped):
    w = scoped
    token = services.feed_regenerate(actor=w.rep_a)
    w.rep_a.status = w.rep_a.Status.LEFT
    w.rep_a.save(update_fields=["status"])
    assert services.feed_employee(token) is None
