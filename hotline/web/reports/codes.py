"""Tracking codes and PINs: what the reporter writes down, and how it is typed back in.

Codes use an alphabet without look-alikes (no 0/O, 1/I/L); input is forgiving: lower case, spaces,
dashes and Khmer digits are accepted.
"""

from __future__ import annotations

import secrets

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
PIN_LENGTH = 6

_KHMER_DIGITS = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def new_tracking_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def new_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(PIN_LENGTH))


def normalize_code(raw: str) -> str:
    """The code as stored, from what a person typed (case, spaces, dashes, Khmer digits forgiven)."""
    cleaned = "".join(ch for ch in raw.translate(_KHMER_DIGITS).upper() if ch not in " -_\t\u200b")
    return cleaned


def normalize_pin(raw: str) -> str:
    return "".join(ch for ch in raw.translate(_KHMER_DIGITS) if not ch.isspace() and ch != "-")


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code)
