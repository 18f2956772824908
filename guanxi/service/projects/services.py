"""Every write of service projects, their milestones, tasks and time entries
(keyword-only, in a transaction).

Permissions: the owned module ``service_projects`` (``create``; ``edit`` — change the
project, move its status, edit milestones and tasks, log hours for others —; ``delete``;
``transfer`` to name another manager). Logging one's own hours needs ``view`` and taking
part in the project (manager, member or task assignee), or ``edit`` on it.

Project status: planned → in_progress ⇄ on_hold → completed; any open status may be
cancelled. Completing needs every task done or cancelled and every milestone reached
(422 ``project_not_finished``). Completed and cancelled projects are closed: their
milestones, tasks and hours no longer change (422 ``project_closed``).

Each write that touches a project's children locks the project row first, so two people
changing tasks and milestones at once are applied one after the other; logging hours also
locks the employee's row, so their total on one day can never pass 24 hours.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.versioning import lock_for_update
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.numbering import next_code
from guanxi.sales.contracts import documents
from guanxi.search import index
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.projects import selectors
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry
from guanxi.service.tickets import selectors as ticket_selectors
from guanxi.service.tickets.models import Ticket
from guanxi.workspace.notifications.services import notify

MODULE = "service_projects"
KIND = "service_project"
NOTIFY_TASK_ASSIGNED = "project_task_assigned"
TEXT_LENGTH = 10000
MAX_HOURS = Decimal("99999")
DAY_LIMIT = Decimal("24")
MAX_MEMBERS = 200
S = ServiceProject.Status
T = ProjectTask.Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.PLANNED: (S.IN_PROGRESS, S.CANCELLED),
    S.IN_PROGRESS: (S.ON_HOLD, S.COMPLETED, S.CANCELLED),
    S.ON_HOLD: (S.IN_PROGRESS, S.CANCELLED),
    S.COMPLETED: (),
    S.CANCELLED: (),
}
PROJECT_FIELDS = (
    "name", "contact", "service_contract", "owner", "members", "start_date", "due_date",
    "budget_hours", "description",
)  # fmt: skip
AUDIT_FIELDS = (
    "code", "name", "customer", "contact", "service_contract", "owner", "status",
    "start_date", "due_date", "budget_hours", "description",
)  # fmt: skip
TASK_FIELDS = (
    "title", "description", "milestone", "assignee", "status", "planned_hours", "due_date",
    "position", "ticket",
)  # fmt: skip
MILESTONE_FIELDS = ("name", "due_date", "reached_on", "position", "notes")
ENTRY_FIELDS = ("task", "employee", "work_date", "hours", "billable", "note")


# ---- input helpers ---------------------------------------------------------------------


def _unknown(changes: dict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: [_("未知字段。")] for name in unknown}, code="unknown_field")


def _text(value: Any, field: str, limit: int, *, required: bool = False) -> str:
    return documents.text(value, field, limit, required=required)


def _date(value: Any, field: str) -> datetime.date | None:
    return documents.date_or_none(value, field)


def _number(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValidationError({field: [_("请输入数字。")]}, code="invalid")
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, TypeError, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: [_("请输入数字。")]}, code="invalid")
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationError({field: [_("工时最多保留两位小数。")]}, code="invalid")
    return number


def _hours(value: Any, field: str) -> Decimal | None:
    """Planned or budget hours: empty, or a number from 0 up to 99,999 with at most two
    decimals."""
    number = _number(value, field)
    if number is None:
        return None
    if number < 0:
        raise ValidationError({field: [_("不能为负数。")]}, code="min_value")
    if number >= MAX_HOURS:
        raise ValidationError({field: [_("数值过大。")]}, code="max_value")
    return number.quantize(Decimal("0.01"))


def _day_hours(value: Any) -> Decimal:
    number = _number(value, "hours")
    if number is None:
        raise ValidationError({"hours": [_("请填写工时。")]}, code="required")
    if number <= 0 or number > DAY_LIMIT:
        raise ValidationError(
            {"hours": [_("工时应大于 0 且不超过 24 小时。")]}, code="out_of_range"
        )
    return number.quantize(Decimal("0.01"))


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _position(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"position": [_("请输入整数。")]}, code="invalid") from exc
    if number < 0 or number > 100000:
        raise ValidationError({"position": [_("顺序应在 0 到 100000 之间。")]}, code="invalid")
    return number


def _employee(value: Any, field: str) -> Employee | None:
    if value in (None, ""):
        return None
    try:
        return Employee.objects.get(pk=int(documents.pk_of(value)), status=Employee.Status.ACTIVE)
    except (Employee.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError({field: [_("请选择在职员工。")]}, code="invalid") from exc


def _members(raw: Any) -> list[Employee]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError({"members": [_("请选择在职员工。")]}, code="invalid")
    if len(raw) > MAX_MEMBERS:
        raise ValidationError(
            {"members": [_("项目成员最多 %(n)s 人。") % {"n": MAX_MEMBERS}]}, code="max_length"
        )
    ids: set[int] = set()
    for value in raw:
        try:
            ids.add(int(documents.pk_of(value)))
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValidationError({"members": [_("请选择在职员工。")]}, code="invalid") from exc
    found = list(Employee.objects.filter(pk__in=ids, status=Employee.Status.ACTIVE))
    if len(found) != len(ids):
        raise ValidationError({"members": [_("请选择在职员工。")]}, code="invalid")
    return found


def _contract(customer: Customer, value: Any) -> ServiceContract | None:
    if value in (None, ""):
        return None
    pk = documents.pk_of(value)
    found = ServiceContract.objects.filter(pk=pk if str(pk).isdigit() else 0).first()
    if found is None:
        raise ValidationError({"service_contract": [_("服务合同不存在。")]}, code="invalid")
    if found.customer_id != customer.pk:
        raise ValidationError({"service_contract": [_("服务合同不属于所选客户。")]}, code="invalid")
    return found


def _dates(start: datetime.date | None, due: datetime.date | None) -> None:
    if start is not None and due is not None and due < start:
        raise ValidationError({"due_date": [_("计划完成日期不能早于开始日期。")]}, code="invalid")


def _ticket(actor: Employee, value: Any, customer_id: int) -> Ticket | None:
    if value in (None, ""):
        return None
    if not policy.can(actor, "tickets.view"):
        raise ValidationError({"ticket": [_("服务工单不存在或您无权查看。")]}, code="invalid")
    try:
        found = ticket_selectors.ticket_queryset(employee=actor).get(pk=int(documents.pk_of(value)))
    except (Ticket.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise ValidationError(
            {"ticket": [_("服务工单不存在或您无权查看。")]}, code="invalid"
        ) from exc
    if found.customer_id != customer_id:
        raise ValidationError({"ticket": [_("服务工单不属于本项目的客户。")]}, code="invalid")
    return found


def _snapshot(project: ServiceProject) -> dict:
    return audit.snapshot(project, AUDIT_FIELDS)


def _index(project: ServiceProject) -> None:
    index.refresh(KIND, [project.pk])


def _link(project: ServiceProject) -> str:
    return reverse("service_projects:project_detail", args=[project.pk])


# ---- projects --------------------------------------------------------------------------


@transaction.atomic
def project_create(
    *,
    actor: Employee,
    name: str = "",
    customer: Any = None,
    contact: Any = None,
    service_contract: Any = None,
    owner: Any = None,
    members: Any = None,
    start_date: Any = None,
    due_date: Any = None,
    budget_hours: Any = None,
    description: str = "",
) -> ServiceProject:
    """A planned project (``service_projects.create``) of a customer ``actor`` may see;
    the manager is ``actor`` unless another is named (that needs ``transfer``). Takes the
    next ``service_project`` code (XM-yyyy-nnnn)."""
    policy.require(actor, f"{MODULE}.create")
    client = documents.visible_customer(actor, customer)
    start = _date(start_date, "start_date")
    due = _date(due_date, "due_date")
    _dates(start, due)
    project = ServiceProject(
        org_id=actor.org_id,
        name=_text(name, "name", 200, required=True),
        customer=client,
        contact=documents.customer_contact(client, contact),
        service_contract=_contract(client, service_contract),
        owner=documents.owner_for(actor, owner, module=MODULE),
        start_date=start,
        due_date=due,
        budget_hours=_hours(budget_hours, "budget_hours"),
        description=_text(description, "description", TEXT_LENGTH),
        created_by=actor,
    )
    people = _members(members)
    project.code = next_code(org_id=actor.org_id, target="service_project")
    project.save()
    project.members.set(people)
    audit.record_change(
        actor=actor, instance=project, action=ChangeRecord.Action.CREATE, after=_snapshot(project)
    )
    _index(project)
    return project


def _locked(actor: Employee, project: ServiceProject, version: Any = None) -> ServiceProject:
    """The project locked for this transaction, if ``actor`` may edit it (403/404)."""
    selectors.access_project(actor, project.pk, write=True)
    try:
        return lock_for_update(ServiceProject, project.pk, expected_version=version)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"version": [_("版本号无效，请刷新后重试。")]}) from exc


def _refuse_closed(project: ServiceProject) -> None:
    if not project.is_open:
        raise BusinessRuleError(
            _("项目%(status)s，里程碑、任务和工时不能再修改。")
            % {"status": project.get_status_display()},
            code="project_closed",
        )


def _finish(actor: Employee, project: ServiceProject, before: dict) -> ServiceProject:
    project.version += 1
    project.save()
    audit.record_change(
        actor=actor,
        instance=project,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=_snapshot(project),
    )
    _index(project)
    return project


@transaction.atomic
def project_update(
    *, actor: Employee, project: ServiceProject, version: Any = None, **changes: Any
) -> ServiceProject:
    """Change a project (``service_projects.edit``); ``version`` guards against stale
    edits (409). ``members`` (when given) replaces the members; naming another manager
    needs ``transfer``."""
    _unknown(changes, PROJECT_FIELDS)
    project = _locked(actor, project, version)
    before = _snapshot(project)
    if "name" in changes:
        project.name = _text(changes["name"], "name", 200, required=True)
    if "description" in changes:
        project.description = _text(changes["description"], "description", TEXT_LENGTH)
    if "contact" in changes:
        project.contact = documents.customer_contact(project.customer, changes["contact"])
    if "service_contract" in changes:
        project.service_contract = _contract(project.customer, changes["service_contract"])
    if "owner" in changes and changes["owner"] not in (None, ""):
        project.owner = documents.owner_for(
            actor, changes["owner"], module=MODULE, current=project.owner
        )
        project.owner_department_id = project.owner.department_id
    if "start_date" in changes:
        project.start_date = _date(changes["start_date"], "start_date")
    if "due_date" in changes:
        project.due_date = _date(changes["due_date"], "due_date")
    _dates(project.start_date, project.due_date)
    if "budget_hours" in changes:
        project.budget_hours = _hours(changes["budget_hours"], "budget_hours")
    people = _members(changes["members"]) if "members" in changes else None
    _finish(actor, project, before)
    if people is not None:
        project.members.set(people)
    return project


def _unfinished(project: ServiceProject) -> tuple[int, int]:
    tasks = ProjectTask.objects.filter(
        project_id=project.pk, status__in=ProjectTask.OPEN_STATUSES
    ).count()
    milestones = Milestone.objects.filter(project_id=project.pk, reached_on__isnull=True).count()
    return tasks, milestones


@transaction.atomic
def project_transition(
    *, actor: Employee, project: ServiceProject, status: str, version: Any = None
) -> ServiceProject:
    """Move the project to ``status`` if the workflow allows it (422
    ``project_bad_transition`` otherwise). Completing needs every task done or cancelled
    and every milestone reached (422 ``project_not_finished``)."""
    if status not in S.values:
        raise ValidationError({"status": [_("未知的项目状态。")]}, code="invalid")
    project = _locked(actor, project, version)
    if status not in TRANSITIONS[project.status]:
        raise BusinessRuleError(
            _("项目%(current)s，不能改为“%(target)s”。")
            % {"current": project.get_status_display(), "target": S(status).label},
            code="project_bad_transition",
        )
    if status == S.COMPLETED:
        tasks, milestones = _unfinished(project)
        if tasks or milestones:
            raise BusinessRuleError(
                _(
                    "还有 %(tasks)s 个未完成的任务、%(milestones)s 个未达成的里程碑，"
                    "项目不能完成。请先完成或取消这些任务，并达成里程碑。"
                )
                % {"tasks": tasks, "milestones": milestones},
                code="project_not_finished",
            )
    before = _snapshot(project)
    project.status = status
    project.completed_at = timezone.now() if status == S.COMPLETED else None
    return _finish(actor, project, before)


@transaction.atomic
def project_delete(*, actor: Employee, project: ServiceProject) -> None:
    """To the recycle bin (``service_projects.delete``)."""
    policy.require(actor, f"{MODULE}.delete")
    project = _locked(actor, project)
    project.deleted_at = timezone.now()
    project.save(update_fields=["deleted_at", "updated_at"])
    audit.record_change(actor=actor, instance=project, action=ChangeRecord.Action.DELETE)
    index.remove(KIND, [project.pk])


def projects_move_customer(*, from_ids: Any, survivor: Customer) -> int:
    """A customer merge: the merged customers' projects (deleted ones too) go to the
    survivor."""
    ids = list(from_ids)
    moved = list(
        ServiceProject.with_deleted.filter(customer_id__in=ids).values_list("pk", flat=True)
    )
    ServiceProject.with_deleted.filter(pk__in=moved).update(customer_id=survivor.pk)
    if moved:
        index.refresh(KIND, moved)
    return len(moved)


# ---- members ---------------------------------------------------------------------------


def _join(project: ServiceProject, employee: Employee | None) -> None:
    if employee is not None and employee.pk != project.owner_id:
        project.members.add(employee)


@transaction.atomic
def project_add_member(*, actor: Employee, project: ServiceProject, employee: Any) -> Employee:
    project = _locked(actor, project)
    person = _employee(employee, "employee")
    if person is None:
        raise ValidationError({"employee": [_("请选择在职员工。")]}, code="required")
    project.members.add(person)
    return person


@transaction.atomic
def project_remove_member(*, actor: Employee, project: ServiceProject, employee: Any) -> None:
    project = _locked(actor, project)
    project.members.remove(documents.pk_of(employee))


# ---- milestones ------------------------------------------------------------------------


def _next_position(model: type[Milestone] | type[ProjectTask], project: ServiceProject) -> int:
    rows = model.objects.filter(project_id=project.pk)
    last = rows.aggregate(m=Max("position"))["m"]
    return 0 if last is None else last + 1


def _check_reach(milestone: Milestone, reached_on: datetime.date | None) -> None:
    if reached_on is None:
        return
    if reached_on > timezone.localdate():
        raise ValidationError({"reached_on": [_("达成日期不能晚于今天。")]}, code="future_date")
    if milestone.pk and milestone.tasks.filter(status__in=ProjectTask.OPEN_STATUSES).exists():
        raise BusinessRuleError(
            _("里程碑“%(name)s”还有未完成的任务，请先完成或取消这些任务。")
            % {"name": milestone.name},
            code="milestone_tasks_open",
        )


@transaction.atomic
def milestone_create(
    *,
    actor: Employee,
    project: ServiceProject,
    name: str = "",
    due_date: Any = None,
    position: Any = None,
    notes: str = "",
) -> Milestone:
    project = _locked(actor, project)
    _refuse_closed(project)
    due = _date(due_date, "due_date")
    if due is None:
        raise ValidationError({"due_date": [_("请填写计划日期。")]}, code="required")
    place = _position(position)
    return Milestone.objects.create(
        org_id=project.org_id,
        project=project,
        name=_text(name, "name", 200, required=True),
        due_date=due,
        position=_next_position(Milestone, project) if place is None else place,
        notes=_text(notes, "notes", TEXT_LENGTH),
    )


def _milestone_locked(actor: Employee, milestone: Milestone) -> tuple[ServiceProject, Milestone]:
    project = _locked(actor, milestone.project)
    _refuse_closed(project)
    fresh = Milestone.objects.select_for_update(of=("self",)).get(
        pk=milestone.pk, project_id=project.pk
    )
    return project, fresh


@transaction.atomic
def milestone_update(*, actor: Employee, milestone: Milestone, **changes: Any) -> Milestone:
    """Change a milestone; ``reached_on`` a date reaches it (its tasks must all be done or
    cancelled: 422 ``milestone_tasks_open``), empty un-reaches it."""
    _unknown(changes, MILESTONE_FIELDS)
    _project, milestone = _milestone_locked(actor, milestone)
    if "name" in changes:
        milestone.name = _text(changes["name"], "name", 200, required=True)
    if "due_date" in changes:
        due = _date(changes["due_date"], "due_date")
        if due is None:
            raise ValidationError({"due_date": [_("请填写计划日期。")]}, code="required")
        milestone.due_date = due
    if "position" in changes:
        place = _position(changes["position"])
        milestone.position = milestone.position if place is None else place
    if "notes" in changes:
        milestone.notes = _text(changes["notes"], "notes", TEXT_LENGTH)
    if "reached_on" in changes:
        reached = _date(changes["reached_on"], "reached_on")
        if reached != milestone.reached_on:
            _check_reach(milestone, reached)
            milestone.reached_on = reached
    milestone.save()
    return milestone


def milestone_reach(*, actor: Employee, milestone: Milestone, reached_on: Any = None) -> Milestone:
    """Reach the milestone today (or on ``reached_on``)."""
    return milestone_update(
        actor=actor, milestone=milestone, reached_on=reached_on or timezone.localdate()
    )


@transaction.atomic
def milestone_delete(*, actor: Employee, milestone: Milestone) -> None:
    """Remove a milestone; its tasks stay in the project without a milestone."""
    _project, milestone = _milestone_locked(actor, milestone)
    milestone.delete()


# ---- tasks -----------------------------------------------------------------------------


def _milestone_of(project: ServiceProject, value: Any) -> Milestone | None:
    if value in (None, ""):
        return None
    pk = documents.pk_of(value)
    found = Milestone.objects.filter(
        pk=pk if str(pk).isdigit() else 0, project_id=project.pk
    ).first()
    if found is None:
        raise ValidationError({"milestone": [_("里程碑不属于本项目。")]}, code="invalid")
    return found


def _refuse_reached(milestone: Milestone | None) -> None:
    if milestone is not None and milestone.reached_on is not None:
        raise BusinessRuleError(
            _("里程碑“%(name)s”已达成，不能再加入未完成的任务。") % {"name": milestone.name},
            code="milestone_reached",
        )


def _task_status(value: Any) -> str:
    if value not in T.values:
        raise ValidationError({"status": [_("未知的任务状态。")]}, code="invalid")
    return str(value)


def _notify_assignee(actor: Employee, project: ServiceProject, task: ProjectTask) -> None:
    """Tell the assignee someone gave them a task (not when they took it themselves)."""
    if task.assignee_id is None or task.assignee_id == actor.pk:
        return
    notify(
        recipients=[task.assignee_id],
        kind=NOTIFY_TASK_ASSIGNED,
        title=format_lazy(
            gettext_lazy("{name}把项目 {code} 的任务分配给您：{title}"),
            name=actor.name,
            code=project.code,
            title=task.title,
        ),
        body=project.name,
        link=_link(project),
        target=task,
        actor=actor,
    )


@transaction.atomic
def task_create(
    *,
    actor: Employee,
    project: ServiceProject,
    title: str = "",
    description: str = "",
    milestone: Any = None,
    assignee: Any = None,
    status: Any = None,
    planned_hours: Any = None,
    due_date: Any = None,
    position: Any = None,
    ticket: Any = None,
) -> ProjectTask:
    """A task of the project (``service_projects.edit``). The assignee becomes a member
    of the project and is told; a ``ticket`` must be one of the project's customer."""
    project = _locked(actor, project)
    _refuse_closed(project)
    chosen = _milestone_of(project, milestone)
    state = _task_status(status) if status not in (None, "") else T.TODO
    if state in ProjectTask.OPEN_STATUSES:
        _refuse_reached(chosen)
    person = _employee(assignee, "assignee")
    place = _position(position)
    task = ProjectTask.objects.create(
        org_id=project.org_id,
        project=project,
        milestone=chosen,
        title=_text(title, "title", 200, required=True),
        description=_text(description, "description", TEXT_LENGTH),
        assignee=person,
        status=state,
        planned_hours=_hours(planned_hours, "planned_hours"),
        due_date=_date(due_date, "due_date"),
        position=_next_position(ProjectTask, project) if place is None else place,
        done_at=timezone.now() if state == T.DONE else None,
        ticket=_ticket(actor, ticket, project.customer_id),
    )
    _join(project, person)
    _notify_assignee(actor, project, task)
    return task


