"""Guanxi settings.

Everything comes from the environment; nothing is needed for the embedded
default (SQLite, job queue and files under ``GUANXI_DATA_DIR``, default ``var/``).
"""

import os
import tempfile
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from guanxi.config.datadir import data_dir, load_or_create_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

DATA_DIR = data_dir(env.str("GUANXI_DATA_DIR", default=""), BASE_DIR.parent)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="") or load_or_create_secret_key(DATA_DIR)
# earlier secret keys, still accepted (sessions, signed links) and still decrypting stored
# secrets until they are saved again: set when rotating SECRET_KEY
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# keys for stored secrets (mailbox passwords), when they should not hang on SECRET_KEY:
# the first encrypts, every one decrypts (core.crypto)
FIELD_ENCRYPTION_KEY = env.list("FIELD_ENCRYPTION_KEY", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Self-serve org sign-up is the installation operator's choice; off by default.
GUANXI_SIGNUP_ENABLED = env.bool("GUANXI_SIGNUP_ENABLED", default=False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "huey.contrib.djhuey",
    "guanxi.core",
    "guanxi.orgs",
    "guanxi.accounts",
    "guanxi.audit",
    "guanxi.jobs",
    "guanxi.catalog",
    "guanxi.customers",
    "guanxi.workspace",
    "guanxi.workspace.notifications",
    "guanxi.workspace.approvals",
    "guanxi.workspace.schedule",
    "guanxi.workspace.messages",
    "guanxi.workspace.announcements",
    "guanxi.workspace.reports",
    "guanxi.sales",
    "guanxi.sales.opportunities",
    "guanxi.sales.leads",
    "guanxi.sales.quotes",
    "guanxi.sales.contracts",
    "guanxi.sales.orders",
    "guanxi.sales.receivables",
    "guanxi.sales.commissions",
    "guanxi.sales.planning",
    "guanxi.sales.analysis",
    "guanxi.sales.expenses",
    "guanxi.knowledge",
    "guanxi.service",
    "guanxi.service.installed",
    "guanxi.service.contracts",
    "guanxi.service.tickets",
    "guanxi.service.routing",
    "guanxi.service.mail",
    "guanxi.service.repairs",
    "guanxi.service.reports",
    "guanxi.service.defects",
    "guanxi.service.projects",
    "guanxi.search",
    "guanxi.transfer",
    "guanxi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "guanxi.orgs.middleware.TenantMiddleware",
    "guanxi.accounts.middleware.UserLanguageMiddleware",
    # one work calendar per org for the whole request (SLA clocks of bulk changes)
    "guanxi.service.routing.middleware.CalendarCacheMiddleware",
]

ROOT_URLCONF = "guanxi.config.urls"
WSGI_APPLICATION = "guanxi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guanxi.orgs.context_processors.shell",
                "guanxi.workspace.context_processors.reminders",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'guanxi.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write
    # lock at BEGIN, so two writers queue instead of deadlocking on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            # Reads go through a memory map of the file (SQLite caps it at 2 GB) and a
            # 32 MB page cache per connection, not SQLite's default 2 MB cache and no
            # map: a list that visits thousands of customer rows reads them from the
            # map instead of paying a system call and a copy per page (5× faster list
            # queries measured on 50,000 customers; bench/README.md).
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000; "
                f"PRAGMA mmap_size={env.int('GUANXI_SQLITE_MMAP_MB', 2048) * 1024 * 1024}; "
                f"PRAGMA cache_size=-{env.int('GUANXI_SQLITE_CACHE_MB', 32) * 1024};"
            ),
        }
    )
    # a file, not memory: concurrency tests need real separate connections
    # (one file per process, so parallel test runs never share one)
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(
        Path(tempfile.gettempdir()) / f"guanxi-test-{os.getpid()}.sqlite3"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["guanxi.accounts.backends.OrgUsernameBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The org-scoped username is unique per org (a constraint), not globally.
SILENCED_SYSTEM_CHECKS = ["auth.W004"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "accounts:login"
GUANXI_LOCKOUT_THRESHOLD = env.int("GUANXI_LOCKOUT_THRESHOLD", default=5)
GUANXI_LOCKOUT_MINUTES = env.int("GUANXI_LOCKOUT_MINUTES", default=15)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]  # strings outside apps (config, cli)
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
(DATA_DIR / "static").mkdir(exist_ok=True)
WHITENOISE_AUTOREFRESH = DEBUG

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        # running jobs' progress, seen by every web process (guanxi.jobs.progress)
        "progress": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "progress",
        },
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "guanxi",
        "url": REDIS_URL,
        "immediate": False,
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        # running jobs' progress, seen by a worker started as a process of its own too
        "progress": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache" / "progress"),
        },
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "guanxi",
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": False,
    }
HUEY["consumer"] = {"workers": 2, "worker_type": "thread"}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="guanxi@localhost")
# the site's address as users reach it (e.g. https://crm.example.com): links in e-mails
# and group-robot messages are made absolute with it; without it they carry none
SITE_URL = env.str("SITE_URL", default="").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "guanxi.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["guanxi.api.permissions.IsEmployee"],
    "DEFAULT_PAGINATION_CLASS": "guanxi.api.pagination.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "guanxi.api.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "guanxi.api.errors.exception_handler",
    "PAGE_SIZE": 50,
    "SEARCH_PARAM": "q",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guanxi CRM API",
    "DESCRIPTION": "REST API of Guanxi (关系) CRM. Authenticate with "
    "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "DEFAULT_GENERATOR_CLASS": "guanxi.api.schema.SchemaGenerator",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
