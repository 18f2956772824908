"""Screens of customers and contacts. They parse input and call services/selectors."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from guanxi.api.pagination import (
    COUNT_LIMIT,
    capped_count,
    count_and_newest,
    count_token,
    parse_count_token,
)
from guanxi.core.errors import BusinessRuleError
from guanxi.core.forms import form_status, refuse
from guanxi.core.views import employee_required
from guanxi.customers import extensions, jobs, selectors, services
from guanxi.customers.filters import ContactFilter, CustomerFilter
from guanxi.customers.forms import ContactForm, CustomerForm, phone_from_query
from guanxi.customers.models import Contact, Customer, LifecycleChange
from guanxi.customers.services import DICTIONARY_FIELDS
from guanxi.orgs import custom_fields, policy
from guanxi.orgs import services as org_services
from guanxi.orgs.models import Department, Employee, SavedFilter
from guanxi.orgs.selectors import dictionary_entries, dictionary_labels, saved_filters

PAGE_SIZE = 25
# the list's own "only mine" box, then every condition of the filter (the API takes the
# same ones); the "more conditions" panel opens when any but the top bar's is set
FILTER_PARAMS = ("mine", *CustomerFilter.base_filters)
ADVANCED_PARAMS = frozenset(FILTER_PARAMS) - {"q", "lifecycle_stage", "industry", "level", "mine"}
CONTACT_FILTER_PARAMS = tuple(ContactFilter.base_filters)
CONTACT_ADVANCED_PARAMS = frozenset(CONTACT_FILTER_PARAMS) - {"q", "customer"}
BIRTHDAY_WINDOWS = (7, 30, 90)  # the "birthday within" choices of the contact list, in days
# where each kind of saved filter is listed, and who may save one
SAVED_FILTER_LISTS = {
    "customer": ("customers:customer_list", "customers.view"),
    "contact": ("customers:contact_list", "contacts.view"),
}


def _capabilities(employee):
    can = {
        action: policy.can(employee, f"customers.{action}")
        for action in ("create", "edit", "delete", "transfer", "export")
    }
    for action in ("create", "edit", "delete"):
        can[f"contact_{action}"] = policy.can(employee, f"contacts.{action}")
    return can


def _labels(kind):
    """``{code: label}`` of one picklist (one query)."""
    return {entry.code: entry.display_label for entry in dictionary_entries(kind=kind)}


def _filter_params(query, keys=FILTER_PARAMS):
    """The list's filter parameters that are set (custom ``cf_*`` ones included)."""
    return {
        key: value
        for key, value in query.items()
        if value and (key in keys or key.startswith(custom_fields.FORM_PREFIX))
    }


def _filter_errors(filterset):
    """The conditions that were not understood, as "label: message" lines (the list
    shows them and leaves those conditions out)."""
    if not filterset.is_bound or filterset.is_valid():
        return []
    form = filterset.form
    return [
        f"{form.fields[name].label or name}: {' '.join(messages_)}"
        if name in form.fields
        else " ".join(messages_)
        for name, messages_ in form.errors.items()
    ]


