"""Screens of sales targets and the forecast: the target board (period picker, department
tree with actual vs target), a target's page (edit, delete), a new target, a department's
yearly plan grid, the Excel export, the start page's "我的目标" card (loaded after the
page) and the forecast page. Thin: they parse input and call ``services`` / ``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.audit import services as audit
from guanxi.catalog.models import ProductLine
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.sales.planning import exports, periods, selectors, services
from guanxi.sales.planning.forms import TargetEditForm, TargetForm
from guanxi.sales.planning.models import SalesTarget

MODULE = "sales_targets"
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)
MONTHS = range(1, 13)


def _int(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


def _visible_departments(employee, module=MODULE):
    scope = policy.access_for(employee).scope(module)
    departments = Department.objects.order_by("path")
    return departments if scope.all else departments.filter(pk__in=sorted(scope.department_ids))


def _visible_employees(employee, module=MODULE):
    scope = policy.access_for(employee).scope(module)
    people = Employee.objects.filter(status=Employee.Status.ACTIVE).order_by("name", "pk")
    if scope.all:
        return people
    return people.filter(Q(department_id__in=sorted(scope.department_ids)) | Q(pk=employee.pk))


def _board_params(request):
    """(period, measure, product line id, errors) from the query string."""
    today = timezone.localdate()
    errors = []
    raw = (request.GET.get("period") or "").strip()
    period = periods.of(periods.MONTH, today)
    if raw:
        try:
            period = periods.parse(raw)
        except ValidationError as exc:
            errors.extend(exc.messages)
    measure = request.GET.get("measure") or SalesTarget.Measure.ORDER_AMOUNT
    if measure not in SalesTarget.Measure.values:
        measure = SalesTarget.Measure.ORDER_AMOUNT
    line_id = _int(request.GET.get("line"))
    if line_id is not None and (
        measure not in services.LINE_MEASURES or not ProductLine.objects.filter(pk=line_id).exists()
    ):
        line_id = None
    return period, measure, line_id, errors


def _places(employee, measure):
    return services.places_for(measure, employee.org_id) if measure else 2


@employee_required
@require_GET
def target_list(request):
    """The target board of a period: departments and employees in the viewer's scope with
    target, actual, attainment, gap and time progress."""
    policy.require(request.employee, f"{MODULE}.view")
    period, measure, line_id, errors = _board_params(request)
    result = selectors.board(
        employee=request.employee,
        period=period,
        measure=measure,
        product_line_id=line_id,
        today=timezone.localdate(),
    )
    can = request.employee  # the viewer, for the permission flags
    return render(
        request,
        "planning/target_list.html",
        {
            "board": result,
            "period": period,
            "previous": period.shift(-1),
            "following": period.shift(1),
            "measure": measure,
            "measures": SalesTarget.Measure.choices,
            "measure_label": SalesTarget.Measure(measure).label,
            "lines": ProductLine.objects.order_by("sort_order", "pk"),
            "line_id": line_id,
            "errors": errors,
            "places": 0 if measure == SalesTarget.Measure.QUANTITY else _places(can, measure),
            "query": request.GET.urlencode(),
            "can_create": policy.can(can, f"{MODULE}.create"),
            "can_plan": policy.can(can, f"{MODULE}.create") and policy.can(can, f"{MODULE}.edit"),
            "can_export": policy.can(can, f"{MODULE}.export"),
        },
    )


@employee_required
def target_create(request):
    policy.require(request.employee, f"{MODULE}.create")
    employees = _visible_employees(request.employee)
    departments = _visible_departments(request.employee)
    initial = {
        "period": request.GET.get("period")
        or periods.of(periods.MONTH, timezone.localdate()).label,
        "measure": request.GET.get("measure") or SalesTarget.Measure.ORDER_AMOUNT,
    }
    if _int(request.GET.get("employee")):
        initial.update(subject="employee", employee=_int(request.GET.get("employee")))
    elif _int(request.GET.get("department")):
        initial.update(subject="department", department=_int(request.GET.get("department")))
    form = TargetForm(
        request.POST or None, initial=initial, employees=employees, departments=departments
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        by_employee = data["subject"] == "employee"
        try:
            target = services.target_create(
                actor=request.employee,
                employee=data["employee"] if by_employee else None,
                department=None if by_employee else data["department"],
                period=data["period"],
                measure=data["measure"],
                product_line=data["product_line"],
                value=data["value"],
                note=data["note"],
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("目标已设置。"))
            return redirect("planning:target_detail", target.pk)
    return render(
        request, "planning/target_form.html", {"form": form}, status=form_status(request, form)
    )


@employee_required
@require_GET
def target_detail(request, pk):
    target = selectors.access_target(request.employee, pk)
    actual = selectors.target_actuals([target])[target.pk]
    today = timezone.localdate()
    return render(
        request,
        "planning/target_detail.html",
        {
            "target": target,
            "actual": actual,
            "attainment": selectors.attainment(target.value, actual),
            "gap": max(target.value - actual, selectors.ZERO),
            "progress": round(target.period.progress(today) * 100, 1),
            "places": _places(request.employee, target.measure),
            "can_edit": policy.can(request.employee, f"{MODULE}.edit"),
            "can_delete": policy.can(request.employee, f"{MODULE}.delete"),
            "form": TargetEditForm(
                initial={"value": target.value, "note": target.note, "version": target.version}
            ),
        },
    )


@employee_required
@require_POST
def target_edit(request, pk):
    target = selectors.access_target(request.employee, pk, write=True)
    form = TargetEditForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.target_update(
                actor=request.employee,
                target=target,
                version=data["version"],
                value=data["value"],
                note=data["note"],
            )
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("已保存。"))
    else:
        messages.error(request, _("请检查填写的内容。"))
    return redirect("planning:target_detail", target.pk)


@employee_required
@require_POST
def target_delete(request, pk):
    target = selectors.access_target(request.employee, pk)
    label = target.period.label
    try:
        services.target_delete(actor=request.employee, target=target)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("planning:target_detail", target.pk)
    messages.success(request, _("已删除目标。"))
    return redirect(f"{reverse('planning:target_list')}?period={label}")


def _plan_cells(post):
    """``{"e7": {3: "1000", ...}}`` from the grid's ``c-<row>-<month>`` inputs."""
    cells: dict[str, dict[int, str]] = {}
    for name, value in post.items():
        if not name.startswith("c-"):
            continue
        parts = name.split("-")
        if len(parts) != 3 or not parts[2].isdigit():
            continue
        cells.setdefault(parts[1], {})[int(parts[2])] = value
    return cells


