"""Screens of commissions: rules (list, editor with tier rows, delete), statements (list
with filters and Excel export, generate form, detail with lines grouped by rule,
recompute, adjustments, submit, delete, Excel export). Thin: they parse input and call
``services`` / ``selectors``."""

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.audit import services as audit
from guanxi.core import spreadsheet
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.orgs import policy
from guanxi.sales.commissions import exports, jobs, selectors, services
from guanxi.sales.commissions.filters import StatementFilter
from guanxi.sales.commissions.forms import AdjustmentForm, GenerateForm, RuleForm
from guanxi.sales.commissions.models import CommissionLine, CommissionStatement

MODULE = selectors.MODULE
SETUP = selectors.SETUP
PAGE_SIZE = 30
EXPORT_LIMIT = 5000
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _places(request):
    places, currency = services.money_settings(request.employee.org_id)
    return {"places": places, "currency": currency}


def _download(request, body, filename, entity, rows):
    audit.record_export(actor=request.employee, entity=entity, row_count=rows, file_format="xlsx")
    return spreadsheet.download(body, filename)


# ---- rules ---------------------------------------------------------------------------------


@employee_required
@require_GET
def rule_list(request):
    policy.require(request.employee, f"{SETUP}.view")
    rules = selectors.rule_queryset().order_by("-active", "name", "pk")
    return render(
        request,
        "commissions/rule_list.html",
        {
            "rules": rules,
            "can_edit": policy.can(request.employee, f"{SETUP}.edit"),
            **_places(request),
        },
    )


def _plain(number):
    return f"{number.normalize():f}"


def _tiers_initial(rule):
    if rule is None:
        return json.dumps([{"from_amount": "0", "rate": ""}])
    return json.dumps(
        [
            {
                "from_amount": f"{tier.from_amount.normalize():f}",
                "rate": f"{tier.rate.normalize():f}",
            }
            for tier in rule.tiers.all()
        ]
    )


def _rule_form(request, rule):
    policy.require(request.employee, f"{SETUP}.edit")
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                if rule is None:
                    saved = services.rule_create(actor=request.employee, **form.service_fields())
                    messages.success(request, _("佣金规则已创建。"))
                else:
                    saved = services.rule_update(
                        actor=request.employee,
                        rule=rule,
                        version=request.POST.get("version") or None,
                        **form.service_fields(),
                    )
                    messages.success(request, _("佣金规则已保存。"))
                return redirect("commissions:rule_edit", pk=saved.pk)
            except REFUSALS as exc:
                refuse(form, exc)
        tiers = form.data.get("tiers_json") or _tiers_initial(rule)
    else:
        initial = {}
        if rule is not None:
            initial = {
                "name": rule.name,
                "active": rule.active,
                "basis": rule.basis,
                "applies_to": rule.applies_to,
                "role": rule.role_id,
                "employees": [employee.pk for employee in rule.employees.all()],
                "product_line": rule.product_line_id,
                "valid_from": rule.valid_from,
                "valid_to": rule.valid_to,
                "notes": rule.notes,
            }
        else:
            initial = {"active": True, "valid_from": timezone.localdate().replace(day=1)}
        form = RuleForm(initial=initial)
        tiers = _tiers_initial(rule)
    return render(
        request,
        "commissions/rule_form.html",
        {"form": form, "rule": rule, "tiers_initial": tiers, **_places(request)},
        status=form_status(request, form),
    )


@employee_required
@require_http_methods(["GET", "POST"])
def rule_create(request):
    return _rule_form(request, None)


@employee_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    rule = selectors.access_rule(request.employee, pk, write=True)
    return _rule_form(request, rule)


@employee_required
@require_POST
def rule_delete(request, pk):
    rule = selectors.access_rule(request.employee, pk, write=True)
    services.rule_delete(actor=request.employee, rule=rule)
    messages.success(request, _("佣金规则已删除。"))
    return redirect("commissions:rule_list")


# ---- statements ----------------------------------------------------------------------------


def _statement_filter(request):
    queryset = selectors.statement_queryset(employee=request.employee).order_by(
        "-period", "owner__name", "pk"
    )
    return StatementFilter(request.GET or None, queryset=queryset)


@employee_required
@require_GET
def statement_list(request):
    """Statements in the employee's scope; filters: period, employee, status."""
    policy.require(request.employee, f"{MODULE}.view")
    filterset = _statement_filter(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "commissions/statement_list.html",
        {
            "filter": filterset,
            "page": page,
            "query": params.urlencode(),
            "statuses": CommissionStatement.Status.choices,
            "employees": selectors.employees_in_scope(request.employee).order_by("name", "pk"),
            "can_create": policy.can(request.employee, f"{MODULE}.create"),
            "can_export": policy.can(request.employee, f"{MODULE}.export"),
            "can_setup": policy.can(request.employee, f"{SETUP}.view"),
            **_places(request),
        },
    )


@employee_required
@require_GET
def statement_list_export(request):
    policy.require(request.employee, f"{MODULE}.export")
    statements = list(_statement_filter(request).qs[:EXPORT_LIMIT])
    body = exports.statements_xlsx(statements, places=_places(request)["places"])
    name = "{}-{}.xlsx".format(_("佣金结算单"), timezone.localdate().isoformat())
    return _download(request, body, name, "commissions.statement", len(statements))


