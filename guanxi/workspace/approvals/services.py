"""Every write of this app (see DESIGN §2: keyword-only, typed, in a transaction).

The engine other apps call:

* ``submit`` a record of a registered document type: the first active flow of the
  document whose conditions hold applies; none → ``None`` (the record needs no approval).
  Approvers of every step are worked out at once from the submitter (named employees,
  their manager N levels up, a role in their department walking up the tree); one who has
  left is re-routed to their manager, and the submitter never approves their own request
  (a step only they would approve is skipped).
* ``approve`` / ``reject`` (comment required) by an approver of the current step;
  any-of steps pass with one approval, all-of steps with everyone's.
* ``withdraw`` by the submitter while pending; ``submit`` again after a rejection or a
  withdrawal starts the next round, earlier rounds stay as history.
* ``is_locked`` / ``ensure_editable``: a record is locked while a request is pending.
* ``reroute_for_leaver``: the orgs "leave" flow calls it when an employee leaves.

Locking: every decision locks the request row first (two approvers of an any-of step
deciding at once: the second waits, then finds the step passed), then, in the document's
``on_decided``, the record. ``submit`` runs in the caller's transaction, which should hold
the record's lock; the partial unique constraint keeps one pending request per record.

Flows (``flow_create`` / ``flow_update`` / ``flow_set_active`` / ``flow_delete``) need the
``approval_flows`` permissions and are audited; their ``version`` guards against stale
edits.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee, Role
from guanxi.workspace.approvals import conditions, registry
from guanxi.workspace.approvals.models import (
    ApprovalEvent,
    ApprovalFlow,
    ApprovalRequest,
    ApprovalStep,
    ApprovalTask,
)
from guanxi.workspace.notifications.services import lazy_text, notify

Status = ApprovalRequest.Status
State = ApprovalTask.State
Action = ApprovalEvent.Action
Kind = ApprovalStep.Kind
Mode = ApprovalStep.Mode

LOCKED_MESSAGE = gettext_lazy("审批中，不能修改")
COMMENT_LENGTH = 1000
NAME_LENGTH = 100
DESCRIPTION_LENGTH = 500
MAX_STEPS = 20
MAX_STEP_EMPLOYEES = 50
MAX_MANAGER_LEVELS = 10
FLOW_AUDIT_FIELDS = ("document", "name", "description", "conditions", "priority", "is_active")


# ---- records and requests ----------------------------------------------------------------


def _document(code) -> registry.DocumentType:
    document = registry.find(code)
    if document is None:
        raise ValidationError({"document": [_("“%(code)s”不是有效的单据类型。") % {"code": code}]})
    return document


def _record_type(record):
    return ContentType.objects.get_for_model(type(record))


def _requests_of(record):
    return ApprovalRequest.objects.filter(record_type=_record_type(record), record_id=record.pk)


def status_of(record):
    """The status of the record's latest request (``ApprovalRequest.Status``), or None when
    it was never submitted for approval."""
    return _requests_of(record).order_by("-round").values_list("status", flat=True).first()


def latest_request(record):
    return _requests_of(record).order_by("-round").first()


def is_locked(record) -> bool:
    """Whether a request of the record is pending: then nobody may change it."""
    return _requests_of(record).filter(status=Status.PENDING).exists()


def ensure_editable(record) -> None:
    """Refuse (``BusinessRuleError``, 422 in the API) to change a record under approval."""
    if is_locked(record):
        raise BusinessRuleError(str(LOCKED_MESSAGE), code="approval_pending")


def history(record):
    """Every event of every round of the record's approval, oldest first (one query)."""
    return list(
        ApprovalEvent.objects.filter(
            request__record_type=_record_type(record), request__record_id=record.pk
        )
        .select_related("actor", "target", "request")
        .order_by("created_at", "id")
    )


# ---- approvers -----------------------------------------------------------------------------


def _admins():
    """The org's active administrators: the last resort when nobody is left above a
    leaver."""
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE, roles__is_admin=True)
        .distinct()
        .order_by("pk")
    )


def _active_above(employee):
    """The first active employee up ``employee``'s manager chain (None: nobody)."""
    seen = {employee.pk}
    current = employee
    while current.manager_id is not None and current.manager_id not in seen:
        seen.add(current.manager_id)
        current = Employee.objects.get(pk=current.manager_id)
        if current.is_active:
            return current
    return None


