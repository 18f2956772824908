"""Abstract bases shared by every app. No concrete business models live here."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.tenancy import OrgScopedManager


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class OrgOwned(TimeStamped):
    """A record that belongs to exactly one org (tenant).

    ``objects`` only answers inside ``org_scope()``; see ``core.tenancy``.
    """

    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )

    objects = OrgScopedManager()

    class Meta:
        abstract = True


class Versioned(models.Model):
    """Optimistic locking: a save must name the version it was based on."""

    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        abstract = True
