"""Screens of the public pool (公海): the list, claim/assign/release, the log."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.api.pagination import COUNT_LIMIT, capped_count
from guanxi.core.errors import BusinessRuleError
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.customers import pool, selectors
from guanxi.customers.models import PoolEvent
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.customers.tasks import pool_return_org
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.selectors import dictionary_entries

PAGE_SIZE = 25
EVENTS_PAGE_SIZE = 50
FILTER_PARAMS = ("q", "region", "industry", "level")


def _labels(kind):
    return {entry.code: entry.display_label for entry in dictionary_entries(kind=kind)}


def _after(value):
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@employee_required
def pool_list(request):
    """Pool customers, newest first, keyset-paginated like the customer list."""
    employee = request.employee
    queryset = pool.pool_queryset(employee=employee)
    params = {k: v.strip() for k, v in request.GET.items() if k in FILTER_PARAMS and v.strip()}
    if params.get("q"):
        queryset = queryset.filter(selectors.text_query(params["q"]))
    for field in ("industry", "level"):
        if params.get(field):
            queryset = queryset.filter(**{field: params[field]})
    if params.get("region"):
        queryset = queryset.filter(region__icontains=params["region"])
    queryset = queryset.order_by("-id")
    count, exact = capped_count(queryset)
    after = _after(request.GET.get("after"))
    page = queryset.filter(id__lt=after) if after else queryset
    rows = list(page[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    industries, levels = _labels("industry"), _labels(DICTIONARY_FIELDS["level"])
    actions = dict(PoolEvent.Action.choices)
    for customer in rows:
        customer.phone_display = policy.mask_phone(employee, customer.phone)
        customer.industry_label = industries.get(customer.industry, customer.industry)
        customer.level_label = levels.get(customer.level, customer.level)
        customer.last_action_label = actions.get(customer.last_action, "")
    can_manage = policy.can(employee, "special.manage_pool")
    limit, held = pool.claim_room(employee=employee)
    page_query = urlencode(params)
    return render(
        request,
        "customers/pool_list.html",
        {
            "rows": rows,
            "params": params,
            "count": count,
            "count_exact": exact,
            "count_limit": COUNT_LIMIT,
            "next_url": "?" + urlencode({**params, "after": rows[-1].pk}) if has_next else None,
            "first_url": "?" + page_query if page_query else "?",
            "is_later_page": after is not None,
            "industries": list(industries.items()),
            "levels": list(levels.items()),
            "can_claim": policy.can(employee, "customers.edit"),
            "can_manage": can_manage,
            "employees": (
                list(Employee.objects.filter(status="active").order_by("name"))
                if can_manage
                else []
            ),
            "claim_limit": limit,
            "claim_held": held,
            "claim_left": max(0, limit - held),
            "current_url": request.get_full_path(),
        },
    )


def _ids(request):
    ids = request.POST.getlist("ids")
    if request.POST.get("one"):
        ids = [request.POST["one"]]
    return ids


@employee_required
@require_POST
def pool_claim(request):
    try:
        count = pool.pool_claim(actor=request.employee, customer_ids=_ids(request))
    except (ValidationError, BusinessRuleError) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已领取 %(n)d 个客户。") % {"n": count})
    return redirect_back(request, "customers:pool_list")


@employee_required
@require_POST
def pool_assign(request):
    employee = request.employee
    policy.require(employee, "special.manage_pool")
    owner = None
    owner_id = request.POST.get("owner", "")
    if owner_id.isdigit() and len(owner_id) < 19:
        owner = Employee.objects.filter(pk=int(owner_id)).first()
    try:
        count = pool.pool_assign(actor=employee, customer_ids=_ids(request), to_employee=owner)
    except (ValidationError, BusinessRuleError) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request, _("已把 %(n)d 个客户分配给 %(name)s。") % {"n": count, "name": owner.name}
        )
    return redirect_back(request, "customers:pool_list")


@employee_required
@require_POST
def pool_release(request):
    """Give customers back to the pool (from the customer page or a list)."""
    try:
        count = pool.pool_release(
            actor=request.employee,
            customer_ids=_ids(request),
            reason=request.POST.get("reason", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
        return redirect_back(request, "customers:pool_list")
    messages.success(request, _("已把 %(n)d 个客户退回公海。") % {"n": count})
    return redirect("customers:pool_list")


@employee_required
@require_POST
def pool_run_now(request):
    """A pool manager starts today's automatic return at once (in the background)."""
    employee = request.employee
    policy.require(employee, "special.manage_pool")
    pool_return_org(employee.org_id)
    messages.success(request, _("已开始自动回收，结果见公海记录。"))
    return redirect("customers:pool_events")


@employee_required
def pool_events(request):
    employee = request.employee
    events = pool.pool_events(employee=employee).order_by("-id")
    action = request.GET.get("action", "")
    if action in PoolEvent.Action.values:
        events = events.filter(action=action)
    after = _after(request.GET.get("after"))
    if after:
        events = events.filter(id__lt=after)
    rows = list(events[: EVENTS_PAGE_SIZE + 1])
    has_next = len(rows) > EVENTS_PAGE_SIZE
    rows = rows[:EVENTS_PAGE_SIZE]
    params = {"action": action} if action in PoolEvent.Action.values else {}
    return render(
        request,
        "customers/pool_events.html",
        {
            "rows": rows,
            "actions": PoolEvent.Action.choices,
            "params": params,
            "next_url": "?" + urlencode({**params, "after": rows[-1].pk}) if has_next else None,
            "can_manage": policy.can(employee, "special.manage_pool"),
        },
    )


@employee_required
def pool_panel(request, pk):
    """The pool card of a customer page: "return to pool" and the customer's pool log."""
    employee = request.employee
    customer = selectors.access_customer(employee, pk)
    events = list(pool.pool_events(employee=employee, customer=customer).order_by("-id")[:10])
    return render(
        request,
        "customers/pool_panel.html",
        {
            "customer": customer,
            "events": events,
            "can_release": pool.can_release(employee, customer),
        },
    )
