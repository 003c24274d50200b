"""Tracking codes and PINs: what a reporter writes down, how it is typed back in, how the PIN is kept.

Codes use an alphabet without look-alikes (no 0/O, 1/I/L); input is forgiving: lower case, spaces,
dashes and Khmer digits are accepted. Only a PIN's keyed hash is stored (HMAC-SHA-256 of code and PIN
with a key from the key store, carrying its key id; PBKDF2 hashes of older reports are still accepted
and replaced on the next correct look-up), and checking against no hash costs as much as checking a
wrong PIN, so that timing does not tell them apart.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.hashers import check_password

from hotline.web import keys
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


#: Prefix of a PIN hash made with the key store's HMAC key ("hmac_sha256$<key id>$<hex>").
PIN_HASH_PREFIX = "hmac_sha256$"
#: Wrong PINs in a row before a code is locked, and for how long (then it answers as an unknown code).
MAX_PIN_FAILURES = 10
PIN_LOCK_SECONDS = 3600


def hash_pin(pin: str, code: str = "") -> str:
    """HMAC-SHA-256 of the code and PIN under the newest key, carrying the key id. Microseconds, unlike
    PBKDF2, and safer for a 6-digit PIN: without the key (kept apart from the database) no PIN can be
    tried against a stolen hash at all; online guessing is stopped by the per-code lock-out."""
    return PIN_HASH_PREFIX + keys.keyed_hash("pin", f"{code}:{pin}")


def check_pin(pin: str, pin_hash: str | None, code: str = "") -> bool:
    """True if `pin` matches `pin_hash` (a keyed hash, or a PBKDF2 hash made before them); with no hash
    (unknown code) False, after the same work as a keyed check."""
    if pin_hash is None:
        keys.keyed_hash("pin", f"{code}:{pin}")
        return False
    if pin_hash.startswith(PIN_HASH_PREFIX):
        return bool(pin) and keys.verify_keyed_hash("pin", f"{code}:{pin}", pin_hash[len(PIN_HASH_PREFIX):])
    return bool(pin) and check_password(pin, pin_hash)


def pin_hash_outdated(pin_hash: str) -> bool:
    """Whether a (correctly matched) hash should be replaced: PBKDF2, or a keyed hash under an old key."""
    return not pin_hash.startswith(PIN_HASH_PREFIX) or not keys.is_current(pin_hash[len(PIN_HASH_PREFIX):])