def _task_locked(actor: Employee, task: ProjectTask) -> tuple[ServiceProject, ProjectTask]:
    project = _locked(actor, task.project)
    _refuse_closed(project)
    fresh = (
        ProjectTask.objects.select_for_update(of=("self",))
        .select_related("milestone")
        .get(pk=task.pk, project_id=project.pk)
    )
    return project, fresh


@transaction.atomic
def task_update(*, actor: Employee, task: ProjectTask, **changes: Any) -> ProjectTask:
    """Change a task; a new assignee joins the project and is told. A task of a reached
    milestone cannot be reopened (422 ``milestone_reached``)."""
    _unknown(changes, TASK_FIELDS)
    project, task = _task_locked(actor, task)
    previous_assignee = task.assignee_id
    if "title" in changes:
        task.title = _text(changes["title"], "title", 200, required=True)
    if "description" in changes:
        task.description = _text(changes["description"], "description", TEXT_LENGTH)
    if "milestone" in changes:
        task.milestone = _milestone_of(project, changes["milestone"])
    if "assignee" in changes:
        task.assignee = _employee(changes["assignee"], "assignee")
    if "planned_hours" in changes:
        task.planned_hours = _hours(changes["planned_hours"], "planned_hours")
    if "due_date" in changes:
        task.due_date = _date(changes["due_date"], "due_date")
    if "position" in changes:
        place = _position(changes["position"])
        task.position = task.position if place is None else place
    if "ticket" in changes:
        task.ticket = _ticket(actor, changes["ticket"], project.customer_id)
    if "status" in changes and changes["status"] not in (None, ""):
        state = _task_status(changes["status"])
        if state != task.status:
            task.done_at = timezone.now() if state == T.DONE else None
            task.status = state
    if task.status in ProjectTask.OPEN_STATUSES and ("milestone" in changes or "status" in changes):
        _refuse_reached(task.milestone)
    task.save()
    if task.assignee_id != previous_assignee and task.assignee is not None:
        _join(project, task.assignee)
        _notify_assignee(actor, project, task)
    return task


