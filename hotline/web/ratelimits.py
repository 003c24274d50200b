"""Rate limits that hold across workers and proxies, without storing an IP address.

Counters live in the shared cache (the database cache on the embedded default, Redis when `REDIS_URL`
is set), so every worker counts against one limit and a restart resets nothing. A client is known by
its address hashed with today's salt (HMAC; the salt is derived from a seed in the key file, the same in
every worker, and changes each day): neither the database, the cache nor a log ever holds the address.

The address is `REMOTE_ADDR`, or, when the request comes from a proxy the operator listed in
`HOTLINE_TRUSTED_PROXIES`, the last address in `X-Forwarded-For` that is not one of those proxies
(earlier entries can be written by anyone).

Limits per bucket are `(requests, seconds)`; `HOTLINE_RATE_LIMITS` overrides them, as a dict in
settings or as text in the environment: "report=10/3600,lookup=20/600", or "off" to lift them all
(a load test on a private machine).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from . import keys

#: (requests, seconds) per client for each bucket.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "report": (10, 3600),          # reports sent from the web form
    "lookup": (20, 600),           # status look-ups and withdrawals with a code and PIN
    "add": (20, 3600),             # "add information" from the status page
    "check": (60, 600),            # the chat, post and photo checkers
    "stash": (20, 3600),           # "report this" from a checker's answer
    "protect": (10, 3600),         # putting a photo on the do-not-share list
    "second_factor": (10, 600),    # staff second-factor codes (per client; per account in the staff app)
    "api_report": (30, 3600),
    "api_lookup": (60, 600),
    "api_analyze": (120, 3600),
    "api_hash_match": (600, 3600),  # up to 100 hashes each
}


def parse_limits(text: str) -> dict[str, tuple[int, int]] | None:
    """'report=10/3600,lookup=20/600' → {bucket: (requests, seconds)}; "off" → None (no limits).
    Raises ValueError with the offending part."""
    text = text.strip()
    if text.lower() in {"off", "none", "0"}:
        return None
    limits: dict[str, tuple[int, int]] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _eq, spec = part.partition("=")
        count, _slash, seconds = spec.partition("/")
        if not (name.strip() and count.strip().isdigit() and seconds.strip().isdigit() and int(seconds) > 0):
            raise ValueError(f"HOTLINE_RATE_LIMITS: {part!r} is not name=requests/seconds")
        limits[name.strip()] = (int(count), int(seconds))
    return limits


def limits() -> dict[str, tuple[int, int]] | None:
    """The limits in force: the defaults overridden by `HOTLINE_RATE_LIMITS`; None when lifted."""
    configured = getattr(settings, "HOTLINE_RATE_LIMITS", None)
    if isinstance(configured, str):
        configured = _parsed(configured)
        if configured is None:
            return None
    elif configured is False:
        return None
    return {**DEFAULT_LIMITS, **(configured or {})}


@lru_cache(maxsize=8)
def _parsed(text: str) -> dict[str, tuple[int, int]] | None:
    return parse_limits(text)


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a listed proxy the nearest untrusted hop."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = getattr(settings, "HOTLINE_TRUSTED_PROXIES", ())
    if isinstance(proxies, str):
        proxies = proxies.split(",")
    networks = _networks(tuple(proxies))
    if not networks or not _trusted(remote, networks):
        return remote
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop
    return hops[0] if hops else remote


def client_key(request: HttpRequest, bucket: str) -> str:
    """The cache key of the client's counter: bucket and the address HMAC'd with today's salt."""
    digest = hmac.new(keys.daily_salt(), client_address(request).encode(), hashlib.sha256).hexdigest()
    return f"hotline-rl:{bucket}:{digest[:32]}"


def hit(request: HttpRequest, bucket: str, *, extra: str = "") -> bool:
    """Count one request; True while the client is within its limit for `bucket`. `extra` narrows the
    bucket (an account name for the staff second factor)."""
    in_force = limits()
    if in_force is None:
        return True
    allowed, window = in_force[bucket]
    key = client_key(request, bucket)
    if extra:
        key += ":" + hashlib.sha256(keys.daily_salt() + extra.encode()).hexdigest()[:16]
    # Fixed windows aligned on the clock, so that every worker counts into the same key.
    key += f":{int(time.time()) // window}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= allowed
