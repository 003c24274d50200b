"""The throwaway Django site the web benchmarks run against (SQLite in a /tmp folder, or PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path


def setup(database_url: str | None, data_dir: Path, *, rate_limits_off: bool = False) -> str:
    """Point the settings at `data_dir` (and `database_url` if given), migrate, and name the database vendor.

    Environment first, Django after: the settings read the environment once, at `django.setup()`."""
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    os.environ["HOTLINE_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("HOTLINE_ALLOWED_HOSTS", "testserver")
    if rate_limits_off:
        os.environ["HOTLINE_RATE_LIMITS"] = "off"
    os.environ["DJANGO_SETTINGS_MODULE"] = "hotline.web.settings.local"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    return "postgresql" if connection.vendor == "postgresql" else connection.vendor
