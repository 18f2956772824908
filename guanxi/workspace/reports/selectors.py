"""Reads of work reports and templates, within the employee's access.

Who sees a report: its author always (a draft only them); a submitted report also
everyone up the author's manager chain (``Employee.manager``, any number of levels), the
readers the author named, and those whose "work_reports" data scope covers the author
(``author`` / ``department``) — all with the "work_reports.view" permission. Scoring
takes the manager chain or the data scope, never the author themselves.
"""

import datetime
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace.reports import rules
from guanxi.workspace.reports.models import (
    ReportComment,
    ReportRead,
    ReportRevision,
    ReportScore,
    ReportTemplate,
    WorkReport,
)

MODULE = "work_reports"
SCOPE = {"owner": "author", "department": "department"}
_SUBORDINATES_ATTR = "_work_report_subordinates"
CARD_LIMIT = 5


def subordinate_ids(employee) -> frozenset[int]:
    """Everyone below ``employee`` in the manager chain, any number of levels (one query
    over the org's (id, manager) pairs; cached on the employee for the request)."""
    cached = getattr(employee, _SUBORDINATES_ATTR, None)
    if cached is not None:
        return cached
    children: dict[int, list[int]] = {}
    for pk, manager_id in Employee.objects.filter(manager__isnull=False).values_list(
        "pk", "manager_id"
    ):
        children.setdefault(manager_id, []).append(pk)
    found: set[int] = set()
    stack = list(children.get(employee.pk, ()))
    while stack:
        pk = stack.pop()
        if pk in found or pk == employee.pk:
            continue
        found.add(pk)
        stack.extend(children.get(pk, ()))
    result = frozenset(found)
    setattr(employee, _SUBORDINATES_ATTR, result)
    return result


def _named_reader(employee_id):
    through = WorkReport.readers.through
    return Exists(through.objects.filter(workreport_id=OuterRef("pk"), employee_id=employee_id))


def _oversight_q(employee):
    """Submitted reports ``employee`` oversees (may score): the manager chain or the data
    scope. None: all of them."""
    scope_q = policy.visible_q(employee, MODULE, **SCOPE)
    if scope_q is None:
        return None
    subordinates = subordinate_ids(employee)
    if subordinates:
        scope_q |= Q(author_id__in=sorted(subordinates))
    return scope_q


def report_queryset(*, employee) -> QuerySet[WorkReport]:
    """Reports ``employee`` may see (see the module docstring)."""
    if not policy.can(employee, f"{MODULE}.view"):
        return WorkReport.objects.none()
    qs = WorkReport.objects.select_related("author", "template", "department")
    oversight = _oversight_q(employee)
    others = Q() if oversight is None else (oversight | _named_reader(employee.pk))
    submitted = Q(status=WorkReport.Status.SUBMITTED) & others
    return qs.filter(Q(author_id=employee.pk) | submitted)


