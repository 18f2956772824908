"""Reads of notifications: the employee's own notifications (the bell, the list, the
API), their channel choices, and the org's group robots (admin / ``parameters.edit``)."""

from django.http import Http404

from guanxi.orgs import policy
from guanxi.workspace.notifications import kinds
from guanxi.workspace.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    Robot,
)

BELL_SIZE = 8
MANAGE = "parameters.edit"


def notification_queryset(*, employee):
    """The employee's own notifications, newest first (nobody sees another's)."""
    return Notification.objects.filter(recipient=employee).order_by("-id")


def notification_list(*, employee, unread=None, kind=""):
    notifications = notification_queryset(employee=employee)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    if kind:
        notifications = notifications.filter(kind=kind)
    return notifications


def access_notification(employee, pk):
    """One of the employee's own notifications, or 404."""
    try:
        return notification_queryset(employee=employee).get(pk=int(pk))
    except (Notification.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def unread_count(*, employee):
    return notification_queryset(employee=employee).filter(read_at__isnull=True).count()


def latest_unread(*, employee, size=BELL_SIZE):
    """The bell's dropdown: the newest unread notifications (one query)."""
    return list(
        notification_queryset(employee=employee)
        .filter(read_at__isnull=True)
        .order_by("-created_at", "-id")[:size]
    )


def preferences(*, employee):
    """``[(kind, channels)]`` for every registered kind: the employee's choice or the
    kind's defaults, the bell always included (one query)."""
    chosen = dict(
        NotificationPreference.objects.filter(employee=employee).values_list("kind", "channels")
    )
    rows = []
    for kind in kinds.all_kinds():
        picked = chosen.get(kind.code, kind.default_channels)
        rows.append((kind, [c for c in kinds.CHANNELS if c == kinds.APP or c in picked]))
    return rows


def can_manage_robots(employee):
    return policy.can(employee, MANAGE)


def robot_queryset(*, employee):
    """The org's group robots, for admins and whoever may edit the system parameters."""
    if not can_manage_robots(employee):
        return Robot.objects.none()
    return Robot.objects.select_related("department")


def access_robot(employee, pk):
    policy.require(employee, MANAGE)
    try:
        return robot_queryset(employee=employee).get(pk=int(pk))
    except (Robot.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404 from exc


def robot_deliveries(*, robot, size=20):
    """The robot's latest posts with their attempts (for its page)."""
    return list(Delivery.objects.filter(robot=robot).order_by("-id")[:size])
