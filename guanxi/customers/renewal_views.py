"""Screens of renewals and repeat purchases (续约与复购): the list by period with its status
counts and inline follow-up, the card on the customer page."""

import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.api.pagination import COUNT_LIMIT, capped_count
from guanxi.core.errors import BusinessRuleError
from guanxi.core.views import employee_required, redirect_back, refusal_text
from guanxi.customers import renewals, selectors
from guanxi.customers.models import RenewalItem
from guanxi.orgs import policy

PAGE_SIZE = 25
FILTER_KEYS = ("period", "start", "end", "status", "kind", "owner")
PANEL_LIMIT = 10


def _clean(params, employee):
    """The list's conditions; the ones not understood are left out and named."""
    try:
        return renewals.clean_filters(params, employee=employee), []
    except ValidationError as exc:
        wrong = exc.message_dict
        errors = [m for messages_ in wrong.values() for m in messages_]
        dropped = set(wrong)
        if dropped & {"period", "start", "end"}:
            dropped |= {"period", "start", "end"}
        kept = {key: value for key, value in params.items() if key not in dropped}
        return renewals.clean_filters(kept, employee=employee), errors


def _after(value):
    """``?after=<due date>.<id>`` of the keyset pager: ``(date, id)`` or ``(None, None)``."""
    day, _sep, pk = (value or "").partition(".")
    if not (pk.isdigit() and len(pk) < 19):
        return None, None
    try:
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None, None


def _page(request, items, params):
    count, exact = capped_count(items)
    day, pk = _after(request.GET.get("after"))
    page = items
    if day is not None:
        page = items.filter(Q(due_on__gt=day) | Q(due_on=day, id__gt=pk))
    rows = list(page.order_by("due_on", "id")[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = urlencode(params)
    last = rows[-1] if rows else None
    return rows, {
        "count": count,
        "count_exact": exact,
        "count_limit": COUNT_LIMIT,
        "next_url": "?" + urlencode({**params, "after": f"{last.due_on.isoformat()}.{last.pk}"})
        if has_next
        else None,
        "first_url": "?" + query if query else "?",
        "is_later_page": day is not None,
    }


@employee_required
def renewal_list(request):
    """续约与复购: the items of a period (tabs), their count per status, soonest first."""
    employee = request.employee
    policy.require(employee, "customers.view")
    params = {key: request.GET[key] for key in FILTER_KEYS if request.GET.get(key)}
    filters, filter_errors = _clean(params, employee)
    items = renewals.renewal_list(employee=employee, filters=filters)
    rows, pager = _page(request, items, params)
    counts = renewals.status_counts(employee=employee, filters=filters)
    base = {key: value for key, value in params.items() if key not in ("status",)}
    tabs_base = {key: value for key, value in base.items() if key not in ("period", "start", "end")}
    return render(
        request,
        "customers/renewals.html",
        {
            **pager,
            "rows": rows,
            "params": params,
            "filters": filters,
            "filter_errors": filter_errors,
            "periods": [
                (code, label, "?" + urlencode({**tabs_base, "period": code}))
                for code, label in renewals.PERIODS
                if code != "custom"
            ],
            "status_tabs": [
                ("", _("全部"), counts["total"], "?" + urlencode(base)),
                *(
                    (code, label, counts[code], "?" + urlencode({**base, "status": code}))
                    for code, label in RenewalItem.Status.choices
                ),
            ],
            "statuses": RenewalItem.Status.choices,
            "kinds": RenewalItem.Kind.choices,
            "owners": renewals.owner_choices(),
            "can_edit": policy.can(employee, "customers.edit"),
            "can_run": policy.can(employee, "parameters.edit"),
            "today": timezone.localdate(),
            "current_url": request.get_full_path(),
        },
    )


@employee_required
@require_POST
def renewal_create(request):
    """An item by hand, from the customer page's card."""
    employee = request.employee
    post = request.POST
    try:
        customer = selectors.access_customer(employee, post.get("customer", ""), write=True)
        renewals.renewal_create(
            actor=employee,
            customer=customer,
            kind=post.get("kind") or RenewalItem.Kind.REPURCHASE,
            due_on=post.get("due_on", ""),
            title=post.get("title", ""),
            note=post.get("note", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("续约/复购事项已添加。"))
    return redirect_back(request, "customers:renewal_list")


@employee_required
@require_POST
def renewal_status(request, pk):
    """Set an item's follow-up status and note (the version the row was shown with).
    From the list's row (htmx) the answer is the row again, with the refusal if any."""
    employee = request.employee
    item = renewals.access_item(employee, pk)
    post = request.POST
    error = None
    try:
        item = renewals.renewal_update(
            actor=employee,
            item=item,
            version=post.get("version") or None,
            status=post.get("status") or None,
            note=post.get("note", ""),
        )
    except (ValidationError, BusinessRuleError, PermissionDenied) as exc:
        error = refusal_text(exc)
    if request.headers.get("HX-Request"):
        item = renewals.access_item(employee, item.pk)
        return render(
            request,
            "customers/_renewal_row.html",
            {
                "item": item,
                "error": error,
                "saved": error is None,
                "statuses": RenewalItem.Status.choices,
                "can_edit": policy.can(employee, "customers.edit"),
                "today": timezone.localdate(),
                "current_url": post.get("next", ""),
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("“%(title)s”已设为%(status)s。")
            % {"title": item.title, "status": item.get_status_display()},
        )
    return redirect_back(request, "customers:renewal_list")


@employee_required
@require_POST
def renewal_run(request):
    """The nightly repeat-purchase run, now (who: parameters · edit)."""
    try:
        count = renewals.renewals_run_now(actor=request.employee)
    except PermissionDenied as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("已生成 %(n)d 条复购事项。") % {"n": count})
    return redirect("customers:renewal_list")


@employee_required
def renewal_panel(request, pk):
    """The card of a customer page: the customer's open items (two queries, whatever
    their number) and a form to add one."""
    employee = request.employee
    customer = selectors.access_customer(employee, pk)
    items = renewals.customer_items(employee=employee, customer=customer, limit=PANEL_LIMIT)
    return render(
        request,
        "customers/renewal_panel.html",
        {
            "customer": customer,
            "items": items,
            "more": len(items) >= PANEL_LIMIT,
            "kinds": RenewalItem.Kind.choices,
            "can_edit": policy.can(employee, "customers.edit"),
            "today": timezone.localdate(),
            "back_url": reverse("customers:customer_detail", args=[customer.pk]),
        },
    )
