"""Tenant scoping: every org-owned query runs inside exactly one org's scope.

Org-owned models use an org-scoped manager (django-scopes): inside
``org_scope(org)`` every query is filtered to that org; outside any scope a
query raises ``ScopeError`` instead of returning every org's rows. The request
middleware opens the scope for the signed-in employee's org; jobs and commands
open it for the org they work on. ``all_orgs()`` is the one, greppable, way to
step outside (operator commands, migrations of data, tests).
"""

from contextlib import contextmanager

from django.db import models
from django_scopes import get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError
from django_scopes.manager import DisabledQuerySet

__all__ = [
    "DisabledQuerySet",
    "LiveManager",
    "OrgScopedManager",
    "ScopeError",
    "all_orgs",
    "current_org_id",
    "org_scope",
]


class OrgScopedManager(models.Manager):
    """The default manager of every org-owned model.

    Inside ``org_scope(org)`` it filters to that org; inside ``all_orgs()`` it
    filters nothing; anywhere else it returns a queryset that raises
    ``ScopeError`` as soon as it is used. (The same rule as django-scopes'
    ``ScopedManager(org="org")``, as a plain class so tools can see its type.)
    """

    def get_queryset(self):
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        if current.get("org") is None:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes=["org"])
        return super().get_queryset().filter(org=current["org"])

    def all(self):
        # Manager.all() returns get_queryset() as is: related managers answer from
        # the prefetch cache there, so no re-chaining here (it would drop the cache)
        queryset = super().all()
        if isinstance(queryset, DisabledQuerySet):
            queryset.error()
        return queryset


class LiveManager(OrgScopedManager):
    """Org-scoped, and only records not in the recycle bin: the default manager of a
    soft-deleted model (a ``deleted_at`` column); ``all_objects``-style plain managers
    reach the deleted ones."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if isinstance(queryset, DisabledQuerySet):  # no scope: it raises when used
            return queryset
        return queryset.filter(deleted_at__isnull=True)


@contextmanager
def org_scope(org):
    """Scope every org-owned query to ``org`` (an Organization or its id)."""
    org_id = getattr(org, "pk", org)
    if org_id is None:
        # django-scopes treats a None value as "no filter": never allow that.
        raise ScopeError("org_scope() needs an org")
    with scope(org=org_id):
        yield


def all_orgs():
    """Step outside tenant scoping (operator commands and cross-org jobs only)."""
    return scopes_disabled()


def current_org_id():
    return get_scope().get("org")