def _replacement(employee):
    """Who approves instead of ``employee`` who has left: their manager (or the first
    active one above), else the org's administrators."""
    above = _active_above(employee)
    return [above] if above is not None else _admins()


def _with_reroutes(candidates):
    """``[(approver, rerouted_from)]`` for ``candidates``: those who left are replaced."""
    pairs = []
    for employee in candidates:
        if employee.is_active:
            pairs.append((employee, None))
        else:
            pairs.extend((other, employee) for other in _replacement(employee))
    return pairs


def _manager_at(submitter, levels):
    """The submitter's manager ``levels`` up (or the top of a shorter chain)."""
    found = None
    current = submitter
    seen = {submitter.pk}
    for _level in range(levels):
        if current.manager_id is None or current.manager_id in seen:
            break
        seen.add(current.manager_id)
        current = Employee.objects.get(pk=current.manager_id)
        found = current
    return found


def _role_holders(role_id, department):
    """Active holders of the role in ``department``, else in the nearest department above
    that has some."""
    chain = list(reversed(department.ancestor_ids())) if department else []
    if department is not None and department.pk not in chain:
        chain.insert(0, department.pk)
    for department_id in chain:
        holders = list(
            Employee.objects.filter(
                department_id=department_id, roles__pk=role_id, status=Employee.Status.ACTIVE
            )
            .distinct()
            .order_by("pk")
        )
        if holders:
            return holders
    return []


def _step_candidates(step, submitter):
    if step["kind"] == Kind.EMPLOYEES:
        by_pk = Employee.objects.in_bulk(step.get("employees") or [])
        return [by_pk[pk] for pk in step.get("employees") or [] if pk in by_pk]
    if step["kind"] == Kind.MANAGER:
        manager = _manager_at(submitter, int(step.get("manager_levels") or 1))
        return [manager] if manager is not None else []
    if step["kind"] == Kind.ROLE and step.get("role"):
        department = Department.objects.filter(pk=submitter.department_id).first()
        return _role_holders(step["role"], department)
    return []


def _resolve(snapshot, submitter):
    """``[[(approver, rerouted_from), ...] per step]``; a step only the submitter would
    approve comes back empty (skipped); a step nobody can approve is refused."""
    resolved = []
    for index, step in enumerate(snapshot):
        pairs = []
        seen = set()
        for approver, original in _with_reroutes(_step_candidates(step, submitter)):
            if approver.pk not in seen:
                seen.add(approver.pk)
                pairs.append((approver, original))
        if not pairs:
            raise BusinessRuleError(
                _("审批步骤“%(step)s”找不到审批人，请联系管理员检查审批流程。")
                % {"step": step.get("name") or index + 1},
                code="no_approver",
            )
        resolved.append([pair for pair in pairs if pair[0].pk != submitter.pk])
    return resolved


# ---- notifications -------------------------------------------------------------------------


def _notify_waiting(request, approvers):
    """Tell ``approvers`` that the request's current step waits for them (in-app rows in
    this transaction; e-mails and robots after commit, by the notifications app)."""
    if not approvers:
        return
    notify(
        recipients=approvers,
        kind="approval_waiting",
        title=lazy_text(gettext_lazy("待您审批：%(title)s"), title=request.title),
        body=lazy_text(
            gettext_lazy("%(name)s 提交，当前步骤：%(step)s"),
            name=request.submitter.name,
            step=request.step_name(),
        ),
        link=request.link,
        target=request,
        event_key=f"approval:{request.pk}:step:{request.current_step}",
        actor=request.submitter,
    )


def _notify_decided(request, actor=None):
    """Tell the submitter (and the record's owner) how the request ended; a withdrawal
    is the submitter's own doing and tells nobody."""
    if request.status == Status.APPROVED:
        title = gettext_lazy("审批已通过：%(title)s")
    elif request.status == Status.REJECTED:
        title = gettext_lazy("审批被驳回：%(title)s")
    else:
        return
    recipients = {request.submitter_id, request.owner_id} - {None}
    notify(
        recipients=sorted(recipients),
        kind="approval_decided",
        title=lazy_text(title, title=request.title),
        link=request.link,
        target=request,
        event_key=f"approval:{request.pk}:decided",
        actor=actor,
    )


