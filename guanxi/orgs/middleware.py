"""Bind each request to its principal and open the org scope around the view.

A session user or an ``Authorization: Bearer`` token resolves to an employee;
the request then carries ``request.employee`` and ``request.org`` and every
org-owned query in the view is scoped to that org. A request with no employee
gets no scope, so any org-owned query it makes raises instead of leaking.

The employee comes with its org, department, user and roles in one query (one
row per role), and the roles go to ``policy`` so that the permission checks of
the request cost nothing more. A signed-in session is resolved by that same
query when it is the ordinary case (our backend, the session's hash matches the
user's): Django's own resolution then never runs, saving the user query. Any
other case (no roles, an old or wrong hash, another backend) goes the usual way.
"""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject, empty

from guanxi.accounts import services as accounts
from guanxi.accounts.backends import OrgUsernameBackend
from guanxi.accounts.models import User
from guanxi.core.tenancy import org_scope
from guanxi.orgs import policy
from guanxi.orgs.models import Employee

SESSION_BACKEND = f"{OrgUsernameBackend.__module__}.{OrgUsernameBackend.__qualname__}"


def _bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def employee_with_roles(user_id):
    """The active employee of user ``user_id`` (active org), with its org, department,
    user and roles, in one query; None when there is none or it holds no role."""
    links = list(
        Employee.roles.through.objects.filter(
            employee__user_id=user_id,
            employee__status=Employee.Status.ACTIVE,
            employee__org__is_active=True,
            role__org_id=F("employee__org_id"),
        )
        .select_related("employee__org", "employee__department", "employee__user", "role")
        .order_by("role__name", "role_id")
    )
    if not links:
        return None
    employee = links[0].employee
    policy.prime(employee, [link.role for link in links])
    return employee


def _employee_of(user, *, roleless=None):
    """The active employee of ``user``; ``roleless``: a user id already known to have
    no employee with a role (``employee_with_roles`` found none)."""
    if not getattr(user, "is_authenticated", False) or user.kind != user.Kind.EMPLOYEE:
        return None
    if user.pk != roleless:
        employee = employee_with_roles(user.pk)
        if employee is not None:
            return employee
    employee = (
        Employee._base_manager.select_related("org", "department", "user")
        .filter(user_id=user.pk, status=Employee.Status.ACTIVE, org__is_active=True)
        .first()
    )
    if employee is not None:
        policy.prime(employee, [])  # the query above found no role in its org
    return employee


def _unresolved(user):
    """Is ``user`` Django's lazy session user, not looked up yet?"""
    return isinstance(user, SimpleLazyObject) and user._wrapped is empty


def _session_employee(request):
    """``(employee, user id)``: the employee of a signed-in session, user included, in one
    query, or None (and the user id looked up without finding an employee with a role)
    to let Django resolve the session its usual way."""
    session = request.session
    try:
        user_id = User._meta.pk.to_python(session[SESSION_KEY])
        backend = session[BACKEND_SESSION_KEY]
        session_hash = session[HASH_SESSION_KEY]
    except (KeyError, ValidationError):
        return None, None
    if backend != SESSION_BACKEND or backend not in settings.AUTHENTICATION_BACKENDS:
        return None, None
    employee = employee_with_roles(user_id)
    if employee is None:
        return None, user_id
    user = employee.user
    # what Django's get_user() accepts with the current secret; anything else (e.g. a
    # hash made with a rotated-out secret) is left to it
    if not (
        user.is_active
        and user.kind == user.Kind.EMPLOYEE
        and session_hash
        and constant_time_compare(session_hash, user.get_session_auth_hash())
    ):
        policy.forget(employee)
        return None, None
    return employee, None


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = _bearer(request)
        request.auth_token_used = raw is not None
        employee = roleless = None
        if raw is not None:
            request.user = accounts.token_user(raw) or AnonymousUser()
        elif _unresolved(getattr(request, "user", None)):
            employee, roleless = _session_employee(request)
            if employee is not None:
                request.user = employee.user
        if employee is None:
            employee = _employee_of(request.user, roleless=roleless)
        request.employee = employee
        request.org = employee.org if employee else None
        if employee is None:
            return self.get_response(request)
        with org_scope(employee.org_id):
            return self.get_response(request)
