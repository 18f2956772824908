"""Every write of notifications: ``notify`` (the one entry point other apps call),
reading, channel preferences, group robots, and sending the queued deliveries.

``notify`` writes rows only: the e-mails and robot posts it queues are sent by a
background job after the transaction commits (at once when a worker is free, and by
the every-minute job for retries), so no request ever waits on the network.

Texts are stored in each recipient's language: callers pass lazy strings
(``gettext_lazy``, ``lazy_text(gettext_lazy("…%(x)s"), x=…)``, ``format_lazy``) and
``notify`` renders them once per language among the recipients (their saved language,
else the installation's default), whatever language the caller runs in.
"""

import datetime
import logging
import urllib.parse

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from guanxi.accounts.services import supported_language
from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.tenancy import current_org_id, org_scope
from guanxi.core.versioning import lock_for_update
from guanxi.orgs import policy
from guanxi.orgs.models import Department, Employee
from guanxi.workspace.notifications import channels, kinds
from guanxi.workspace.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    Robot,
)

logger = logging.getLogger(__name__)

TITLE_LENGTH = 200
BODY_LENGTH = 2000
KEY_LENGTH = 200
# minutes to wait after the 1st, 2nd… failed attempt; after the last one: failed
BACKOFF_MINUTES = (1, 5, 30, 120, 360)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
CLAIM = datetime.timedelta(minutes=10)  # a worker that dies mid-send frees it again
SEND_BATCH = 200
KEEP_DAYS = 90  # finished delivery records are kept this long
MANAGE = "parameters.edit"


# ---- notify --------------------------------------------------------------------------------


def _interpolate(template, params):
    return str(template) % {
        name: str(value) if isinstance(value, Promise) else value for name, value in params.items()
    }


_interpolate_lazy = lazy(_interpolate, str)


def lazy_text(template, /, **params):
    """``template % params``, done when the text is rendered (in the language active then)
    rather than now: ``lazy_text(gettext_lazy("待您审批：%(title)s"), title=…)``. Values may
    be lazy strings too, or records whose ``str()`` depends on the language."""
    return _interpolate_lazy(template, params)


def default_language():
    """The language of texts read by no one in particular (group robots): the
    installation's default."""
    return settings.LANGUAGE_CODE


def reading_language(employee):
    """The language ``employee`` reads notifications in: their saved choice, else the
    installation's default."""
    user = getattr(employee, "user", None)
    return supported_language(getattr(user, "language", "")) or default_language()


def render(value, language):
    """A lazy string rendered in ``language``; a plain one as it is."""
    if isinstance(value, Promise):
        with translation.override(language):
            return str(value)
    return "" if value is None else str(value)


def _texts(spec, title, body, language):
    title = render(title, language).strip()[:TITLE_LENGTH] or render(spec.label, language)
    return title, render(body, language).strip()[:BODY_LENGTH]


def _safe_link(link):
    link = (link or "").strip()
    if link and (not link.startswith("/") or link.startswith("//") or len(link) > 500):
        raise ValueError(f"notification link must be a path of this site: {link!r}")
    return link


def _recipients(recipients):
    ids = set()
    for recipient in recipients or ():
        pk = getattr(recipient, "pk", recipient)
        if pk is not None:
            ids.add(int(pk))
    if not ids:
        return []
    # the scoped manager keeps the current org's employees only; left ones are skipped
    return list(
        Employee.objects.filter(pk__in=sorted(ids), status=Employee.Status.ACTIVE)
        .select_related("department", "user")
        .order_by("pk")
    )


def channels_for(employees, kind):
    """``{employee id: set of channels}`` for ``kind`` (one query): each employee's
    choice, or the kind's defaults; the in-app bell always."""
    chosen = dict(
        NotificationPreference.objects.filter(
            employee__in=[e.pk for e in employees], kind=kind.code
        ).values_list("employee_id", "channels")
    )
    result = {}
    for employee in employees:
        picked = chosen.get(employee.pk)
        picked = kind.default_channels if picked is None else picked
        result[employee.pk] = {kinds.APP, *(c for c in picked if c in kinds.CHANNELS)}
    return result


def absolute_url(link):
    """The link as a full URL when the site's address is configured (``SITE_URL``)."""
    base = getattr(settings, "SITE_URL", "")
    return urllib.parse.urljoin(base, link) if (base and link) else ""