# ---- submit and decide ---------------------------------------------------------------------


def matching_flow(document, values):
    """The first active flow of ``document`` (by priority) whose conditions hold."""
    flows = ApprovalFlow.objects.filter(document=document.code, is_active=True).order_by(
        "priority", "id"
    )
    for flow in flows:
        if conditions.holds(document, flow.conditions, values):
            return flow
    return None


def _comment(value, *, required=False):
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({"comment": [_("必须是文本。")]})
    if required and not text:
        raise ValidationError({"comment": [_("驳回时请填写意见。")]})
    if len(text) > COMMENT_LENGTH:
        raise ValidationError({"comment": [_("不能超过 %(n)d 字。") % {"n": COMMENT_LENGTH}]})
    return text


def _event(request, action, *, actor=None, step=None, target=None, comment=""):
    return ApprovalEvent(
        org_id=request.org_id,
        request=request,
        action=action,
        actor=actor,
        step=step,
        target=target,
        comment=comment[:COMMENT_LENGTH],
    )


def _record_of(request):
    document = registry.get(request.document)
    return document.model._default_manager.get(pk=request.record_id)


def _finish(request, status, now, actor=None):
    """End ``request`` with ``status``: close open tasks, tell the document, the
    submitter."""
    request.status = status
    request.decided_at = now
    request.save(update_fields=["status", "decided_at", "current_step", "updated_at"])
    ApprovalTask.objects.filter(request=request, state__in=(State.PENDING, State.QUEUED)).update(
        state=State.CLOSED, updated_at=now
    )
    document = registry.find(request.document)
    if document is not None and document.on_decided is not None:
        document.on_decided(_record_of(request), request)
    _notify_decided(request, actor)


def _activate(request, now, *, from_step, actor=None):
    """Make the first step from ``from_step`` that has tasks the current one (its tasks
    become pending), or approve the request when no step is left."""
    steps = sorted(
        set(
            ApprovalTask.objects.filter(request=request, step__gte=from_step).values_list(
                "step", flat=True
            )
        )
    )
    if not steps:
        request.current_step = len(request.flow_snapshot)
        ApprovalEvent.objects.create(
            org_id=request.org_id, request=request, action=Action.COMPLETED
        )
        _finish(request, Status.APPROVED, now, actor)
        return
    request.current_step = steps[0]
    request.save(update_fields=["current_step", "updated_at"])
    ApprovalTask.objects.filter(request=request, step=steps[0], state=State.QUEUED).update(
        state=State.PENDING, updated_at=now
    )
    approvers = list(
        ApprovalTask.objects.filter(request=request, step=steps[0], state=State.PENDING)
        .select_related("approver")
        .order_by("pk")
    )
    _notify_waiting(request, [task.approver for task in approvers])


def _snapshot_of(flow) -> list[dict[str, Any]]:
    steps = list(
        flow.steps.select_related("role").prefetch_related("employees").order_by("position", "id")
    )
    return [
        {
            "name": step.name or str(step.get_kind_display()),
            "kind": step.kind,
            "mode": step.mode,
            "employees": [employee.pk for employee in step.employees.all()],
            "employee_names": [employee.name for employee in step.employees.all()],
            "manager_levels": step.manager_levels,
            "role": step.role_id,
            "role_name": step.role.name if step.role else "",
        }
        for step in steps
    ]


