"""Every write to follow-up records (跟进记录) and customer files (附件).

A follow-up belongs to one target record (a customer, a contact, or any type registered
in ``targets``). It needs the "activities" permission for the action, the target visible
to the actor, and for edits and deletions the record in the actor's activities data
scope. When the target is a customer or a contact, the follow-up also names the customer
(and the contact), and after every write the customer's "最近跟进" and "下次跟进" are
recomputed from its live follow-ups. Files follow their customer: seeing the customer
shows them, editing the customer allows uploading, renaming and deleting them.
"""

import datetime
import logging
import mimetypes
import re
import unicodedata
import weakref

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.audit import services as audit
from guanxi.audit.models import ChangeRecord
from guanxi.core.versioning import bump_version, lock_for_update
from guanxi.customers import services as customer_services
from guanxi.customers.models import Contact, Customer
from guanxi.orgs import policy
from guanxi.orgs.models import Employee
from guanxi.workspace import targets
from guanxi.workspace.messages import mentions
from guanxi.workspace.models import Activity, Attachment

ACTIVITY_FIELDS = (
    "target_type", "target_id", "customer", "contact", "kind", "subject", "content",
    "occurred_at", "next_followup_on", "next_followup_note", "outcome", "participants",
    "participant_contacts", "owner", "department",
)  # fmt: skip
EDITABLE_FIELDS = frozenset(
    {"contact", "kind", "subject", "content", "occurred_at", "next_followup_on",
     "next_followup_note", "outcome", "participants", "participant_contacts"}
)  # fmt: skip
NULLABLE = frozenset({"contact", "next_followup_on", "occurred_at"})
MANY = ("participants", "participant_contacts")
MAX_PARTICIPANTS = 50
ATTACHMENT_FIELDS = ("customer", "original_name", "size", "content_type")
FUTURE_TOLERANCE = datetime.timedelta(days=1)
logger = logging.getLogger(__name__)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NAME_LENGTH = 200
ACTIVITY_SCOPE = {"owner": "owner", "department": "department"}
CUSTOMER_SCOPE = {"owner": "owner", "department": "department"}


def _add(errors, field, message):
    errors.setdefault(field, []).append(message)


def _raise(errors):
    if errors:
        raise ValidationError(errors)


def _visible_customer(actor, customer, field="customer"):
    """``customer`` must be a live customer of the actor's org that the actor may see."""
    if customer is None:
        raise ValidationError({field: [_("请选择客户。")]}, code="required")
    if customer.org_id != actor.org_id or customer.deleted_at is not None:
        raise ValidationError({field: [_("引用的记录不属于本组织。")]}, code="invalid")
    if not policy.can_see_record(actor, "customers", customer, **CUSTOMER_SCOPE):
        raise ValidationError({field: [_("您无权查看该客户。")]}, code="not_visible")


def _require_activity_visible(actor, activity):
    """404 unless the actor has the follow-up in their activities data scope and sees
    its target."""
    if not policy.can_see_record(actor, "activities", activity, **ACTIVITY_SCOPE):
        raise Http404
    target, _record, problem = targets.find(actor, activity.target_type, activity.target_id)
    if target is None or problem is not None:
        raise Http404


# ---- follow-up dates of the customer ------------------------------------------------------


def customer_followups(customer_id):
    """``(last_at, next_on)`` from the customer's live follow-ups (two queries)."""
    live = Activity.objects.filter(customer_id=customer_id)
    last_at = live.aggregate(last=Max("occurred_at"))["last"]
    next_on = live.filter(next_followup_on__gte=timezone.localdate()).aggregate(
        next=Min("next_followup_on")
    )["next"]
    return last_at, next_on


def refresh_followups(customer_ids):
    """Store each customer's newest follow-up time and next planned date."""
    for customer_id in sorted({pk for pk in customer_ids if pk is not None}):
        last_at, next_on = customer_followups(customer_id)
        customer_services.customer_set_followups(
            customer_id=customer_id, last_at=last_at, next_on=next_on
        )


# ---- the target ----------------------------------------------------------------------------