@employee_required
def target_plan(request):
    """A department's yearly plan: 12 months × the department and its employees, filled
    in one screen ("split the year evenly" fills a row from a yearly total)."""
    policy.require(request.employee, f"{MODULE}.create")
    policy.require(request.employee, f"{MODULE}.edit")
    source = request.POST if request.method == "POST" else request.GET
    departments = list(_visible_departments(request.employee))
    department = None
    dept_id = _int(source.get("department"))
    if dept_id:
        department = next((d for d in departments if d.pk == dept_id), None)
    if department is None and departments:
        own = next((d for d in departments if d.pk == request.employee.department_id), None)
        department = own or departments[0]
    today = timezone.localdate()
    year = _int(source.get("year")) or today.year
    if not periods.MIN_YEAR <= year <= periods.MAX_YEAR:
        year = today.year
    measure = source.get("measure") or SalesTarget.Measure.ORDER_AMOUNT
    if measure not in SalesTarget.Measure.values:
        measure = SalesTarget.Measure.ORDER_AMOUNT
    line_id = _int(source.get("line")) if measure in services.LINE_MEASURES else None
    errors: dict = {}
    submitted: dict = {}
    status = 200
    if request.method == "POST" and department is not None:
        submitted = _plan_cells(request.POST)
        try:
            created, changed, removed = services.plan_save(
                actor=request.employee,
                department=department,
                year=year,
                measure=measure,
                product_line=line_id,
                cells=submitted,
            )
        except REFUSALS as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                errors = exc.message_dict
            else:
                errors = {"__all__": [refusal_text(exc)]}
            status = (
                getattr(exc, "status_code", 400) if not isinstance(exc, PermissionDenied) else 403
            )
        else:
            messages.success(
                request,
                _("计划已保存：新增 %(created)s、修改 %(changed)s、清除 %(removed)s 个月度目标。")
                % {"created": created, "changed": changed, "removed": removed},
            )
            return redirect(
                f"{reverse('planning:target_plan')}?department={department.pk}&year={year}"
                f"&measure={measure}{f'&line={line_id}' if line_id else ''}"
            )
    rows = []
    if department is not None:
        values = services.plan_values(
            department=department, year=year, measure=measure, product_line_id=line_id
        )
        for kind, subject in services.plan_subjects(department):
            key = f"{kind}{subject.pk}"
            cells = []
            for month in MONTHS:
                if submitted:
                    shown = submitted.get(key, {}).get(month, "")
                else:
                    stored = values.get(key, {}).get(month)
                    shown = "" if stored is None else _plain_number(stored)
                cells.append(
                    {"month": month, "value": shown, "errors": errors.get(f"{key}-{month}", [])}
                )
            rows.append({"key": key, "kind": kind, "subject": subject, "cells": cells})
    places = _places(request.employee, measure)
    return render(
        request,
        "planning/target_plan.html",
        {
            "departments": departments,
            "department": department,
            "year": year,
            "years": range(today.year - 2, today.year + 3),
            "measure": measure,
            "measures": SalesTarget.Measure.choices,
            "lines": ProductLine.objects.order_by("sort_order", "pk"),
            "line_id": line_id,
            "rows": rows,
            "months": MONTHS,
            "errors": errors.get("__all__", []) + errors.get("cells", []),
            "has_cell_errors": any("-" in key for key in errors),
            "places": places,
        },
        status=status,
    )