def submit(*, actor, record, document, comment=""):
    """Submit ``record`` (of document type ``document``) for approval by ``actor``.

    Returns the new request, or None when no active flow applies (the record counts as
    approved). The caller has checked its own rules (may this employee submit this
    record?) and should hold the record's row lock. Refused while a request of the record
    is pending; after a rejection or a withdrawal this starts the next round."""
    doc = registry.get(document)
    if not isinstance(record, doc.model) or getattr(record, "org_id", None) != actor.org_id:
        raise ValueError(f"submit: {record!r} is not a {document} of the actor's org")
    comment = _comment(comment)
    now = timezone.now()
    with transaction.atomic():
        requests = _requests_of(record)
        if requests.filter(status=Status.PENDING).exists():
            raise BusinessRuleError(_("该单据正在审批中，不能重复提交。"), code="approval_pending")
        values = doc.values_of(record)
        flow = matching_flow(doc, values)
        if flow is None:
            return None
        snapshot = _snapshot_of(flow)
        resolved = _resolve(snapshot, actor)
        last_round = requests.aggregate(last=Max("round"))["last"] or 0
        try:
            with transaction.atomic():
                request = ApprovalRequest.objects.create(
                    org_id=actor.org_id,
                    document=doc.code,
                    record_type=_record_type(record),
                    record_id=record.pk,
                    title=str(doc.describe(record))[:200],
                    link=str(doc.link(record) or "")[:300],
                    flow=flow,
                    flow_name=flow.name,
                    flow_snapshot=snapshot,
                    values=values,
                    status=Status.PENDING,
                    submitter=actor,
                    owner_id=doc.owner_id_of(record),
                    department_id=actor.department_id,
                    round=last_round + 1,
                    submitted_at=now,
                )
        except IntegrityError as exc:  # submitted at the same moment by another call
            raise BusinessRuleError(
                _("该单据正在审批中，不能重复提交。"), code="approval_pending"
            ) from exc
        events = [_event(request, Action.SUBMITTED, actor=actor, comment=comment)]
        tasks = []
        for index, pairs in enumerate(resolved):
            if not pairs:
                events.append(
                    _event(request, Action.SKIPPED, step=index, comment=_("审批人为提交人本人"))
                )
            for approver, original in pairs:
                tasks.append(
                    ApprovalTask(
                        org_id=request.org_id,
                        request=request,
                        step=index,
                        approver=approver,
                        rerouted_from=original,
                        state=State.QUEUED,
                    )
                )
                if original is not None:
                    events.append(
                        _event(
                            request,
                            Action.REROUTED,
                            step=index,
                            target=approver,
                            comment=_("%(name)s 已离职，转交其上级") % {"name": original.name},
                        )
                    )
        ApprovalEvent.objects.bulk_create(events)
        ApprovalTask.objects.bulk_create(tasks)
        _activate(request, now, from_step=0)
    return request


def _lock_request(request):
    locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Status.PENDING:
        raise BusinessRuleError(_("该审批已结束，无需再处理。"), code="approval_closed")
    return locked


def _own_task(request, actor):
    task = (
        ApprovalTask.objects.select_for_update()
        .filter(request=request, step=request.current_step, approver=actor, state=State.PENDING)
        .first()
    )
    if task is not None:
        return task
    if ApprovalTask.objects.filter(
        request=request, step=request.current_step, approver=actor
    ).exists():
        raise BusinessRuleError(_("这一步已经处理过了。"), code="approval_step_done")
    raise PermissionDenied(_("您不是当前步骤的审批人。"))


def _decide(request, actor, state, action, comment, now):
    """``actor``'s task on the (locked) request's current step takes ``state``, with the
    history event ``action``."""
    task = _own_task(request, actor)
    task.state = state
    task.comment = comment
    task.decided_at = now
    task.save(update_fields=["state", "comment", "decided_at", "updated_at"])
    _event(request, action, actor=actor, step=request.current_step, comment=comment).save()


def approve(*, actor, request, comment=""):
    """``actor`` approves their part of the request's current step. An any-of step passes
    at once (the other approvers' tasks close); an all-of step when everyone has
    approved. The last step passing approves the request. Locks the request row."""
    comment = _comment(comment)
    now = timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        _decide(request, actor, State.APPROVED, Action.APPROVED, comment, now)
        step = request.current_step
        mode = request.flow_snapshot[step].get("mode", Mode.ANY)
        still_waiting = ApprovalTask.objects.filter(request=request, step=step, state=State.PENDING)
        if mode == Mode.ANY or not still_waiting.exists():
            still_waiting.update(state=State.CLOSED, updated_at=now)
            _activate(request, now, from_step=step + 1, actor=actor)
    return request


def reject(*, actor, request, comment):
    """``actor``, an approver of the current step, rejects the request (a comment is
    required). The submitter may change the record and submit again. Locks the request."""
    comment = _comment(comment, required=True)
    now = timezone.now()
    with transaction.atomic():
        request = _lock_request(request)
        _decide(request, actor, State.REJECTED, Action.REJECTED, comment, now)
        _finish(request, Status.REJECTED, now, actor)
    return request