def _keyset_page(request, filtered, params):
    """One page of ``filtered`` newest first: ``?after=<id>`` opens the next one, and
    carries the first page's count (``n``), so turning pages costs no count."""
    after = _after(request.GET.get("after"))
    carried = parse_count_token(request.GET.get("n")) if after else None
    if after is None:  # the first page: its rows and the count from one statement
        count, exact, ids = count_and_newest(filtered, PAGE_SIZE + 1, COUNT_LIMIT)
        page = filtered.filter(id__in=ids)
    else:
        count, exact = carried or capped_count(filtered)
        page = filtered.filter(id__lt=after)
    rows = list(page[: PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    page_query = urlencode(params)
    return rows, {
        "count": count,
        "count_exact": exact,
        "count_limit": COUNT_LIMIT,
        "next_url": (
            "?" + urlencode({**params, "after": rows[-1].pk, "n": count_token(count, exact)})
            if has_next
            else None
        ),
        "first_url": "?" + page_query if page_query else "?",
        "is_later_page": after is not None,
        "current_query": page_query,
    }


def _after(value):
    return int(value) if value and value.isdigit() and len(value) < 19 else None


# ---- customers -------------------------------------------------------------------------


@employee_required
def customer_list(request):
    """Newest first, keyset-paginated: ``?after=<id>`` opens the next page."""
    employee = request.employee
    params = _filter_params(request.GET)
    queryset = selectors.customer_queryset(employee=employee)
    if params.get("mine"):
        queryset = queryset.filter(owner=employee)
    customer_filter = CustomerFilter(params, queryset=queryset)
    rows, pager = _keyset_page(request, customer_filter.qs.order_by("-id"), params)
    labels = dictionary_labels(kinds=set(DICTIONARY_FIELDS.values()))
    industries, levels = labels["industry"], labels[DICTIONARY_FIELDS["level"]]
    for customer in rows:
        customer.phone_display = policy.mask_phone(employee, customer.phone)
        customer.industry_label = industries.get(customer.industry, customer.industry)
        customer.level_label = levels.get(customer.level, customer.level)
    list_fields = custom_fields.list_definitions(customer_filter.custom_definitions)
    custom_fields.attach_cells(rows, list_fields)
    return render(
        request,
        "customers/customer_list.html",
        {
            **pager,
            "rows": rows,
            "params": params,
            "filter_errors": _filter_errors(customer_filter),
            "stages": Customer.Lifecycle.choices,
            "industries": list(industries.items()),
            "levels": list(levels.items()),
            "custom_columns": list_fields,
            "can": _capabilities(employee),
            "advanced": _advanced_choices(labels),
            "advanced_open": bool(ADVANCED_PARAMS & set(params)),
            "saved_filters": saved_filters(employee=employee, entity="customer"),
        },
    )


def _advanced_choices(labels):
    """Picklists of the "more conditions" panel; ``labels`` are all picklists' labels."""
    kinds = {
        field: DICTIONARY_FIELDS[field] for field in ("type", "status", "source", "credit_rating")
    }
    return {
        "pickers": [
            (field, Customer._meta.get_field(field).verbose_name, list(labels[kind].items()))
            for field, kind in kinds.items()
        ],
        "value_tiers": Customer.ValueTier.choices,
        "owners": _active_employees(),
        "departments": _departments(),
    }


def _active_employees():
    return list(
        Employee.objects.filter(status=Employee.Status.ACTIVE)
        .order_by("name")
        .values_list("pk", "name")[:500]
    )


def _departments():
    return list(Department.objects.order_by("path").values_list("pk", "name")[:500])


def _detail_page(request, customer, contact_form=None, status=200):
    """The 360° page of ``customer`` (loaded with ``labels=True``). Its queries do not
    grow with the customer's records: see DESIGN.md §5 and the query-count tests."""
    employee = request.employee
    contacts = selectors.customer_contacts(employee=employee, customer=customer)
    for contact in contacts:
        contact.mobile_display = policy.mask_phone(employee, contact.mobile)
        contact.in_scope = policy.can_see_record(employee, "contacts", contact)
    facts = {}
    for field in DICTIONARY_FIELDS:
        label = getattr(customer, f"{field}_label", None)
        facts[field] = getattr(customer, field) if label is None else label
    stage_changes, merges = _history(customer)
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "facts": facts,
            "phone": policy.mask_phone(employee, customer.phone),
            "finance_phone": policy.mask_phone(employee, customer.finance_phone),
            "contacts": contacts,
            "contact_form": contact_form or ContactForm(),
            "custom_rows": custom_fields.display_rows(
                customer.custom, custom_fields.definitions("customer")
            ),
            "can": _capabilities(employee),
            "panels": _panels(customer, employee),
            "merges": merges,
            "stage_changes": stage_changes,
            "duplicate_query": urlencode(
                {
                    "name": customer.name,
                    "phone": customer.phone,
                    "email": customer.email,
                    "exclude": customer.pk,
                }
            ),
        },
        status=status,
    )


