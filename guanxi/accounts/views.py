"""Sign-in, sign-out, password, two-factor and API keys (the employee's own account)."""

import io
import time

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from guanxi.accounts import services
from guanxi.accounts.forms import (
    LanguageForm,
    LoginForm,
    OtpForm,
    PasswordChangeForm,
    PasswordConfirmForm,
    SignupForm,
    TokenCreateForm,
    TotpEnableForm,
)
from guanxi.core.forms import add_service_errors


def _client(request):
    return {
        "ip": request.META.get("REMOTE_ADDR"),
        "user_agent": request.headers.get("User-Agent", ""),
    }


PENDING_KEY = "guanxi_pending_login"
PENDING_SECONDS = 300


def _finish(request, user):
    if not hasattr(user, "employee") or not user.employee.is_active:
        return None
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend="guanxi.accounts.backends.OrgUsernameBackend")
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        target = settings.LOGIN_REDIRECT_URL
    return _with_language(request, user, redirect(target))


def _with_language(request, user, response):
    """Sign-in carries the user's language to this browser: their saved one becomes the
    language cookie; with none saved, the language picked on the sign-in page (the
    cookie) becomes their saved one, so notifications follow it too."""
    chosen = services.supported_language(request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME))
    saved = services.supported_language(user.language)
    if saved and saved != chosen:
        services.language_cookie(response, saved)
    elif not saved and chosen:
        services.user_set_language(user=user, language=chosen)
    return response


@require_POST
def set_language_view(request):
    """Django's ``set_language`` (the language switch: cookie and redirect back), and for a
    signed-in user also their saved language, which their notifications are written in."""
    response = set_language(request)
    language = services.supported_language(request.POST.get("language"))
    user = request.user
    if language and user.is_authenticated:
        services.user_set_language(user=user, language=language)
    return response


