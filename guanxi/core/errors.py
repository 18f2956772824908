"""Domain errors raised by services; views and the API translate them.

* ``django.core.exceptions.ValidationError``: bad input (400, field errors).
* ``BusinessRuleError``: input is well-formed but a rule forbids it (422).
* ``StaleVersion``: someone else saved the record first (409).
* ``django.core.exceptions.PermissionDenied``: not allowed (403).
* ``django.http.Http404``: not found, or not visible to this employee (404).
"""

from django.utils.translation import gettext_lazy as _


class BusinessRuleError(Exception):
    status_code = 422
    default_code = "business_rule"

    def __init__(self, message, *, code=None):
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code


class StaleVersion(BusinessRuleError):
    status_code = 409
    default_code = "stale_version"

    def __init__(self, message=None, *, code=None):
        super().__init__(message or _("该记录已被他人修改，请刷新后重新编辑。"), code=code)