def notify(
    *,
    recipients,
    kind: str,
    title,
    body="",
    link: str = "",
    target=None,
    event_key: str = "",
    actor=None,
) -> list[Notification]:
    """Tell each employee in ``recipients`` (Employee instances or ids of the current
    org) something. ``kind`` is a registered kind code. ``title`` and ``body`` are lazy
    strings (rendered in each recipient's language: see the module's note) or plain text
    (stored as it is). ``link`` is the URL path of the record. ``target`` (any model
    instance, optional) is kept as a generic reference. With an ``event_key``, the same
    (recipient, kind, event_key) is notified at most once, ever (a unique constraint, so
    concurrent scans can't double-send). Left employees are skipped. Delivery to e-mail /
    robots happens after commit in background jobs; this call never waits on the network.

    Runs inside the caller's org scope (a request, or a job's ``org_scope``) and inside
    the caller's transaction when there is one. Returns the notifications created now
    (not those an ``event_key`` had already sent)."""
    spec = kinds.get(kind)
    if spec is None:
        raise ValueError(f"unregistered notification kind: {kind!r}")
    link = _safe_link(link)
    event_key = (event_key or "").strip()[:KEY_LENGTH]
    employees = _recipients(recipients)
    if not employees:
        return []
    org_id = current_org_id() or employees[0].org_id
    # outside an org scope (operator code under all_orgs) never mix orgs
    employees = [e for e in employees if e.org_id == org_id]
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    target_id = target.pk if target is not None else None
    actor_id = getattr(actor, "pk", actor)
    texts = {}  # rendered once per language among the recipients
    for employee in employees:
        language = reading_language(employee)
        if language not in texts:
            texts[language] = _texts(spec, title, body, language)

    def build(employee):
        text_title, text_body = texts[reading_language(employee)]
        return Notification(
            org_id=org_id,
            recipient=employee,
            kind=spec.code,
            title=text_title,
            body=text_body,
            link=link,
            target_type=target_type,
            target_id=target_id,
            event_key=event_key,
            actor_id=actor_id,
        )

    with transaction.atomic():
        if not event_key:
            created = Notification.objects.bulk_create([build(e) for e in employees])
        else:
            done = set(
                Notification.objects.filter(
                    recipient__in=[e.pk for e in employees], kind=spec.code, event_key=event_key
                ).values_list("recipient_id", flat=True)
            )
            created = []
            for employee in employees:
                if employee.pk in done:
                    continue
                try:
                    with transaction.atomic():  # a concurrent run may have inserted it
                        notification = build(employee)
                        notification.save()
                except IntegrityError:
                    continue
                created.append(notification)
        if created:
            _queue_deliveries(spec, created, org_id=org_id, title=title, body=body)
    return created


def _queue_deliveries(spec, created, *, org_id, title, body):
    """E-mails and robot posts for ``created`` (per the recipients' channels), sent once
    the transaction commits. An e-mail is in its recipient's language (the notification's
    text, the kind's label); a robot post, read by a whole group, in the default one."""
    recipients = [n.recipient for n in created]
    chosen = channels_for(recipients, spec)
    headings = {}
    first = created[0]
    url = absolute_url(first.link)
    now = timezone.now()
    deliveries = []
    for notification in created:
        employee = notification.recipient
        if kinds.EMAIL not in chosen[employee.pk]:
            continue
        text = "\n\n".join(part for part in (notification.body, url) if part)
        language = reading_language(employee)
        if language not in headings:
            headings[language] = render(spec.label, language)
        heading = headings[language]
        delivery = Delivery(
            org_id=org_id,
            notification=notification,
            channel=Delivery.Channel.EMAIL,
            address=employee.email,
            payload={"subject": f"[{heading}] {notification.title}", "text": text},
            next_attempt_at=now,
        )
        if not employee.email:
            delivery.status = Delivery.Status.SKIPPED
            delivery.next_attempt_at = None
            delivery.last_error = _("员工没有填写邮箱")
        deliveries.append(delivery)
    robot_recipients = [e for e in recipients if kinds.ROBOT in chosen[e.pk]]
    if spec.robot and robot_recipients:
        language = default_language()
        heading = render(spec.label, language)
        robot_title, robot_body = _texts(spec, title, body, language)
        robots = Robot.objects.filter(org_id=org_id, is_active=True).select_related("department")
        for robot in robots:
            if robot.kinds and spec.code not in robot.kinds:
                continue
            names = [
                e.name
                for e in robot_recipients
                if robot.department is None
                or (e.department and e.department.path.startswith(robot.department.path))
            ]
            if not names:
                continue
            deliveries.append(
                Delivery(
                    org_id=org_id,
                    notification=first,
                    channel=Delivery.Channel.ROBOT,
                    robot=robot,
                    payload=channels.robot_payload(
                        robot.platform,
                        heading=heading,
                        title=robot_title,
                        body=robot_body,
                        url=url,
                        names=names,
                    ),
                    next_attempt_at=now,
                )
            )
    if not deliveries:
        return
    Delivery.objects.bulk_create(deliveries)
    pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING and d.pk]
    if pending:
        transaction.on_commit(lambda: _enqueue(org_id, pending))


