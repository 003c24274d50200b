"""Times and dates as chat apps print them on screen: "20:05", "8:05 PM", "8 March 2025", "MAR 8, 2025 AT 20:05".

OCR misreads a few characters in them (O for 0, l or I for 1, a dot for the colon); those are repaired
only inside what already looks like a time, never in message text.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

__all__ = ["combine", "parse_clock", "parse_date", "split_trailing_clock"]

_CLOCK = re.compile(r"(?<![\d:])([0-2]?\d)\s?[:.;]\s?([0-5]\d)(?:\s?([AaPp])\.?\s?[Mm]\.?)?(?![\d:])")
_DIGITS = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "i": "1", "S": "5", "B": "8"})
_MONTHS = {m: i + 1 for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_NUMERIC = re.compile(r"\b(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\b|\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")


def parse_clock(text: str) -> time | None:
    """The first time of day in `text`, OCR's usual digit confusions repaired."""
    m = _CLOCK.search(text.translate(_DIGITS)) or _CLOCK.search(text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    ampm = (m.group(3) or "").lower()
    if ampm == "p" and hour < 12:
        hour += 12
    elif ampm == "a" and hour == 12:
        hour = 0
    if hour > 23:
        return None
    return time(hour, minute)


def split_trailing_clock(text: str) -> tuple[str, time | None]:
    """Text without a time (and tick marks after it) at its end, and that time."""
    found = list(_CLOCK.finditer(text))
    m = found[-1] if found else None
    if m is None or len(text) - m.end() > 4 or re.search(r"[\w\u1780-\u17ff]{2,}", text[m.end():]):
        return text, None
    clock = parse_clock(m.group(0))
    return text[:m.start()].rstrip(" ,.-|“”\"'"), clock


def _month(word: str) -> int | None:
    return _MONTHS.get(word[:3].lower())


def parse_date(text: str) -> date | None:
    """The date in a date chip or separator ("8 March 2025", "March 8, 2025", "Sat, 8 Mar 2025", "2025/03/08")."""
    for m in _DAY_MONTH_YEAR.finditer(text):
        month = _month(m.group(2))
        if month:
            try:
                return date(int(m.group(3)), month, int(m.group(1)))
            except ValueError:
                pass
    for m in _MONTH_DAY_YEAR.finditer(text):
        month = _month(m.group(1))
        if month:
            try:
                return date(int(m.group(3)), month, int(m.group(2)))
            except ValueError:
                pass
    n = _NUMERIC.search(text)
    if n:
        try:
            if n.group(1):
                return date(int(n.group(1)), int(n.group(2)), int(n.group(3)))
            return date(int(n.group(6)), int(n.group(5)), int(n.group(4)))
        except ValueError:
            return None
    return None


def combine(day: date | None, clock: time | None) -> datetime | None:
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock)
