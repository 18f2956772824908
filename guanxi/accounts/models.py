"""Login identities: credentials, lockout state, two-factor secret, API tokens."""

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def language_choices():
    """The installation's languages (``settings.LANGUAGES``), read when asked, not at import."""
    return list(settings.LANGUAGES)


class UserManager(BaseUserManager):
    def get_by_natural_key(self, username):  # pragma: no cover - logins go through the backend
        raise NotImplementedError("usernames are unique per org; use the org-aware backend")


class User(AbstractBaseUser):
    """Who signs in. ``username`` is unique within an org, not globally.

    An employee's user has ``kind=employee``; customer-portal users (a later
    module) are ``kind=portal``; installation operators have no org and work
    through the ``guanxi`` command.
    """

    class Kind(models.TextChoices):
        EMPLOYEE = "employee", _("员工")
        PORTAL = "portal", _("客户门户用户")
        OPERATOR = "operator", _("系统运维")

    org = models.ForeignKey(
        "orgs.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="users"
    )
    username = models.CharField(_("用户名"), max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.EMPLOYEE)
    is_active = models.BooleanField(_("允许登录"), default=True)
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("两步验证"), default=False)
    password_changed_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # the language the user reads the product (and their notifications) in; blank: the
    # installation's default (``settings.LANGUAGE_CODE``)
    language = models.CharField(_("语言"), max_length=10, blank=True, choices=language_choices)

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []
    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["org", "username"], name="user_unique_per_org"),
            models.UniqueConstraint(
                fields=["username"], condition=Q(org__isnull=True), name="user_unique_operator"
            ),
        ]

    def __str__(self):
        return self.username

    @property
    def reading_language(self):
        """The language this user reads in: their choice, else the installation's default."""
        return self.language or settings.LANGUAGE_CODE

    def is_locked(self, now=None):
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    PREFIX = "gx_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 密钥")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls):
        return cls.PREFIX + secrets.token_urlsafe(32)

    def is_usable(self, now=None):
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
