"""View helpers shared by every app's HTML screens."""

import hashlib
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import etag, require_GET

from guanxi.core import regions
from guanxi.core.errors import BusinessRuleError


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


def refusal_text(exc):
    """What a screen tells the user when a service refused (a ``ValidationError``,
    ``BusinessRuleError`` or ``PermissionDenied``): its messages on one line."""
    if isinstance(exc, ValidationError):
        return " ".join(str(message) for message in exc.messages)
    if isinstance(exc, BusinessRuleError):
        return str(exc.message)
    return str(exc) or _("您没有执行此操作的权限。")


def redirect_back(request, default):
    """Back to the page the form came from (its ``next`` field, a path of this site), or
    to the URL named ``default``."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


@employee_required
@require_GET
@etag(lambda request: regions_etag())
def regions_json(request):
    """The division tree for the region pickers (the same for everyone; cached a day)."""
    response = HttpResponse(regions.as_json(), content_type="application/json")
    patch_cache_control(response, private=True, max_age=86400)
    return response


def regions_etag():
    return hashlib.blake2b(regions.as_json(), digest_size=8).hexdigest()