def withdraw(*, actor, request, comment=""):
    """The submitter takes the request back while it is pending. Locks the request."""
    comment = _comment(comment)
    now = timezone.now()
    with transaction.atomic():
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.submitter_id != actor.pk:
            raise PermissionDenied(_("只有提交人可以撤回。"))
        request = _lock_request(locked)
        _event(
            request, Action.WITHDRAWN, actor=actor, step=request.current_step, comment=comment
        ).save()
        _finish(request, Status.WITHDRAWN, now, actor)
    return request


def reroute_for_leaver(*, employee, actor=None):
    """``employee`` has left: their open tasks (the current step's and later steps') in
    pending requests go to their manager (or the first active one above, else the org's
    administrators), each with a history line; whoever already approves in that step
    keeps their one task. For the orgs "leave" flow; returns how many tasks moved."""
    now = timezone.now()
    moved = 0
    open_states = (State.PENDING, State.QUEUED)
    with transaction.atomic():
        # the requests first, as every decision locks them (then their tasks)
        request_ids = ApprovalTask.objects.filter(approver=employee, state__in=open_states).values(
            "request_id"
        )
        requests = {
            request.pk: request
            for request in ApprovalRequest.objects.select_for_update()
            .filter(pk__in=request_ids, status=Status.PENDING)
            .order_by("pk")
        }
        tasks = list(
            ApprovalTask.objects.select_for_update()
            .filter(approver=employee, state__in=open_states, request_id__in=list(requests))
            .order_by("request_id", "step")
        )
        if not tasks:
            return 0
        for task in tasks:
            task.request = requests[task.request_id]
        replacements = _replacement(employee)
        for task in tasks:
            taken = set(
                ApprovalTask.objects.filter(request_id=task.request_id, step=task.step)
                .exclude(pk=task.pk)
                .values_list("approver_id", flat=True)
            )
            fresh = [
                other
                for other in replacements
                if other.pk not in taken and other.pk != task.request.submitter_id
            ]
            if not fresh and not taken:  # only the submitter is above: the administrators
                fresh = [a for a in _admins() if a.pk != task.request.submitter_id] or replacements
            if not fresh:
                task.state = State.CLOSED
                task.save(update_fields=["state", "updated_at"])
            else:
                original = task.rerouted_from or employee
                task.approver = fresh[0]
                task.rerouted_from = original
                task.save(update_fields=["approver", "rerouted_from", "updated_at"])
                ApprovalTask.objects.bulk_create(
                    [
                        ApprovalTask(
                            org_id=task.org_id,
                            request_id=task.request_id,
                            step=task.step,
                            approver=other,
                            rerouted_from=original,
                            state=task.state,
                        )
                        for other in fresh[1:]
                    ]
                )
            for other in fresh or [None]:
                ApprovalEvent.objects.create(
                    org_id=task.org_id,
                    request_id=task.request_id,
                    action=Action.REROUTED,
                    actor=actor,
                    step=task.step,
                    target=other,
                    comment=_("%(name)s 已离职，转交其上级") % {"name": employee.name},
                )
            if fresh and task.state == State.PENDING:
                _notify_waiting(task.request, fresh)
            moved += 1
            _close_step_if_done(task.request, task.step, now)
    return moved


def reroute_leavers(*, org):
    """The safety net of ``reroute_for_leaver``: every approver of ``org`` with open tasks
    in pending requests who has left (by any path: the leave screen, the API, an import)
    is re-routed. The periodic job runs it; returns how many tasks moved."""
    with org_scope(org):
        leavers = Employee.objects.filter(
            status=Employee.Status.LEFT,
            pk__in=ApprovalTask.objects.filter(
                state__in=(State.PENDING, State.QUEUED), request__status=Status.PENDING
            ).values("approver_id"),
        ).order_by("pk")
        return sum(reroute_for_leaver(employee=employee) for employee in leavers)


def _close_step_if_done(request, step, now):
    """After a task closed by a re-route, an all-of step whose other tasks are approved
    has passed. The caller holds the request's lock."""
    if request.current_step != step:
        return
    open_tasks = ApprovalTask.objects.filter(
        request=request, step=step, state__in=(State.PENDING, State.QUEUED)
    )
    if not open_tasks.exists():
        _activate(request, now, from_step=step + 1)


