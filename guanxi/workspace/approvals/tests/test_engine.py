"""The approvals engine: which flow applies, who approves, how requests end."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from guanxi.core.errors import BusinessRuleError, StaleVersion
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Employee, Role
from guanxi.workspace.approvals import requisitions, services
from guanxi.workspace.approvals.models import (
    ApprovalEvent,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalTask,
    Requisition,
)
from guanxi.workspace.approvals.tests.helpers import employee, flow, leave, requisition, submitted

pytestmark = pytest.mark.django_db

Status = ApprovalRequest.Status
State = ApprovalTask.State


def _tasks(request):
    with org_scope(request.org_id):
        return {
            (task.step, task.approver.name): task.state
            for task in ApprovalTask.objects.filter(request=request).select_related("approver")
        }


def _reload(world, record):
    with org_scope(world.org):
        return type(record).objects.get(pk=record.pk)


def _set_manager(world, person, manager):
    with org_scope(world.org):
        Employee.objects.filter(pk=person.pk).update(manager=manager)
        person.refresh_from_db()


# ---- which flow applies ----------------------------------------------------------------


def test_without_a_matching_flow_the_record_is_approved_at_once(world):
    flow(world, conditions=[{"variable": "amount", "op": ">", "value": "5000"}])
    record, request = submitted(world, amount="300")
    assert request is None
    assert _reload(world, record).status == Requisition.Status.APPROVED
    with org_scope(world.org):
        assert services.status_of(record) is None
        assert not services.is_locked(record)


def test_first_matching_active_flow_by_priority_applies(world):
    big = flow(
        world,
        {"kind": "employees", "employees": [world.admin.pk]},
        name="大额采购",
        priority=10,
        conditions=[
            {"variable": "category", "op": "=", "value": "purchase"},
            {"variable": "amount", "op": ">=", "value": "50000"},
        ],
    )
    normal = flow(
        world, name="一般申请", priority=20,
        conditions=[{"variable": "amount", "op": ">", "value": "5000"}],
    )  # fmt: skip
    flow(world, name="停用的流程", priority=1, is_active=False)

    _record, request = submitted(world, amount="60000")
    assert request.flow_id == big.pk
    assert _tasks(request) == {(0, "管理员"): State.PENDING}
    _record, request = submitted(world, amount="60000", category="seal")
    assert request.flow_id == normal.pk  # not a purchase: the first flow does not hold
    _record, request = submitted(world, amount="8000")
    assert request.flow_id == normal.pk
    assert request.values == {"amount": "8000.00", "category": "purchase"}
    _record, request = submitted(world, amount="")
    assert request is None  # no amount: "amount > 5000" does not hold


def test_in_and_not_equal_clauses(world):
    flow(world, conditions=[{"variable": "category", "op": "in", "value": "seal, 请示"}])
    assert submitted(world, category="seal")[1] is not None
    assert submitted(world, category="instruction")[1] is not None
    assert submitted(world, category="purchase")[1] is None
    with org_scope(world.org):
        stored = ApprovalFlow.objects.get().conditions
    assert stored == [{"variable": "category", "op": "in", "value": ["seal", "instruction"]}]


@pytest.mark.parametrize(
    "clause",
    [
        {"variable": "amount", "op": ">", "value": "很多"},
        {"variable": "category", "op": ">", "value": "seal"},
        {"variable": "category", "op": "=", "value": "nothing"},
        {"variable": "colour", "op": "=", "value": "red"},
        {"variable": "amount", "op": "~", "value": "1"},
        {"variable": "amount", "op": ">", "value": ""},
        "amount > 5",
    ],
)
def test_bad_conditions_are_refused_and_nothing_is_saved(world, clause):
    with pytest.raises(ValidationError) as info:
        flow(world, conditions=[clause])
    assert "conditions" in info.value.message_dict
    with org_scope(world.org):
        assert not ApprovalFlow.objects.exists()


def test_flows_are_kept_by_those_allowed_and_stale_edits_refused(world):
    with org_scope(world.org), pytest.raises(PermissionDenied):
        services.flow_create(actor=world.rep_a, document="requisition", name="x",
                             steps=[{"kind": "manager"}])  # fmt: skip
    with pytest.raises(ValidationError) as info, org_scope(world.org):
        services.flow_create(actor=world.admin, document="no_such_document", name="x", steps=[])
    assert set(info.value.message_dict) == {"document", "steps"}
    made = flow(world)
    with org_scope(world.org):
        services.flow_update(actor=world.admin, flow=made, version=1, name="采购审批（新）")
        with pytest.raises(StaleVersion):
            services.flow_update(actor=world.admin, flow=made, version=1, name="又改")
        made.refresh_from_db()
        assert (made.name, made.version) == ("采购审批（新）", 2)


# ---- who approves ----------------------------------------------------------------------


def test_manager_step_and_the_record_following_the_decision(world):
    flow(world)
    record, request = submitted(world)
    assert _tasks(request) == {(0, "王经理"): State.PENDING}
    assert _reload(world, record).status == Requisition.Status.PENDING
    with org_scope(world.org):
        assert services.is_locked(record)
        services.approve(actor=world.manager, request=request, comment="同意采购")
        request.refresh_from_db()
        assert request.status == Status.APPROVED
        assert not services.is_locked(record)
        assert services.status_of(record) == Status.APPROVED
        actions = [event.action for event in services.history(record)]
    assert actions == ["submitted", "approved", "completed"]
    assert _reload(world, record).status == Requisition.Status.APPROVED


def test_manager_n_levels_up(world):
    boss = employee(world, "总经理陈", world.root)
    _set_manager(world, world.manager, boss)
    flow(world, {"kind": "manager", "manager_levels": 2, "name": "总经理审批"})
    _record, request = submitted(world)
    assert _tasks(request) == {(0, "总经理陈"): State.PENDING}
    # a chain shorter than asked ends at its top
    flow(world, {"kind": "manager", "manager_levels": 5}, name="更高", priority=1)
    _record, request = submitted(world)
    assert _tasks(request) == {(0, "总经理陈"): State.PENDING}


def test_all_of_step_needs_everyone_and_steps_follow_in_order(world):
    flow(
        world,
        {"kind": "employees", "employees": [world.manager.pk, world.agent.pk], "mode": "all"},
        {"kind": "employees", "employees": [world.admin.pk], "name": "财务"},
    )
    _record, request = submitted(world)
    assert _tasks(request) == {
        (0, "王经理"): State.PENDING,
        (0, "钱七"): State.PENDING,
        (1, "管理员"): State.QUEUED,
    }
    with org_scope(world.org):
        services.approve(actor=world.manager, request=request)
        request.refresh_from_db()
        assert request.current_step == 0
        with pytest.raises(PermissionDenied):  # not their step yet
            services.approve(actor=world.admin, request=request)
        services.approve(actor=world.agent, request=request)
        request.refresh_from_db()
    assert request.current_step == 1
    assert _tasks(request)[(1, "管理员")] == State.PENDING
    with org_scope(world.org):
        services.approve(actor=world.admin, request=request)
        request.refresh_from_db()
    assert request.status == Status.APPROVED


def test_any_of_step_passes_with_one_approval(world):
    flow(world, {"kind": "employees", "employees": [world.manager.pk, world.agent.pk]})
    _record, request = submitted(world)
    with org_scope(world.org):
        services.approve(actor=world.agent, request=request)
        with pytest.raises(BusinessRuleError) as info:
            services.approve(actor=world.manager, request=request)
    assert info.value.code == "approval_closed"
    assert _tasks(request) == {(0, "王经理"): State.CLOSED, (0, "钱七"): State.APPROVED}


def test_role_in_the_submitters_department_walks_up_the_tree(world):
    flow(world, {"kind": "role", "role": _role(world, "销售主管").pk})
    _record, request = submitted(world)  # 华东组 has none: 销售部's 王经理
    assert _tasks(request) == {(0, "王经理"): State.PENDING}
    employee(world, "华东组长", world.east, role_name="销售主管")
    _record, request = submitted(world)
    assert _tasks(request) == {(0, "华东组长"): State.PENDING}


def _role(world, name):
    with org_scope(world.org):
        return Role.objects.get(name=name)


def test_a_step_nobody_can_approve_refuses_the_submission(world):
    flow(world, {"kind": "role", "role": _role(world, "市场专员").pk, "name": "市场审核"})
    record = requisition(world)
    with org_scope(world.org), pytest.raises(BusinessRuleError) as info:
        requisitions.requisition_submit(actor=world.rep_a, requisition=record)
    assert info.value.code == "no_approver"
    assert "市场审核" in str(info.value.message)
    assert _reload(world, record).status == Requisition.Status.DRAFT


def test_the_submitter_never_approves_their_own_request(world):
    flow(world, {"kind": "employees", "employees": [world.rep_a.pk]}, {"kind": "manager"})
    record, request = submitted(world)
    assert _tasks(request) == {(1, "王经理"): State.PENDING}
    assert request.current_step == 1
    with org_scope(world.org):
        assert [e.action for e in services.history(record)] == ["submitted", "skipped"]


# ---- people who left -------------------------------------------------------------------


def test_an_approver_who_left_is_rerouted_to_their_manager_at_submit(world):
    _set_manager(world, world.agent, world.manager)
    leave(world, world.agent)
    flow(world, {"kind": "employees", "employees": [world.admin.pk]})
    with org_scope(world.org):
        made = ApprovalFlow.objects.get()
        made.steps.get().employees.add(world.agent)  # chosen while still employed
    record, request = submitted(world)
    assert _tasks(request) == {(0, "管理员"): State.PENDING, (0, "王经理"): State.PENDING}
    with org_scope(world.org):
        task = ApprovalTask.objects.get(request=request, approver=world.manager)
        assert task.rerouted_from_id == world.agent.pk
        rerouted = [e for e in services.history(record) if e.action == "rerouted"]
    assert [(e.target_id, e.comment) for e in rerouted] == [
        (world.manager.pk, "钱七 已离职，转交其上级")
    ]


def test_an_approver_who_leaves_later_is_rerouted(world):
    _set_manager(world, world.agent, world.manager)
    flow(
        world,
        {"kind": "employees", "employees": [world.agent.pk]},
        {"kind": "employees", "employees": [world.agent.pk, world.admin.pk], "mode": "all"},
    )
    record, request = submitted(world)
    leave(world, world.agent)
    with org_scope(world.org):
        assert services.reroute_for_leaver(employee=world.agent, actor=world.admin) == 2
    assert _tasks(request) == {
        (0, "王经理"): State.PENDING,
        (1, "王经理"): State.QUEUED,
        (1, "管理员"): State.QUEUED,
    }
    with org_scope(world.org):
        services.approve(actor=world.manager, request=request)
        services.approve(actor=world.manager, request=request)
        services.approve(actor=world.admin, request=request)
        request.refresh_from_db()
        assert request.status == Status.APPROVED
        assert sum(e.action == "rerouted" for e in services.history(record)) == 2


def test_marking_an_approver_as_left_reroutes_their_steps_at_once(world):
    from guanxi.orgs import services as orgs_services

    _set_manager(world, world.agent, world.manager)
    flow(world, {"kind": "employees", "employees": [world.agent.pk]})
    record, request = submitted(world)
    with org_scope(world.org):
        orgs_services.employee_leave(actor=world.admin, employee=world.agent)
    assert _tasks(request) == {(0, "王经理"): State.PENDING}
    with org_scope(world.org):
        assert [e.action for e in services.history(record)].count("rerouted") == 1


def test_a_leaver_without_a_manager_goes_to_the_administrators(world):
    flow(world, {"kind": "employees", "employees": [world.agent.pk]})
    _record, request = submitted(world)
    leave(world, world.agent)
    with org_scope(world.org):
        services.reroute_for_leaver(employee=world.agent)
    assert _tasks(request) == {(0, "管理员"): State.PENDING}


# ---- reject, withdraw, resubmit --------------------------------------------------------


def test_reject_needs_a_comment_and_resubmitting_starts_a_new_round(world):
    flow(world)
    record, request = submitted(world)
    with org_scope(world.org):
        with pytest.raises(ValidationError) as info:
            services.reject(actor=world.manager, request=request, comment="  ")
        assert "comment" in info.value.message_dict
        request.refresh_from_db()
        assert request.status == Status.PENDING
        services.reject(actor=world.manager, request=request, comment="预算不足")
    record = _reload(world, record)
    assert record.status == Requisition.Status.REJECTED
    with org_scope(world.org):
        requisitions.requisition_update(
            actor=world.rep_a, requisition=record, version=record.version, amount="6000"
        )
        second = requisitions.requisition_submit(actor=world.rep_a, requisition=record)
        assert second.round == 2
        assert second.values["amount"] == "6000.00"
        services.approve(actor=world.manager, request=second)
        events = [(e.request.round, e.action, e.comment) for e in services.history(record)]
    assert events == [
        (1, "submitted", ""),
        (1, "rejected", "预算不足"),
        (2, "submitted", ""),
        (2, "approved", ""),
        (2, "completed", ""),
    ]
    assert _reload(world, record).status == Requisition.Status.APPROVED


def test_only_the_submitter_withdraws_and_only_while_pending(world):
    flow(world)
    record, request = submitted(world)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.withdraw(actor=world.manager, request=request)
        services.withdraw(actor=world.rep_a, request=request)
        with pytest.raises(BusinessRuleError):
            services.withdraw(actor=world.rep_a, request=request)
        with pytest.raises(BusinessRuleError):
            services.approve(actor=world.manager, request=request)
    assert _tasks(request) == {(0, "王经理"): State.CLOSED}
    assert _reload(world, record).status == Requisition.Status.WITHDRAWN


def test_a_pending_record_is_locked(world):
    flow(world)
    record, _request = submitted(world)
    with org_scope(world.org):
        with pytest.raises(BusinessRuleError) as info:
            requisitions.requisition_update(actor=world.rep_a, requisition=record, title="改标题")
        assert str(info.value.message) == "审批中，不能修改"
        assert info.value.code == "approval_pending"
        with pytest.raises(BusinessRuleError):  # even for someone who may delete it
            requisitions.requisition_delete(actor=world.admin, requisition=record)
        with pytest.raises(BusinessRuleError):
            services.submit(actor=world.rep_a, record=record, document="requisition")
    assert _reload(world, record).title == "采购笔记本电脑"


def test_someone_who_is_not_an_approver_cannot_decide(world):
    flow(world)
    _record, request = submitted(world)
    with org_scope(world.org):
        with pytest.raises(PermissionDenied):
            services.approve(actor=world.rep_b, request=request)
        with pytest.raises(PermissionDenied):
            services.reject(actor=world.rep_a, request=request, comment="自己驳回")
    assert _tasks(request) == {(0, "王经理"): State.PENDING}


def test_editing_a_flow_leaves_running_requests_alone(world):
    made = flow(world)
    _record, request = submitted(world)
    with org_scope(world.org):
        services.flow_update(
            actor=world.admin,
            flow=made,
            steps=[{"kind": "employees", "employees": [world.admin.pk]}],
        )
        services.approve(actor=world.manager, request=request)
        request.refresh_from_db()
    assert request.status == Status.APPROVED
    assert request.flow_snapshot[0]["kind"] == "manager"


@pytest.mark.django_db(transaction=True)
def test_two_approvers_of_an_any_of_step_deciding_at_once(world):
    """Both press "approve" at the same moment: one wins, the other is told it is done."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    flow(world, {"kind": "employees", "employees": [world.manager.pk, world.agent.pk]})
    _record, request = submitted(world)
    results = []
    barrier = threading.Barrier(2)

    def decide(person):
        try:
            with org_scope(world.org):
                barrier.wait()
                services.approve(actor=person, request=request)
                results.append("ok")
        except BusinessRuleError as exc:
            results.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(p,)) for p in (world.manager, world.agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["approval_closed", "ok"]
    with org_scope(world.org):
        assert ApprovalTask.objects.filter(request=request, state=State.APPROVED).count() == 1
        assert ApprovalEvent.objects.filter(request=request, action="approved").count() == 1


def test_a_late_decision_on_a_stale_request_is_refused(world):
    """The same race without threads: the loser holds a copy read before the winner's
    decision; the lock re-reads the request and refuses."""
    flow(world, {"kind": "employees", "employees": [world.manager.pk, world.agent.pk]})
    _record, request = submitted(world)
    with org_scope(world.org):
        stale = ApprovalRequest.objects.get(pk=request.pk)
        services.approve(actor=world.agent, request=request)
        with pytest.raises(BusinessRuleError):
            services.approve(actor=world.manager, request=stale)
        assert ApprovalTask.objects.filter(request=request, state=State.APPROVED).count() == 1


def test_the_periodic_job_reroutes_whoever_left_by_any_path(world):
    from guanxi.workspace.approvals.tasks import approvals_reroute_leavers

    _set_manager(world, world.agent, world.manager)
    flow(world, {"kind": "employees", "employees": [world.agent.pk]})
    record, request = submitted(world)
    leave(world, world.agent)
    approvals_reroute_leavers.call_local()
    assert _tasks(request) == {(0, "王经理"): State.PENDING}
    with org_scope(world.org):
        assert services.reroute_leavers(org=world.org) == 0  # nothing left to move
        assert [e.action for e in services.history(record)][-1] == "rerouted"


def test_flow_changes_are_audited(world):
    from guanxi.audit.models import ChangeRecord

    made = flow(world)
    with org_scope(world.org):
        services.flow_set_active(actor=world.admin, flow=made, is_active=False)
        services.flow_delete(actor=world.admin, flow=made)
        records = list(ChangeRecord.objects.filter(entity="approvals.approvalflow").order_by("id"))
    assert [record.action for record in records] == ["create", "update", "delete"]
    assert records[1].changes == {"is_active": {"old": True, "new": False}}
    assert records[0].actor_id == world.admin.pk


def test_the_new_approver_of_a_leaver_is_told(world):
    from guanxi.workspace.notifications.models import Notification

    _set_manager(world, world.agent, world.manager)
    flow(world, {"kind": "employees", "employees": [world.agent.pk]})
    _record, _request = submitted(world)
    leave(world, world.agent)
    with org_scope(world.org):
        services.reroute_for_leaver(employee=world.agent)
        told = Notification.objects.get(recipient=world.manager)
    assert told.kind == "approval_waiting"
    assert told.title == "待您审批：采购笔记本电脑"


def test_a_leaver_whose_manager_already_approved_the_all_of_step_lets_it_pass(world):
    _set_manager(world, world.agent, world.manager)
    flow(
        world,
        {"kind": "employees", "employees": [world.agent.pk, world.manager.pk], "mode": "all"},
        {"kind": "employees", "employees": [world.admin.pk]},
    )
    _record, request = submitted(world)
    with org_scope(world.org):
        services.approve(actor=world.manager, request=request)
    leave(world, world.agent)
    with org_scope(world.org):
        services.reroute_for_leaver(employee=world.agent)
        request.refresh_from_db()
    assert request.current_step == 1
    assert _tasks(request) == {
        (0, "王经理"): State.APPROVED,
        (0, "钱七"): State.CLOSED,
        (1, "管理员"): State.PENDING,
    }