def task_set_status(*, actor: Employee, task: ProjectTask, status: str) -> ProjectTask:
    return task_update(actor=actor, task=task, status=status)


@transaction.atomic
def task_delete(*, actor: Employee, task: ProjectTask) -> None:
    """Remove a task; hours logged on it stay on the project."""
    _project, task = _task_locked(actor, task)
    task.delete()


# ---- time entries ----------------------------------------------------------------------


def _may_log(actor: Employee, project: ServiceProject, employee: Employee) -> None:
    """Own hours: ``view`` and taking part in the project, or ``edit``; someone else's:
    ``edit``. The project was fetched through the actor's scope."""
    if policy.can(actor, f"{MODULE}.edit"):
        return
    if employee.pk == actor.pk and selectors.is_participant(actor, project):
        return
    if employee.pk != actor.pk:
        raise PermissionDenied(_("为他人登记工时需要项目的“编辑”权限。"))
    raise PermissionDenied(_("只有项目经理、项目成员和任务负责人可以登记本项目的工时。"))


def _task_of(project: ServiceProject, value: Any) -> ProjectTask | None:
    if value in (None, ""):
        return None
    pk = documents.pk_of(value)
    found = ProjectTask.objects.filter(
        pk=pk if str(pk).isdigit() else 0, project_id=project.pk
    ).first()
    if found is None:
        raise ValidationError({"task": [_("任务不属于本项目。")]}, code="invalid")
    return found


