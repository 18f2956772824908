"""Requests read in the signed-in user's saved language.

Order of precedence: the language cookie (an explicit switch in this browser, which is
also saved on the user), then the user's saved language, then the browser's
``Accept-Language`` (``LocaleMiddleware``). Goes after ``guanxi.orgs.middleware.
TenantMiddleware``, which resolves the employee (with its user) of a session or a bearer
token without another query.
"""

from django.conf import settings
from django.utils import translation

from guanxi.accounts.services import supported_language


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
            employee = getattr(request, "employee", None)
            user = getattr(employee, "user", None)
            language = supported_language(getattr(user, "language", ""))
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
