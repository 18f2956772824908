"""Who changed what, who signed in, who exported what."""

from django.conf import settings
from django.db import models
from django.utils.translation import pgettext_lazy

from guanxi.core.models import OrgOwned


class ChangeRecord(OrgOwned):
    """One create/update/delete of a record, with the changed fields' old and new values."""

    class Action(models.TextChoices):
        CREATE = "create", pgettext_lazy("audit action", "新建")
        UPDATE = "update", pgettext_lazy("audit action", "修改")
        DELETE = "delete", pgettext_lazy("audit action", "删除")

    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    entity = models.CharField(max_length=60)
    object_id = models.CharField(max_length=40)
    object_repr = models.CharField(max_length=200)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["org", "entity", "object_id", "-created_at"], name="change_org_object"
            ),
            models.Index(fields=["org", "-created_at"], name="change_org_time"),
        ]


class LoginRecord(OrgOwned):
    """A sign-in attempt against an org, successful or not."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=60)
    success = models.BooleanField()
    reason = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10, default="web")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"], name="login_org_time")]


class ExportRecord(OrgOwned):
    """An export of records (PIPL: who took how many records of what, when)."""

    actor = models.ForeignKey(
        "orgs.Employee", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=100, blank=True)
    entity = models.CharField(max_length=60)
    row_count = models.PositiveIntegerField()
    file_format = models.CharField(max_length=10)
    filters = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "-created_at"], name="export_org_time")]
