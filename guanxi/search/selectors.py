"""What the global search box finds, within the employee's permissions.

Customers and contacts (by name fragment, pinyin initials or full pinyin,
4+ digits of a phone, e-mail, code) in the employee's data scope, then
employees and departments for those who may browse them. Exact code or phone
matches rank first, then names that start with the query.

The match is a scan with ``icontains`` over indexed-by-org columns; the
bigram/trigram index of DESIGN §5 replaces it when search is built out.
"""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from guanxi.customers import selectors as customers
from guanxi.orgs import policy
from guanxi.orgs import selectors as orgs

MIN_LENGTH = 2
LIMIT = 10
KIND_LABELS = {
    "customer": pgettext_lazy("search group", "客户"),
    "contact": pgettext_lazy("search group", "联系人"),
    "employee": pgettext_lazy("search group", "员工"),
    "department": pgettext_lazy("search group", "部门"),
}


@dataclass
class Hit:
    kind: str
    kind_label: str
    id: int
    title: str
    subtitle: str
    url: str


def _rank(queryset, query, *, exact_fields, phone_field="phone_digits"):
    digits = "".join(ch for ch in query if ch.isdigit())
    exact = Q()
    for field in exact_fields:
        exact |= Q(**{f"{field}__iexact": query})
    if len(digits) >= 4:
        exact |= Q(**{f"{phone_field}__contains": digits}) & Q(
            **{f"{phone_field}__regex": rf"(^| ){digits}( |$)"}
        )
    return queryset.annotate(
        rank=Case(
            When(exact, then=Value(0)),
            When(name__istartswith=query, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "-id")


def _hit(kind, pk, title, subtitle, url):
    return Hit(kind, str(KIND_LABELS[kind]), pk, title, subtitle, url)


def _url(name, pk):
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the screen may not exist yet: the hit is still shown
        return ""


def search(*, employee, query, limit=LIMIT):
    """Hits for ``query`` (at least 2 characters) the employee may see, grouped by kind."""
    query = (query or "").strip()[:100]
    if employee is None or len(query) < MIN_LENGTH:
        return []
    hits = []
    if policy.can(employee, "customers.view"):
        found = _rank(
            customers.customer_queryset(employee=employee).filter(customers.text_query(query)),
            query,
            exact_fields=["code"],
        )[:limit]
        hits += [
            _hit("customer", c.pk, c.name, c.code, _url("customers:customer_detail", c.pk))
            for c in found
        ]
    if policy.can(employee, "contacts.view"):
        found = _rank(
            customers.contact_queryset(employee=employee).filter(
                customers.text_query(query, with_code=False)
            ),
            query,
            exact_fields=["email"],
        )[:limit]
        hits += [
            _hit(
                "contact",
                c.pk,
                c.name,
                c.customer.name,
                _url("customers:customer_detail", c.customer_id),
            )
            for c in found
        ]
    if policy.can(employee, "employees.view"):
        people = orgs.employee_list(employee=employee, filters={"q": query})[:limit]
        hits += [
            _hit("employee", e.pk, e.name, e.department.name, _url("orgs:employee_edit", e.pk))
            for e in people
        ]
    if policy.can(employee, "departments.view"):
        departments = orgs.department_list(employee=employee).filter(name__icontains=query)
        hits += [
            Hit(
                "department",
                str(pgettext_lazy("search group", "部门")),
                d.pk,
                d.name,
                "",
                _url("orgs:department_edit", d.pk),
            )
            for d in departments[:limit]
        ]
    return hits