def _target_error(problem, key):
    if problem == "type":
        message = _("未知的关联记录类型“%(type)s”，可选：%(keys)s。") % {
            "type": key,
            "keys": "、".join(targets.keys()),
        }
        code = "invalid"
    elif problem == "missing":
        message, code = _("关联的记录不存在或不属于本组织。"), "does_not_exist"
    else:
        message, code = _("您无权查看关联的记录。"), "not_visible"
    return ValidationError({"target": [ValidationError(message, code=code)]}, code=code)


def resolve_target(actor, *, customer=None, contact=None, target=None):
    """``(target type, record, customer, contact)`` of a new follow-up.

    ``target`` is ``(key, id)`` (or None). Without it the follow-up is on ``customer``
    when given (``contact`` then being the person spoken to, one of its contacts), else
    on ``contact``. A customer or contact target fills ``customer`` and ``contact``;
    the ones given must agree with it."""
    if target is not None:
        key, pk = target
        kind, record, problem = targets.find(actor, key, pk)
        if problem is not None:
            raise _target_error(problem, key)
        assert kind is not None
        if kind.key == "customer":
            if customer is not None and customer.pk != record.pk:
                raise ValidationError({"customer": [_("客户与关联记录不一致。")]}, code="invalid")
            customer = record
        elif kind.key == "contact":
            if contact is not None and contact.pk != record.pk:
                raise ValidationError({"contact": [_("联系人与关联记录不一致。")]}, code="invalid")
            if customer is not None and customer.pk != record.customer_id:
                raise ValidationError({"customer": [_("客户与关联记录不一致。")]}, code="invalid")
            contact = record
            customer = Customer.objects.filter(pk=record.customer_id).first()
        else:
            customer_id = kind.customer(record)
            if customer is not None and customer.pk != customer_id:
                raise ValidationError({"customer": [_("客户与关联记录不一致。")]}, code="invalid")
            customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
        return kind, record, customer, contact
    if customer is not None:
        _visible_customer(actor, customer)
        return targets.get("customer"), customer, customer, contact
    if contact is not None:
        if contact.org_id != actor.org_id or contact.deleted_at is not None:
            raise ValidationError({"contact": [_("引用的记录不属于本组织。")]}, code="invalid")
        return resolve_target(actor, target=("contact", contact.pk))
    raise ValidationError(
        {"target": [_("请指定跟进的对象：客户、联系人或其他关联记录。")]}, code="required"
    )


# ---- validation ----------------------------------------------------------------------------


def _clean_activity(activity, errors):
    activity.subject = (activity.subject or "").strip()
    activity.content = (activity.content or "").strip()
    activity.next_followup_note = (activity.next_followup_note or "").strip()
    activity.outcome = (activity.outcome or "").strip()
    if not activity.content:
        _add(errors, "content", _("请填写跟进内容。"))
    if activity.kind not in Activity.Kind.values:
        _add(errors, "kind", _("“%(value)s”不是有效的跟进方式。") % {"value": activity.kind})
    occurred_at = activity.occurred_at
    if occurred_at is None:
        _add(errors, "occurred_at", _("请填写跟进时间。"))
    elif not isinstance(occurred_at, datetime.datetime):
        _add(errors, "occurred_at", _("跟进时间无效。"))
    else:
        if timezone.is_naive(occurred_at):
            activity.occurred_at = occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now() + FUTURE_TOLERANCE:
            _add(
                errors, "occurred_at", _("跟进时间不能晚于明天，计划中的跟进请填在“下次跟进日期”。")
            )
    next_on = activity.next_followup_on
    if next_on is not None:
        if not isinstance(next_on, datetime.date) or isinstance(next_on, datetime.datetime):
            _add(errors, "next_followup_on", _("下次跟进日期无效。"))
        elif isinstance(occurred_at, datetime.datetime) and next_on < timezone.localdate(
            occurred_at
        ):
            _add(errors, "next_followup_on", _("下次跟进日期不能早于本次跟进。"))
    contact = activity.contact
    if contact is not None and (
        contact.org_id != activity.org_id
        or contact.customer_id != activity.customer_id
        or contact.deleted_at is not None
    ):
        _add(errors, "contact", _("联系人必须是该客户的联系人。"))
    if len(activity.subject) > 200:
        _add(errors, "subject", _("主题不能超过 200 字。"))
    if len(activity.content) > 5000:
        _add(errors, "content", _("跟进内容不能超过 5000 字。"))
    if len(activity.next_followup_note) > 200:
        _add(errors, "next_followup_note", _("下次跟进事项不能超过 200 字。"))
    if len(activity.outcome) > 1000:
        _add(errors, "outcome", _("跟进结果不能超过 1000 字。"))