def _get(queryset, pk):
    try:
        return queryset.get(pk=int(pk))
    except (queryset.model.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def access_report(employee, pk, *, write=False) -> WorkReport:
    """The report if ``employee`` may see it; with ``write`` only its author may have it
    (with "work_reports.edit"). Otherwise 404 / 403."""
    policy.require(employee, f"{MODULE}.edit" if write else f"{MODULE}.view")
    report = _get(report_queryset(employee=employee), pk)
    if write and report.author_id != employee.pk:
        raise Http404
    return report


def oversees(employee, report) -> bool:
    """Whether ``employee`` is above the report's author (manager chain) or has them in
    their data scope: who may score it."""
    if report.author_id == employee.pk or not policy.can(employee, f"{MODULE}.view"):
        return False
    if report.author_id in subordinate_ids(employee):
        return True
    return policy.can_see_record(employee, MODULE, report, **SCOPE)


def can_score(employee, report) -> bool:
    return (
        report.status == WorkReport.Status.SUBMITTED
        and policy.can(employee, f"{MODULE}.edit")
        and oversees(employee, report)
    )


def can_comment(employee, report) -> bool:
    """Anyone who sees a submitted report may comment, unless their roles only read."""
    return report.status == WorkReport.Status.SUBMITTED and policy.can(employee, f"{MODULE}.edit")


# ---- templates -----------------------------------------------------------------------------


def template_queryset(*, employee) -> QuerySet[ReportTemplate]:
    """Templates, for those who administer them ("work_report_templates.view")."""
    if not policy.can(employee, "work_report_templates.view"):
        return ReportTemplate.objects.none()
    return ReportTemplate.objects.prefetch_related("departments", "roles")


def access_template(employee, pk, *, write=False) -> ReportTemplate:
    policy.require(
        employee, "work_report_templates.edit" if write else "work_report_templates.view"
    )
    return _get(template_queryset(employee=employee), pk)


def applies_to(template, employee, role_ids=None) -> bool:
    """Whether ``template`` is for ``employee``: nobody chosen means everyone; otherwise
    their department (or one above it) or one of their roles is chosen. Reads the
    template's prefetched ``departments`` / ``roles``."""
    departments = list(template.departments.all())
    roles = list(template.roles.all())
    if not departments and not roles:
        return True
    path = employee.department.path if employee.department_id else ""
    if any(path.startswith(d.path) for d in departments):
        return True
    if role_ids is None:
        role_ids = {role.pk for role in policy.roles_of(employee)}
    return any(role.pk in role_ids for role in roles)


def active_templates() -> list[ReportTemplate]:
    return list(
        ReportTemplate.objects.filter(is_active=True)
        .prefetch_related("departments", "roles")
        .order_by("name", "id")
    )


def templates_for(employee) -> list[ReportTemplate]:
    """The active templates ``employee`` writes (three queries)."""
    role_ids = {role.pk for role in policy.roles_of(employee)}
    return [t for t in active_templates() if applies_to(t, employee, role_ids)]


# ---- lists ---------------------------------------------------------------------------------


def my_reports(*, employee) -> QuerySet[WorkReport]:
    return report_queryset(employee=employee).filter(author_id=employee.pk)


def readable_reports(*, employee, filters: dict | None = None) -> QuerySet[WorkReport]:
    """Submitted reports of others that ``employee`` may read, newest first, with
    ``read`` (whether they opened it) annotated. ``filters``: ``author``, ``template``
    (ids), ``period_start`` (a date), ``unread`` (bool)."""
    filters = filters or {}
    qs = (
        report_queryset(employee=employee)
        .filter(status=WorkReport.Status.SUBMITTED)
        .exclude(author_id=employee.pk)
        .annotate(
            read=Exists(ReportRead.objects.filter(report_id=OuterRef("pk"), reader=employee.pk))
        )
    )
    if filters.get("author"):
        qs = qs.filter(author_id=filters["author"])
    if filters.get("template"):
        qs = qs.filter(template_id=filters["template"])
    if filters.get("period_start"):
        qs = qs.filter(
            period_start__lte=filters["period_start"], period_end__gte=filters["period_start"]
        )
    if filters.get("unread"):
        qs = qs.filter(read=False)
    return qs.order_by("-submitted_at", "-id")


def with_stats(queryset):
    """Annotate ``comment_count``, ``score_avg`` (list pages: no query per row)."""
    return queryset.annotate(
        comment_count=Count("comments", distinct=True), score_avg=Avg("scores__score")
    )


def report_page(*, employee, report) -> dict[str, Any]:
    """What the report page shows beside the values: readers, comments, scores (with
    their average), edit history and who has read it (a fixed number of queries)."""
    comments = list(ReportComment.objects.filter(report=report).select_related("author"))
    scores = list(ReportScore.objects.filter(report=report).select_related("scorer"))
    revisions = list(
        ReportRevision.objects.filter(report=report).select_related("editor").order_by("-id")
    )
    reads = list(ReportRead.objects.filter(report=report).select_related("reader"))
    readers = list(report.readers.all().order_by("name", "id"))
    average = sum(s.score for s in scores) / len(scores) if scores else None
    mine = next((s for s in scores if s.scorer_id == employee.pk), None)
    return {
        "rows": value_rows(report.fields, report.values),
        "comments": comments,
        "scores": scores,
        "score_average": round(average, 1) if average is not None else None,
        "my_score": mine,
        "revisions": [
            {"revision": r, "rows": value_rows(report.fields, r.values)} for r in revisions
        ],
        "reads": reads,
        "readers": readers,
    }


def value_rows(fields, values):
    return [
        {"field": field, "text": rules.display(field, (values or {}).get(field["key"]))}
        for field in fields
    ]


# ---- team overview -------------------------------------------------------------------------


def team_members(employee) -> list[Employee]:
    """Active employees whose reports ``employee`` oversees: below them in the manager
    chain, or in their "work_reports" data scope (everyone when it is "all")."""
    if not policy.can(employee, f"{MODULE}.view"):
        return []
    scope = policy.access_for(employee).scope(MODULE)
    qs = Employee.objects.filter(status=Employee.Status.ACTIVE).exclude(pk=employee.pk)
    if not scope.all:
        q = Q(pk__in=sorted(subordinate_ids(employee)))
        if scope.department_ids:
            q |= Q(department_id__in=sorted(scope.department_ids))
        qs = qs.filter(q)
    return list(
        qs.select_related("department")
        .prefetch_related("roles")
        .order_by("department__path", "name", "id")
    )


def team_overview(*, employee, template, day: datetime.date) -> dict[str, Any]:
    """Per member the template is for: their report of the period holding ``day`` and a
    status — submitted on time, late, draft only, missing — with counts. A fixed
    number of queries whatever the team's size."""
    start, end = rules.period_bounds(template.period, day)
    due = rules.due_moment(template, start)
    members = [m for m in team_members(employee) if applies_to(template, m)]
    reports = {
        r.author_id: r
        for r in WorkReport.objects.filter(
            template=template, period_start=start, author_id__in=[m.pk for m in members]
        ).only("id", "author_id", "status", "submitted_at", "is_late", "period_start")
    }
    now = timezone.now()
    rows = []
    counts = {"submitted": 0, "late": 0, "draft": 0, "missing": 0}
    for member in members:
        report = reports.get(member.pk)
        if report is not None and report.status == WorkReport.Status.SUBMITTED:
            state = "late" if report.is_late else "submitted"
        elif report is not None:
            state = "draft"
        else:
            state = "missing"
        counts[state] += 1
        rows.append({"employee": member, "report": report, "state": state})
    return {
        "template": template,
        "period_start": start,
        "period_end": end,
        "period_label": rules.period_label(template.period, start, end),
        "due_at": due,
        "overdue": now > due,
        "rows": rows,
        "counts": counts,
        "total": len(rows),
    }


# ---- start page ----------------------------------------------------------------------------


def due_reports(*, employee, today=None) -> list[dict[str, Any]]:
    """The current period of each active template the employee writes and what they have
    done about it (report or None), open ones first."""
    if not policy.can(employee, f"{MODULE}.create"):
        return []
    today = today or timezone.localdate()
    templates = templates_for(employee)
    if not templates:
        return []
    periods = {t.pk: rules.period_bounds(t.period, today) for t in templates}
    mine = {
        (r.template_id, r.period_start): r
        for r in WorkReport.objects.filter(
            author_id=employee.pk,
            template_id__in=list(periods),
            period_start__in=sorted({start for start, _end in periods.values()}),
        ).only("id", "template_id", "period_start", "status")
    }
    rows = []
    for template in templates:
        start, end = periods[template.pk]
        report = mine.get((template.pk, start))
        rows.append(
            {
                "template": template,
                "period_label": rules.period_label(template.period, start, end),
                "due_at": rules.due_moment(template, start),
                "report": report,
                "done": report is not None and report.status == WorkReport.Status.SUBMITTED,
                "day": today,
            }
        )
    rows.sort(key=lambda row: (row["done"], row["due_at"]))
    return rows


def due_card(employee):
    """Context of the start page's "待写报告" card (None: nothing for this employee)."""
    rows = due_reports(employee=employee)
    if not rows:
        return None
    return {"rows": rows[:CARD_LIMIT], "open_count": sum(1 for r in rows if not r["done"])}


def prefetch_for_api(queryset):
    return queryset.prefetch_related(Prefetch("readers", queryset=Employee.objects.only("id")))