@employee_required
@require_http_methods(["GET", "POST"])
def statement_generate(request):
    """Generate a period's statement for one employee (now) or for everyone in scope (a
    background job with progress)."""
    policy.require(request.employee, f"{MODULE}.create")
    employees = selectors.employees_in_scope(request.employee)
    if request.method == "POST":
        form = GenerateForm(request.POST, employees=employees)
        if form.is_valid():
            period = form.cleaned_data["period"]
            employee = form.cleaned_data.get("employee")
            try:
                if employee is not None:
                    statement = services.statement_generate(
                        actor=request.employee, period=period, employee=employee
                    )
                    messages.success(request, _("佣金结算单已生成。"))
                    return redirect("commissions:statement_detail", pk=statement.pk)
                job = jobs.generate_start(actor=request.employee, period=period)
                return redirect("jobs:job_detail", pk=job.pk)
            except REFUSALS as exc:
                refuse(form, exc)
    else:
        form = GenerateForm(
            initial={"period": selectors.previous_month(timezone.localdate())},
            employees=employees,
        )
    return render(
        request,
        "commissions/statement_generate.html",
        {"form": form},
        status=form_status(request, form),
    )


def _groups(lines):
    """The computed lines grouped by rule (in order), and the adjustments."""
    groups: dict = {}
    adjustments = []
    for line in lines:
        if line.kind == CommissionLine.Kind.ADJUSTMENT:
            adjustments.append(line)
            continue
        key = (line.rule_id, line.rule_name)
        group = groups.setdefault(
            key,
            {"name": line.rule_name, "lines": [], "base": 0, "commission": 0, "rate": line.rate},
        )
        group["lines"].append(line)
        group["base"] += line.base_amount
        group["commission"] += line.commission
    return list(groups.values()), adjustments


@employee_required
@require_GET
def statement_detail(request, pk):
    return _detail(request, selectors.access_statement(request.employee, pk))


def _detail(request, statement, adjustment_form=None):
    groups, adjustments = _groups(selectors.statement_lines(statement))
    employee = request.employee
    draft = statement.status == CommissionStatement.Status.DRAFT
    return render(
        request,
        "commissions/statement_detail.html",
        {
            "statement": statement,
            "groups": groups,
            "adjustments": adjustments,
            "can_edit": draft and policy.can(employee, f"{MODULE}.edit"),
            "can_delete": draft and policy.can(employee, f"{MODULE}.delete"),
            "can_export": policy.can(employee, f"{MODULE}.export"),
            "adjustment_form": adjustment_form or AdjustmentForm(),
            **_places(request),
        },
        status=400 if adjustment_form is not None else 200,
    )


def _act(request, pk, action, done):
    statement = selectors.access_statement(request.employee, pk)
    try:
        action(statement)
        messages.success(request, done)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    return redirect("commissions:statement_detail", pk=statement.pk)


@employee_required
@require_POST
def statement_recompute(request, pk):
    return _act(
        request,
        pk,
        lambda s: services.statement_recompute(
            actor=request.employee, statement=s, version=request.POST.get("version") or None
        ),
        _("已按最新数据重新计算。"),
    )


@employee_required
@require_POST
def statement_submit(request, pk):
    return _act(
        request,
        pk,
        lambda s: services.statement_submit(
            actor=request.employee, statement=s, comment=request.POST.get("comment", "")
        ),
        _("佣金结算单已提交。"),
    )


@employee_required
@require_POST
def statement_delete(request, pk):
    statement = selectors.access_statement(request.employee, pk)
    try:
        services.statement_delete(actor=request.employee, statement=statement)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("commissions:statement_detail", pk=statement.pk)
    messages.success(request, _("佣金结算单已删除。"))
    return redirect("commissions:statement_list")


@employee_required
@require_POST
def statement_adjust(request, pk):
    statement = selectors.access_statement(request.employee, pk)
    form = AdjustmentForm(request.POST)
    if form.is_valid():
        try:
            services.adjustment_add(
                actor=request.employee,
                statement=statement,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("已添加调整。"))
            return redirect("commissions:statement_detail", pk=statement.pk)
        except REFUSALS as exc:
            refuse(form, exc)
    return _detail(request, statement, adjustment_form=form)


@employee_required
@require_POST
def statement_adjustment_delete(request, pk, line_id):
    return _act(
        request,
        pk,
        lambda s: services.adjustment_delete(actor=request.employee, statement=s, line_id=line_id),
        _("已删除调整。"),
    )


@employee_required
@require_GET
def statement_export(request, pk):
    policy.require(request.employee, f"{MODULE}.export")
    statement = selectors.access_statement(request.employee, pk)
    lines = selectors.statement_lines(statement)
    body = exports.statement_xlsx(statement, lines, places=_places(request)["places"])
    name = "{}-{}-{}.xlsx".format(_("佣金结算单"), statement.period, statement.owner.name)
    return _download(request, body, name.replace("/", "_"), "commissions.statement", 1)