def login_view(request):
    """Org code (omitted on a one-org installation) + username + password, then
    the TOTP code when the account has two-factor on. Between the two steps
    only the user id is kept, in the server-side session, for five minutes."""
    if getattr(request, "employee", None) is not None:
        return redirect(settings.LOGIN_REDIRECT_URL)
    pending = request.session.get(PENDING_KEY)
    if pending and time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        pending = None
    if (
        request.method == "POST"
        and pending
        and "otp" in request.POST
        and "password" not in request.POST
    ):
        form = OtpForm(request.POST)
        if form.is_valid():
            try:
                user = services.authenticate_second_factor(
                    user_id=pending["user_id"], otp=form.cleaned_data["otp"], **_client(request)
                )
            except services.LoginFailed as exc:
                form.add_error("otp", exc.message)
                if exc.code != "otp_invalid":
                    request.session.pop(PENDING_KEY, None)
                    return _render_login(request, LoginForm(), error=exc.message)
            else:
                response = _finish(request, user)
                if response is not None:
                    return response
                return _render_login(request, LoginForm(), error=services.invalid_login().message)
        return render(request, "accounts/login_otp.html", {"form": form})

    form = LoginForm(request.POST or None, initial={"org": request.GET.get("org", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.authenticate(
                org_code=data["org"],
                username=data["username"],
                password=data["password"],
                **_client(request),
            )
        except services.LoginFailed as exc:
            if exc.code == "otp_required":
                request.session[PENDING_KEY] = {"user_id": exc.user_id, "at": time.time()}
                return render(request, "accounts/login_otp.html", {"form": OtpForm()})
            form.add_error(None, exc.message)
        else:
            response = _finish(request, user)
            if response is not None:
                return response
            form.add_error(None, services.invalid_login().message)
    return _render_login(request, form)


def _render_login(request, form, error=None):
    if error:
        form.add_error(None, error)
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "single_org": services.single_org_installation(),
            "next": request.GET.get("next", ""),
            "signup_enabled": settings.GUANXI_SIGNUP_ENABLED,
        },
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


def _qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return mark_safe(buffer.getvalue().decode())  # noqa: S308 - generated by qrcode from our URI


@login_required
def security_view(request):
    """Password, two-factor and API keys of the signed-in employee."""
    user = request.user
    if getattr(request, "employee", None) is None:
        raise Http404
    password_form = PasswordChangeForm(prefix="pw")
    totp_form = TotpEnableForm(prefix="totp")
    disable_form = PasswordConfirmForm(prefix="off")
    token_form = TokenCreateForm(prefix="tok")
    language_form = LanguageForm(prefix="lang", initial={"language": user.language})
    new_token = None
    action = request.POST.get("action")
    if request.method == "POST":
        try:
            if action == "password":
                password_form = PasswordChangeForm(request.POST, prefix="pw")
                if password_form.is_valid():
                    services.password_change(
                        user=user,
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password"],
                    )
                    login(request, user, backend="guanxi.accounts.backends.OrgUsernameBackend")
                    messages.success(request, _("密码已修改。"))
                    return redirect("accounts:security")
            elif action == "language":
                language_form = LanguageForm(request.POST, prefix="lang")
                if language_form.is_valid():
                    language = language_form.cleaned_data["language"]
                    services.user_set_language(user=user, language=language)
                    response = redirect("accounts:security")
                    if language:
                        translation.activate(language)
                        services.language_cookie(response, language)
                    else:
                        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
                    messages.success(request, _("语言已保存。"))
                    return response
            elif action == "totp_begin":
                services.totp_begin(user=user)
                return redirect("accounts:security")
            elif action == "totp_enable":
                totp_form = TotpEnableForm(request.POST, prefix="totp")
                if totp_form.is_valid():
                    services.totp_enable(user=user, code=totp_form.cleaned_data["code"])
                    messages.success(request, _("两步验证已开启。"))
                    return redirect("accounts:security")
            elif action == "totp_disable":
                disable_form = PasswordConfirmForm(request.POST, prefix="off")
                if disable_form.is_valid():
                    services.totp_disable(user=user, password=disable_form.cleaned_data["password"])
                    messages.success(request, _("两步验证已关闭。"))
                    return redirect("accounts:security")
            elif action == "token_create":
                token_form = TokenCreateForm(request.POST, prefix="tok")
                if token_form.is_valid():
                    _token, new_token = services.token_issue(
                        user=user, name=token_form.cleaned_data["name"]
                    )
                    token_form = TokenCreateForm(prefix="tok")
            elif action == "token_revoke":
                services.token_revoke(user=user, token_id=request.POST.get("token"))
                messages.success(request, _("密钥已吊销。"))
                return redirect("accounts:security")
        except ValidationError as exc:
            target = {
                "password": password_form,
                "totp_enable": totp_form,
                "totp_disable": disable_form,
                "token_create": token_form,
                "language": language_form,
            }.get(action)
            if target is not None:
                add_service_errors(target, exc)
            else:
                messages.error(request, " ".join(exc.messages))
    pending_uri = None
    if user.totp_secret and not user.totp_enabled:
        import pyotp

        pending_uri = pyotp.TOTP(user.totp_secret).provisioning_uri(
            name=f"{user.org.code}:{user.username}", issuer_name="Guanxi CRM"
        )
    return render(
        request,
        "accounts/security.html",
        {
            "password_form": password_form,
            "totp_form": totp_form,
            "disable_form": disable_form,
            "token_form": token_form,
            "language_form": language_form,
            "new_token": new_token,
            "tokens": user.api_tokens.filter(revoked_at__isnull=True),
            "pending_uri": pending_uri,
            "pending_secret": user.totp_secret if pending_uri else "",
            "pending_qr": _qr_svg(pending_uri) if pending_uri else "",
        },
    )


def signup_view(request):
    """Self-serve org sign-up, when the installation's operator switched it on."""
    if not settings.GUANXI_SIGNUP_ENABLED:
        raise Http404
    from guanxi.orgs import services as orgs

    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            _org, admin = orgs.org_create(
                code=data["org_code"],
                name=data["org_name"],
                admin_username=data["username"],
                admin_password=data["password"],
                admin_name=data["admin_name"],
            )
        except ValidationError as exc:
            mapping = {"code": "org_code", "name": "org_name"}
            if hasattr(exc, "error_dict"):
                exc = ValidationError({mapping.get(k, k): v for k, v in exc.error_dict.items()})
            add_service_errors(form, exc)
        else:
            login(request, admin.user, backend="guanxi.accounts.backends.OrgUsernameBackend")
            messages.success(request, _("组织已创建，欢迎使用关系 CRM。"))
            return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/signup.html", {"form": form})