# ---- flows ---------------------------------------------------------------------------------


def _text(value, field, limit, errors, *, required=False):
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.setdefault(field, []).append(_("必须是文本。"))
        return ""
    text = value.strip()
    if required and not text:
        errors.setdefault(field, []).append(_("这个字段是必填项。"))
    if len(text) > limit:
        errors.setdefault(field, []).append(_("不能超过 %(n)d 字。") % {"n": limit})
    return text


def _int(value, field, errors, *, minimum, maximum, default):
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        errors.setdefault(field, []).append(_("请输入整数。"))
        return default
    if isinstance(value, bool) or not minimum <= number <= maximum:
        errors.setdefault(field, []).append(
            _("请输入 %(min)d 到 %(max)d 之间的整数。") % {"min": minimum, "max": maximum}
        )
        return default
    return number


def _ids(value: Any) -> list[int]:
    if value in (None, ""):
        return []
    items: list[Any] = list(value) if isinstance(value, list | tuple) else [value]
    ids = []
    for item in items:
        if isinstance(item, bool):
            raise ValueError
        number = int(getattr(item, "pk", item))
        if not 0 < number < 2**62:
            raise ValueError
        ids.append(number)
    return ids


def clean_steps(steps) -> list[dict[str, Any]]:
    """Check the steps of a flow (a list of ``{name, kind, mode, employees,
    manager_levels, role}``); returns them cleaned or raises ValidationError."""
    if not isinstance(steps, list | tuple) or not steps:
        raise ValidationError({"steps": [_("至少需要一个审批步骤。")]})
    if len(steps) > MAX_STEPS:
        raise ValidationError({"steps": [_("最多 %(n)d 个审批步骤。") % {"n": MAX_STEPS}]})
    messages = []
    cleaned = []
    for number, step in enumerate(steps, start=1):
        errors: dict[str, list] = {}
        if not isinstance(step, dict):
            messages.append(_("第 %(n)d 步格式不对。") % {"n": number})
            continue
        name = _text(step.get("name"), "name", NAME_LENGTH, errors)
        kind = step.get("kind")
        if kind not in Kind.values:
            errors.setdefault("kind", []).append(_("请选择审批人类型。"))
        mode = step.get("mode") or Mode.ANY
        if mode not in Mode.values:
            errors.setdefault("mode", []).append(_("请选择审批方式。"))
        levels = _int(
            step.get("manager_levels"), "manager_levels", errors,
            minimum=1, maximum=MAX_MANAGER_LEVELS, default=1,
        )  # fmt: skip
        employees: list[int] = []
        role = None
        if kind == Kind.EMPLOYEES:
            try:
                employees = list(dict.fromkeys(_ids(step.get("employees"))))
            except (TypeError, ValueError, OverflowError):
                errors.setdefault("employees", []).append(_("请选择有效的员工。"))
            if not employees and "employees" not in errors:
                errors.setdefault("employees", []).append(_("请选择审批人。"))
            elif len(employees) > MAX_STEP_EMPLOYEES:
                errors.setdefault("employees", []).append(
                    _("最多 %(n)d 人。") % {"n": MAX_STEP_EMPLOYEES}
                )
            elif employees:
                found = set(
                    Employee.objects.filter(
                        pk__in=employees, status=Employee.Status.ACTIVE
                    ).values_list("pk", flat=True)
                )
                if found != set(employees):
                    errors.setdefault("employees", []).append(_("请选择有效的在职员工。"))
        elif kind == Kind.ROLE:
            try:
                role_ids = _ids(step.get("role"))
            except (TypeError, ValueError, OverflowError):
                role_ids = [0]
            role = Role.objects.filter(pk__in=role_ids[:1]).first() if role_ids else None
            if role is None:
                errors.setdefault("role", []).append(_("请选择有效的角色。"))
        if errors:
            detail = "；".join(str(message) for values in errors.values() for message in values)
            messages.append(_("第 %(n)d 步：%(reason)s") % {"n": number, "reason": detail})
            continue
        cleaned.append(
            {
                "name": name,
                "kind": kind,
                "mode": mode,
                "employees": employees,
                "manager_levels": levels if kind == Kind.MANAGER else 1,
                "role": role,
            }
        )
    if messages:
        raise ValidationError({"steps": messages})
    return cleaned