def _work_date(value: Any) -> datetime.date:
    day = _date(value, "work_date") or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"work_date": [_("不能登记未来日期的工时。")]}, code="future_date")
    return day


def _check_day(employee: Employee, day: datetime.date, hours: Decimal, *, exclude=None) -> None:
    """Lock the employee's row, then refuse a day over 24 hours in all projects."""
    Employee.objects.select_for_update(of=("self",)).filter(pk=employee.pk).first()
    logged = TimeEntry.objects.filter(employee_id=employee.pk, work_date=day)
    if exclude is not None:
        logged = logged.exclude(pk=exclude)
    total = logged.aggregate(s=Sum("hours"))["s"] or Decimal(0)
    if total + hours > DAY_LIMIT:
        raise BusinessRuleError(
            _("%(name)s %(day)s 已登记 %(logged)s 小时，再加 %(hours)s 小时将超过每天 24 小时。")
            % {"name": employee.name, "day": day.isoformat(), "logged": total, "hours": hours},
            code="day_hours_exceeded",
        )


def _entry_project(actor: Employee, project: ServiceProject) -> ServiceProject:
    """The project locked, if ``actor`` may see it (404) and it is open (422)."""
    selectors.access_project(actor, project.pk)
    locked = ServiceProject.objects.select_for_update(of=("self",)).get(pk=project.pk)
    _refuse_closed(locked)
    return locked


