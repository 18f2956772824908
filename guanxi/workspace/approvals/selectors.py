"""Reads of this app: scoped querysets and access checks.

Who sees an approval request: its submitter, the owner of its record, everyone who
holds (or held) a task in it, and administrators (all of the org's). Flows are read by
whoever has ``approval_flows · view``.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import Http404

from guanxi.core.queries import first_and_count
from guanxi.orgs import policy
from guanxi.workspace.approvals.models import (
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
)

State = ApprovalTask.State


def request_queryset(*, employee):
    qs = ApprovalRequest.objects.select_related("submitter", "department")
    if policy.is_admin(employee):
        return qs
    involved = ApprovalTask.objects.filter(request_id=OuterRef("pk"), approver_id=employee.pk)
    return qs.filter(Q(submitter_id=employee.pk) | Q(owner_id=employee.pk) | Exists(involved))


def waiting_queryset(*, employee):
    """Requests whose current step waits for ``employee``'s decision, oldest first."""
    waiting = ApprovalTask.objects.filter(
        request_id=OuterRef("pk"), approver_id=employee.pk, state=State.PENDING
    )
    return (
        ApprovalRequest.objects.select_related("submitter", "department")
        .filter(Exists(waiting), status=ApprovalRequest.Status.PENDING)
        .order_by("submitted_at", "id")
    )


def waiting_for(employee, limit=10):
    """At most ``limit`` requests waiting for ``employee`` and how many there are (one
    query, two when there are more): the start page's card."""
    queryset = waiting_queryset(employee=employee)
    return first_and_count(queryset, limit)


def access_request(employee, pk):
    """The request if ``employee`` may see it; else 404."""
    try:
        return request_queryset(employee=employee).get(pk=int(pk))
    except (ApprovalRequest.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def request_tasks(request):
    """The request's tasks with their approvers, by step (one query)."""
    return list(
        ApprovalTask.objects.filter(request=request)
        .select_related("approver", "rerouted_from")
        .order_by("step", "id")
    )


def pending_task_of(request, employee):
    """``employee``'s task waiting in the request's current step, or None."""
    if request.status != ApprovalRequest.Status.PENDING:
        return None
    return ApprovalTask.objects.filter(
        request=request, step=request.current_step, approver_id=employee.pk, state=State.PENDING
    ).first()


def flow_queryset(*, employee):
    policy.require(employee, "approval_flows.view")
    steps = ApprovalStep.objects.select_related("role").prefetch_related("employees")
    return ApprovalFlow.objects.prefetch_related(Prefetch("steps", queryset=steps))


def access_flow(employee, pk, *, write=False):
    policy.require(employee, "approval_flows.edit" if write else "approval_flows.view")
    try:
        return flow_queryset(employee=employee).get(pk=int(pk))
    except (ApprovalFlow.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc
