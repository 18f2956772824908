"""Sign-in for API clients and "who am I"."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from guanxi.accounts import services as accounts
from guanxi.api.permissions import IsEmployee
from guanxi.orgs import services as employees
from guanxi.orgs.api.views import employee_summary


class TokenRequestSerializer(serializers.Serializer):
    org = serializers.CharField(required=False, allow_blank=True, max_length=40)
    username = serializers.CharField(max_length=60)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})
    otp = serializers.CharField(required=False, allow_blank=True, max_length=10)
    name = serializers.CharField(required=False, max_length=100)


class MeUpdateSerializer(serializers.Serializer):
    language = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=10,
        help_text='one of the installation\'s language codes ("zh-hans", "en"); "": its default',
    )
    service_status = serializers.ChoiceField(
        choices=["online", "busy", "offline"],
        required=False,
        help_text="your availability for ticket routing",
    )


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Exchange org code + username + password (+ TOTP code) for a bearer token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={201: inline_serializer("TokenResponse", {"token": serializers.CharField()})},
        auth=[],
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            user = accounts.authenticate(
                org_code=values.get("org", ""),
                username=values["username"],
                password=values["password"],
                otp=values.get("otp"),
                channel="api",
                ip=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except accounts.LoginFailed as exc:
            return Response(
                {"detail": exc.message, "code": exc.code, "fields": {}},
                status=status.HTTP_401_UNAUTHORIZED,
                headers={"WWW-Authenticate": 'Bearer realm="api"'},
            )
        if not hasattr(user, "employee") or not user.employee.is_active:
            return Response(
                {"detail": _("组织代码、用户名或密码错误。"), "code": "invalid", "fields": {}},
                status=status.HTTP_401_UNAUTHORIZED,
            )
        _token, raw = accounts.token_issue(user=user, name=values.get("name") or "api")
        return Response({"token": raw}, status=status.HTTP_201_CREATED)


ME = inline_serializer(
    "Me",
    {
        "id": serializers.IntegerField(),
        "username": serializers.CharField(),
        "name": serializers.CharField(),
        "org": serializers.DictField(),
        "department": serializers.DictField(),
        "roles": serializers.ListField(),
        "permissions": serializers.ListField(child=serializers.CharField()),
        "data_scopes": serializers.DictField(),
        "is_admin": serializers.BooleanField(),
        "two_factor": serializers.BooleanField(),
        "language": serializers.CharField(help_text='"": the installation\'s default'),
        "service_status": serializers.CharField(help_text="online, busy or offline"),
    },
)


class MeView(APIView):
    """The signed-in employee, org, department, roles and effective permissions."""

    permission_classes = [IsEmployee]

    @extend_schema(responses=ME)
    def get(self, request):
        return Response(self._me(request))

    @extend_schema(request=MeUpdateSerializer, responses=ME)
    def patch(self, request):
        """Change your own settings: ``language`` (one of the installation's languages, or
        "" for its default), which the product and your notifications are written in."""
        data = MeUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "language" in data.validated_data:
            accounts.user_set_language(
                user=request._request.employee.user, language=data.validated_data["language"]
            )
        if "service_status" in data.validated_data:
            employee = request._request.employee
            employees.employee_set_service_status(
                actor=employee,
                employee=employee,
                service_status=data.validated_data["service_status"],
            )
        return Response(self._me(request))

    @staticmethod
    def _me(request):
        employee = request._request.employee
        return {**employee_summary(employee), "language": employee.user.language}
