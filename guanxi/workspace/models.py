"""Follow-up records (跟进记录) of any registered record, and files (附件) of customers."""

import uuid
from typing import Any, ClassVar

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned, Versioned
from guanxi.core.tenancy import LiveManager, OrgScopedManager


class Activity(OrgOwned, Versioned):
    """One contact with a customer: a call, a visit, a meeting, an e-mail or a note.

    It belongs to one record, its target (``target_type``, a key of ``targets``, and
    ``target_id``): a customer, a contact, or any record type registered later (lead,
    opportunity, ticket…). ``customer`` (and ``contact``) are filled whenever the target
    is a customer or a contact, so the customer's timeline reads one indexed column.
    Seeing the target shows the follow-up; ``owner`` (who did it) and ``department``
    (their department at the time) decide who may change it (data scope of the
    "activities" module).
    """

    class Kind(models.TextChoices):
        CALL = "call", pgettext_lazy("activity kind", "电话")
        VISIT = "visit", pgettext_lazy("activity kind", "拜访")
        MEETING = "meeting", pgettext_lazy("activity kind", "会议")
        EMAIL = "email", pgettext_lazy("activity kind", "邮件")
        NOTE = "note", pgettext_lazy("activity kind", "备注")

    target_type = models.CharField(_("关联记录类型"), max_length=40)
    target_id = models.PositiveBigIntegerField(_("关联记录"))
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("客户"),
    )
    contact = models.ForeignKey(
        "customers.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("联系人"),
    )
    kind = models.CharField(_("跟进方式"), max_length=20, choices=Kind.choices, default=Kind.CALL)
    subject = models.CharField(_("主题"), max_length=200, blank=True)
    content = models.TextField(_("跟进内容"), max_length=5000)
    occurred_at = models.DateTimeField(_("跟进时间"), default=timezone.now)
    next_followup_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    next_followup_note = models.CharField(_("下次跟进事项"), max_length=200, blank=True)
    outcome = models.TextField(_("跟进结果"), max_length=1000, blank=True)
    participants = models.ManyToManyField(
        "orgs.Employee", blank=True, related_name="+", verbose_name=_("参与人")
    )
    participant_contacts = models.ManyToManyField(
        "customers.Contact", blank=True, related_name="+", verbose_name=_("客户方参与人")
    )
    owner = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("跟进人"),
    )
    department = models.ForeignKey(
        "orgs.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
        verbose_name=_("所属部门"),
    )
    created_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Activity]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Activity]"] = OrgScopedManager()

    # given by ``selectors.attach_targets`` to the rows of a list
    target_kind: Any
    target_record: Any
    target_link: str

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["org", "customer", "-occurred_at"], name="activity_org_customer"),
            models.Index(fields=["org", "owner", "-occurred_at"], name="activity_org_owner"),
            models.Index(fields=["org", "next_followup_on"], name="activity_org_next"),
            models.Index(
                fields=["org", "target_type", "target_id", "-occurred_at"],
                name="activity_org_target",
            ),
            models.Index(fields=["org", "contact", "-occurred_at"], name="activity_org_contact"),
            models.Index(
                fields=["org", "owner", "next_followup_on"], name="activity_org_owner_next"
            ),
        ]

    def __str__(self):
        return self.subject or self.content[:40]

    @property
    def icon(self):
        """The Bootstrap icon of the kind, for the timeline."""
        return KIND_ICONS.get(self.kind, "bi-chat-left-text")

    @property
    def is_superseded(self):
        """Whether a later live follow-up on the same target took over the planned next
        one (annotated by the selectors; else one query)."""
        known = getattr(self, "superseded", None)
        if known is not None:
            return bool(known)
        return (
            Activity.objects.filter(
                target_type=self.target_type,
                target_id=self.target_id,
                occurred_at__gt=self.occurred_at,
            )
            .exclude(pk=self.pk)
            .exists()
        )

    @property
    def followup_state(self):
        """``"overdue"``, ``"today"`` or ``"upcoming"`` while the planned next follow-up is
        open (no later follow-up on the target yet); else None."""
        if self.next_followup_on is None or self.is_superseded:
            return None
        today = timezone.localdate()
        if self.next_followup_on < today:
            return "overdue"
        return "today" if self.next_followup_on == today else "upcoming"

    @property
    def is_overdue(self):
        return self.followup_state == "overdue"

    def _people(self, annotation, field):
        rows = getattr(self, annotation, None)
        if rows is None and self.pk is not None and not hasattr(self, annotation):
            rows = [[p.pk, p.name] for p in getattr(self, field).all()]
        return sorted(((int(pk), name) for pk, name in rows or ()), key=lambda row: row[0])

    @property
    def participant_people(self):
        """``[(employee id, name)]`` of the participants, by id."""
        return self._people("participant_rows", "participants")

    @property
    def participant_ids(self):
        return [pk for pk, _name in self.participant_people]

    @property
    def participant_contact_ids(self):
        return [pk for pk, _name in self.participant_contact_people]

    @property
    def participant_contact_people(self):
        """``[(contact id, name)]`` of the customer's people who took part, by id."""
        return self._people("participant_contact_rows", "participant_contacts")


KIND_ICONS: dict[str, str] = {
    Activity.Kind.CALL: "bi-telephone",
    Activity.Kind.VISIT: "bi-geo-alt",
    Activity.Kind.MEETING: "bi-people",
    Activity.Kind.EMAIL: "bi-envelope",
    Activity.Kind.NOTE: "bi-journal-text",
}


def attachment_path(instance, filename):
    """``files/<org id>/<yyyy>/<mm>/<uuid>``: the user's file name never reaches the disk."""
    now = timezone.now()
    return f"files/{instance.org_id}/{now:%Y}/{now:%m}/{uuid.uuid4().hex}"


class Attachment(OrgOwned):
    """A file attached to a customer. Downloaded only through an authenticated view.

    Deleting a file in the app moves it to the recycle bin (``deleted_at``) and keeps
    the stored file. When the row itself is deleted (by hand, or with its customer),
    the stored file is removed once that deletion commits; a rolled back deletion
    keeps it."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("客户"),
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    content_type = models.CharField(_("文件类型"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(
        "orgs.Employee",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("上传人"),
    )
    deleted_at = models.DateTimeField(_("删除时间"), null=True, blank=True)

    objects: ClassVar["OrgScopedManager[Attachment]"] = LiveManager()
    with_deleted: ClassVar["OrgScopedManager[Attachment]"] = OrgScopedManager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["org", "customer", "-created_at"], name="attachment_org_customer"),
        ]

    def __str__(self):
        return self.original_name


@receiver(post_delete, sender=Attachment, dispatch_uid="attachment_file_after_delete")
def _remove_file_after_delete(sender, instance, using, **kwargs):
    """The stored file goes once the row's deletion commits (robust: an error of the
    storage is logged, the deletion stands)."""
    name = instance.file.name
    if not name:
        return
    storage = instance.file.storage

    def remove_stored_file():
        storage.delete(name)

    transaction.on_commit(remove_stored_file, using=using, robust=True)
