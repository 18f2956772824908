"""What the global search box finds, within the employee's permissions.

Records of every registered kind (customers and contacts by name fragment,
pinyin initials or full pinyin, 4+ digits of a phone, e-mail, code) in the
employee's data scope, from the search index (``guanxi.search.tokens``), then
employees and departments for those who may browse them. Exact code, phone or
e-mail matches rank first, then titles that start with the query, then the
newest.
"""

from dataclasses import dataclass

from django.db.models import Q
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


def _candidates(*, employee, kind, query, limit):
    """``(tier, entry id)`` candidates of one kind in the employee's scope (one query,
    sometimes two), or ``None`` when the employee may not see the kind."""
    if not policy.can(employee, f"{kind.module}.view"):
        return None
    scope = policy.access_for(employee).scope(kind.module)
    return fulltext.candidates(
        query,
        fetch=limit * OVERFETCH,
        org_id=current_org_id(),
        kind=kind.name,
        owner_id=employee.pk,
        department_ids=scope.department_ids,
        all_scope=scope.all,
    )


def _visible_entries(employee, found_by_kind):
    """The permitted entries among every kind's candidates, by id: one query for all
    the kinds, each kind's candidates checked against its own module's data scope."""
    condition = Q()
    for kind, found in found_by_kind:
        if not found:
            continue
        part = Q(kind=kind.name, pk__in={pk for _tier, pk in found})
        scope = policy.visible_q(employee, kind.module, owner="owner", department="department")
        condition |= part if scope is None else part & scope
    if not condition:
        return {}
    # not the tokens: the longest column, and the lookup is done
    return {entry.pk: entry for entry in SearchEntry.objects.filter(condition).defer("tokens")}


def _ranked(kind, found, entries, query, limit):
    """One kind's hits, best first: the candidates' order, each checked against the text."""
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


def indexed_hits(*, employee, kinds, query, limit=LIMIT):
    """Hits of the registered ``kinds``, kind after kind, each best first: a candidates
    query per kind the employee may see, then one query for the permitted entries."""
    if query.empty:
        return []
    found_by_kind = []
    for kind in kinds:
        found = _candidates(employee=employee, kind=kind, query=query, limit=limit)
        if found is not None:
            found_by_kind.append((kind, found))
    entries = _visible_entries(employee, found_by_kind)
    hits = []
    for kind, found in found_by_kind:
        hits += _ranked(kind, found, entries, query, limit)
    return hits


def search(*, employee, query, limit=LIMIT):
    """Hits for ``query`` (at least 2 characters) the employee may see, grouped by kind."""
    query = (query or "").strip()[:100]
    if employee is None or len(query) < MIN_LENGTH:
        return []
    parsed = tk.parse(query)
    hits = indexed_hits(employee=employee, kinds=registry.kinds(), query=parsed, limit=limit)
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
