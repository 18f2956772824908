"""Reads of announcements: what each employee is shown, who may see what, receipts.

Every active employee reads the published, unexpired announcements addressed to them
(the whole org; their own department; or a department above theirs when the
announcement includes sub-departments) without any permission. ``announcements.view``
shows every announcement of the org, in any state, and its read receipts; an author
always sees their own.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from guanxi.core.queries import first_and_count
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.workspace.announcements.models import Announcement, AnnouncementRead

Status = Announcement.Status
Targets = Announcement.departments.through


def _department_path(employee):
    """The path of ``employee``'s department (the loaded one, else one query)."""
    cached = employee._state.fields_cache.get("department")
    if cached is not None:
        return cached.path
    return Department.objects.filter(pk=employee.department_id).values_list("path", flat=True)[0]


def addressed_q(employee):
    """A Q on Announcement: addressed to ``employee`` (whatever its state)."""
    path = _department_path(employee)
    ancestors = [int(part) for part in path.strip("/").split("/") if part]
    above = [pk for pk in ancestors if pk != employee.department_id]
    targeted = Targets.objects.filter(announcement_id=OuterRef("pk"))
    direct = targeted.filter(department_id=employee.department_id)
    inherited = targeted.filter(department_id__in=above or [0])
    return (
        Q(audience=Announcement.Audience.ALL)
        | Q(Exists(direct))
        | Q(Exists(inherited), include_children=True)
    )


def live_q(now=None):
    """Published and not expired."""
    now = now or timezone.now()
    return Q(status=Status.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _with_read(queryset, employee):
    mine = AnnouncementRead.objects.filter(announcement_id=OuterRef("pk"), employee_id=employee.pk)
    return queryset.annotate(is_read=Exists(mine))


def feed_queryset(*, employee, unread=False):
    """The announcements shown to ``employee``: published, unexpired, addressed to them;
    pinned first, then unread, then newest. Each row carries ``is_read``."""
    queryset = _with_read(
        Announcement.objects.select_related("author").filter(live_q(), addressed_q(employee)),
        employee,
    )
    if unread:
        queryset = queryset.filter(is_read=False)
    return queryset.order_by("-pinned", "is_read", "-published_at", "-id")


def may_view_all(employee):
    return policy.can(employee, "announcements.view")


def may_write(employee):
    return policy.can(employee, "announcements.create") or policy.can(
        employee, "announcements.edit"
    )


def manage_queryset(*, employee):
    """Every announcement of the org (``announcements.view``), else the employee's own;
    newest first, each row with ``is_read``."""
    queryset = Announcement.objects.select_related("author")
    if not may_view_all(employee):
        queryset = queryset.filter(author_id=employee.pk)
    return _with_read(queryset, employee).order_by("-created_at", "-id")


def visible_queryset(*, employee):
    """What ``employee`` may open: addressed to them and published (expired ones too, by
    their link), their own, or everything with ``announcements.view``."""
    queryset = Announcement.objects.select_related("author")
    if not may_view_all(employee):
        queryset = queryset.filter(
            Q(status=Status.PUBLISHED, published_at__isnull=False) & addressed_q(employee)
            | Q(author_id=employee.pk)
        )
    return _with_read(queryset, employee)


def access_announcement(employee, pk):
    """The announcement if ``employee`` may read it; else 404."""
    try:
        return visible_queryset(employee=employee).get(pk=int(pk))
    except (Announcement.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def unread_for(employee, limit=5):
    """At most ``limit`` unread announcements for ``employee`` and how many there are
    (one query, two when there are more): the start page's card."""
    queryset = feed_queryset(employee=employee, unread=True)
    return first_and_count(queryset, limit)


def unread_count(employee):
    return feed_queryset(employee=employee, unread=True).count()


def audience_q(announcement, departments=None):
    """A Q on Employee: the announcement's audience (``departments``: its targets, when
    already loaded)."""
    if announcement.audience == Announcement.Audience.ALL:
        return Q()
    if departments is None:
        departments = list(announcement.departments.all())
    if not departments:
        return Q(pk__in=[])
    if not announcement.include_children:
        return Q(department_id__in=[d.pk for d in departments])
    q = Q(pk__in=[])
    for department in departments:
        q |= Q(department__path__startswith=department.path)
    return q


def audience_queryset(announcement, departments=None):
    """The active employees the announcement is addressed to."""
    return Employee.objects.filter(status=Employee.Status.ACTIVE).filter(
        audience_q(announcement, departments)
    )


def receipts(announcement):
    """Who has read the announcement (with the time) and who in its audience has not,
    with the counts: three queries, whatever the audience's size."""
    departments = list(announcement.departments.all())
    read = list(
        AnnouncementRead.objects.filter(announcement=announcement)
        .select_related("employee", "employee__department")
        .order_by("read_at", "id")
    )
    readers = AnnouncementRead.objects.filter(
        announcement_id=announcement.pk, employee_id=OuterRef("pk")
    )
    unread = list(
        audience_queryset(announcement, departments)
        .exclude(Exists(readers))
        .select_related("department")
        .order_by("department__path", "name", "id")
    )
    return {
        "departments": departments,
        "read": read,
        "unread": unread,
        "read_count": len(read),
        "unread_count": len(unread),
    }
