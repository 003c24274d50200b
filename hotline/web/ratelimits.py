"""Rate limits without storing IP addresses.

The client address is hashed with a random salt that lives only in this process's memory, and the
counter lives in the (in-memory) cache for the length of its window: nothing reaches the database or a
log, and after a restart the hashes cannot be linked to anything.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_SALT = secrets.token_bytes(32)

#: (requests, seconds) per client for each bucket; overridable in settings.HOTLINE_RATE_LIMITS.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "report": (10, 3600),
    "lookup": (20, 600),
    "api_report": (30, 3600),
    "api_lookup": (60, 600),
    "api_analyze": (120, 3600),
}


def _client_key(request: HttpRequest, bucket: str) -> str:
    address = request.META.get("REMOTE_ADDR", "") or ""
    digest = hashlib.sha256(_SALT + bucket.encode() + b"|" + address.encode()).hexdigest()
    return f"hotline-rl:{bucket}:{digest[:32]}"


def hit(request: HttpRequest, bucket: str) -> bool:
    """Count one request; True while the client is within its limit for `bucket`."""
    limits = {**DEFAULT_LIMITS, **getattr(settings, "HOTLINE_RATE_LIMITS", {})}
    allowed, window = limits[bucket]
    key = _client_key(request, bucket)
    if cache.add(key, 1, timeout=window):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return True
    return count <= allowed
