from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsEmployee(BasePermission):
    """Signed in as an active employee of an active org. Finer checks live in
    ``orgs.policy`` and are made by the viewset / services."""

    message = _("需要以在职员工身份登录。")

    def has_permission(self, request, view):
        return getattr(request._request, "employee", None) is not None
