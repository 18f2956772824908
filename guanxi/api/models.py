from django.db import models

from guanxi.core.models import OrgOwned


class IdempotencyRecord(OrgOwned):
    """The response to a POST sent with an ``Idempotency-Key``, kept to replay it."""

    employee = models.ForeignKey("orgs.Employee", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    path = models.CharField(max_length=300)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["org", "employee", "key"], name="idempotency_unique"),
        ]