@transaction.atomic
def time_entry_create(
    *,
    actor: Employee,
    project: ServiceProject,
    hours: Any = None,
    work_date: Any = None,
    task: Any = None,
    employee: Any = None,
    billable: Any = True,
    note: str = "",
) -> TimeEntry:
    """Log hours (today unless ``work_date``; never a future day) for ``actor`` or, with
    ``edit`` on the project, for ``employee``. More than 24 hours on one day for one
    employee (all projects together) is a 422 ``day_hours_exceeded``."""
    project = _entry_project(actor, project)
    person = _employee(employee, "employee") or actor
    _may_log(actor, project, person)
    amount = _day_hours(hours)
    day = _work_date(work_date)
    chosen = _task_of(project, task)
    note_text = _text(note, "note", 500)
    _check_day(person, day, amount)
    entry = TimeEntry.objects.create(
        org_id=project.org_id,
        project=project,
        task=chosen,
        employee=person,
        work_date=day,
        hours=amount,
        billable=_bool(billable),
        note=note_text,
        created_by=actor,
    )
    _join(project, person)
    return entry


def _entry_locked(actor: Employee, entry: TimeEntry) -> tuple[ServiceProject, TimeEntry]:
    project = _entry_project(actor, entry.project)
    fresh = TimeEntry.objects.select_for_update(of=("self",)).get(
        pk=entry.pk, project_id=project.pk
    )
    _may_log(actor, project, fresh.employee)
    return project, fresh


