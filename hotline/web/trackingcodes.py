"""Tracking codes and PINs: what a reporter writes down, how it is typed back in, how the PIN is kept.

Codes use an alphabet without look-alikes (no 0/O, 1/I/L); input is forgiving: lower case, spaces,
dashes and Khmer digits are accepted. Only a PIN's hash is stored (Django's password hasher), and
checking against no hash costs as long as checking a wrong PIN, so that timing does not tell them apart.
"""

from __future__ import annotations

import secrets
from functools import lru_cache

from django.contrib.auth.hashers import check_password, make_password

from hotline.web.numerals import latin_digits

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PIN_LENGTH = 6


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def normalize_code(raw: str) -> str:
    """The code as stored, from what a person typed (case, spaces, dashes, Khmer digits forgiven)."""
    cleaned = "".join(ch for ch in latin_digits(raw).upper() if ch not in " -_\t\u200b")
    return cleaned


def normalize_pin(raw: str) -> str:
    return "".join(ch for ch in latin_digits(raw) if not ch.isspace() and ch != "-")


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)


def hash_pin(pin: str) -> str:
    return make_password(pin)


@lru_cache(maxsize=1)
def _dummy_pin_hash() -> str:
    """A real hash of a random PIN, so that an unknown code costs as much time as a wrong PIN."""
    return make_password(secrets.token_hex(8))


def check_pin(pin: str, pin_hash: str | None) -> bool:
    """True if `pin` matches `pin_hash`; with no hash (unknown code) False, after the same work."""
    if pin_hash is None:
        check_password(pin, _dummy_pin_hash())
        return False
    matches = check_password(pin, pin_hash)
    return bool(pin) and matches