STAGE_CHANGES_SHOWN = 10
MERGES_SHOWN = 20


def _history(customer):
    """The latest lifecycle moves of the customer and merges into it (one query)."""
    changes, merges = selectors.stage_changes_and_merges(
        customer=customer, changes=STAGE_CHANGES_SHOWN, merges=MERGES_SHOWN
    )
    stages = dict(Customer.Lifecycle.choices)
    reasons = dict(LifecycleChange.Reason.choices)
    for change in changes:
        change["from_label"] = stages.get(change["from_stage"], "")
        change["to_label"] = stages.get(change["to_stage"], change["to_stage"])
        change["reason_label"] = reasons.get(change["reason"], change["reason"])
    return changes, merges


def _panels(customer, employee):
    """The 360° cards that later modules registered (activities, orders, tickets…)."""
    shown = []
    for panel in extensions.panels():
        context = panel.context(customer, employee)
        if context is not None:
            shown.append({"template": panel.template, "context": context, "side": panel.side})
    return shown


@employee_required
def customer_detail(request, pk):
    try:
        customer = selectors.access_customer(request.employee, pk, labels=True)
    except Http404:
        survivor = selectors.merged_survivor(request.employee, pk)
        if survivor is None:
            raise
        messages.info(
            request,
            _("该客户已合并到“%(name)s”（%(code)s）。")
            % {"name": survivor.name, "code": survivor.code},
        )
        return redirect("customers:customer_detail", pk=survivor.pk)
    return _detail_page(request, customer)


def _form_page(request, form, customer=None, duplicates=None):
    return render(
        request,
        "customers/customer_form.html",
        {"form": form, "customer": customer, "duplicates": duplicates},
        status=form_status(request, form),
    )


def _unconfirmed_duplicates(request, form, customer=None):
    """Possible duplicates of what the form holds, unless the user confirmed it is new."""
    if request.POST.get("allow_duplicate"):
        return None
    data = form.cleaned_data
    if customer is not None and all(
        data.get(f) == getattr(customer, f) for f in ("name", "phone", "email")
    ):
        return None
    matches, hidden = selectors.duplicate_candidates(
        employee=request.employee,
        name=data.get("name", ""),
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        exclude=customer.pk if customer else None,
    )
    return {"matches": matches, "hidden": hidden} if matches or hidden else None


@employee_required
def customer_create(request):
    employee = request.employee
    policy.require(employee, "customers.create")
    initial = {"owner": str(employee.pk), "department": str(employee.department_id or "")}
    if request.method == "GET":
        # from the call-centre screen: the caller's number
        phone = phone_from_query(request.GET.get("phone"))
        if phone:
            initial["phone"] = phone
    form = CustomerForm(
        request.POST or None,
        employee=employee,
        can_transfer=policy.can(employee, "customers.transfer"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form)
        if duplicates:
            return _form_page(request, form, duplicates=duplicates)
        try:
            customer = services.customer_create(actor=employee, **form.service_kwargs())
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("客户“%(name)s”已创建，编号 %(code)s。")
                % {"name": customer.name, "code": customer.code},
            )
            return redirect("customers:customer_detail", pk=customer.pk)
    return _form_page(request, form)


