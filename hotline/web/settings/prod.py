"""Production: refuses to start without its secrets and a real database."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .common import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production")
    return value


SECRET_KEY = _required("HOTLINE_SECRET_KEY")
_required("DATABASE_URL")
DEBUG = False
ALLOWED_HOSTS = _required("HOTLINE_ALLOWED_HOSTS").split(",")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
