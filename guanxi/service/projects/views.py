"""Service project screens (项目服务): the list (filters, search, Excel export), the form,
the detail page (progress, hours against the budget, the milestones timeline, tasks by
milestone, hours logged, members, status actions) with its small forms, and the projects
card of the customer 360° page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit import services as audit
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.customers.models import Contact
from guanxi.orgs import policy
from guanxi.sales import paging
from guanxi.sales.contracts.views import customer_choices, selected_id
from guanxi.service import choices
from guanxi.service.contracts.models import ServiceContract
from guanxi.service.projects import exports, selectors, services
from guanxi.service.projects.filters import ProjectFilter
from guanxi.service.projects.forms import (
    MemberForm,
    MilestoneForm,
    ProjectForm,
    TaskForm,
    TimeEntryForm,
)
from guanxi.service.projects.models import Milestone, ProjectTask, ServiceProject, TimeEntry

MODULE = "service_projects"
PAGE_SIZE = 50
ENTRY_LIMIT = 100
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _refused(request, exc):
    messages.error(request, refusal_text(exc))


def _form_text(form):
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _back(project):
    return redirect("service_projects:project_detail", project.pk)


# ---- list and export -------------------------------------------------------------------


def _filtered(request, employee):
    queryset = selectors.with_figures(
        selectors.project_queryset(employee=employee)
        .select_related(None)
        .select_related("customer", "owner")
    ).order_by("-id")
    filters = ProjectFilter(request.GET, queryset=queryset)
    return filters, (filters.qs if filters.is_valid() else queryset.none())


@employee_required
@require_GET
def project_list(request):
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    filters, rows = _filtered(request, employee)
    rows, pager = paging.keyset_page(request, rows, order=("-pk",), size=PAGE_SIZE)
    today = timezone.localdate()
    for project in rows:
        project.progress = selectors.progress(project.tasks_done, project.tasks_active)
        project.late = project.is_open and project.due_date is not None and project.due_date < today
    return render(
        request,
        "service_projects/project_list.html",
        {
            "filters": filters,
            "rows": rows,
            **pager,
            "statuses": ServiceProject.Status.choices,
            "managers": choices.colleagues(),
            "customer": _filter_customer(employee, filters),
            "can_create": policy.can(employee, f"{MODULE}.create"),
            "can_export": policy.can(employee, f"{MODULE}.export"),
        },
    )


def _filter_customer(employee, filters):
    customer_id = selected_id(filters.form["customer"].value())
    if customer_id is None:
        return None
    return (
        customer_selectors.customer_queryset(employee=employee)
        .select_related(None)
        .only("id", "name")
        .filter(pk=customer_id)
        .first()
    )


@employee_required
@require_GET
def project_export(request):
    """The filtered project list as an Excel workbook (``service_projects.export``);
    logged."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.export")
    _filters, rows = _filtered(request, employee)
    body, count = exports.projects_xlsx(rows)
    audit.record_export(
        actor=employee,
        entity="service_projects.serviceproject",
        row_count=count,
        file_format="xlsx",
        filters={key: value for key, value in request.GET.items() if value},
    )
    name = "{}-{}.xlsx".format(_("服务项目"), timezone.localdate().isoformat())
    return spreadsheet.download(body, name)


# ---- form ------------------------------------------------------------------------------


def _customer_options(customer_id):
    if not customer_id:
        return [], []
    contacts = list(
        Contact.objects.filter(customer_id=customer_id).only("id", "name").order_by("name", "id")
    )
    contracts = list(
        ServiceContract.objects.filter(customer_id=customer_id)
        .only("id", "code", "title")
        .order_by("-id")[:200]
    )
    return contacts, contracts


