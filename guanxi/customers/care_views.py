"""Screens of customer care (客户关怀): upcoming days, my care tasks, holiday greetings,
care plans."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.customers import care, selectors
from guanxi.customers.forms import split_tags
from guanxi.customers.models import CareRule, CareTask, Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.orgs import policy
from guanxi.orgs.selectors import dictionary_entries

TASK_LIMIT = 100


@employee_required
def care_home(request):
    employee = request.employee
    policy.require(employee, "customers.view")
    status = request.GET.get("status", CareTask.Status.OPEN)
    if status not in CareTask.Status.values:
        status = CareTask.Status.OPEN
    tasks = care.care_queryset(employee=employee).filter(status=status)
    if request.GET.get("all") != "1":
        tasks = tasks.filter(assignee=employee)
    order = ("due_on", "id") if status == CareTask.Status.OPEN else ("-due_on", "-id")
    levels = [
        (e.code, e.display_label) for e in dictionary_entries(kind=DICTIONARY_FIELDS["level"])
    ]
    return render(
        request,
        "customers/care.html",
        {
            "upcoming": care.upcoming(employee=employee),
            "days": care.reminder_days(employee),
            "tasks": list(tasks.order_by(*order)[:TASK_LIMIT]),
            "status": status,
            "statuses": CareTask.Status.choices,
            "show_all": request.GET.get("all") == "1",
            "back_url": request.get_full_path(),
            "today": timezone.localdate(),
            "can_edit": policy.can(employee, "customers.edit"),
            "levels": levels,
            "stages": Customer.Lifecycle.choices,
        },
    )


@employee_required
@require_POST
def care_task_create(request):
    """A care task for one customer (from the care page or a reminder)."""
    employee = request.employee
    post = request.POST
    try:
        customer = selectors.access_customer(employee, post.get("customer", ""))
        contact = None
        if post.get("contact"):
            contact = selectors.access_contact(employee, post["contact"])
        care.care_task_create(
            actor=employee,
            customer=customer,
            contact=contact,
            kind=post.get("kind") or CareTask.Kind.CUSTOM,
            title=post.get("title", ""),
            due_on=post.get("due_on", ""),
            note=post.get("note", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("关怀任务已创建。"))
    return redirect_back(request, "customers:care")


@employee_required
@require_POST
def care_holiday(request):
    """为选中客户创建节日问候任务: the customers chosen by level and stage (in scope,
    mine only unless asked), or the ``ids`` given."""
    employee = request.employee
    post = request.POST
    ids = post.getlist("ids")
    if not ids:
        customers = selectors.customer_queryset(employee=employee)
        if post.get("level"):
            customers = customers.filter(level=post["level"])
        if post.get("lifecycle_stage"):
            customers = customers.filter(lifecycle_stage=post["lifecycle_stage"])
        if post.get("mine", "1") == "1":
            customers = customers.filter(owner=employee)
        ids = list(customers.order_by("id").values_list("pk", flat=True)[: care.HOLIDAY_MAX + 1])
    try:
        count = care.care_holiday_create(
            actor=employee,
            customer_ids=ids,
            title=post.get("title", ""),
            due_on=post.get("due_on", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已为 %(n)d 个客户创建节日问候任务。") % {"n": count})
    return redirect_back(request, "customers:care")


def _close(request, pk, service, done_message):
    employee = request.employee
    task = care.access_task(employee, pk)
    try:
        service(actor=employee, task=task, note=request.POST.get("note", ""))
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, done_message % {"title": task.title})
    return redirect_back(request, "customers:care")


@employee_required
@require_POST
def care_task_done(request, pk):
    return _close(request, pk, care.care_task_complete, _("关怀任务“%(title)s”已完成。"))


@employee_required
@require_POST
def care_task_cancel(request, pk):
    return _close(request, pk, care.care_task_cancel, _("关怀任务“%(title)s”已取消。"))


@employee_required
def care_panel(request, pk):
    """The care card of a customer page: open tasks, care history, a new task."""
    employee = request.employee
    customer = selectors.access_customer(employee, pk)
    tasks = list(
        care.care_queryset(employee=employee)
        .filter(customer=customer)
        .exclude(status=CareTask.Status.CANCELLED)
        .order_by("-due_on", "-id")[:20]
    )
    return render(
        request,
        "customers/care_panel.html",
        {
            "customer": customer,
            "open_tasks": [t for t in tasks if t.status == CareTask.Status.OPEN],
            "history": [t for t in tasks if t.status == CareTask.Status.DONE],
            "can_edit": policy.can(employee, "customers.edit"),
            "today": timezone.localdate(),
            "back_url": reverse("customers:customer_detail", args=[customer.pk]),
            "kinds": CareTask.Kind.choices,
        },
    )


@employee_required
def care_bell(request):
    """The bell's care badge, loaded after the page: open care tasks due soon."""
    return render(
        request, "customers/_care_bell.html", {"count": care.bell_count(request.employee)}
    )


# ---- care plans (关怀计划) -------------------------------------------------------------------


