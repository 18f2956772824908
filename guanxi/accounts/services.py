"""Sign-in, lockout, passwords, two-factor and API tokens.

Every failure to sign in says the same thing whether the org, the user or the
password was wrong; only a locked account says it is locked.
"""

import datetime

import pyotp
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guanxi.accounts.models import ApiToken, User, hash_token
from guanxi.audit import services as audit
from guanxi.core.tenancy import all_orgs

username_validator = RegexValidator(
    r"^[A-Za-z0-9_.@\-]{2,60}$",
    gettext_lazy("用户名只能包含字母、数字和 _ . @ -，长度 2–60。"),
)


class LoginFailed(Exception):
    """Sign-in refused. ``code`` is ``invalid``, ``locked`` or ``otp_required``/``otp_invalid``."""

    user_id: int | None = None  # set with "otp_required": whose second step is pending

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def invalid_login():
    return LoginFailed("invalid", _("组织代码、用户名或密码错误。"))


def validate_password(password, user=None):
    password_validation.validate_password(password, user)


def user_create(*, org, username, password, kind=User.Kind.EMPLOYEE):
    username = (username or "").strip()
    try:
        username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from exc
    if User.objects.filter(org=org, username__iexact=username).exists():
        raise ValidationError({"username": [_("该用户名已被使用。")]}, code="duplicate")
    user = User(org=org, username=username, kind=kind)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save()
    return user


def password_set(*, user, password):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.failed_logins = 0
    user.locked_until = None
    user.save(update_fields=["password", "password_changed_at", "failed_logins", "locked_until"])


def password_change(*, user, old_password, new_password):
    if not user.check_password(old_password):
        raise ValidationError({"old_password": [_("原密码不正确。")]}, code="wrong_password")
    password_set(user=user, password=new_password)


def resolve_org(org_code):
    """The org named by ``org_code``; an empty code means the only org, if there is one."""
    from guanxi.orgs.models import Organization

    code = (org_code or "").strip().lower()
    if code:
        return Organization.objects.filter(code=code, is_active=True).first()
    orgs = list(Organization.objects.filter(is_active=True)[:2])
    return orgs[0] if len(orgs) == 1 else None


def single_org_installation():
    from guanxi.orgs.models import Organization

    return Organization.objects.filter(is_active=True).count() == 1


def authenticate(*, org_code, username, password, otp=None, channel="web", ip=None, user_agent=""):
    """Check credentials (and the second factor); count failures; return the user.

    Raises ``LoginFailed``. Locks the account for ``GUANXI_LOCKOUT_MINUTES``
    after ``GUANXI_LOCKOUT_THRESHOLD`` consecutive failures.
    """
    org = resolve_org(org_code)
    user = None
    if org is not None:
        user = User.objects.filter(
            org=org, username__iexact=(username or "").strip(), kind=User.Kind.EMPLOYEE
        ).first()
    if user is None:
        make_password(password)  # same work as a real check: no timing oracle
        if org is not None:
            with all_orgs():
                audit.record_login(
                    org_id=org.pk,
                    user=None,
                    username=username or "",
                    success=False,
                    reason="unknown_user",
                    channel=channel,
                    ip=ip,
                    user_agent=user_agent,
                )
        raise invalid_login()

    def fail(reason, error):
        with transaction.atomic():
            if reason in ("password", "otp_invalid"):
                User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
                user.refresh_from_db(fields=["failed_logins"])
                if user.failed_logins >= settings.GUANXI_LOCKOUT_THRESHOLD:
                    until = timezone.now() + datetime.timedelta(
                        minutes=settings.GUANXI_LOCKOUT_MINUTES
                    )
                    User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
            with all_orgs():
                audit.record_login(
                    org_id=org.pk,
                    user=user,
                    username=user.username,
                    success=False,
                    reason=reason,
                    channel=channel,
                    ip=ip,
                    user_agent=user_agent,
                )
        raise error

    if user.is_locked():
        _fail(user, org.pk, "locked", locked_error(), channel, ip, user_agent)
    if not user.check_password(password or ""):
        _fail(user, org.pk, "password", invalid_login(), channel, ip, user_agent)
    if not user.is_active:
        _fail(user, org.pk, "inactive", invalid_login(), channel, ip, user_agent)
    if user.totp_enabled:
        if not otp:
            error = LoginFailed("otp_required", _("请输入两步验证码。"))
            error.user_id = user.pk
            raise error
        if not totp_verify(user, otp):
            _fail(
                user,
                org.pk,
                "otp_invalid",
                LoginFailed("otp_invalid", _("两步验证码不正确。")),
                channel,
                ip,
                user_agent,
            )
    return _succeed(user, org.pk, channel, ip, user_agent)