def _form_page(request, *, project=None):
    employee = request.employee
    source = request.POST if request.method == "POST" else request.GET
    customer_id = selected_id(source.get("customer"))
    if project is not None:
        customer_id = project.customer_id
    contacts, contracts = _customer_options(customer_id)
    kwargs = {
        "customers": customer_choices(employee, customer_id),
        "contacts": contacts,
        "contracts": contracts,
        "colleagues": choices.colleagues(),
    }
    if request.method == "POST":
        form = ProjectForm(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                if project is None:
                    project = services.project_create(actor=employee, **data)
                    messages.success(
                        request, _("服务项目 %(code)s 已保存。") % {"code": project.code}
                    )
                else:
                    data.pop("customer", None)
                    project = services.project_update(
                        actor=employee, project=project, version=version, **data
                    )
                    messages.success(request, _("服务项目已更新。"))
                return _back(project)
            except REFUSALS as exc:
                refuse(form, exc)
    elif project is not None:
        form = ProjectForm(
            initial=ProjectForm.initial_for(project, selectors.project_members(project=project)),
            **kwargs,
        )
    else:
        form = ProjectForm(initial={"customer": customer_id, "owner": employee.pk}, **kwargs)
    return render(
        request,
        "service_projects/project_form.html",
        {"form": form, "project": project},
        status=form_status(request, form),
    )


@employee_required
def project_create(request):
    """A new project; ``?customer=<id>`` chooses the customer."""
    policy.require(request.employee, f"{MODULE}.create")
    return _form_page(request)


@employee_required
def project_edit(request, pk):
    project = selectors.access_project(request.employee, pk, write=True)
    return _form_page(request, project=project)


@employee_required
@require_GET
def customer_options(request):
    """The contact and service contract options of the chosen customer (htmx swap in the
    project form)."""
    employee = request.employee
    policy.require(employee, f"{MODULE}.view")
    customer_id = selected_id(request.GET.get("customer"))
    if customer_id is not None:
        customer_selectors.access_customer(employee, customer_id)
    contacts, contracts = _customer_options(customer_id)
    form = ProjectForm(customers=[], contacts=contacts, contracts=contracts, colleagues=[])
    return render(request, "service_projects/_customer_options.html", {"form": form})


# ---- detail ----------------------------------------------------------------------------


def _grouped(milestones, tasks):
    """``[(milestone or None, [tasks])]``: each milestone's tasks in order, then the
    tasks without one."""
    by_milestone: dict = {m.pk: [] for m in milestones}
    loose = []
    for task in tasks:
        by_milestone.get(task.milestone_id, loose).append(task)
    groups = [(m, by_milestone[m.pk]) for m in milestones]
    if loose or not milestones:
        groups.append((None, loose))
    return groups


@employee_required
@require_GET
def project_detail(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk)
    today = timezone.localdate()
    summary = selectors.project_summary(project=project, today=today)
    milestones = list(selectors.project_milestones(project=project))
    tasks = list(selectors.project_tasks(project=project))
    entries = list(selectors.project_time_entries(project=project)[:ENTRY_LIMIT])
    members = selectors.project_members(project=project)
    can_edit = policy.can(employee, f"{MODULE}.edit")
    open_ = project.is_open
    colleagues = choices.colleagues() if can_edit and open_ else []
    participant = (
        project.owner_id == employee.pk
        or any(m.pk == employee.pk for m in members)
        or any(t.assignee_id == employee.pk for t in tasks)
    )
    can_log = open_ and (can_edit or participant)
    for milestone in milestones:
        milestone.late = milestone.reached_on is None and milestone.due_date < today
    for task in tasks:
        task.late = task.is_open and task.due_date is not None and task.due_date < today
    return render(
        request,
        "service_projects/project_detail.html",
        {
            "project": project,
            "summary": summary,
            "milestones": milestones,
            "groups": _grouped(milestones, tasks),
            "tasks": tasks,
            "entries": entries,
            "entries_more": len(entries) == ENTRY_LIMIT,
            "members": members,
            "today": today,
            "can_edit": can_edit,
            "editable": can_edit and open_,
            "can_log": can_log,
            "can_delete": policy.can(employee, f"{MODULE}.delete"),
            "next_statuses": [
                (status, ServiceProject.Status(status).label)
                for status in services.TRANSITIONS[project.status]
            ]
            if can_edit
            else [],
            "task_statuses": ProjectTask.Status.choices,
            "milestone_form": MilestoneForm() if can_edit and open_ else None,
            "task_form": TaskForm(milestones=milestones, colleagues=colleagues)
            if can_edit and open_
            else None,
            "entry_form": TimeEntryForm(
                tasks=[t for t in tasks if t.status != ProjectTask.Status.CANCELLED],
                colleagues=colleagues,
            )
            if can_log
            else None,
            "member_form": MemberForm(colleagues=colleagues) if can_edit and open_ else None,
        },
    )


def _act(request, project, action, done):
    """Run ``action()``, a service call of one of the detail page's small forms, and go back
    to the page: the refusal, or ``done`` (a message, or a function of the result that
    gives one), shows there."""
    try:
        result = action()
    except REFUSALS as exc:
        _refused(request, exc)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return _back(project)


def _add(request, project, form, *, invalid, create, done):
    """Submit an add form of the detail page: its errors (``invalid`` % errors), the
    service's refusal or ``done`` show as a message."""
    if not form.is_valid():
        messages.error(request, invalid % {"errors": _form_text(form)})
        return _back(project)
    return _act(request, project, lambda: create(**form.cleaned_data), done)


def _item_page(request, project, form_class, *, options, initial, save, done, heading, testid):
    """The edit page of a milestone or task: ``save(**cleaned_data)`` on a valid post."""
    if request.method == "POST":
        form = form_class(request.POST, **options)
        if form.is_valid():
            try:
                save(**form.cleaned_data)
            except REFUSALS as exc:
                refuse(form, exc)
            else:
                messages.success(request, done)
                return _back(project)
    else:
        form = form_class(initial=initial, **options)
    return render(
        request,
        "service_projects/item_form.html",
        {"project": project, "form": form, "heading": heading, "testid": testid},
        status=form_status(request, form),
    )


def _child(model, project, child_pk):
    """A milestone, task or time entry of ``project`` (404 for any other)."""
    found = model.objects.filter(pk=child_pk, project_id=project.pk).first()
    if found is None:
        raise Http404
    found.project = project
    return found


@employee_required
@require_POST
def project_transition(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    return _act(
        request,
        project,
        lambda: services.project_transition(
            actor=employee, project=project, status=request.POST.get("status", "")
        ),
        lambda changed: _("项目已改为“%(status)s”。") % {"status": changed.get_status_display()},
    )


@employee_required
@require_POST
def project_delete(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk)
    try:
        services.project_delete(actor=employee, project=project)
    except REFUSALS as exc:
        _refused(request, exc)
        return _back(project)
    messages.success(request, _("服务项目 %(code)s 已删除。") % {"code": project.code})
    return redirect("service_projects:project_list")


# ---- members ---------------------------------------------------------------------------


@employee_required
@require_POST
def member_add(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    return _add(
        request,
        project,
        MemberForm(request.POST, colleagues=choices.colleagues()),
        invalid="%(errors)s",
        create=lambda **data: services.project_add_member(actor=employee, project=project, **data),
        done=_("项目成员已添加。"),
    )


@employee_required
@require_POST
def member_remove(request, pk, employee_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    return _act(
        request,
        project,
        lambda: services.project_remove_member(
            actor=employee, project=project, employee=employee_pk
        ),
        _("项目成员已移除。"),
    )


# ---- milestones ------------------------------------------------------------------------


@employee_required
@require_POST
def milestone_add(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    return _add(
        request,
        project,
        MilestoneForm(request.POST),
        invalid=_("请检查里程碑：%(errors)s"),
        create=lambda **data: services.milestone_create(actor=employee, project=project, **data),
        done=_("里程碑已添加。"),
    )


@employee_required
def milestone_edit(request, pk, milestone_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    milestone = _child(Milestone, project, milestone_pk)
    return _item_page(
        request,
        project,
        MilestoneForm,
        options={},
        initial={"name": milestone.name, "due_date": milestone.due_date, "notes": milestone.notes},
        save=lambda **data: services.milestone_update(actor=employee, milestone=milestone, **data),
        done=_("里程碑已更新。"),
        heading=_("编辑里程碑"),
        testid="milestone-edit-form",
    )


@employee_required
@require_POST
def milestone_reach(request, pk, milestone_pk):
    """Reach the milestone today; ``reached=0`` takes the reach back."""
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    milestone = _child(Milestone, project, milestone_pk)
    if request.POST.get("reached") == "0":
        return _act(
            request,
            project,
            lambda: services.milestone_update(actor=employee, milestone=milestone, reached_on=None),
            _("里程碑已改为未达成。"),
        )
    return _act(
        request,
        project,
        lambda: services.milestone_reach(actor=employee, milestone=milestone),
        _("里程碑已达成。"),
    )


@employee_required
@require_POST
def milestone_delete(request, pk, milestone_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    milestone = _child(Milestone, project, milestone_pk)
    return _act(
        request,
        project,
        lambda: services.milestone_delete(actor=employee, milestone=milestone),
        _("里程碑已删除。"),
    )


# ---- tasks -----------------------------------------------------------------------------


def _task_options(project):
    return {
        "milestones": list(Milestone.objects.filter(project_id=project.pk)),
        "colleagues": choices.colleagues(),
    }


@employee_required
@require_POST
def task_add(request, pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    return _add(
        request,
        project,
        TaskForm(request.POST, **_task_options(project)),
        invalid=_("请检查任务：%(errors)s"),
        create=lambda **data: services.task_create(actor=employee, project=project, **data),
        done=_("任务已添加。"),
    )


@employee_required
def task_edit(request, pk, task_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    task = _child(ProjectTask, project, task_pk)
    return _item_page(
        request,
        project,
        TaskForm,
        options=_task_options(project),
        initial=TaskForm.initial_for(task),
        save=lambda **data: services.task_update(actor=employee, task=task, **data),
        done=_("任务已更新。"),
        heading=_("编辑任务"),
        testid="task-edit-form",
    )


@employee_required
@require_POST
def task_status(request, pk, task_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    task = _child(ProjectTask, project, task_pk)
    return _act(
        request,
        project,
        lambda: services.task_set_status(
            actor=employee, task=task, status=request.POST.get("status", "")
        ),
        lambda changed: (
            _("任务“%(title)s”已改为“%(status)s”。")
            % {"title": changed.title, "status": changed.get_status_display()}
        ),
    )


@employee_required
@require_POST
def task_delete(request, pk, task_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk, write=True)
    task = _child(ProjectTask, project, task_pk)
    return _act(
        request,
        project,
        lambda: services.task_delete(actor=employee, task=task),
        _("任务已删除。"),
    )


# ---- hours -----------------------------------------------------------------------------


@employee_required
@require_POST
def entry_add(request, pk):
    """登记工时: one's own, or (with edit) a colleague's."""
    employee = request.employee
    project = selectors.access_project(employee, pk)
    form = TimeEntryForm(
        request.POST,
        tasks=list(ProjectTask.objects.filter(project_id=project.pk)),
        colleagues=choices.colleagues(),
    )
    return _add(
        request,
        project,
        form,
        invalid=_("请检查工时：%(errors)s"),
        create=lambda **data: services.time_entry_create(actor=employee, project=project, **data),
        done=_("工时已登记。"),
    )


@employee_required
@require_POST
def entry_delete(request, pk, entry_pk):
    employee = request.employee
    project = selectors.access_project(employee, pk)
    entry = _child(TimeEntry, project, entry_pk)
    return _act(
        request,
        project,
        lambda: services.time_entry_delete(actor=employee, entry=entry),
        _("工时已删除。"),
    )


# ---- customer 360° ---------------------------------------------------------------------


@employee_required
@require_GET
def customer_card(request, pk):
    """The projects card of the customer 360° page, loaded after the page."""
    employee = request.employee
    customer = customer_selectors.access_customer(employee, pk)
    policy.require(employee, f"{MODULE}.view")
    projects = selectors.customer_projects(employee=employee, customer_id=customer.pk)
    for project in projects:
        project.progress = selectors.progress(project.tasks_done, project.tasks_active)
    return render(
        request,
        "service_projects/_customer_card.html",
        {
            "customer": customer,
            "loaded": True,
            "projects": projects,
            "can_create": policy.can(employee, f"{MODULE}.create"),
            "list_url": f"{reverse('service_projects:project_list')}?customer={customer.pk}",
        },
    )
