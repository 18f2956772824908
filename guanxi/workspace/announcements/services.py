"""Every write of announcements: compose, edit, publish, withdraw, delete, read receipts.

Permissions: ``announcements.create`` to write one; ``announcements.edit`` to change,
publish or withdraw any of the org's — the author holding ``announcements.create`` may do
so with their own too; ``announcements.delete`` to delete (the author may delete their own
draft that never went out). Reading needs no permission: see ``selectors``.

Each write runs in a transaction, locks the row it changes (``lock_for_update``; a stale
``version`` is refused with 409) and is audited. Publishing notifies the audience once,
ever (``event_key`` per announcement): a large audience in a background job after commit.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.errors import BusinessRuleError
from guanxi.core.tenancy import org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Department
from guanxi.workspace.announcements import selectors, text
from guanxi.workspace.announcements.models import (
    BODY_LENGTH,
    TITLE_LENGTH,
    Announcement,
    AnnouncementRead,
)
from guanxi.workspace.notifications.services import notify

Status = Announcement.Status
Audience = Announcement.Audience
FIELDS = frozenset(
    {"title", "body", "audience", "departments", "include_children", "pinned", "expires_at"}
)
AUDIT_FIELDS = (
    "title", "body", "audience", "departments", "include_children", "pinned", "status",
    "published_at", "expires_at",
)  # fmt: skip
MAX_DEPARTMENTS = 200
# audiences larger than this are notified by a background job, not in the request
NOTIFY_INLINE_MAX = 200
EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


# ---- permissions ---------------------------------------------------------------------------


def may_edit(actor, announcement):
    if policy.can(actor, "announcements.edit"):
        return True
    return announcement.author_id == actor.pk and policy.can(actor, "announcements.create")


def may_delete(actor, announcement):
    if policy.can(actor, "announcements.delete"):
        return True
    return (
        announcement.author_id == actor.pk
        and announcement.status == Status.DRAFT
        and announcement.published_at is None
        and policy.can(actor, "announcements.create")
    )


def _require_edit(actor, announcement):
    if not may_edit(actor, announcement):
        policy.require(actor, "announcements.edit")


def _require_delete(actor, announcement):
    if not may_delete(actor, announcement):
        policy.require(actor, "announcements.delete")


# ---- validation ----------------------------------------------------------------------------


def _departments(value, errors):
    """The org's departments named by ``value`` (ids or Department instances)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        _add(errors, "departments", _("请选择部门。"))
        return []
    ids = set()
    for item in value:
        pk = getattr(item, "pk", item)
        try:
            if isinstance(pk, bool):
                raise TypeError
            ids.add(int(pk))
        except (TypeError, ValueError, OverflowError):
            _add(errors, "departments", _("部门编号无效。"))
            return []
    if len(ids) > MAX_DEPARTMENTS:
        _add(errors, "departments", _("最多选择 %(n)s 个部门。") % {"n": MAX_DEPARTMENTS})
        return []
    if not ids or any(pk <= 0 or pk > 2**62 for pk in ids):
        return [] if not ids else _bad_departments(errors)
    # the scoped manager keeps this org's departments only: another org's id is missing
    found = list(Department.objects.filter(pk__in=sorted(ids)).order_by("path"))
    if len(found) != len(ids):
        return _bad_departments(errors)
    return found


def _bad_departments(errors):
    _add(errors, "departments", _("请选择本组织的部门。"))
    return []


def _moment(value, errors):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.max)
    if not isinstance(value, datetime.datetime):
        _add(errors, "expires_at", _("过期时间无效。"))
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if not EARLIEST <= value < LATEST:
        _add(errors, "expires_at", _("过期时间必须在 1970 年到 2100 年之间。"))
        return None
    return value


def _clean(announcement, fields, errors):
    """Apply ``fields`` to ``announcement``; returns the departments to set (or None when
    unchanged)."""
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown}, code="readonly")
    for name in ("title", "body"):
        if name in fields:
            value = fields[name]
            if value is not None and not isinstance(value, str):
                _add(errors, name, _("请输入文字。"))
                value = ""
            setattr(announcement, name, (value or "").strip())
    for name in ("include_children", "pinned"):
        if name in fields:
            setattr(announcement, name, bool(fields[name]))
    if "audience" in fields:
        announcement.audience = fields["audience"] or Audience.ALL
    if "expires_at" in fields:
        announcement.expires_at = _moment(fields["expires_at"], errors)
    if not announcement.title:
        _add(errors, "title", _("请填写标题。"))
    elif len(announcement.title) > TITLE_LENGTH:
        _add(errors, "title", _("标题不能超过 %(n)s 字。") % {"n": TITLE_LENGTH})
    if len(announcement.body) > BODY_LENGTH:
        _add(errors, "body", _("正文不能超过 %(n)s 字。") % {"n": BODY_LENGTH})
    if announcement.audience not in Audience.values:
        _add(
            errors,
            "audience",
            _("“%(value)s”不是有效的发布范围。") % {"value": announcement.audience},
        )
    departments = _departments(fields["departments"], errors) if "departments" in fields else None
    return departments