@employee_required
def customer_edit(request, pk):
    employee = request.employee
    customer = selectors.access_customer(employee, pk, write=True)
    form = CustomerForm(
        request.POST or None,
        employee=employee,
        customer=customer,
        can_transfer=policy.can(employee, "customers.transfer"),
        initial=CustomerForm.initial_for(customer),
    )
    if request.method == "POST" and form.is_valid():
        duplicates = _unconfirmed_duplicates(request, form, customer)
        if duplicates:
            return _form_page(request, form, customer, duplicates=duplicates)
        try:
            customer = services.customer_update(
                actor=employee,
                customer=customer,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("客户“%(name)s”已保存。") % {"name": customer.name})
            return redirect("customers:customer_detail", pk=customer.pk)
    return _form_page(request, form, customer)


@employee_required
@require_POST
def customer_delete(request, pk):
    employee = request.employee
    policy.require(employee, "customers.delete")
    customer = selectors.access_customer(employee, pk)
    services.customer_delete(actor=employee, customer=customer)
    messages.success(request, _("客户“%(name)s”已移入回收站。") % {"name": customer.name})
    return redirect("customers:customer_list")


@employee_required
def recycle_bin(request):
    employee = request.employee
    policy.require(employee, "customers.delete")
    rows = list(
        selectors.customer_queryset(employee=employee, deleted=True).order_by("-deleted_at")[:200]
    )
    return render(request, "customers/recycle_bin.html", {"rows": rows})


@employee_required
@require_POST
def customer_restore(request, pk):
    employee = request.employee
    policy.require(employee, "customers.delete")
    customer = selectors.access_customer(employee, pk, deleted=True)
    try:
        services.customer_restore(actor=employee, customer=customer)
    except BusinessRuleError as exc:
        messages.error(request, exc.message)
        return redirect("customers:recycle_bin")
    messages.success(request, _("客户“%(name)s”已恢复。") % {"name": customer.name})
    return redirect("customers:customer_detail", pk=customer.pk)


# ---- contacts --------------------------------------------------------------------------


@employee_required
def contact_list(request):
    """All the contacts the employee may see, across customers: newest first,
    keyset-paginated, with the same conditions as ``/api/v1/contacts`` and its vCard
    export."""
    employee = request.employee
    policy.require(employee, "contacts.view")
    params = _filter_params(request.GET, CONTACT_FILTER_PARAMS)
    contact_filter = ContactFilter(params, queryset=selectors.contact_queryset(employee=employee))
    rows, pager = _keyset_page(request, contact_filter.qs.order_by("-id"), params)
    levels = _labels(DICTIONARY_FIELDS["level"])
    for contact in rows:
        contact.mobile_display = policy.mask_phone(employee, contact.mobile)
        contact.level_label = levels.get(contact.customer.level, contact.customer.level)
    list_fields = custom_fields.list_definitions(contact_filter.custom_definitions)
    custom_fields.attach_cells(rows, list_fields)
    can = _capabilities(employee)
    can["contact_export"] = policy.can(employee, "contacts.export")
    return render(
        request,
        "customers/contact_list.html",
        {
            **pager,
            "rows": rows,
            "params": params,
            "filter_errors": _filter_errors(contact_filter),
            "levels": list(levels.items()),
            "genders": [choice for choice in Contact.Gender.choices if choice[0]],
            "months": range(1, 13),
            "birthday_windows": [
                (days, ngettext("%(n)d 天内", "%(n)d 天内", days) % {"n": days})
                for days in BIRTHDAY_WINDOWS
            ],
            "yes_no_fields": [
                ("is_primary", _("主联系人")),
                ("has_mobile", _("有手机")),
                ("has_email", _("有电子邮件")),
            ],
            "owners": _active_employees(),
            "departments": _departments(),
            "custom_columns": list_fields,
            "can": can,
            "advanced_open": bool(CONTACT_ADVANCED_PARAMS & set(params)),
            "saved_filters": saved_filters(employee=employee, entity="contact"),
        },
    )


