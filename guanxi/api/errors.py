"""One error shape for the whole API: ``{"detail", "code", "fields"}``.

400 validation, 401 not signed in, 403 not allowed, 404 missing or another
org's, 409 stale version, 422 business rule. Domain errors raised by services
(``ValidationError``, ``BusinessRuleError``, ``PermissionDenied``) map here so
viewsets never translate them by hand.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from guanxi.core.errors import BusinessRuleError


def _fields_of(detail):
    if isinstance(detail, dict):
        return {
            key: [str(m) for m in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {}


def django_validation_fields(exc):
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): [str(m) for m in v.messages]
            if hasattr(v, "messages")
            else [str(m) for err in v for m in err.messages]
            for k, v in exc.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    if isinstance(exc, BusinessRuleError):
        return Response(
            {"detail": str(exc.message), "code": exc.code, "fields": {}}, status=exc.status_code
        )
    if isinstance(exc, DjangoValidationError):
        fields = django_validation_fields(exc)
        first = next(iter(fields.values()))[0] if fields else _("输入有误。")
        return Response(
            {"detail": first, "code": "invalid", "fields": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("记录不存在。"))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    fields = {}
    code = getattr(exc, "default_code", "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = (
            _fields_of(detail)
            if isinstance(detail, dict)
            else {"non_field_errors": [str(m) for m in detail]}
        )
        first = next(iter(fields.values()))[0] if fields else _("输入有误。")
        message, code = first, "invalid"
    elif isinstance(detail, dict) and "detail" in detail:
        message = str(detail["detail"])
        code = getattr(detail["detail"], "code", code) or code
    else:
        message = str(detail)
    response.data = {"detail": message, "code": code, "fields": fields}
    return response