def _check_audience(announcement, departments, errors):
    if announcement.audience != Audience.DEPARTMENTS or "audience" in errors:
        return
    if departments is None:
        departments = list(announcement.departments.all()) if announcement.pk else []
    if not departments and "departments" not in errors:
        _add(errors, "departments", _("请选择至少一个部门，或发布给全体员工。"))


def _check_expiry(announcement, errors, now):
    if (
        announcement.status == Status.PUBLISHED
        and announcement.expires_at is not None
        and announcement.expires_at <= now
        and "expires_at" not in errors
    ):
        _add(errors, "expires_at", _("过期时间必须晚于现在。"))


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _snapshot(announcement):
    return audit.snapshot(announcement, AUDIT_FIELDS)


# ---- writes --------------------------------------------------------------------------------


def announcement_create(*, actor, publish=False, **fields) -> Announcement:
    """A new announcement by ``actor``: a draft, or published at once with ``publish``."""
    policy.require(actor, "announcements.create")
    fields.setdefault("audience", Audience.ALL)
    announcement = Announcement(org_id=actor.org_id, author=actor, title="", body="")
    errors: dict = {}
    departments = _clean(announcement, fields, errors)
    _check_audience(announcement, departments or [], errors)
    _raise(errors)
    with transaction.atomic():
        announcement.save()
        if departments is not None:
            announcement.departments.set(departments if announcement.audience != "all" else [])
        audit.record_change(
            actor=actor,
            instance=announcement,
            action=ChangeRecord.Action.CREATE,
            after=_snapshot(announcement),
        )
        if publish:
            announcement = announcement_publish(actor=actor, announcement=announcement)
    return announcement


def announcement_update(*, actor, announcement, version=None, **fields) -> Announcement:
    """Change an announcement (any state). Published: audience members it did not reach
    before are notified (those already told are not, by the event key)."""
    _require_edit(actor, announcement)
    with transaction.atomic():
        locked = lock_for_update(Announcement, announcement.pk, expected_version=version)
        before = _snapshot(locked)
        errors: dict = {}
        departments = _clean(locked, fields, errors)
        _check_audience(locked, departments, errors)
        _check_expiry(locked, errors, timezone.now())
        _raise(errors)
        if locked.audience == Audience.ALL:
            departments = []
        if departments is not None:
            locked.departments.set(departments)
        changed = audit.save_if_changed(
            actor=actor, instance=locked, before=before, after=_snapshot(locked)
        )
        if changed and locked.is_published and _audience_changed(before, _snapshot(locked)):
            _notify_audience(actor, locked)
    return locked


def _audience_changed(before, after):
    return any(before[k] != after[k] for k in ("audience", "departments", "include_children"))


def announcement_publish(*, actor, announcement, version=None) -> Announcement:
    """Publish a draft or a withdrawn announcement and notify its audience (each person
    once, ever: publishing again after a withdrawal notifies nobody twice)."""
    _require_edit(actor, announcement)
    now = timezone.now()
    with transaction.atomic():
        locked = lock_for_update(Announcement, announcement.pk, expected_version=version)
        if locked.status == Status.PUBLISHED:
            raise BusinessRuleError(_("公告已经发布。"), code="already_published")
        before = _snapshot(locked)
        errors: dict = {}
        locked.status = Status.PUBLISHED
        locked.published_at = locked.published_at or now
        _check_audience(locked, None, errors)
        _check_expiry(locked, errors, now)
        _raise(errors)
        audit.save_if_changed(actor=actor, instance=locked, before=before, after=_snapshot(locked))
        _notify_audience(actor, locked)
    return locked


def announcement_withdraw(*, actor, announcement, version=None) -> Announcement:
    """Take a published announcement back: it leaves its readers' lists (receipts stay)."""
    _require_edit(actor, announcement)
    with transaction.atomic():
        locked = lock_for_update(Announcement, announcement.pk, expected_version=version)
        if locked.status != Status.PUBLISHED:
            raise BusinessRuleError(_("只能撤回已发布的公告。"), code="not_published")
        before = _snapshot(locked)
        locked.status = Status.WITHDRAWN
        audit.save_if_changed(actor=actor, instance=locked, before=before, after=_snapshot(locked))
    return locked


