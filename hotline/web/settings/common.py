"""Settings shared by every environment. No secrets here: each environment supplies its own."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HOTLINE_DATA_DIR", "var")).resolve()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "hotline.web.public",
    "hotline.web.reports",
    "hotline.web.api",
    "hotline.web.hashlists",
    "hotline.web.cases",
    "hotline.web.staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "hotline.web.public.errors.ErrorPageMiddleware",
    "hotline.web.public.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hotline.web.staff.middleware.SecondFactorMiddleware",
    "hotline.web.staff.idle_expiry.IdleExpiryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hotline.web.urls"
WSGI_APPLICATION = "hotline.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def database_from_env(data_dir: Path) -> dict[str, object]:
    """`DATABASE_URL` if set (PostgreSQL at scale), else SQLite in WAL mode inside the data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, object] = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            config["ENGINE"] = "hotline.web.postgres"  # waits for a restarting server when connecting
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / "hotline.sqlite3",
        # Kept open between requests and tasks: opening one (and closing it, which may checkpoint the
        # WAL) cost more than a report's statements.
        "CONN_MAX_AGE": 600,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        },
    }


DATABASES = {"default": database_from_env(DATA_DIR)}
#: Seconds a new PostgreSQL connection waits for a server that refuses it (restarting, failing over).
HOTLINE_DB_CONNECT_WAIT = float(os.environ.get("HOTLINE_DB_CONNECT_WAIT", "10"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "km"
LANGUAGES = [("km", "ខ្មែរ"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Phnom_Penh"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

LOGIN_URL = "/accounts/login/"

#: Staff sign-in: Django's model backend with a per-account lock-out (hotline.web.staff.backends).
AUTHENTICATION_BACKENDS = ["hotline.web.staff.backends.GuardedModelBackend"]
#: The demo analyst (`hotline serve --demo`) may exist and sign in only on the embedded default (local.py).
HOTLINE_DEMO_ALLOWED = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

#: Upload bounds: a whole request, and one file (chat exports and screenshots only).
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
HOTLINE_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: Files in one request (Django's default is 100, all held until the form is cleaned).
DATA_UPLOAD_MAX_NUMBER_FILES = 12
HOTLINE_EVIDENCE_DIR = DATA_DIR / "evidence"
#: The keys (encryption, keyed hashes, rate-limit salt): set HOTLINE_KEY_FILE to a path outside the data
#: folder, so that a copy or backup of the data folder does not carry the key that decrypts it.
HOTLINE_KEY_FILE = Path(os.environ.get("HOTLINE_KEY_FILE") or DATA_DIR / "evidence.key")

#: Shared counters (rate limits) and the staff statistics: Redis when REDIS_URL is set, else the
#: database cache (its table is created by `migrate`), so that every worker counts against one limit.
if os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": os.environ["REDIS_URL"], "KEY_PREFIX": "hotline"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "hotline_cache"}}
#: "report=10/3600,lookup=20/600" overrides those limits; "off" lifts them all (a private load test).
HOTLINE_RATE_LIMITS = os.environ.get("HOTLINE_RATE_LIMITS", "")
#: Reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed.
HOTLINE_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("HOTLINE_TRUSTED_PROXIES", "").split(",") if p.strip()]

#: The queue flags a report still waiting for an analyst (received or being reviewed) after this many hours.
HOTLINE_QUEUE_OVERDUE_HOURS = int(os.environ.get("HOTLINE_QUEUE_OVERDUE_HOURS", "48"))
#: Days after a case is closed before its evidence files and the reporter's contact are deleted.
HOTLINE_RETENTION_DAYS = int(os.environ.get("HOTLINE_RETENTION_DAYS", "180"))
#: A TrueType font with Khmer letters for forwarding packages' PDF; empty: Noto Sans Khmer, shipped in
#: hotline/web/cases/fonts. See cases.package_pdf.
HOTLINE_PDF_FONT = os.environ.get("HOTLINE_PDF_FONT", "")

#: Staff sessions end after 8 hours without a request (the expiry moves on at most once a minute:
#: staff.idle_expiry), and when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

#: Never log request bodies or evidence: only warnings and errors, without payloads; and no tracking
#: code (Django's "Not Found: /api/v1/reports/CODE" included): every handler redacts them.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_codes": {"()": "hotline.web.logfilters.RedactTrackingCodes"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_codes"]}},
    "loggers": {
        "django": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "gunicorn": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
}