def _plain_number(value):
    text = format(value.normalize(), "f")
    return text


@employee_required
@require_GET
def target_export(request):
    """The board as an Excel workbook (``sales_targets.export``)."""
    policy.require(request.employee, f"{MODULE}.export")
    period, measure, line_id, _errors = _board_params(request)
    result = selectors.board(
        employee=request.employee,
        period=period,
        measure=measure,
        product_line_id=line_id,
        today=timezone.localdate(),
    )
    content = exports.board_xlsx(
        result,
        measure_label=str(SalesTarget.Measure(measure).label),
        places=_places(request.employee, measure),
    )
    audit.record_export(
        actor=request.employee,
        entity="planning.salestarget",
        row_count=len(result.rows),
        file_format="xlsx",
        filters={"period": period.label, "measure": measure, "line": line_id},
    )
    return spreadsheet.download(content, f"{_('销售目标')}-{period.label}.xlsx")


@employee_required
@require_GET
def start_card(request):
    """The body of the start page's "我的目标" card (this month's targets of the viewer)."""
    if not policy.can(request.employee, f"{MODULE}.view"):
        raise PermissionDenied
    today = timezone.localdate()
    period, rows = selectors.my_month(employee=request.employee, today=today)
    return render(
        request,
        "planning/_start_card_body.html",
        {
            "period": period,
            "rows": [
                {
                    "target": target,
                    "actual": actual,
                    "attainment": value,
                    "width": 0 if value is None else int(min(max(value, 0), 100)),
                    "places": _places(request.employee, target.measure),
                }
                for target, actual, value in rows
            ],
            "progress": round(period.progress(today) * 100, 1),
        },
    )


@employee_required
@require_GET
def forecast(request):
    """The forecast: weighted pipeline by expected close month, the projection from the
    last 12 months, and the past months' snapshots beside their actuals."""
    policy.require(request.employee, "opportunities.view")
    from guanxi.sales.opportunities.models import Pipeline

    department = None
    dept_id = _int(request.GET.get("department"))
    departments = list(_visible_departments(request.employee, "opportunities"))
    if dept_id:
        department = next((d for d in departments if d.pk == dept_id), None)
    owners = list(_visible_employees(request.employee, "opportunities").only("pk", "name"))
    owner = None
    owner_id = _int(request.GET.get("owner"))
    if owner_id:
        owner = next((o for o in owners if o.pk == owner_id), None)
    pipelines = list(Pipeline.objects.filter(is_active=True).order_by("sort_order", "pk"))
    pipeline_id = _int(request.GET.get("pipeline"))
    if pipeline_id and not any(p.pk == pipeline_id for p in pipelines):
        pipeline_id = None
    months = _int(request.GET.get("months")) or 6
    months = min(max(months, 1), 12)
    result = selectors.forecast(
        employee=request.employee,
        months=months,
        department=department,
        owner=owner,
        pipeline_id=pipeline_id,
        today=timezone.localdate(),
    )
    scope = policy.access_for(request.employee).scope("opportunities")
    return render(
        request,
        "planning/forecast.html",
        {
            "result": result,
            "chart": result.chart(),
            "departments": departments,
            "department": department,
            "owners": owners,
            "owner": owner,
            "pipelines": pipelines,
            "pipeline_id": pipeline_id,
            "months": months,
            "month_choices": (3, 6, 9, 12),
            "places": services.amount_places(request.employee.org_id),
            "can_snapshot": scope.all,
        },
    )


@employee_required
@require_POST
def forecast_snapshot(request):
    try:
        made = services.forecast_snapshot_now(actor=request.employee)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        if made:
            messages.success(request, _("已生成本月预测快照（%(n)s 条）。") % {"n": made})
        else:
            messages.info(request, _("本月的预测快照已存在，未重复生成。"))
    return redirect("planning:forecast")