def announcement_delete(*, actor, announcement) -> None:
    """Delete an announcement and its read receipts."""
    _require_delete(actor, announcement)
    with transaction.atomic():
        locked = lock_for_update(Announcement, announcement.pk)
        audit.record_change(
            actor=actor,
            instance=locked,
            action=ChangeRecord.Action.DELETE,
            before=_snapshot(locked),
        )
        locked.delete()


# ---- read receipts -------------------------------------------------------------------------


def announcement_mark_read(*, actor, announcement) -> bool:
    """Store that ``actor`` opened ``announcement`` (published and addressed to them);
    idempotent and safe when two requests race (the unique constraint keeps one row).
    Their notification of it is marked read too. Returns whether a receipt was added."""
    if not announcement.is_published:
        return False
    addressed = Announcement.objects.filter(
        selectors.addressed_q(actor), pk=announcement.pk
    ).exists()
    if not addressed:
        return False
    now = timezone.now()
    mine = AnnouncementRead.objects.filter(announcement_id=announcement.pk, employee_id=actor.pk)
    if mine.exists():
        return False
    AnnouncementRead.objects.bulk_create(
        [
            AnnouncementRead(
                org_id=actor.org_id, announcement_id=announcement.pk, employee=actor, read_at=now
            )
        ],
        ignore_conflicts=True,  # a concurrent request stored it first: one receipt stays
    )
    _notifications_read(actor, [announcement.event_key], now)
    return True


def announcement_read_all(*, actor) -> int:
    """Mark every announcement shown to ``actor`` read; returns how many were unread."""
    ids = list(selectors.feed_queryset(employee=actor, unread=True).values_list("pk", flat=True))
    if not ids:
        return 0
    now = timezone.now()
    AnnouncementRead.objects.bulk_create(
        [
            AnnouncementRead(org_id=actor.org_id, announcement_id=pk, employee=actor, read_at=now)
            for pk in ids
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    _notifications_read(actor, [f"announcement:{pk}" for pk in ids], now)
    return len(ids)


def _notifications_read(actor, keys, now):
    from guanxi.workspace.notifications.models import Notification

    Notification.objects.filter(
        recipient=actor, kind="announcement", event_key__in=keys, read_at__isnull=True
    ).update(read_at=now)


# ---- notifying -----------------------------------------------------------------------------


def _notify_audience(actor, announcement):
    """Tell the audience (after commit): inline when small, in a background job when
    large. The event key makes every run notify each person at most once."""
    audience = selectors.audience_queryset(announcement)
    org_id = announcement.org_id
    pk = announcement.pk
    actor_id = actor.pk if actor else None
    if audience.count() <= NOTIFY_INLINE_MAX:
        notify_audience(announcement=announcement, actor=actor)
        return

    def enqueue():
        from guanxi.workspace.announcements import tasks

        tasks.announcement_notify(org_id, pk, actor_id)

    transaction.on_commit(enqueue)


def notification_text(announcement):
    """The notification's title and body: the product's words are lazy, so they read in
    each recipient's language; the announcement's own words are as written."""
    title = format_lazy(gettext_lazy("新公告：{title}"), title=announcement.title)
    return title, text.excerpt(announcement.body, 200)


def notify_audience(*, announcement, actor=None) -> int:
    """Notify every active audience member of a published announcement who has not been
    told yet; the author is left out. Returns how many were notified now."""
    if not announcement.is_published:
        return 0
    title, body = notification_text(announcement)
    recipients = list(
        selectors.audience_queryset(announcement)
        .exclude(pk=announcement.author_id or 0)
        .values_list("pk", flat=True)
    )
    created = notify(
        recipients=recipients,
        kind="announcement",
        title=title,
        body=body,
        link=announcement_link(announcement),
        target=announcement,
        event_key=announcement.event_key,
        actor=actor,
    )
    return len(created)


def notify_audience_job(*, org, announcement_id, actor_id=None) -> int:
    """The background job's work: notify the audience of one announcement, in its org."""
    with org_scope(org):
        announcement = Announcement.objects.filter(pk=announcement_id).first()
        if announcement is None:
            return 0
        return notify_audience(announcement=announcement, actor=actor_id)


def announcement_link(announcement):
    from django.urls import reverse

    return reverse("announcements:announcement_detail", args=[announcement.pk])
