"""API authentication. The tenant middleware already resolved the principal;
these classes only tell DRF what it found."""

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        django_request = request._request
        if not getattr(django_request, "auth_token_used", False):
            return None
        user = django_request.user
        if not getattr(user, "is_authenticated", False):
            raise AuthenticationFailed(_("API 密钥无效、已过期或已被吊销。"))
        return (user, "bearer")

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "guanxi.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
