"""Every write to follow-up records (跟进记录) and customer files (附件).

A follow-up needs the "activities" permission for the action, the record in the
actor's activities data scope (edit/delete) and the customer visible to the actor.
After every write the customer's "最近跟进" and "下次跟进" are recomputed from its
live follow-ups. Files follow their customer: seeing the customer shows them,
editing the customer allows uploading, renaming and deleting them.
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
from guanxi.customers.models import Customer
from guanxi.orgs import policy
from guanxi.workspace.models import Activity, Attachment

ACTIVITY_FIELDS = (
    "customer", "contact", "kind", "subject", "content", "occurred_at", "next_followup_on",
    "next_followup_note", "owner", "department",
)  # fmt: skip
EDITABLE_FIELDS = frozenset(
    {"contact", "kind", "subject", "content", "occurred_at", "next_followup_on",
     "next_followup_note"}
)  # fmt: skip
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
    """404 unless the actor sees both the follow-up (data scope) and its customer."""
    if not policy.can_see_record(actor, "activities", activity, **ACTIVITY_SCOPE):
        raise Http404
    customer = Customer.objects.filter(pk=activity.customer_id).first()
    if customer is None or not policy.can_see_record(
        actor, "customers", customer, **CUSTOMER_SCOPE
    ):
        raise Http404
    return customer


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
    for customer_id in sorted(set(customer_ids)):
        last_at, next_on = customer_followups(customer_id)
        customer_services.customer_set_followups(
            customer_id=customer_id, last_at=last_at, next_on=next_on
        )


# ---- validation ----------------------------------------------------------------------------


def _clean_activity(activity, errors):
    activity.subject = (activity.subject or "").strip()
    activity.content = (activity.content or "").strip()
    activity.next_followup_note = (activity.next_followup_note or "").strip()
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


def _unknown(fields, allowed):
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise ValidationError({f: [_("该字段不能修改。")] for f in unknown}, code="readonly")


# ---- follow-ups ----------------------------------------------------------------------------


@transaction.atomic
def activity_create(*, actor, customer, content, **fields):
    """Record a follow-up of ``customer`` done by the actor (the owner; the department is
    the actor's department now). ``occurred_at`` defaults to now and may not be later
    than tomorrow; ``next_followup_on`` plans the next one."""
    policy.require(actor, "activities.create")
    _unknown(fields, EDITABLE_FIELDS)
    _visible_customer(actor, customer)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()  # serialise recomputes
    activity = Activity(
        org_id=actor.org_id,
        customer=customer,
        content=content,
        owner=actor,
        department_id=actor.department_id,
        created_by=actor,
    )
    for field, value in fields.items():
        if value is None and field not in ("contact", "next_followup_on", "occurred_at"):
            value = ""
        setattr(activity, field, value)
    if activity.occurred_at is None:
        activity.occurred_at = timezone.now()
    errors: dict[str, list] = {}
    _clean_activity(activity, errors)
    _raise(errors)
    activity.save()
    refresh_followups([customer.pk])
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
    loaded (a stale one is refused). The customer and the owner do not change."""
    policy.require(actor, "activities.edit")
    _unknown(fields, EDITABLE_FIELDS)
    activity = lock_for_update(Activity, activity.pk, expected_version=version)
    _require_activity_visible(actor, activity)
    Customer.objects.select_for_update().filter(pk=activity.customer_id).first()
    before = audit.snapshot(activity, ACTIVITY_FIELDS)
    for field, value in fields.items():
        if value is None and field not in ("contact", "next_followup_on", "occurred_at"):
            value = ""
        setattr(activity, field, value)
    errors: dict[str, list] = {}
    _clean_activity(activity, errors)
    _raise(errors)
    bump_version(activity)
    activity.save()
    activity.refresh_from_db()
    refresh_followups([activity.customer_id])
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
    Customer.objects.select_for_update().filter(pk=activity.customer_id).first()
    Activity.with_deleted.filter(pk=activity.pk).update(deleted_at=timezone.now())
    refresh_followups([activity.customer_id])
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
    moved = Activity.objects.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    Activity.with_deleted.filter(customer_id__in=ids).update(customer_id=survivor.pk)
    # a contact stays with its own customer; the merge moves contacts itself
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