def _flow_state(flow):
    state = audit.snapshot(flow, FLOW_AUDIT_FIELDS)
    state["steps"] = [
        {key: value for key, value in step.items() if key != "employee_names"}
        for step in _snapshot_of(flow)
    ]
    return state


def _write_steps(flow, steps):
    flow.steps.all().delete()
    for position, data in enumerate(steps, start=1):
        step = ApprovalStep.objects.create(
            org_id=flow.org_id,
            flow=flow,
            position=position,
            name=data["name"],
            kind=data["kind"],
            mode=data["mode"],
            manager_levels=data["manager_levels"],
            role=data["role"],
        )
        if data["employees"]:
            step.employees.set(data["employees"])


def _clean_flow(*, document, name, description, conditions_, priority, is_active, steps):
    errors: dict[str, list] = {}
    doc = None
    try:
        doc = _document(document)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    data: dict[str, Any] = {
        "name": _text(name, "name", NAME_LENGTH, errors, required=True),
        "description": _text(description, "description", DESCRIPTION_LENGTH, errors),
        "priority": _int(priority, "priority", errors, minimum=0, maximum=9999, default=100),
        "is_active": bool(is_active),
    }
    if not isinstance(is_active, bool):
        errors.setdefault("is_active", []).append(_("必须是是或否。"))
    if doc is not None:
        try:
            data["conditions"] = conditions.clean(doc, conditions_)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        data["steps"] = clean_steps(steps)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return data


def flow_create(
    *, actor, document, name, steps, conditions=None, description="", priority=100,
    is_active=True,
):  # fmt: skip
    """A new flow (who: approval_flows · create). Audited."""
    policy.require(actor, "approval_flows.create")
    data = _clean_flow(
        document=document, name=name, description=description, conditions_=conditions,
        priority=priority, is_active=is_active, steps=steps,
    )  # fmt: skip
    with transaction.atomic():
        flow = ApprovalFlow.objects.create(
            org_id=actor.org_id,
            document=document,
            name=data["name"],
            description=data["description"],
            conditions=data["conditions"],
            priority=data["priority"],
            is_active=data["is_active"],
            created_by=actor,
        )
        _write_steps(flow, data["steps"])
        audit.record_change(
            actor=actor, instance=flow, action=ChangeRecord.Action.CREATE, after=_flow_state(flow)
        )
    return flow


def flow_update(
    *, actor, flow, version=None, name=None, steps=None, conditions=None, description=None,
    priority=None, is_active=None,
):  # fmt: skip
    """Change a flow (who: approval_flows · edit); ``None`` keeps a value. ``version`` is
    the one the editor loaded (stale: 409). Running requests keep the flow they started
    with. The document type does not change."""
    policy.require(actor, "approval_flows.edit")
    with transaction.atomic():
        flow = lock_for_update(ApprovalFlow, flow.pk, expected_version=version)
        before = _flow_state(flow)
        data = _clean_flow(
            document=flow.document,
            name=flow.name if name is None else name,
            description=flow.description if description is None else description,
            conditions_=flow.conditions if conditions is None else conditions,
            priority=flow.priority if priority is None else priority,
            is_active=flow.is_active if is_active is None else is_active,
            steps=before["steps"] if steps is None else steps,
        )
        for field in ("name", "description", "conditions", "priority", "is_active"):
            setattr(flow, field, data[field])
        _write_steps(flow, data["steps"])
        audit.save_if_changed(actor=actor, instance=flow, before=before, after=_flow_state(flow))
    return flow


def flow_set_active(*, actor, flow, is_active):
    """Enable or disable a flow (who: approval_flows · edit). Audited."""
    return flow_update(actor=actor, flow=flow, is_active=bool(is_active))


def flow_delete(*, actor, flow):
    """Remove a flow (who: approval_flows · delete). Requests made with it keep their
    snapshot and history."""
    policy.require(actor, "approval_flows.delete")
    with transaction.atomic():
        flow = lock_for_update(ApprovalFlow, flow.pk)
        audit.record_change(
            actor=actor, instance=flow, action=ChangeRecord.Action.DELETE, before=_flow_state(flow)
        )
        flow.delete()