def _enqueue(org_id, ids):
    from guanxi.workspace.notifications import tasks  # tasks import services

    try:
        tasks.deliveries_send.schedule(args=(org_id, ids), delay=0)
    except Exception:  # the queue being down must not fail the committed request
        logger.exception("could not queue notification deliveries; the minute job sends them")


# ---- reading -------------------------------------------------------------------------------


def notification_mark_read(*, actor, notification):
    """Mark one of the actor's own notifications read (again: no change)."""
    if notification.recipient_id != actor.pk:
        raise ValidationError(_("只能标记自己的通知。"))
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notification_mark_unread(*, actor, notification):
    if notification.recipient_id != actor.pk:
        raise ValidationError(_("只能标记自己的通知。"))
    Notification.objects.filter(pk=notification.pk).update(read_at=None)
    notification.read_at = None
    return notification


def notification_read_all(*, actor, kind=None):
    """Mark all the actor's unread notifications (of ``kind``) read; returns how many."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if kind:
        unread = unread.filter(kind=kind)
    return unread.update(read_at=timezone.now())


# ---- preferences ---------------------------------------------------------------------------


def _clean_channels(value, errors):
    if not isinstance(value, list | tuple | set) or any(not isinstance(c, str) for c in value):
        errors.setdefault("channels", []).append(_("必须是通知方式的列表。"))
        return []
    wrong = sorted({c for c in value if c not in kinds.CHANNELS})
    if wrong:
        errors.setdefault("channels", []).append(
            _("“%(code)s”不是有效的通知方式。") % {"code": "、".join(wrong)}
        )
    return [c for c in kinds.CHANNELS if c in set(value) and c != kinds.APP]


@transaction.atomic
def preference_set(*, actor, kind, channels):
    """The actor's channels for ``kind`` (the bell is always on; ``email`` and
    ``robot`` are chosen). Every employee may set their own."""
    errors: dict[str, list] = {}
    if not kinds.is_registered(kind):
        errors.setdefault("kind", []).append(_("“%(code)s”不是有效的提醒类型。") % {"code": kind})
    cleaned = _clean_channels(channels, errors)
    if errors:
        raise ValidationError(errors)
    NotificationPreference.objects.update_or_create(
        org_id=actor.org_id, employee=actor, kind=kind, defaults={"channels": cleaned}
    )
    return [kinds.APP, *cleaned]


@transaction.atomic
def preferences_set(*, actor, chosen):
    """Several kinds at once: ``{kind: [channels]}`` (the settings page)."""
    return {kind: preference_set(actor=actor, kind=kind, channels=c) for kind, c in chosen.items()}


# ---- robots --------------------------------------------------------------------------------

ROBOT_FIELDS = ("name", "platform", "webhook_url", "secret", "department", "kinds", "is_active")


def webhook_hint(url):
    """The webhook without its key: scheme, host and the last 4 characters."""
    parts = urllib.parse.urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}" if parts.netloc else ""


def _robot_snapshot(robot):
    data = audit.snapshot(robot, ("name", "platform", "department", "kinds", "is_active"))
    data["webhook"] = webhook_hint(robot.webhook_url)
    data["secret"] = "***" if robot.secret else ""
    return data


def _clean_robot(robot, fields, errors):
    if "name" in fields:
        robot.name = (fields["name"] or "").strip()
        if not robot.name:
            errors.setdefault("name", []).append(_("这个字段是必填项。"))
        elif len(robot.name) > 100:
            errors.setdefault("name", []).append(_("不能超过 %(n)d 字。") % {"n": 100})
    if "platform" in fields:
        if fields["platform"] not in Robot.Platform.values:
            errors.setdefault("platform", []).append(
                _("“%(code)s”不是有效的选项。") % {"code": fields["platform"]}
            )
        else:
            robot.platform = fields["platform"]
    if "webhook_url" in fields:
        url = (fields["webhook_url"] or "").strip()
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            errors.setdefault("webhook_url", []).append(
                _("请输入以 http:// 或 https:// 开头的 Webhook 地址。")
            )
        robot.webhook_url = url
    if "secret" in fields and fields["secret"] is not None:
        robot.secret = str(fields["secret"]).strip()
        if len(robot.secret) > 200:
            errors.setdefault("secret", []).append(_("不能超过 %(n)d 字。") % {"n": 200})
    if "department" in fields:
        department = fields["department"]
        if department is not None and not isinstance(department, Department):
            department = Department.objects.filter(pk=department).first()
            if department is None:
                errors.setdefault("department", []).append(_("引用的记录不属于本组织。"))
        if isinstance(department, Department) and department.org_id != robot.org_id:
            errors.setdefault("department", []).append(_("引用的记录不属于本组织。"))
        robot.department = department if isinstance(department, Department) else None
    if "kinds" in fields:
        value = fields["kinds"] or []
        if not isinstance(value, list | tuple) or any(not isinstance(k, str) for k in value):
            errors.setdefault("kinds", []).append(_("必须是提醒类型的列表。"))
        else:
            wrong = sorted({k for k in value if not kinds.is_registered(k)})
            if wrong:
                errors.setdefault("kinds", []).append(
                    _("“%(code)s”不是有效的提醒类型。") % {"code": "、".join(wrong)}
                )
            robot.kinds = list(dict.fromkeys(value))
    if "is_active" in fields and fields["is_active"] is not None:
        robot.is_active = bool(fields["is_active"])
    if errors:
        return
    if Robot.objects.filter(name=robot.name).exclude(pk=robot.pk).exists():
        errors.setdefault("name", []).append(_("已有同名的群机器人。"))


def _unknown(fields):
    unknown = sorted(set(fields) - set(ROBOT_FIELDS))
    if unknown:
        raise ValidationError({f: [_("未知字段。")] for f in unknown}, code="unknown_field")


@transaction.atomic
def robot_create(*, actor, **fields):
    """A group robot (who: admin or ``parameters.edit``). The webhook must be http(s)."""
    policy.require(actor, MANAGE)
    _unknown(fields)
    robot = Robot(org_id=actor.org_id, created_by=actor)
    errors: dict[str, list] = {}
    _clean_robot(
        robot,
        {"name": "", "platform": "", "webhook_url": "", **fields},
        errors,
    )
    if errors:
        raise ValidationError(errors)
    robot.save()
    audit.record_change(
        actor=actor, instance=robot, action=ChangeRecord.Action.CREATE, after=_robot_snapshot(robot)
    )
    return robot


@transaction.atomic
def robot_update(*, actor, robot, version=None, **fields):
    """Change a robot; ``version`` is the one the editor loaded (stale: 409). A blank or
    missing ``secret`` keeps the stored one (the secret is never shown again, so forms
    leave it blank); ``robot_clear_secret`` removes it."""
    policy.require(actor, MANAGE)
    _unknown(fields)
    if fields.get("secret") == "":
        fields.pop("secret")
    robot = lock_for_update(Robot, robot.pk, expected_version=version)
    before = _robot_snapshot(robot)
    errors: dict[str, list] = {}
    _clean_robot(robot, fields, errors)
    if errors:
        raise ValidationError(errors)
    audit.save_if_changed(actor=actor, instance=robot, before=before, after=_robot_snapshot(robot))
    return robot


@transaction.atomic
def robot_clear_secret(*, actor, robot):
    policy.require(actor, MANAGE)
    robot = lock_for_update(Robot, robot.pk)
    before = _robot_snapshot(robot)
    robot.secret = ""
    audit.save_if_changed(actor=actor, instance=robot, before=before, after=_robot_snapshot(robot))
    return robot


@transaction.atomic
def robot_delete(*, actor, robot):
    """Delete a robot with its delivery records."""
    policy.require(actor, MANAGE)
    robot = lock_for_update(Robot, robot.pk)
    audit.record_change(
        actor=actor,
        instance=robot,
        action=ChangeRecord.Action.DELETE,
        before=_robot_snapshot(robot),
    )
    robot.delete()


def robot_test(*, actor, robot):
    """Queue a test message to the robot (sent by the background job like any other)."""
    policy.require(actor, MANAGE)
    with transaction.atomic():
        delivery = Delivery.objects.create(
            org_id=robot.org_id,
            channel=Delivery.Channel.ROBOT,
            robot=robot,
            payload=channels.robot_payload(
                robot.platform,
                heading=_("测试"),
                title=_("来自关系 CRM 的测试消息"),
                names=[actor.name],
            ),
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue(robot.org_id, [delivery.pk]))
    return delivery


# ---- sending -------------------------------------------------------------------------------


def _claim(delivery_id, now):
    """Take a due pending delivery for this worker (an atomic conditional UPDATE, so two
    workers never send the same one); returns whether this worker got it."""
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, status=Delivery.Status.PENDING, next_attempt_at__lte=now
        ).update(next_attempt_at=now + CLAIM)
    )


def _send(delivery):
    if delivery.channel == Delivery.Channel.EMAIL:
        payload = delivery.payload
        try:
            send_mail(
                payload.get("subject", ""),
                payload.get("text", ""),
                None,
                [delivery.address],
                fail_silently=False,
            )
        except Exception as exc:  # SMTP errors come in many classes
            raise channels.SendError(f"{type(exc).__name__}: {exc}"[:500]) from exc
        return
    robot = delivery.robot
    if robot is None or not robot.is_active:
        raise channels.SendError(_("群机器人已停用或已删除"))
    channels.robot_post(robot.platform, robot.webhook_url, delivery.payload, robot.secret)


def delivery_attempt(*, delivery):
    """Send one claimed delivery and record the attempt: sent; or, after a failure,
    pending again after the next back-off wait (counted from the attempt's end); or
    failed after the last attempt."""
    error = ""
    try:
        _send(delivery)
    except channels.SendError as exc:
        error = str(exc)
    now = timezone.now()
    delivery.attempts += 1
    entry = {"at": now.isoformat(), "ok": not error}
    if error:
        entry["error"] = error
    delivery.log = [*(delivery.log or []), entry]
    if not error:
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = now
        delivery.next_attempt_at = None
        delivery.last_error = ""
    else:
        delivery.last_error = error
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = Delivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            wait = BACKOFF_MINUTES[delivery.attempts - 1]
            delivery.next_attempt_at = now + datetime.timedelta(minutes=wait)
    delivery.save(
        update_fields=[
            "attempts",
            "log",
            "status",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "updated_at",
        ]
    )
    return delivery


def deliveries_purge(*, org, keep_days=KEEP_DAYS, now=None):
    """Delete ``org``'s finished deliveries (sent, failed, skipped) older than
    ``keep_days``; pending ones stay. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=keep_days)
    with org_scope(org):
        finished = Delivery.objects.filter(created_at__lt=cutoff).exclude(
            status=Delivery.Status.PENDING
        )
        return finished.delete()[0]


def deliveries_send(*, org, ids=None, now=None, limit=SEND_BATCH):
    """Send ``org``'s due pending deliveries (only ``ids`` when given); each is claimed
    first, so parallel workers share the work. Returns ``{"sent": n, "failed": n}``
    (failed: attempts that failed this time)."""
    now = now or timezone.now()
    result = {"sent": 0, "failed": 0}
    with org_scope(org):
        due = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        for pk in list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit]):
            if not _claim(pk, now):
                continue
            delivery = Delivery.objects.select_related("robot").get(pk=pk)
            delivery = delivery_attempt(delivery=delivery)
            result["sent" if delivery.status == Delivery.Status.SENT else "failed"] += 1
    return result
