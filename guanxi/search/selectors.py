"""What the global search box finds, within the employee's permissions.

Records of every registered kind (customers and contacts by name fragment,
pinyin initials or full pinyin, 4+ digits of a phone, e-mail, code) in the
employee's data scope, from the search index (``guanxi.search.tokens``), then
employees and departments for those who may browse them. Exact code, phone or
e-mail matches rank first, then titles that start with the query, then the
newest.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from guanxi.core.tenancy import current_org_id
from guanxi.orgs import policy
from guanxi.orgs import selectors as orgs
from guanxi.orgs.models import Department
from guanxi.search import query as fulltext
from guanxi.search import registry
from guanxi.search import tokens as tk
from guanxi.search.models import SearchEntry

MIN_LENGTH = 2
LIMIT = 10
OVERFETCH = 3  # candidates per tier, per hit wanted: the final check may drop some


@dataclass
class Hit:
    kind: str
    kind_label: str
    id: int
    title: str
    subtitle: str
    url: str


def _url(name, pk):
    if not name:
        return ""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:  # the screen may not exist yet: the hit is still shown
        return ""


def _starts(entry, query):
    return "".join(tk.runs(entry.title)).startswith("".join(query.pieces))


def indexed_hits(*, employee, kind, query, limit=LIMIT):
    """Hits of one registered kind, best first (two queries whatever is found)."""
    if query.empty or not policy.can(employee, f"{kind.module}.view"):
        return []
    scope = policy.access_for(employee).scope(kind.module)
    found = fulltext.candidates(
        query,
        fetch=limit * OVERFETCH,
        org_id=current_org_id(),
        kind=kind.name,
        owner_id=employee.pk,
        department_ids=scope.department_ids,
        all_scope=scope.all,
    )
    visible = policy.scope_queryset(
        employee,
        kind.module,
        SearchEntry.objects.filter(kind=kind.name, pk__in={pk for _tier, pk in found}),
        owner="owner",
        department="department",
    )
    # not the tokens: the longest column, and the lookup is done
    entries = {entry.pk: entry for entry in visible.defer("tokens")}
    hits, seen = [], set()
    for tier, pk in found:
        entry = entries.get(pk)
        if entry is None or entry.object_id in seen:
            continue
        if tier != fulltext.EXACT and not tk.matches(query, entry.text):
            continue
        if tier == fulltext.START and not _starts(entry, query):
            continue
        seen.add(entry.object_id)
        hits.append(
            Hit(
                kind.name,
                str(kind.label),
                entry.object_id,
                entry.title,
                entry.subtitle,
                _url(entry.url_name, entry.url_arg),
            )
        )
        if len(hits) >= limit:
            break
    return hits


def search(*, employee, query, limit=LIMIT):
    """Hits for ``query`` (at least 2 characters) the employee may see, grouped by kind."""
    query = (query or "").strip()[:100]
    if employee is None or len(query) < MIN_LENGTH:
        return []
    parsed = tk.parse(query)
    hits = []
    for kind in registry.kinds():
        hits += indexed_hits(employee=employee, kind=kind, query=parsed, limit=limit)
    if policy.can(employee, "employees.view"):
        # the employee list's own filter, reading only what a hit shows
        people = (
            orgs.employee_list(employee=employee, filters={"q": query})
            .select_related(None)
            .prefetch_related(None)
            .select_related("department")
            .only("pk", "name", "department__name")[:limit]
        )
        hits += [
            Hit(
                "employee",
                str(pgettext_lazy("search group", "员工")),
                e.pk,
                e.name,
                e.department.name,
                _url("orgs:employee_edit", e.pk),
            )
            for e in people
        ]
    if policy.can(employee, "departments.view"):
        # every department of the org, as the department list shows them, without its
        # head counts
        departments = (
            Department.objects.filter(name__icontains=query).order_by("path").only("pk", "name")
        )
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
