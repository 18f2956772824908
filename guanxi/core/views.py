"""View helpers shared by every app's HTML screens."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def employee_required(view):
    """Signed in as an active employee of an active org.

    The tenant middleware found the employee and opened the org scope; a
    signed-in user with no active employee (left the company, portal user) is
    refused with 403.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if getattr(request, "employee", None) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
