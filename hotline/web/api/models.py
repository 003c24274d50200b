"""Partner API keys: only a SHA-256 of each key is stored; the key itself is shown once when created."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

KEY_PREFIX = "hl_"


def hash_key(raw: str) -> str:
    """Keys are 32 random bytes, so a plain SHA-256 is enough (no slow hash needed) and allows lookup."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiKey(models.Model):
    name = models.CharField(max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def create(cls, name: str) -> tuple[ApiKey, str]:
        """A new key for `name`; returns the row and the key in clear (shown once, never stored)."""
        raw = KEY_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, key_hash=hash_key(raw)), raw
