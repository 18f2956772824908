"""Service project writes and figures: codes, validation with nothing written, the status
workflow and its completion rule, milestones and tasks, the hour limits and who may log
hours, visibility through membership, notifications, merge, handover and delete."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.customers import services as customer_services
from guanxi.service.projects import selectors, services
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry
from guanxi.service.projects.tests import helpers as h
from guanxi.service.tickets.tests import helpers as ticket_helpers
from guanxi.workspace.notifications.models import Notification

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _days(n):
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def test_create_takes_the_next_code_and_the_actor_as_manager(world):
    made = h.project(world, members=[world.rep_a.pk], budget_hours="80")
    assert made.code == f"XM-{TODAY().year}-0001"
    assert made.owner == world.agent
    assert made.owner_department == world.service
    assert made.status == "planned"
    assert made.budget_hours == Decimal("80.00")
    with org_scope(world.org):
        assert list(made.members.all()) == [world.rep_a]
    assert h.project(world).code == f"XM-{TODAY().year}-0002"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"start_date": "2026-12-10", "due_date": "2026-12-01"}, "due_date"),
        ({"budget_hours": "-1"}, "budget_hours"),
        ({"budget_hours": "1.234"}, "budget_hours"),
        ({"members": [999999]}, "members"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_written(world, fields, field):
    client = h.customer(world)
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.project_create(
            actor=world.agent, customer=client, **{"name": "安装调试", **fields}
        )
    assert field in caught.value.message_dict
    with org_scope(world.org):
        assert not ServiceProject.with_deleted.exists()


def test_contact_and_contract_must_be_the_customers(world):
    client = h.customer(world)
    other = h.customer(world, name="另一家客户")
    with org_scope(world.org):
        contact = customer_services.contact_create(
            actor=world.admin, customer=other, name="刘工", mobile="13912345678"
        )
        with pytest.raises(ValidationError) as caught:
            services.project_create(
                actor=world.agent, customer=client, name="巡检", contact=contact.pk
            )
    assert "contact" in caught.value.message_dict


def test_workflow_moves_and_refuses_what_it_does_not_allow(world):
    made = h.project(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as caught:
            services.project_transition(actor=world.agent, project=made, status="completed")
        assert caught.value.code == "project_bad_transition"
        made = services.project_transition(actor=world.agent, project=made, status="in_progress")
        made = services.project_transition(actor=world.agent, project=made, status="on_hold")
        made = services.project_transition(actor=world.agent, project=made, status="in_progress")
        assert made.version == 4
        with pytest.raises(StaleVersion):
            services.project_transition(
                actor=world.agent, project=made, status="on_hold", version=1
            )
        with pytest.raises(ValidationError):
            services.project_transition(actor=world.agent, project=made, status="bogus")


def test_completing_needs_finished_tasks_and_reached_milestones(world):
    made = h.started(world)
    stone = h.milestone(world, made, due_date=_days(5))
    first = h.task(world, made, milestone=stone.pk)
    second = h.task(world, made, title="培训")
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as caught:
            services.project_transition(actor=world.agent, project=made, status="completed")
        assert caught.value.code == "project_not_finished"
        services.task_update(actor=world.agent, task=first, status="done")
        services.task_update(actor=world.agent, task=second, status="cancelled")
        with pytest.raises(BusinessRuleError) as caught:
            services.project_transition(actor=world.agent, project=made, status="completed")
        assert caught.value.code == "project_not_finished"
        services.milestone_reach(actor=world.agent, milestone=stone)
        done = services.project_transition(actor=world.agent, project=made, status="completed")
        assert done.status == "completed" and done.completed_at is not None
        # closed: nothing more is logged or changed, and it cannot move again
        for write in (
            lambda: services.time_entry_create(actor=world.agent, project=done, hours="1"),
            lambda: services.task_create(actor=world.agent, project=done, title="补充"),
            lambda: services.milestone_create(
                actor=world.agent, project=done, name="追加", due_date=_days(1)
            ),
        ):
            with pytest.raises(BusinessRuleError) as caught:
                write()
            assert caught.value.code == "project_closed"
        assert not TimeEntry.objects.exists()
        assert services.TRANSITIONS[done.status] == ()


def test_a_milestone_is_reached_only_when_its_tasks_are_finished(world):
    made = h.started(world)
    stone = h.milestone(world, made)
    job = h.task(world, made, milestone=stone.pk)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as caught:
            services.milestone_reach(actor=world.agent, milestone=stone)
        assert caught.value.code == "milestone_tasks_open"
        assert Milestone.objects.get(pk=stone.pk).reached_on is None
        services.task_update(actor=world.agent, task=job, status="done")
        reached = services.milestone_reach(actor=world.agent, milestone=stone)
        assert reached.reached_on == TODAY()
        # a reached milestone takes no open task, and its tasks are not reopened
        with pytest.raises(BusinessRuleError) as caught:
            services.task_create(actor=world.agent, project=made, title="漏项", milestone=stone.pk)
        assert caught.value.code == "milestone_reached"
        with pytest.raises(BusinessRuleError):
            services.task_update(actor=world.agent, task=job, status="todo")
        with pytest.raises(ValidationError):
            services.milestone_update(actor=world.agent, milestone=stone, reached_on=_days(3))
        services.milestone_update(actor=world.agent, milestone=stone, reached_on=None)
        assert Milestone.objects.get(pk=stone.pk).reached_on is None


def test_task_milestone_must_be_of_the_same_project(world):
    made = h.started(world)
    other = h.started(world, name="另一个项目")
    stone = h.milestone(world, other)
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.task_create(actor=world.agent, project=made, title="安装", milestone=stone.pk)
    assert "milestone" in caught.value.message_dict


def test_task_from_a_ticket_of_the_same_customer_only(world):
    made = h.started(world)
    foreign = ticket_helpers.ticket(world)  # another customer's
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.task_create(actor=world.agent, project=made, title="处理", ticket=foreign.pk)
    assert "ticket" in caught.value.message_dict
    own = ticket_helpers.ticket(world, client=made.customer)
    job = h.task(world, made, title="处理工单", actor=world.agent, ticket=own.pk)
    assert job.ticket_id == own.pk


def test_an_assigned_task_makes_a_member_and_tells_them(world, agent_b):
    made = h.started(world)
    job = h.task(world, made, actor=world.agent, assignee=agent_b.pk)
    with org_scope(world.org):
        assert agent_b in made.members.all()
        told = Notification.objects.get(recipient=agent_b)
        assert told.kind == services.NOTIFY_TASK_ASSIGNED
        assert made.code in told.title
        # taking a task oneself tells nobody
        services.task_create(
            actor=world.agent, project=made, title="自己的任务", assignee=world.agent.pk
        )
        assert not Notification.objects.filter(recipient=world.agent).exists()
    assert job.assignee == agent_b


@pytest.mark.parametrize(
    ("hours", "field"),
    [("0", "hours"), ("-1", "hours"), ("24.5", "hours"), ("1.234", "hours"), ("", "hours")],
)
def test_hours_out_of_range_are_refused(world, hours, field):
    made = h.started(world)
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.time_entry_create(actor=world.agent, project=made, hours=hours)
    assert field in caught.value.message_dict
    with org_scope(world.org):
        assert not TimeEntry.objects.exists()


def test_no_hours_on_a_future_day(world):
    made = h.started(world)
    with org_scope(world.org), pytest.raises(ValidationError) as caught:
        services.time_entry_create(actor=world.agent, project=made, hours="2", work_date=_days(1))
    assert "work_date" in caught.value.message_dict


def test_a_day_holds_at_most_24_hours_across_projects(world):
    first = h.started(world)
    second = h.started(world, name="系统升级改造")
    day = _days(-1)
    with org_scope(world.org):
        services.time_entry_create(actor=world.agent, project=first, hours="16", work_date=day)
        entry = services.time_entry_create(
            actor=world.agent, project=second, hours="8", work_date=day
        )
        with pytest.raises(BusinessRuleError) as caught:
            services.time_entry_create(
                actor=world.agent, project=second, hours="0.25", work_date=day
            )
        assert caught.value.code == "day_hours_exceeded"
        with pytest.raises(BusinessRuleError):
            services.time_entry_update(actor=world.agent, entry=entry, hours="8.5")
        services.time_entry_update(actor=world.agent, entry=entry, hours="7.5")
        assert TimeEntry.objects.filter(work_date=day).count() == 2
        assert sum(e.hours for e in TimeEntry.objects.all()) == Decimal("23.5")


def test_who_may_log_hours(world, agent_b, viewer):
    made = h.started(world)
    with org_scope(world.org):
        # a viewer who takes no part does not even see the project
        with pytest.raises(Http404):
            services.time_entry_create(actor=viewer, project=made, hours="1")
        services.project_add_member(actor=world.agent, project=made, employee=viewer.pk)
        # a member with view only: their own hours yes, somebody else's no
        own = services.time_entry_create(actor=viewer, project=made, hours="1.5")
        assert own.employee == viewer
        with pytest.raises(PermissionDenied):
            services.time_entry_create(
                actor=viewer, project=made, hours="1", employee=world.agent.pk
            )
        # edit on the project: hours for a colleague, who joins the project
        services.time_entry_create(actor=world.agent, project=made, hours="2", employee=agent_b.pk)
        assert agent_b in made.members.all()
        assert TimeEntry.objects.count() == 2


def test_visibility_by_scope_membership_and_assignment(world, agent_b, viewer):
    made = h.started(world)
    with org_scope(world.org):
        assert not selectors.project_queryset(employee=agent_b).filter(pk=made.pk).exists()
        assert not selectors.project_queryset(employee=viewer).filter(pk=made.pk).exists()
    h.task(world, made, assignee=agent_b.pk)
    with org_scope(world.org):
        services.project_remove_member(actor=world.admin, project=made, employee=agent_b.pk)
        # still an assignee
        assert selectors.project_queryset(employee=agent_b).filter(pk=made.pk).count() == 1
        services.project_add_member(actor=world.admin, project=made, employee=viewer.pk)
        assert selectors.project_queryset(employee=viewer).filter(pk=made.pk).count() == 1
        # a sales rep without the module sees nothing
        assert not selectors.project_queryset(employee=world.rep_a).exists()


def test_summary_figures(world, django_assert_max_num_queries):
    made = h.started(world, budget_hours="10")
    late = h.milestone(world, made, name="到货验收", due_date=_days(-3))
    later = h.milestone(world, made, name="竣工验收", due_date=_days(10))
    install = h.task(world, made, title="安装", milestone=late.pk, planned_hours="6")
    train = h.task(
        world, made, title="培训", milestone=later.pk, planned_hours="4", due_date=_days(-1)
    )
    dropped = h.task(world, made, title="取消项", planned_hours="50")
    h.task(world, made, title="验收", planned_hours="2")
    with org_scope(world.org):
        services.task_update(actor=world.admin, task=install, status="done")
        services.task_update(actor=world.admin, task=dropped, status="cancelled")
        services.time_entry_create(
            actor=world.admin,
            project=made,
            task=install.pk,
            employee=world.agent.pk,
            hours="7",
            work_date=_days(-2),
        )
        services.time_entry_create(
            actor=world.admin,
            project=made,
            task=train.pk,
            hours="3.5",
            billable=False,
            work_date=_days(-1),
        )
        services.time_entry_create(
            actor=world.admin, project=made, employee=world.agent.pk, hours="1"
        )
        with django_assert_max_num_queries(5):
            summary = selectors.project_summary(project=made)
    assert summary.logged_hours == Decimal("11.5")
    assert summary.billable_hours == Decimal("8")
    assert summary.planned_hours == Decimal("12")  # the cancelled task's hours do not count
    assert summary.over_budget and summary.remaining_budget == Decimal("-1.5")
    assert (summary.tasks_total, summary.tasks_active, summary.tasks_done) == (4, 3, 1)
    assert summary.progress == 33
    assert summary.overdue_tasks == 1
    assert summary.overdue_milestones == 1
    assert summary.next_milestone == late
    assert [row["hours"] for row in summary.hours_by_task] == [Decimal("7"), Decimal("3.5")]
    by_person = {row["employee"]: row["hours"] for row in summary.hours_by_employee}
    assert by_person == {world.agent.pk: Decimal("8"), world.admin.pk: Decimal("3.5")}


def test_list_figures_do_not_multiply_rows(world):
    made = h.started(world)
    for title in ("一", "二", "三"):
        job = h.task(world, made, title=title, assignee=world.agent.pk)
        with org_scope(world.org):
            services.time_entry_create(actor=world.agent, project=made, task=job.pk, hours="2")
            services.task_update(actor=world.agent, task=job, status="done")
    with org_scope(world.org):
        services.project_add_member(actor=world.agent, project=made, employee=world.rep_a.pk)
        rows = list(selectors.project_list(employee=world.agent))
    assert len(rows) == 1
    assert rows[0].logged_hours == Decimal("6")
    assert selectors.progress(rows[0].tasks_done, rows[0].tasks_active) == 100


def test_overdue_filter(world):
    late = h.started(world, due_date=_days(-1), start_date=_days(-10))
    fine = h.started(world, name="未逾期项目", due_date=_days(10))
    with_late_task = h.started(world, name="任务逾期项目")
    h.task(world, with_late_task, due_date=_days(-2))
    with org_scope(world.org):
        found = {
            p.pk for p in selectors.project_list(employee=world.agent, filters={"overdue": "true"})
        }
    assert found == {late.pk, with_late_task.pk}
    assert fine.pk not in found


def test_merge_moves_projects_and_handover_moves_open_ones(world, agent_b):
    made = h.project(world)
    closed = h.project(world, name="已取消项目")
    survivor = h.customer(world, name="存续客户")
    with org_scope(world.org):
        services.project_transition(actor=world.admin, project=closed, status="cancelled")
        assert services.projects_move_customer(from_ids=[made.customer_id], survivor=survivor) == 1
        assert ServiceProject.objects.get(pk=made.pk).customer == survivor
        moved = services.projects_hand_over(
            actor=world.admin, from_employee=world.agent, to_employee=agent_b, customer_ids=None
        )
    assert moved == [made.pk]
    assert h.reload(world, made).owner == agent_b
    assert h.reload(world, made).owner_department == agent_b.department
    assert h.reload(world, closed).owner == world.agent


def test_delete_needs_the_permission_and_goes_to_the_recycle_bin(world):
    made = h.project(world)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.project_delete(actor=world.agent, project=made)
        services.project_delete(actor=world.admin, project=made)
        assert not ServiceProject.objects.filter(pk=made.pk).exists()
        assert ServiceProject.with_deleted.get(pk=made.pk).deleted_at is not None


def test_deleting_a_task_keeps_its_hours_on_the_project(world):
    made = h.started(world)
    job = h.task(world, made)
    with org_scope(world.org):
        services.time_entry_create(actor=world.admin, project=made, task=job.pk, hours="3")
        services.task_delete(actor=world.admin, task=job)
        entry = TimeEntry.objects.get()
        assert entry.task is None and entry.project_id == made.pk
        assert not ProjectTask.objects.exists()
