"""Bind each request to its principal and open the org scope around the view.

A session user or an ``Authorization: Bearer`` token resolves to an employee;
the request then carries ``request.employee`` and ``request.org`` and every
org-owned query in the view is scoped to that org. A request with no employee
gets no scope, so any org-owned query it makes raises instead of leaking.
"""

from django.contrib.auth.models import AnonymousUser

from guanxi.accounts import services as accounts
from guanxi.core.tenancy import org_scope
from guanxi.orgs.models import Employee


def _bearer(request):
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = _bearer(request)
        request.auth_token_used = raw is not None
        if raw is not None:
            request.user = accounts.token_user(raw) or AnonymousUser()
        user = request.user
        employee = None
        if getattr(user, "is_authenticated", False) and user.kind == user.Kind.EMPLOYEE:
            employee = (
                Employee._base_manager.select_related("org", "department", "user")
                .filter(user_id=user.pk, status=Employee.Status.ACTIVE, org__is_active=True)
                .first()
            )
        request.employee = employee
        request.org = employee.org if employee else None
        if employee is None:
            return self.get_response(request)
        with org_scope(employee.org_id):
            return self.get_response(request)
