"""Tenant scoping: every org-owned query runs inside exactly one org's scope.

Org-owned models use an org-scoped manager (django-scopes): inside
``org_scope(org)`` every query is filtered to that org; outside any scope a
query raises ``ScopeError`` instead of returning every org's rows. The request
middleware opens the scope for the signed-in employee's org; jobs and commands
open it for the org they work on. ``all_orgs()`` is the one, greppable, way to
step outside (operator commands, migrations of data, tests).
"""

from contextlib import contextmanager

from django_scopes import get_scope, scope, scopes_disabled
from django_scopes.exceptions import ScopeError

__all__ = ["ScopeError", "all_orgs", "current_org_id", "org_scope"]


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
