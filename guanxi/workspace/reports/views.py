"""Screens of work reports: my reports, the write/edit form, the report page (with
comments, scores, readers, history), reports I can read, the team overview, and the
template setup screens. Thin: they parse input and call ``services`` / ``selectors``."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace.reports import rules, selectors, services
from guanxi.workspace.reports.forms import (
    ReportForm,
    TemplateForm,
    field_formset,
    formset_definitions,
)
from guanxi.workspace.reports.models import MAX_SCORE, MIN_SCORE, ReportTemplate, WorkReport

PAGE_SIZE = 30
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)


def _date_param(value, default=None):
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _int_param(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**62 else None


# ---- my reports ----------------------------------------------------------------------------


@employee_required
@require_GET
def my_list(request):
    """My reports, newest period first, and what is due now."""
    employee = request.employee
    policy.require(employee, "work_reports.view")
    queryset = selectors.with_stats(selectors.my_reports(employee=employee)).order_by(
        "-period_start", "-id"
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "work_reports/report_list.html",
        {
            "page": page,
            "due": selectors.due_reports(employee=employee),
            "templates": selectors.templates_for(employee)
            if policy.can(employee, "work_reports.create")
            else [],
            "today": timezone.localdate(),
        },
    )


def _form_page(request, *, form, report, template, day, status=200):
    start, end = rules.period_bounds(template.period, day)
    return render(
        request,
        "work_reports/report_form.html",
        {
            "form": form,
            "report": report,
            "template": template,
            "day": day,
            "period_label": rules.period_label(template.period, start, end),
            "due_at": rules.due_moment(template, start),
        },
        status=status,
    )


@employee_required
def report_new(request):
    """Write a report for a template and the period holding ``date`` (today by default);
    an existing report of that period opens for editing instead."""
    employee = request.employee
    policy.require(employee, "work_reports.create")
    source = request.POST if request.method == "POST" else request.GET
    templates = {t.pk: t for t in selectors.templates_for(employee)}
    template = templates.get(_int_param(source.get("template")))
    if template is None:
        messages.error(request, _("请选择一个适用于您的报告模板。"))
        return redirect("work_reports:my_list")
    day = _date_param(source.get("date"), timezone.localdate())
    start, _end = rules.period_bounds(template.period, day)
    existing = (
        selectors.my_reports(employee=employee)
        .filter(template=template, period_start=start)
        .first()
    )
    if existing is not None:
        return redirect("work_reports:report_edit", existing.pk)
    form = ReportForm(request.POST or None, fields=template.fields, author=employee)
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            report = services.report_create(
                actor=employee,
                template=template,
                date=day,
                values=form.values(),
                readers=list(form.cleaned_data["readers"]),
                submit=submit,
            )
        except REFUSALS as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("报告已提交。") if submit else _("草稿已保存。"))
            return redirect("work_reports:report_detail", report.pk)
    return _form_page(
        request, form=form, report=None, template=template, day=day,
        status=form_status(request, form),
    )  # fmt: skip


@employee_required
def report_edit(request, pk):
    employee = request.employee
    report = selectors.access_report(employee, pk, write=True)
    fields = (
        report.fields if report.status == WorkReport.Status.SUBMITTED else report.template.fields
    )
    form = ReportForm(
        request.POST or None,
        fields=fields,
        author=employee,
        initial=ReportForm.initial_for(report),
    )
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST and report.status == WorkReport.Status.DRAFT
        try:
            services.report_update(
                actor=employee,
                report=report,
                version=form.cleaned_data.get("version"),
                values=form.values(),
                readers=list(form.cleaned_data["readers"]),
                submit=submit,
            )
        except REFUSALS as exc:
            form.refuse(exc)
        else:
            messages.success(request, _("报告已提交。") if submit else _("报告已保存。"))
            return redirect("work_reports:report_detail", report.pk)
    return _form_page(
        request, form=form, report=report, template=report.template, day=report.period_start,
        status=form_status(request, form),
    )  # fmt: skip


@employee_required
def report_detail(request, pk):
    """The report: values, readers, comments, scores, who read it, edit history. Opening
    a submitted report of someone else marks it read."""
    employee = request.employee
    report = selectors.access_report(employee, pk)
    mine = report.author_id == employee.pk
    if not mine and report.status == WorkReport.Status.SUBMITTED:
        services.report_mark_read(actor=employee, report=report)
    context = selectors.report_page(employee=employee, report=report)
    context.update(
        {
            "report": report,
            "mine": mine,
            "can_edit": mine and policy.can(employee, "work_reports.edit"),
            "can_delete": mine and policy.can(employee, "work_reports.delete"),
            "can_comment": selectors.can_comment(employee, report),
            "can_score": selectors.can_score(employee, report),
            "score_choices": range(MIN_SCORE, MAX_SCORE + 1),
            "period_label": rules.period_label(
                report.template.period, report.period_start, report.period_end
            ),
        }
    )
    return render(request, "work_reports/report_detail.html", context)


@employee_required
@require_POST
def report_submit(request, pk):
    employee = request.employee
    report = selectors.access_report(employee, pk, write=True)
    try:
        services.report_submit(actor=employee, report=report, version=request.POST.get("version"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("work_reports:report_edit", report.pk)
    messages.success(request, _("报告已提交。"))
    return redirect("work_reports:report_detail", report.pk)


@employee_required
@require_POST
def report_delete(request, pk):
    employee = request.employee
    report = selectors.access_report(employee, pk)
    try:
        services.report_delete(actor=employee, report=report)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("work_reports:report_detail", report.pk)
    messages.success(request, _("报告已删除。"))
    return redirect("work_reports:my_list")


@employee_required
@require_POST
def report_comment(request, pk):
    employee = request.employee
    report = selectors.access_report(employee, pk)
    try:
        services.report_comment(actor=employee, report=report, body=request.POST.get("body", ""))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("评论已发表。"))
    return redirect("work_reports:report_detail", report.pk)


@employee_required
@require_POST
def report_score(request, pk):
    employee = request.employee
    report = selectors.access_report(employee, pk)
    try:
        services.report_score(
            actor=employee,
            report=report,
            score=request.POST.get("score"),
            note=request.POST.get("note", ""),
        )
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("评分已保存。"))
    return redirect("work_reports:report_detail", report.pk)


# ---- reports I can read --------------------------------------------------------------------


@employee_required
@require_GET
def inbox(request):
    """Submitted reports of others I may read, with filters: author, template, a day of
    the period, unread only."""
    employee = request.employee
    policy.require(employee, "work_reports.view")
    filters = {
        "author": _int_param(request.GET.get("author")),
        "template": _int_param(request.GET.get("template")),
        "period_start": _date_param(request.GET.get("period")),
        "unread": request.GET.get("unread") == "1",
    }
    queryset = selectors.with_stats(selectors.readable_reports(employee=employee, filters=filters))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "work_reports/inbox.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "templates": ReportTemplate.objects.order_by("name", "id"),
            "authors": _author_choices(employee),
        },
    )


def _author_choices(employee):
    members = selectors.team_members(employee)
    if members:
        return members
    return list(Employee.objects.none())


# ---- team overview -------------------------------------------------------------------------


@employee_required
@require_GET
def team(request):
    """Who in my team has submitted the chosen template's report for the chosen period
    (on time / late), who has a draft, who has nothing."""
    employee = request.employee
    policy.require(employee, "work_reports.view")
    templates = list(ReportTemplate.objects.filter(is_active=True).order_by("name", "id"))
    chosen = _int_param(request.GET.get("template"))
    template = next((t for t in templates if t.pk == chosen), templates[0] if templates else None)
    day = _date_param(request.GET.get("date"), timezone.localdate())
    overview = None
    if template is not None:
        template = ReportTemplate.objects.prefetch_related("departments", "roles").get(
            pk=template.pk
        )
        overview = selectors.team_overview(employee=employee, template=template, day=day)
    return render(
        request,
        "work_reports/team.html",
        {"templates": templates, "template": template, "day": day, "overview": overview},
    )


# ---- templates (setup) ---------------------------------------------------------------------


@employee_required
@require_GET
def template_list(request):
    employee = request.employee
    policy.require(employee, "work_report_templates.view")
    return render(
        request,
        "work_reports/template_list.html",
        {
            "templates": selectors.template_queryset(employee=employee).order_by("name", "id"),
            "can_create": policy.can(employee, "work_report_templates.create"),
            "can_edit": policy.can(employee, "work_report_templates.edit"),
            "can_delete": policy.can(employee, "work_report_templates.delete"),
        },
    )


def _template_page(request, *, form, formset, template, status=200):
    return render(
        request,
        "work_reports/template_form.html",
        {"form": form, "formset": formset, "template": template},
        status=status,
    )


def _template_save(request, form, formset, save, template):
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            save(form.service_kwargs(), formset_definitions(formset))
        except (ValidationError, BusinessRuleError) as exc:
            if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                formset.field_errors = [
                    m for e in exc.error_dict.pop("fields", []) for m in e.messages
                ]
                if exc.error_dict:
                    refuse(form, exc)
                else:
                    form.refusal_status = 400
            else:
                refuse(form, exc)
        else:
            messages.success(request, _("报告模板已保存。"))
            return redirect("work_reports:template_list")
    status = 200
    if request.method == "POST":
        status = getattr(form, "refusal_status", 400)
    return _template_page(request, form=form, formset=formset, template=template, status=status)


@employee_required
def template_create(request):
    employee = request.employee
    policy.require(employee, "work_report_templates.create")
    form = TemplateForm(request.POST or None)
    formset = field_formset(request.POST if request.method == "POST" else None)

    def save(data, fields):
        services.template_create(actor=employee, fields=fields, **data)

    return _template_save(request, form, formset, save, None)


@employee_required
def template_edit(request, pk):
    employee = request.employee
    template = selectors.access_template(employee, pk, write=True)
    form = TemplateForm(request.POST or None, initial=TemplateForm.initial_for(template))
    formset = field_formset(request.POST if request.method == "POST" else None, template)

    def save(data, fields):
        services.template_update(
            actor=employee,
            template=template,
            version=form.cleaned_data.get("version"),
            fields=fields,
            **data,
        )

    return _template_save(request, form, formset, save, template)


@employee_required
@require_POST
def template_delete(request, pk):
    employee = request.employee
    template = selectors.access_template(employee, pk)
    try:
        services.template_delete(actor=employee, template=template)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("报告模板“%(name)s”已删除。") % {"name": template.name})
    return redirect("work_reports:template_list")