@transaction.atomic
def time_entry_update(*, actor: Employee, entry: TimeEntry, **changes: Any) -> TimeEntry:
    """Change logged hours (one's own with participation, anyone's with ``edit``)."""
    _unknown(changes, ENTRY_FIELDS)
    project, entry = _entry_locked(actor, entry)
    if "employee" in changes and changes["employee"] not in (None, ""):
        person = _employee(changes["employee"], "employee")
        assert person is not None
        _may_log(actor, project, person)
        entry.employee = person
    if "hours" in changes:
        entry.hours = _day_hours(changes["hours"])
    if "work_date" in changes:
        entry.work_date = _work_date(changes["work_date"])
    if "task" in changes:
        entry.task = _task_of(project, changes["task"])
    if "billable" in changes:
        entry.billable = _bool(changes["billable"])
    if "note" in changes:
        entry.note = _text(changes["note"], "note", 500)
    _check_day(entry.employee, entry.work_date, entry.hours, exclude=entry.pk)
    entry.save()
    _join(project, entry.employee)
    return entry


@transaction.atomic
def time_entry_delete(*, actor: Employee, entry: TimeEntry) -> None:
    _project, entry = _entry_locked(actor, entry)
    entry.delete()


# ---- handover --------------------------------------------------------------------------


def projects_hand_over(
    *, actor: Employee, from_employee: Employee, to_employee: Employee, customer_ids: Any
) -> list[int]:
    """A leaver's open projects (of those customers, or all) go to the successor as
    manager; the search index follows."""
    from guanxi.sales.ownership import hand_over

    queryset = ServiceProject.objects.filter(
        owner_id=from_employee.pk, status__in=ServiceProject.OPEN_STATUSES
    )
    moved = hand_over(queryset, to_employee=to_employee, customer_ids=customer_ids, actor=actor)
    if moved:
        index.refresh(KIND, moved)
    return moved