def authenticate_second_factor(*, user_id, otp, channel="web", ip=None, user_agent=""):
    """Second step of a web sign-in whose password was already accepted."""
    user = User.objects.filter(pk=user_id, kind=User.Kind.EMPLOYEE).first()
    if user is None or not user.totp_enabled or not user.is_active:
        raise invalid_login()
    if user.is_locked():
        _fail(user, user.org_id, "locked", locked_error(), channel, ip, user_agent)
    if not totp_verify(user, otp or ""):
        _fail(
            user,
            user.org_id,
            "otp_invalid",
            LoginFailed("otp_invalid", _("两步验证码不正确。")),
            channel,
            ip,
            user_agent,
        )
    return _succeed(user, user.org_id, channel, ip, user_agent)


def locked_error():
    message = _("登录失败次数过多，账户已被临时锁定，请 %(minutes)d 分钟后再试。")
    return LoginFailed("locked", message % {"minutes": settings.GUANXI_LOCKOUT_MINUTES})


def _fail(user, org_id, reason, error, channel, ip, user_agent):
    with transaction.atomic():
        if reason in ("password", "otp_invalid"):
            User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
            user.refresh_from_db(fields=["failed_logins"])
            if user.failed_logins >= settings.GUANXI_LOCKOUT_THRESHOLD:
                until = timezone.now() + datetime.timedelta(minutes=settings.GUANXI_LOCKOUT_MINUTES)
                User.objects.filter(pk=user.pk).update(locked_until=until, failed_logins=0)
        with all_orgs():
            audit.record_login(
                org_id=org_id,
                user=user,
                username=user.username,
                success=False,
                reason=reason,
                channel=channel,
                ip=ip,
                user_agent=user_agent,
            )
    raise error


def _succeed(user, org_id, channel, ip, user_agent):
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login=now)
    user.failed_logins, user.locked_until, user.last_login = 0, None, now
    with all_orgs():
        audit.record_login(
            org_id=org_id,
            user=user,
            username=user.username,
            success=True,
            channel=channel,
            ip=ip,
            user_agent=user_agent,
        )
    return user


# ---- two-factor (TOTP) -------------------------------------------------------------


def totp_verify(user, code):
    code = "".join(ch for ch in str(code) if ch.isdigit())
    return bool(user.totp_secret) and pyotp.TOTP(user.totp_secret).verify(code, valid_window=1)


def totp_begin(*, user):
    """Give ``user`` a fresh, not yet enabled secret; return the provisioning URI."""
    if user.totp_enabled:
        raise ValidationError(_("两步验证已经开启。"), code="already_enabled")
    user.totp_secret = pyotp.random_base32()
    user.save(update_fields=["totp_secret"])
    label = f"{user.org.code}:{user.username}" if user.org_id else user.username
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=label, issuer_name="Guanxi CRM")


def totp_enable(*, user, code):
    if not totp_verify(user, code):
        raise ValidationError(
            {"code": [_("验证码不正确，请检查手机时间后重试。")]}, code="otp_invalid"
        )
    user.totp_enabled = True
    user.save(update_fields=["totp_enabled"])


def totp_disable(*, user, password):
    if not user.check_password(password):
        raise ValidationError({"password": [_("密码不正确。")]}, code="wrong_password")
    user.totp_enabled = False
    user.totp_secret = ""
    user.save(update_fields=["totp_enabled", "totp_secret"])


# ---- API tokens ----------------------------------------------------------------------


def token_issue(*, user, name="api", expires_at=None):
    """Create a token; the raw value is returned once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100] or "api",
        key_hash=hash_token(raw),
        hint=raw[:10],
        expires_at=expires_at,
    )
    return token, raw


def token_user(raw):
    """The active user a raw bearer token belongs to, or None."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_token(raw)).first()
    if token is None or not token.is_usable() or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def token_revoke(*, user, token_id):
    updated = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("找不到该密钥。"), code="not_found")


def tokens_revoke_all(*, user):
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


# ---- language ------------------------------------------------------------------------------


def language_codes():
    return [code for code, _label in settings.LANGUAGES]


def supported_language(value):
    """``value`` as one of the installation's language codes (``zh-Hans`` → ``zh-hans``),
    or '' when it is none of them."""
    value = (value or "").strip().lower() if isinstance(value, str) else ""
    return value if value in language_codes() else ""


def user_set_language(*, user, language):
    """Save the language ``user`` reads the product and their notifications in; blank:
    the installation's default. Refuses a language the installation does not offer."""
    if language in (None, ""):
        code = ""
    else:
        code = supported_language(language)
        if not code:
            raise ValidationError(
                {"language": [_("“%(code)s”不是有效的语言。") % {"code": language}]},
                code="invalid_choice",
            )
    if user.language != code:
        user.language = code
        user.save(update_fields=["language"])
    return user


def language_cookie(response, language):
    """Set Django's language cookie on ``response`` (what ``set_language`` sets), so the
    next requests of this browser read in ``language``."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
