"""The embedded default: one machine, SQLite, secrets kept in the data folder (created on first run)."""

from __future__ import annotations

import os
import secrets

from .common import *  # noqa: F403
from .common import DATA_DIR


def _secret_from_file(name: str) -> str:
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_from_file("secret_key")
#: The demo account only on the embedded default (SQLite in the data folder), never on a real database.
HOTLINE_DEMO_ALLOWED = not os.environ.get("DATABASE_URL")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"] + [
    h.strip() for h in os.environ.get("HOTLINE_ALLOWED_HOSTS", "").split(",") if h.strip()
]