def _clean_participants(activity, many, errors, kept=frozenset()):
    """Participants: active employees of the org (or ones already taking part, ``kept``
    ids, who may have left since); people of the follow-up's customer."""
    cleaned: dict[str, list] = {}
    for field, value in many.items():
        items = list(dict.fromkeys(value or ()))
        if len(items) > MAX_PARTICIPANTS:
            _add(errors, field, _("参与人不能超过 %(n)s 个。") % {"n": MAX_PARTICIPANTS})
            continue
        cleaned[field] = items
    for employee in cleaned.get("participants", ()):
        if (
            not isinstance(employee, Employee)
            or employee.org_id != activity.org_id
            or not (employee.is_active or employee.pk in kept)
        ):
            _add(errors, "participants", _("参与人必须是本组织在职的员工。"))
            break
    for contact in cleaned.get("participant_contacts", ()):
        if (
            not isinstance(contact, Contact)
            or contact.org_id != activity.org_id
            or contact.deleted_at is not None
            or activity.customer_id is None
            or contact.customer_id != activity.customer_id
        ):
            _add(errors, "participant_contacts", _("客户方参与人必须是该客户的联系人。"))
            break
    return cleaned


def _unknown(fields, allowed):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown}, code="readonly")


def _assign(activity, fields):
    many = {}
    for field, value in fields.items():
        if field in MANY:
            many[field] = value
            continue
        if value is None and field not in NULLABLE:
            value = ""
        setattr(activity, field, value)
    return many


