"""Khmer and Latin digits: Khmer pages show numbers in Khmer digits, as Khmer readers expect, and what
people type (codes, PINs, one-time codes) is read in either."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language

_TO_KHMER = str.maketrans("0123456789", "០១២៣៤៥៦៧៨៩")
_TO_LATIN = str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")


def latin_digits(text: str) -> str:
    """`text` with Khmer digits read as 0-9 (everything else unchanged)."""
    return text.translate(_TO_LATIN)


def local_digits(value: Any) -> str:
    """A number in Khmer digits on Khmer pages; unchanged in other languages."""
    text = str(value)
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return text.translate(_TO_KHMER) if language == "km" else text