class CareRuleForm(forms.Form):
    """Parses the care plan screen; ``care.care_rule_*`` validate and write."""

    name = forms.CharField(label=_("名称"), max_length=care.RULE_NAME_LENGTH)
    kind = forms.ChoiceField(
        label=_("类型"), choices=CareRule.Kind.choices, widget=forms.RadioSelect
    )
    task_title = forms.CharField(
        label=_("任务标题"),
        max_length=care.RULE_NAME_LENGTH,
        required=False,
        help_text=_("留空则用计划名称；任务标题前会加上客户名称。"),
    )
    interval_days = forms.IntegerField(
        label=_("间隔天数"), min_value=1, max_value=care.INTERVAL_MAX, required=False,
        help_text=_("定期关怀：每位客户每隔多少天一次（客户分散在间隔内的不同日子）。"),
    )  # fmt: skip
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    holiday_on = forms.DateField(
        label=_("节日日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("节日问候：问候的日期。农历节日每年日期不同，请每年修改日期。"),
    )  # fmt: skip
    yearly = forms.BooleanField(label=_("每年重复（按月日）"), required=False)
    lead_days = forms.IntegerField(
        label=_("提前天数"), min_value=0, max_value=care.LEAD_MAX, initial=3,
        help_text=_("提前多少天生成任务。"),
    )  # fmt: skip
    levels = forms.MultipleChoiceField(
        label=_("客户级别"), required=False, widget=forms.CheckboxSelectMultiple
    )
    value_tiers = forms.MultipleChoiceField(
        label=_("价值等级"),
        required=False,
        choices=Customer.ValueTier.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    stages = forms.MultipleChoiceField(
        label=_("生命周期阶段"),
        required=False,
        choices=Customer.Lifecycle.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=600,
        help_text=_("含任一标签的客户；多个标签用逗号分隔。"),
    )  # fmt: skip
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["levels"].choices = [
            (e.code, e.display_label) for e in dictionary_entries(kind=care.LEVEL_KIND)
        ]

    @classmethod
    def initial_for(cls, rule):
        data = {name: getattr(rule, name) for name in care.RULE_FIELDS}
        data["tags"] = "，".join(rule.tags or [])
        data["version"] = rule.version
        return data

    def service_fields(self):
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["tags"] = split_tags(data.get("tags", ""))
        return data


def _rule_summary(rule, level_labels):
    """What a plan does, in words, for the list."""
    if rule.kind == CareRule.Kind.INTERVAL:
        when = _("每 %(n)d 天") % {"n": rule.interval_days or 0}
    elif rule.yearly and rule.holiday_on:
        when = _("每年 %(date)s") % {"date": rule.holiday_on.strftime("%m-%d")}
    else:
        when = rule.holiday_on.isoformat() if rule.holiday_on else "—"
    parts = []
    if rule.levels:
        parts.append("、".join(level_labels.get(code, code) for code in rule.levels))
    if rule.value_tiers:
        parts.append(_("价值等级 %(tiers)s") % {"tiers": "、".join(rule.value_tiers)})
    if rule.stages:
        names = dict(Customer.Lifecycle.choices)
        parts.append("、".join(str(names.get(s, s)) for s in rule.stages))
    if rule.tags:
        parts.append(_("标签：%(tags)s") % {"tags": "、".join(rule.tags)})
    return when, " · ".join(parts) or _("全部客户")


@employee_required
def care_rule_list(request):
    employee = request.employee
    rules = list(care.care_rule_queryset(employee=employee).order_by("-is_active", "name", "id"))
    level_labels = {e.code: e.display_label for e in dictionary_entries(kind=care.LEVEL_KIND)}
    for rule in rules:
        rule.when, rule.selection = _rule_summary(rule, level_labels)
    return render(
        request,
        "customers/care_rules.html",
        {"rules": rules, "can_manage": care.can_manage_rules(employee)},
    )


def _rule_form_page(request, rule=None):
    employee = request.employee
    policy.require(employee, care.MANAGE_CARE)
    if request.method == "POST":
        form = CareRuleForm(request.POST)
        if form.is_valid():
            try:
                if rule is None:
                    saved = care.care_rule_create(actor=employee, **form.service_fields())
                else:
                    saved = care.care_rule_update(
                        actor=employee,
                        rule=rule,
                        version=form.cleaned_data.get("version"),
                        **form.service_fields(),
                    )
            except (ValidationError, BusinessRuleError) as exc:
                refuse(form, exc)
            else:
                messages.success(request, _("关怀计划“%(name)s”已保存。") % {"name": saved.name})
                return redirect("customers:care_rule_list")
    elif rule is None:
        form = CareRuleForm(
            initial={"kind": CareRule.Kind.INTERVAL, "lead_days": 3,
                     "starts_on": timezone.localdate()}
        )  # fmt: skip
    else:
        form = CareRuleForm(initial=CareRuleForm.initial_for(rule))
    response = render(request, "customers/care_rule_form.html", {"form": form, "rule": rule})
    response.status_code = form_status(request, form)
    return response


@employee_required
def care_rule_create(request):
    return _rule_form_page(request)


@employee_required
def care_rule_edit(request, pk):
    return _rule_form_page(request, care.access_rule(request.employee, pk))


@employee_required
@require_POST
def care_rule_toggle(request, pk):
    """Stop a running plan or start a stopped one."""
    employee = request.employee
    rule = care.access_rule(employee, pk)
    try:
        rule = care.care_rule_set_active(actor=employee, rule=rule, active=not rule.is_active)
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        message = (
            _("关怀计划“%(name)s”已启用。") if rule.is_active else _("关怀计划“%(name)s”已停用。")
        )
        messages.success(request, message % {"name": rule.name})
    return redirect("customers:care_rule_list")


@employee_required
@require_POST
def care_rule_run(request):
    """Run today's care plans now (the morning run does the same)."""
    try:
        created = care.care_rules_run_now(actor=request.employee)
    except PermissionDenied as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已生成 %(n)d 个关怀任务。") % {"n": created})
    return redirect("customers:care_rule_list")
