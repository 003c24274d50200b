"""pytest: the local settings inside a throwaway data folder; DATABASE_URL still switches to PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HOTLINE_DATA_DIR", tempfile.mkdtemp(prefix="hotline-test-"))

from .local import *  # noqa: F403
from .local import DATA_DIR

ALLOWED_HOSTS = ["*"]
HOTLINE_EVIDENCE_DIR = Path(DATA_DIR) / "evidence"
HOTLINE_KEY_FILE = Path(DATA_DIR) / "evidence.key"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
(Path(DATA_DIR) / "static").mkdir(parents=True, exist_ok=True)
#: Generous limits so that test files posting many reports do not trip them; the rate-limit tests lower them.
HOTLINE_RATE_LIMITS = {name: (10_000, 3600) for name in
                       ("report", "lookup", "add", "check", "stash", "protect", "second_factor",
                        "api_report", "api_lookup", "api_analyze")}