@employee_required
@require_POST
def contact_create(request, pk):
    """The "add contact" form of the customer page."""
    employee = request.employee
    policy.require(employee, "contacts.create")
    customer = selectors.access_customer(employee, pk, labels=True)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact = services.contact_create(
                actor=employee, customer=customer, **form.service_kwargs()
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("联系人“%(name)s”已添加。") % {"name": contact.name})
            return redirect("customers:customer_detail", pk=customer.pk)
    return _detail_page(request, customer, form, status=form_status(request, form))


@employee_required
def contact_edit(request, pk):
    employee = request.employee
    contact = selectors.access_contact(employee, pk, write=True)
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(contact))
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(
                actor=employee,
                contact=contact,
                version=form.cleaned_data.get("version"),
                **form.service_kwargs(),
            )
        except (ValidationError, BusinessRuleError) as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("联系人“%(name)s”已保存。") % {"name": contact.name})
            return redirect("customers:customer_detail", pk=contact.customer_id)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "contact": contact},
        status=form_status(request, form),
    )


@employee_required
@require_POST
def contact_delete(request, pk):
    employee = request.employee
    policy.require(employee, "contacts.delete")
    contact = selectors.access_contact(employee, pk)
    services.contact_delete(actor=employee, contact=contact)
    messages.success(request, _("联系人“%(name)s”已删除。") % {"name": contact.name})
    return redirect("customers:customer_detail", pk=contact.customer_id)


# ---- saved filters ---------------------------------------------------------------------


def _saved_filter_entity(request):
    """``(entity, list url)`` of the list a saved filter belongs to (customers unless
    the form says contacts)."""
    entity = request.POST.get("entity") or "customer"
    if entity not in SAVED_FILTER_LISTS:
        raise Http404
    url_name, capability = SAVED_FILTER_LISTS[entity]
    policy.require(request.employee, capability)
    return entity, reverse(url_name)


@employee_required
@require_POST
def saved_filter_save(request):
    employee = request.employee
    entity, list_url = _saved_filter_entity(request)
    try:
        saved = org_services.saved_filter_save(
            actor=employee,
            entity=entity,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
            shared=bool(request.POST.get("shared")),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(list_url)
    messages.success(request, _("已保存筛选“%(name)s”。") % {"name": saved.name})
    return redirect(f"{list_url}?{saved.query}")


@employee_required
@require_POST
def saved_filter_delete(request, pk):
    employee = request.employee
    entity, list_url = _saved_filter_entity(request)
    saved = SavedFilter.objects.filter(pk=pk, entity=entity).first()
    if saved is None or (saved.employee_id != employee.pk and not saved.shared):
        raise Http404
    try:
        org_services.saved_filter_delete(actor=employee, saved_filter=saved)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已删除筛选“%(name)s”。") % {"name": saved.name})
    return redirect(list_url)


@employee_required
@require_POST
def customer_export(request):
    """Start the CSV or Excel export of the filtered list as a background job; the job
    page shows its progress and the file."""
    employee = request.employee
    data = request.POST.copy()
    if data.get("mine"):
        data["owner"] = str(employee.pk)
    try:
        job = jobs.customers_export_start(actor=employee, data=data)
    except ValidationError as exc:
        return _export_refused(request, exc, "customers:customer_list", FILTER_PARAMS)
    return redirect("jobs:job_detail", pk=job.pk)


@employee_required
@require_POST
def contact_export(request):
    """Start the CSV or Excel export of the filtered contact list as a background job;
    the job page shows its progress and the file."""
    try:
        job = jobs.contacts_export_start(actor=request.employee, data=request.POST)
    except ValidationError as exc:
        return _export_refused(request, exc, "customers:contact_list", CONTACT_FILTER_PARAMS)
    return redirect("jobs:job_detail", pk=job.pk)


def _export_refused(request, exc, list_url, keys):
    """Back to the list with its conditions, which shows what was wrong."""
    for message in exc.messages:
        messages.error(request, message)
    query = urlencode(_filter_params(request.POST, keys))
    return redirect(reverse(list_url) + ("?" + query if query else ""))
