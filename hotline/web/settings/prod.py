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

#: HTTPS only: redirect, and tell browsers to come back over HTTPS for a year (subdomains too).
SECURE_SSL_REDIRECT = os.environ.get("HOTLINE_SSL_REDIRECT", "1") != "0"
SECURE_HSTS_SECONDS = 365 * 24 * 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
#: The health check answers over plain HTTP to a process manager on the machine itself.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

#: A strict Content Security Policy (django-csp): scripts and styles from this site only, no inline
#: script, no plug-ins, no framing; images may be data: URIs (the second-factor QR code) or blob:
#: (the photo checker previews a picture that never leaves the browser).
MIDDLEWARE = [*MIDDLEWARE, "csp.middleware.CSPMiddleware"]  # noqa: F405
INSTALLED_APPS = [*INSTALLED_APPS, "csp"]  # noqa: F405
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