# ---- follow-ups ----------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, actor, content, customer=None, target=None, **fields):
    """Record a follow-up done by the actor (the owner; the department is the actor's
    department now) on a record: ``target=(key, id)``, or ``customer`` (with ``contact``,
    the person spoken to, optional), or a ``contact`` alone. ``occurred_at`` defaults to
    now and may not be later than tomorrow; ``next_followup_on`` plans the next one.
    Locks the customer row (when there is one) to serialise its follow-up dates.
    Colleagues @mentioned in the content are notified (see ``messages.mentions``)."""
    policy.require(actor, "activities.create")
    _unknown(fields, EDITABLE_FIELDS)
    kind, record, customer, contact = resolve_target(
        actor, customer=customer, contact=fields.pop("contact", None), target=target
    )
    if customer is not None:
        Customer.objects.select_for_update().filter(pk=customer.pk).first()
    activity = Activity(
        org_id=actor.org_id,
        target_type=kind.key,
        target_id=record.pk,
        customer=customer,
        contact=contact,
        content=content,
        owner=actor,
        department_id=actor.department_id,
        created_by=actor,
    )
    many = _assign(activity, fields)
    if activity.occurred_at is None:
        activity.occurred_at = timezone.now()
    errors: dict[str, list] = {}
    _clean_activity(activity, errors)
    many = _clean_participants(activity, many, errors)
    _raise(errors)
    activity.save()
    for field, items in many.items():
        getattr(activity, field).set(items)
    mentions.activity_mentions_sync(actor=actor, activity=activity)
    refresh_followups([activity.customer_id])
    targets.changed(activity.target_type, [activity.target_id])
    audit.record_change(
        actor=actor,
        instance=activity,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


@transaction.atomic
def activity_update(*, actor, activity, version=None, **fields):
    """Edit a follow-up in the actor's data scope. ``version`` is the version the editor
    loaded (a stale one is refused). The target, the customer and the owner do not
    change; on a contact's follow-up the contact stays too."""
    policy.require(actor, "activities.edit")
    _unknown(fields, EDITABLE_FIELDS)
    activity = lock_for_update(Activity, activity.pk, expected_version=version)
    _require_activity_visible(actor, activity)
    if activity.customer_id is not None:
        Customer.objects.select_for_update().filter(pk=activity.customer_id).first()
    if (
        activity.target_type == "contact"
        and "contact" in fields
        and getattr(fields["contact"], "pk", None) != activity.contact_id
    ):
        raise ValidationError({"contact": [_("该字段不能修改。")]}, code="readonly")
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    kept = frozenset(item["id"] for item in before["participants"])
    many = _assign(activity, fields)
    errors: dict[str, list] = {}
    _clean_activity(activity, errors)
    many = _clean_participants(activity, many, errors, kept)
    _raise(errors)
    bump_version(activity)
    activity.save()
    for field, items in many.items():
        getattr(activity, field).set(items)
    activity.refresh_from_db()
    mentions.activity_mentions_sync(actor=actor, activity=activity)
    refresh_followups([activity.customer_id])
    targets.changed(activity.target_type, [activity.target_id])
    audit.record_change(
        actor=actor,
        instance=activity,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


@transaction.atomic
def activity_delete(*, actor, activity):
    """Move a follow-up to the recycle bin; the customer's follow-up dates are recomputed."""
    policy.require(actor, "activities.delete")
    activity = lock_for_update(Activity, activity.pk)
    _require_activity_visible(actor, activity)
    if activity.customer_id is not None:
        Customer.objects.select_for_update().filter(pk=activity.customer_id).first()
    Activity.with_deleted.filter(pk=activity.pk).update(deleted_at=timezone.now())
    refresh_followups([activity.customer_id])
    targets.changed(activity.target_type, [activity.target_id])
    audit.record_change(
        actor=actor,
        instance=activity,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(activity, ACTIVITY_FIELDS),
    )


# ---- files ---------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def clean_file_name(name):
    """A harmless display name: no directories, control or reserved characters, no leading
    dots or trailing dots/spaces, at most 200 characters (the extension is kept)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".").rstrip(". ")
    if not name:
        return _("未命名文件")
    if len(name) > NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 20 and stem:
            name = stem[: NAME_LENGTH - len(ext) - 1] + "." + ext
        else:
            name = name[:NAME_LENGTH]
    return name


def _size_text(size):
    return f"{size / 1024 / 1024:.0f} MB"


def _check_upload(upload, errors):
    if upload is None:
        _add(errors, "file", _("请选择要上传的文件。"))
        return
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        _add(errors, "file", _("文件是空的。"))
    elif size > MAX_UPLOAD_BYTES:
        _add(
            errors,
            "file",
            _("文件不能超过 %(limit)s（该文件 %(size)s）。")
            % {"limit": _size_text(MAX_UPLOAD_BYTES), "size": _size_text(size)},
        )


def _remove_if_not_committed(storage, name, state):
    if state["committed"]:
        return
    try:
        storage.delete(name)
    except Exception:  # a leftover file is better than a failed request
        logger.exception("Could not remove the stored file %s of a rolled back upload", name)


def remove_unless_committed(storage, name, using=None):
    """Delete the stored file ``name`` again unless the current transaction commits.

    A file reaches the storage before the row that names it is committed; if the
    transaction then rolls back (this service's own or any outer one, or a savepoint
    around it), the file must not stay behind. Django forgets the ``on_commit``
    callbacks of a rolled back transaction or savepoint; the callback registered here
    marks the file as kept when it runs, and a finalizer on it removes the file when
    it is forgotten without having run. Outside a transaction nothing is pending."""
    if not transaction.get_connection(using).in_atomic_block:
        return
    state = {"committed": False}

    def committed():
        state["committed"] = True

    weakref.finalize(committed, _remove_if_not_committed, storage, name, state)
    transaction.on_commit(committed, using=using)


def _require_customer_edit(actor, customer):
    policy.require(actor, "customers.edit")
    _visible_customer(actor, customer)


@transaction.atomic
def attachment_upload(*, actor, customer, upload, name=None):
    """Store ``upload`` (at most 20 MB, not empty) as a file of ``customer``; needs the
    right to edit that customer. The stored path is random; the sanitised original
    name is kept for display and download."""
    policy.require(actor, "customers.edit")
    errors: dict[str, list] = {}
    _check_upload(upload, errors)
    _raise(errors)
    _require_customer_edit(actor, customer)
    original = clean_file_name(name or getattr(upload, "name", ""))
    content_type = mimetypes.guess_type(original)[0] or "application/octet-stream"
    attachment = Attachment(
        org_id=actor.org_id,
        customer=customer,
        original_name=original,
        size=upload.size,
        content_type=content_type[:100],
        uploaded_by=actor,
    )
    attachment.file.save("upload", upload, save=False)
    remove_unless_committed(attachment.file.storage, attachment.file.name)
    attachment.save()
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.CREATE,
        after=audit.snapshot(attachment, ATTACHMENT_FIELDS),
    )
    return attachment


def _live_attachment(actor, attachment):
    attachment = Attachment.objects.select_for_update().filter(pk=attachment.pk).first()
    if attachment is None:
        raise Http404
    customer = Customer.objects.filter(pk=attachment.customer_id).first()
    if customer is None or not policy.can_see_record(
        actor, "customers", customer, **CUSTOMER_SCOPE
    ):
        raise Http404
    return attachment


@transaction.atomic
def attachment_rename(*, actor, attachment, name):
    """Change the display name of a file (sanitised like an upload's)."""
    policy.require(actor, "customers.edit")
    attachment = _live_attachment(actor, attachment)
    if not (name or "").strip():
        raise ValidationError({"name": [_("请填写文件名。")]}, code="required")
    before = audit.snapshot(attachment, ATTACHMENT_FIELDS)
    attachment.original_name = clean_file_name(name)
    attachment.content_type = (
        mimetypes.guess_type(attachment.original_name)[0] or "application/octet-stream"
    )[:100]
    attachment.save(update_fields=["original_name", "content_type", "updated_at"])
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.UPDATE,
        before=before,
        after=audit.snapshot(attachment, ATTACHMENT_FIELDS),
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor, attachment):
    """Move a file to the recycle bin (the stored file stays, so it can be restored;
    it is removed when the row itself is deleted, see ``models.Attachment``)."""
    policy.require(actor, "customers.edit")
    attachment = _live_attachment(actor, attachment)
    Attachment.with_deleted.filter(pk=attachment.pk).update(deleted_at=timezone.now())
    audit.record_change(
        actor=actor,
        instance=attachment,
        action=ChangeRecord.Action.DELETE,
        before=audit.snapshot(attachment, ATTACHMENT_FIELDS),
    )


# ---- customer merge ------------------------------------------------------------------------


def count_activities(customer_ids):
    return Activity.objects.filter(customer_id__in=list(customer_ids)).count()


def move_activities(from_ids, survivor, actor):
    """Merge: the follow-ups of ``from_ids`` (the recycle bin's too) go to ``survivor``;
    every customer's follow-up dates are recomputed. Returns the live ones moved."""
    ids = [pk for pk in from_ids if pk != survivor.pk]
    moved = Activity.objects.filter(customer_id__in=ids).count()
    # follow-ups on the customer itself now target the survivor
    Activity.with_deleted.filter(customer_id__in=ids, target_type="customer").update(
        customer_id=survivor.pk, target_id=survivor.pk
    )
    # the others (on a contact…) keep their target; the merge moves contacts itself
    Activity.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    refresh_followups([*ids, survivor.pk])
    return moved


def count_attachments(customer_ids):
    return Attachment.objects.filter(customer_id__in=list(customer_ids)).count()


def move_attachments(from_ids, survivor, actor):
    """Merge: the files of ``from_ids`` (the recycle bin's too) go to ``survivor``."""
    ids = [pk for pk in from_ids if pk != survivor.pk]
    moved = Attachment.objects.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    Attachment.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    return moved
