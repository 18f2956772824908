"""Screens that act on many customers: bulk edit, transfer, merge, handover; the
lifecycle overview; the duplicate warning of the customer form; copying a customer;
the contacts' recycle bin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.customers import selectors, services
from guanxi.customers.forms import BulkEditForm, HandoverForm, TransferForm, _ids
from guanxi.customers.models import Customer
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.orgs.selectors import dictionary_entries

CHOSEN_SHOWN = 100
HANDOVER_SHOWN = 500
CONTACT_BIN_SHOWN = 200


def _chosen(employee, ids):
    """The selected customers the employee may see, for the page's summary."""
    return list(
        selectors.customer_queryset(employee=employee)
        .filter(pk__in=ids[:CHOSEN_SHOWN])
        .select_related(None)
        .only("id", "code", "name")
        .order_by("-id")
    )


def _selection(request):
    return _ids(request.POST.getlist("ids") or request.GET.getlist("ids"))


def _back_to_list(request):
    return redirect("customers:customer_list")


@employee_required
def bulk_edit(request):
    employee = request.employee
    policy.require(employee, "customers.edit")
    ids = _selection(request)
    data = request.POST if request.method == "POST" else None
    form = BulkEditForm(data, initial={"ids": ",".join(map(str, ids))})
    if request.method == "POST" and form.is_valid():
        try:
            count = services.customers_bulk_update(actor=employee, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已修改 %(n)d 个客户。") % {"n": count})
            return _back_to_list(request)
    return render(
        request,
        "customers/bulk_edit.html",
        {"form": form, "chosen": _chosen(employee, ids), "total": len(ids)},
        status=form_status(request, form),
    )


@employee_required
def transfer(request):
    employee = request.employee
    policy.require(employee, "customers.transfer")
    ids = _selection(request)
    data = request.POST if request.method == "POST" else None
    form = TransferForm(data, initial={"ids": ",".join(map(str, ids)), "with_contacts": True})
    if request.method == "POST" and form.is_valid():
        try:
            count = services.customers_transfer(
                actor=employee,
                customer_ids=form.cleaned_data["ids"],
                owner=form._record("owner"),
                with_contacts=form.cleaned_data["with_contacts"],
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("已转移 %(n)d 个客户。") % {"n": count})
            return _back_to_list(request)
    return render(
        request,
        "customers/transfer.html",
        {"form": form, "chosen": _chosen(employee, ids), "total": len(ids)},
        status=form_status(request, form),
    )


def _display(field, value, labels):
    if field in DICTIONARY_FIELDS:
        return labels[field].get(value["value"], value["display"])
    if field == "lifecycle_stage":
        return Customer.Lifecycle(value["value"]).label if value["value"] else ""
    if field == "is_person":
        return _("是") if value["value"] else _("否")
    return value["display"]


@employee_required
def merge(request):
    """A preview of merging the chosen customers (which to keep, which value of each
    differing field), then the merge itself."""
    employee = request.employee
    ids = _selection(request)
    source = request.POST if request.method == "POST" else request.GET
    survivor_id = _ids(source.get("survivor", ""))
    survivor_id = survivor_id[0] if survivor_id and survivor_id[0] in ids else (ids or [0])[0]
    others = [pk for pk in ids if pk != survivor_id]
    errors = []
    if request.method == "POST":
        choices = {
            key.removeprefix("pick_"): value
            for key, value in request.POST.items()
            if key.startswith("pick_")
        }
        try:
            services.customers_merge(
                actor=employee,
                survivor_id=survivor_id,
                merged_ids=others,
                choices=choices,
                version=request.POST.get("version") or None,
            )
        except (ValidationError, BusinessRuleError) as exc:
            errors = exc.messages if isinstance(exc, ValidationError) else [str(exc.message)]
            status = getattr(exc, "status_code", 400)
        else:
            messages.success(
                request, _("已合并 %(n)d 个客户，相关记录已转到保留的客户。") % {"n": len(others)}
            )
            return redirect("customers:customer_detail", pk=survivor_id)
    try:
        preview = services.customers_merge_preview(
            actor=employee, survivor_id=survivor_id, merged_ids=others
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back_to_list(request)
    labels = {
        field: {e.code: e.display_label for e in dictionary_entries(kind=kind)}
        for field, kind in DICTIONARY_FIELDS.items()
        if any(f["field"] == field for f in preview["fields"])
    }
    for field in preview["fields"]:
        for value in field["values"]:
            value["text"] = _display(field["field"], value, labels)
    everyone = [preview["survivor"], *preview["merged"]]
    return render(
        request,
        "customers/merge.html",
        {
            "preview": preview,
            "everyone": everyone,
            "ids": ",".join(str(c.pk) for c in everyone),
            "errors": errors,
        },
        status=status if errors else 200,
    )


@employee_required
def handover(request):
    """Give a (leaving) employee's customers and open items to a colleague."""
    employee = request.employee
    policy.require(employee, "customers.transfer")
    data = request.POST if request.method == "POST" else None
    initial = {"source": request.GET.get("source", ""), "scope": "all"}
    form = HandoverForm(data, initial=initial)
    source_id = (data or request.GET).get("source", "")
    source = (
        Employee.objects.filter(pk=int(source_id)).first()
        if source_id.isdigit() and len(source_id) < 19
        else None
    )
    if request.method == "POST" and form.is_valid():
        chosen = None
        if form.cleaned_data["scope"] == "chosen":
            chosen = _ids(request.POST.getlist("customers"))
        try:
            moved = services.customers_handover(
                actor=employee,
                from_employee=form._record("source"),
                to_employee=form._record("target"),
                customer_ids=chosen,
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("已把 %(n)d 个客户移交给“%(name)s”。")
                % {"n": moved["customers"], "name": form._record("target").name},
            )
            return redirect("customers:customer_list")
    owned, total = [], 0
    if source is not None:  # only what the actor may see (the service refuses the rest)
        queryset = (
            selectors.customer_queryset(employee=employee)
            .filter(owner=source)
            .select_related(None)
            .order_by("-id")
        )
        total = queryset.count()
        owned = list(queryset.only("id", "code", "name")[:HANDOVER_SHOWN])
    return render(
        request,
        "customers/handover.html",
        {"form": form, "source": source, "owned": owned, "total": total,
         "shown": HANDOVER_SHOWN},
        status=form_status(request, form),
    )  # fmt: skip


@employee_required
def lifecycle(request):
    """How many customers (within the employee's scope) are in each stage, and the
    latest stage changes."""
    employee = request.employee
    policy.require(employee, "customers.view")
    counts = selectors.lifecycle_counts(employee=employee)
    stages = [
        {"value": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Customer.Lifecycle.choices
    ]
    changes = selectors.recent_lifecycle_changes(employee=employee)
    names = dict(Customer.Lifecycle.choices)
    for change in changes:
        change.from_label = names.get(change.from_stage, "—")
    return render(
        request,
        "customers/lifecycle.html",
        {"stages": stages, "total": sum(s["count"] for s in stages), "changes": changes},
    )


@employee_required
def duplicates(request):
    """The duplicate warning beside the customer form (an htmx partial)."""
    employee = request.employee
    policy.require(employee, "customers.view")
    params = request.GET
    exclude = _ids(params.get("exclude", ""))
    visible, hidden = selectors.duplicate_candidates(
        employee=employee,
        name=params.get("name", "")[:200],
        phone=params.get("phone", "")[:40],
        email=params.get("email", "")[:254],
        exclude=exclude[0] if exclude else None,
    )
    return render(
        request,
        "customers/_duplicates.html",
        {"matches": visible, "hidden": hidden, "exclude": exclude[0] if exclude else None,
         "can_merge": policy.can(employee, "customers.edit")
         and policy.can(employee, "customers.delete")},
    )  # fmt: skip


@employee_required
def greeting(request):
    """Holiday greetings for the customers ticked in the list: a title and a day, then a
    care task per customer (created by the care screens' holiday action)."""
    employee = request.employee
    policy.require(employee, "customers.edit")
    ids = _selection(request)
    return render(
        request,
        "customers/greeting.html",
        {"ids": ids, "chosen": _chosen(employee, ids), "total": len(ids)},
    )


@employee_required
@require_POST
def customer_copy(request, pk):
    """The "复制" button of the customer page: a new customer with the same details,
    owned by the employee; then its edit form (or its page, without edit rights)."""
    employee = request.employee
    policy.require(employee, "customers.create")
    customer = selectors.access_customer(employee, pk)
    try:
        copy = services.customer_copy(actor=employee, customer=customer)
    except (ValidationError, BusinessRuleError) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc.message)
        messages.error(request, _("复制失败：%(reason)s") % {"reason": text})
        return redirect("customers:customer_detail", pk=customer.pk)
    messages.success(
        request,
        _("已复制为新客户“%(name)s”（%(code)s），请检查并修改。")
        % {"name": copy.name, "code": copy.code},
    )
    if policy.can(employee, "customers.edit"):
        return redirect("customers:customer_edit", pk=copy.pk)
    return redirect("customers:customer_detail", pk=copy.pk)


def _deleted_contacts(employee):
    """Contacts deleted on their own, newest first; those deleted with their customer
    come back with it and are not listed. ``customer_deleted``: its customer is in the
    recycle bin too (deleted later), so it cannot come back alone."""
    rows = list(
        selectors.contact_queryset(employee=employee, deleted=True)
        .exclude(customer__deleted_at=F("deleted_at"))
        .select_related(None)
        .select_related("customer", "owner")
        .order_by("-deleted_at", "-id")[:CONTACT_BIN_SHOWN]
    )
    for contact in rows:
        contact.customer_deleted = contact.customer.deleted_at is not None
    return rows


@employee_required
def contact_recycle_bin(request):
    """Deleted contacts with a restore button: a page, or (``?embed=1``, loaded by the
    customers' recycle bin) the list alone — empty without the right to restore."""
    employee = request.employee
    embed = request.GET.get("embed") == "1"
    if embed and not policy.can(employee, "contacts.delete"):
        return render(request, "customers/_contact_bin.html", {"hidden": True})
    policy.require(employee, "contacts.delete")
    return render(
        request,
        "customers/_contact_bin.html" if embed else "customers/contact_recycle_bin.html",
        {"rows": _deleted_contacts(employee), "shown": CONTACT_BIN_SHOWN,
         "next": request.GET.get("next", "")},
    )  # fmt: skip


@employee_required
@require_POST
def contact_restore(request, pk):
    employee = request.employee
    policy.require(employee, "contacts.delete")
    contact = get_object_or_404(selectors.contact_queryset(employee=employee, deleted=True), pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    try:
        services.contact_restore(actor=employee, contact=contact)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return redirect(back or "customers:contact_recycle_bin")
    messages.success(request, _("联系人“%(name)s”已恢复。") % {"name": contact.name})
    return redirect("customers:customer_detail", pk=contact.customer_id)
