"""Base viewset for every org-owned resource.

The request's org scope is already open (tenant middleware), so querysets are
tenant-filtered by construction. A viewset names its permission ``module``;
``ModulePermission`` maps each action to ``<module>.<action>`` through
``orgs.policy``. Writes go through services (``perform_*``), never
``serializer.save()`` on a model directly.
"""

import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from guanxi.api.models import IdempotencyRecord
from guanxi.api.permissions import IsEmployee
from guanxi.orgs import policy

ACTION_CAPABILITY = {
    "list": "view",
    "retrieve": "view",
    "create": "create",
    "update": "edit",
    "partial_update": "edit",
    "destroy": "delete",
}


class ModulePermission(BasePermission):
    def has_permission(self, request, view):
        action = ACTION_CAPABILITY.get(view.action) or getattr(view, "extra_capabilities", {}).get(
            view.action
        )
        if action is None:
            return True
        employee = request._request.employee
        if policy.can(employee, f"{view.module}.{action}"):
            return True
        self.message = _("您没有执行此操作的权限：%(perm)s") % {
            "perm": policy.perms.label(f"{view.module}.{action}")
        }
        return False


class IdempotencyConflict(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "Idempotency-Key reused with a different request."


class OrgViewSet(viewsets.ModelViewSet):
    module: str = ""
    permission_classes = [IsEmployee, ModulePermission]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    @property
    def employee(self):
        return self.request._request.employee

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request org
            return self.get_serializer_class().Meta.model.objects.none()
        return self.scoped_queryset()

    def scoped_queryset(self):
        """The records this employee may see: subclasses return a selector's queryset."""
        raise NotImplementedError

    def create(self, request, *args, **kwargs):
        return idempotent_answer(
            request, self.employee, lambda: super(OrgViewSet, self).create(request, *args, **kwargs)
        )


def idempotent_answer(request, employee, answer):
    """``answer()`` (a Response) once per ``Idempotency-Key`` header of ``employee``: a
    retried POST (a phone losing its connection) gets the first answer again, marked
    ``Idempotent-Replayed``, instead of doing the work twice; the same key on a different
    request is a 422. Without the header ``answer()`` simply runs."""
    key = request.headers.get("Idempotency-Key", "").strip()[:100]
    if not key:
        return answer()
    digest = hashlib.sha256(
        json.dumps(request.data, sort_keys=True, default=str).encode()
    ).hexdigest()

    def replay():
        previous = IdempotencyRecord.objects.filter(employee=employee, key=key).first()
        if previous is None:
            return None
        if previous.request_hash != digest or previous.path != request.path:
            raise IdempotencyConflict(_("该 Idempotency-Key 已用于另一个不同的请求。"))
        return Response(
            previous.body, status=previous.status_code, headers={"Idempotent-Replayed": "true"}
        )

    replayed = replay()
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            response = answer()
            if status.is_success(response.status_code):
                IdempotencyRecord.objects.create(
                    org_id=employee.org_id,
                    employee=employee,
                    key=key,
                    path=request.path,
                    request_hash=digest,
                    status_code=response.status_code,
                    body=response.data,
                )
    except IntegrityError:
        # a concurrent request with the same key won: replay its answer
        replayed = replay()
        if replayed is None:
            raise
        return replayed
    return response
