"""PIN hashing inside the report transaction: the keyed hash (HMAC-SHA-256, hotline.web.trackingcodes)
against the alternative it replaced, Django's default password hasher (PBKDF2-SHA256, 1,000,000
iterations in Django 5.2). Prints the time per hash of each and the ratio.

    python3 bench/bench_pin_hash.py
"""

from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.web.settings.local")
os.environ.setdefault("HOTLINE_DATA_DIR", tempfile.mkdtemp(prefix="hotline-bench-"))

import django

django.setup()

from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402

from hotline.web.trackingcodes import hash_pin  # noqa: E402


def per_call(fn: object, n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(f"{i:06d}")  # type: ignore[operator]
    return (time.perf_counter() - start) / n


def main() -> None:
    pbkdf2 = PBKDF2PasswordHasher()
    keyed = per_call(lambda pin: hash_pin(pin, "ABCDEFGH"), 20_000)
    slow = per_call(lambda pin: pbkdf2.encode(pin, pbkdf2.salt()), 5)
    print(f"keyed hash (HMAC-SHA-256): {keyed * 1e6:8.1f} µs per PIN")
    print(f"PBKDF2-SHA256 ({pbkdf2.iterations:,} it.): {slow * 1e3:8.1f} ms per PIN")
    print(f"ratio: {slow / keyed:,.0f}x")


if __name__ == "__main__":
    main()
