"""Screens of leads (线索): the list (filters, bulk assign and transfer), the lead page
(score breakdown, follow-up timeline, status, claim), the create/edit form, the
conversion page (with the duplicate warning) and the rules pages (scoring and
assignment). Thin: they parse input and call ``services`` / ``selectors``."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import add_service_errors, form_status, refuse
from guanxi.core.views import employee_required, refusal_text
from guanxi.customers import selectors as customer_selectors
from guanxi.orgs import policy
from guanxi.orgs.selectors import dictionary_labels
from guanxi.sales import paging
from guanxi.sales.leads import jobs, scoring, selectors, services
from guanxi.sales.leads.filters import POOL, LeadFilter
from guanxi.sales.leads.forms import (
    AssignmentRuleForm,
    ConvertForm,
    LeadForm,
    ScoringRuleForm,
    StatusForm,
    TransferForm,
    active_employees,
)
from guanxi.sales.leads.models import AssignmentRule, Lead, ScoringRule

PAGE_SIZE = 30
REFUSALS = (ValidationError, BusinessRuleError, PermissionDenied)
CUSTOMER_SEARCH_LIMIT = 10


def _labels():
    """{"industry": {code: label}, "source": {...}, "size": {...}} (one query)."""
    labels = dictionary_labels(kinds=["industry", "lead_source"])
    return {
        "industry": labels["industry"],
        "source": labels["lead_source"],
        "size": {value: label for value, label in Lead.Size.choices if value},
    }


def _can(employee):
    return {
        action: policy.can(employee, f"leads.{action}")
        for action in ("create", "edit", "delete", "transfer")
    }


# ---- list ----------------------------------------------------------------------------------


@employee_required
def lead_list(request):
    """Leads the employee sees, filtered, newest first; bulk transfer and assign-by-rules
    for those who may transfer leads."""
    employee = request.employee
    policy.require(employee, "leads.view")
    params = dict(paging.list_params(request))
    filterset = LeadFilter(request.GET, queryset=selectors.lead_queryset(employee=employee))
    queryset = filterset.qs if filterset.is_valid() else Lead.objects.none()
    rows, pager = paging.keyset_page(request, queryset, order=("-pk",), size=PAGE_SIZE)
    labels = _labels()
    can = _can(employee)
    employees = active_employees() if can["transfer"] else []
    return render(
        request,
        "leads/lead_list.html",
        {
            "rows": rows,
            **pager,
            "labels": labels,
            "params": params,
            "filter_errors": filterset.errors,
            "statuses": Lead.Status.choices,
            "sources": sorted(labels["source"].items(), key=lambda item: item[0]),
            "owners": [(POOL, _("线索池（无负责人）"))]
            + ([(e.pk, e.name) for e in employees] or [(employee.pk, _("我负责的"))]),
            "employees": employees,
            "selected_status": request.GET.getlist("status"),
            "can": can,
            "can_setup": policy.can(employee, "sales_setup.view"),
        },
    )


def _selected_ids(request):
    ids = []
    for value in request.POST.getlist("ids"):
        if value.isdigit():
            ids.append(int(value))
    return ids


@employee_required
@require_POST
def lead_bulk(request):
    """The list's bulk actions: ``transfer`` (to the chosen owner, or back to the pool)
    and ``assign`` (by the assignment rules, leads without an owner)."""
    employee = request.employee
    action = request.POST.get("action")
    ids = _selected_ids(request)
    try:
        if action == "transfer":
            form = TransferForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("请选择新负责人。"))
            moved = services.leads_transfer(
                actor=employee, lead_ids=ids, owner=form.record("owner")
            )
            messages.success(request, _("已转移 %(n)d 条线索。") % {"n": moved})
        elif action == "assign":
            result = services.leads_assign_by_rules(actor=employee, lead_ids=ids)
            messages.success(
                request,
                _("按规则分配了 %(assigned)d 条线索；%(unmatched)d 条没有适用的规则，"
                  "%(skipped)d 条已有负责人。") % result,
            )  # fmt: skip
        else:
            raise ValidationError(_("请选择要执行的操作。"))
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/leads/") else "leads:lead_list")


# ---- one lead ------------------------------------------------------------------------------


@employee_required
def lead_detail(request, pk):
    """The lead: facts, score and its breakdown, status actions, the follow-up timeline."""
    employee = request.employee
    lead = selectors.access_lead(employee, pk)
    labels = _labels()
    can = _can(employee)
    editable = not lead.is_locked and can["edit"]
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "labels": labels,
            "breakdown": scoring.breakdown_rows(lead, labels),
            "status_form": StatusForm(
                initial={
                    "status": lead.status,
                    "disqualified_reason": lead.disqualified_reason,
                    "version": lead.version,
                }
            )
            if editable
            else None,
            "can": can,
            "editable": editable,
            "can_claim": editable and lead.owner_id is None,
            "can_convert": editable
            and lead.status != Lead.Status.DISQUALIFIED
            and policy.can(employee, "contacts.create"),
            "can_followup": policy.can(employee, "activities.view"),
        },
    )


def _form_page(request, form, lead=None):
    return render(
        request,
        "leads/lead_form.html",
        {"form": form, "lead": lead},
        status=form_status(request, form),
    )


@employee_required
def lead_create(request):
    employee = request.employee
    policy.require(employee, "leads.create")
    can_transfer = policy.can(employee, "leads.transfer")
    form = LeadForm(request.POST or None, employee=employee, can_transfer=can_transfer)
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_create(actor=employee, **form.service_kwargs())
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            if lead.owner_id is None:
                messages.info(request, _("线索已保存，没有适用的分配规则，已进入线索池。"))
            else:
                messages.success(request, _("线索已保存：%(reason)s。") % {
                    "reason": lead.assignment_reason
                })  # fmt: skip
            return redirect("leads:lead_detail", lead.pk)
    return _form_page(request, form)


@employee_required
def lead_edit(request, pk):
    employee = request.employee
    lead = selectors.access_lead(employee, pk, write=True)
    if lead.is_locked:
        messages.error(request, _("线索已转化，不能再修改。"))
        return redirect("leads:lead_detail", lead.pk)
    initial = {field: getattr(lead, field) for field in services.LEAD_FIELDS if field != "owner"}
    initial["version"] = lead.version
    form = LeadForm(request.POST or None, employee=employee, lead=lead, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.lead_update(
                actor=employee,
                lead=lead,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("线索已保存。"))
            return redirect("leads:lead_detail", lead.pk)
    return _form_page(request, form, lead)


@employee_required
@require_POST
def lead_status(request, pk):
    employee = request.employee
    lead = selectors.access_lead(employee, pk, write=True)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.lead_update(
                actor=employee,
                lead=lead,
                version=form.cleaned_data.get("version"),
                status=form.cleaned_data["status"],
                disqualified_reason=form.cleaned_data["disqualified_reason"],
            )
        except REFUSALS as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("状态已更新。"))
    else:
        messages.error(request, _("请选择状态。"))
    return redirect("leads:lead_detail", lead.pk)


@employee_required
@require_POST
def lead_claim(request, pk):
    employee = request.employee
    lead = selectors.access_lead(employee, pk, write=True)
    try:
        services.lead_claim(actor=employee, lead=lead)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已领取该线索。"))
    return redirect("leads:lead_detail", lead.pk)


@employee_required
@require_POST
def lead_delete(request, pk):
    employee = request.employee
    lead = selectors.access_lead(employee, pk)
    try:
        services.lead_delete(actor=employee, lead=lead)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("leads:lead_detail", lead.pk)
    messages.success(request, _("线索已删除。"))
    return redirect("leads:lead_list")


@employee_required
def recycle_bin(request):
    """Deleted leads (newest deletion first) with a restore button each."""
    employee = request.employee
    policy.require(employee, "leads.delete")
    page = Paginator(selectors.deleted_leads(employee=employee), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "leads/recycle_bin.html", {"page": page, "rows": list(page)})


@employee_required
@require_POST
def lead_restore(request, pk):
    employee = request.employee
    try:
        services.lead_restore(actor=employee, lead_id=pk)
    except REFUSALS as exc:
        messages.error(request, refusal_text(exc))
        return redirect("leads:recycle_bin")
    messages.success(request, _("线索已恢复。"))
    return redirect("leads:lead_detail", pk)


# ---- conversion ----------------------------------------------------------------------------


def _convert_initial(lead):
    customer = services.new_customer_defaults(lead)
    return {
        "mode": ConvertForm.MODE_NEW,
        "customer_name": customer.get("name", ""),
        "customer_phone": customer.get("phone", ""),
        "customer_email": customer.get("email", ""),
        "contact_name": lead.contact_name,
        "contact_title": lead.title,
        "contact_mobile": lead.mobile,
        "contact_email": lead.email,
        "opportunity_name": lead.display_name,
        "version": lead.version,
    }


@employee_required
def lead_convert(request, pk):
    """Convert the lead: a new customer (the customers app's duplicate check warns, and
    each possible duplicate can be picked instead) or an existing one (found by name,
    phone or code), its contact, and optionally an opportunity — one step."""
    employee = request.employee
    lead = selectors.access_lead(employee, pk, write=True)
    if lead.is_locked:
        messages.info(request, _("线索已转化。"))
        return redirect("leads:lead_detail", lead.pk)
    data = None
    if request.method == "POST":
        data = request.POST.copy()
        picked = data.get("use_customer", "")
        if picked.isdigit():  # "转化到此客户" beside a possible duplicate
            data["mode"], data["customer"] = ConvertForm.MODE_EXISTING, picked
    form = ConvertForm(data, initial=_convert_initial(lead))
    duplicates = None
    if request.method == "POST" and form.is_valid():
        try:
            lead = services.lead_convert(actor=employee, lead=lead, **form.service_kwargs())
        except services.PossibleDuplicates as exc:
            duplicates = {"matches": exc.matches, "hidden": exc.hidden}
            refuse(form, exc)
        except REFUSALS as exc:
            refuse(form, exc)
        except Http404:
            add_service_errors(form, ValidationError(_("客户不存在或您无权查看。")))
        else:
            messages.success(request, _("线索已转化。"))
            return redirect("leads:lead_detail", lead.pk)
    query = request.GET.get("customer_q", "").strip()[:100]
    found = []
    if query and policy.can(employee, "customers.view"):
        found = list(
            customer_selectors.customer_queryset(employee=employee)
            .filter(customer_selectors.text_query(query))
            .order_by("-id")[:CUSTOMER_SEARCH_LIMIT]
        )
    return render(
        request,
        "leads/lead_convert.html",
        {
            "lead": lead,
            "form": form,
            "duplicates": duplicates,
            "customer_q": query,
            "found": found,
            "can_opportunity": policy.can(employee, "opportunities.create"),
        },
        status=form_status(request, form),
    )


# ---- rules ---------------------------------------------------------------------------------


def _setup(request, *, write=False):
    employee = request.employee
    policy.require(employee, "sales_setup.edit" if write else "sales_setup.view")
    return employee


@employee_required
def scoring_rules(request):
    """The scoring rules (list, add) and the "recalculate all" button."""
    employee = _setup(request, write=request.method == "POST")
    scoring.ensure_defaults(employee.org_id)
    form = ScoringRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.scoring_rule_create(actor=employee, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("评分规则已添加，全部线索的评分将重新计算。"))
            return redirect("leads:scoring_rules")
    labels = _labels()
    rules = list(selectors.scoring_rules())
    for rule in rules:
        rule.value_label = labels.get(rule.criterion, {}).get(rule.value, rule.value)
    return render(
        request,
        "leads/scoring_rules.html",
        {
            "rules": rules,
            "form": form,
            "labels": labels,
            "can_edit": policy.can(employee, "sales_setup.edit"),
        },
        status=form_status(request, form),
    )


def _scoring_rule(pk):
    rule = ScoringRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


@employee_required
def scoring_rule_edit(request, pk):
    employee = _setup(request, write=True)
    rule = _scoring_rule(pk)
    initial = {f: getattr(rule, f) for f in services.RULE_FIELDS}
    form = ScoringRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.scoring_rule_update(actor=employee, rule=rule, **form.cleaned_data)
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("评分规则已保存，全部线索的评分将重新计算。"))
            return redirect("leads:scoring_rules")
    return render(
        request,
        "leads/scoring_rule_form.html",
        {"form": form, "rule": rule},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def scoring_rule_delete(request, pk):
    employee = _setup(request, write=True)
    services.scoring_rule_delete(actor=employee, rule=_scoring_rule(pk))
    messages.success(request, _("评分规则已删除，全部线索的评分将重新计算。"))
    return redirect("leads:scoring_rules")


@employee_required
@require_POST
def rescore_all(request):
    employee = _setup(request, write=True)
    job = jobs.rescore_start(actor=employee)
    return redirect("jobs:job_detail", pk=job.pk)


@employee_required
def assignment_rules(request):
    """The assignment rules, in the order they are tried, and the form to add one."""
    employee = _setup(request, write=request.method == "POST")
    form = AssignmentRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_rule_create(actor=employee, **form.service_kwargs())
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("分配规则已添加。"))
            return redirect("leads:assignment_rules")
    return render(
        request,
        "leads/assignment_rules.html",
        {
            "rules": list(selectors.assignment_rules()),
            "form": form,
            "labels": _labels(),
            "can_edit": policy.can(employee, "sales_setup.edit"),
        },
        status=form_status(request, form),
    )


def _assignment_rule(pk):
    rule = AssignmentRule.objects.filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


@employee_required
def assignment_rule_edit(request, pk):
    employee = _setup(request, write=True)
    rule = _assignment_rule(pk)
    initial = {
        "name": rule.name,
        "position": rule.position,
        "source": rule.source,
        "region": rule.region,
        "method": rule.method,
        "department": rule.department_id,
        "employee": rule.employee_id,
        "is_active": rule.is_active,
    }
    form = AssignmentRuleForm(request.POST or None, rule=rule, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_rule_update(actor=employee, rule=rule, **form.service_kwargs())
        except REFUSALS as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("分配规则已保存。"))
            return redirect("leads:assignment_rules")
    return render(
        request,
        "leads/assignment_rule_form.html",
        {"form": form, "rule": rule},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def assignment_rule_delete(request, pk):
    employee = _setup(request, write=True)
    services.assignment_rule_delete(actor=employee, rule=_assignment_rule(pk))
    messages.success(request, _("分配规则已删除。"))
    return redirect("leads:assignment_rules")
