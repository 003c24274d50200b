"""Lower case as CPython gives it, whether the engine runs compiled or not.

mypyc compiles `s.lower()` to its own routine, which on Python before 3.13 lowers a non-ASCII text one
character at a time and so misses Greek final sigma ("ΟΔΟΣ" → "οδοσ"; CPython: "οδος"): compiled and plain
Python would read the same text differently. Compiled modules lower text with `lower` instead.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["lower"]

#: CPython's own method, called as an object (mypyc then calls it, not its routine).
_STR_LOWER: Callable[[str], str] = str.lower


def lower(text: str) -> str:
    """`text.lower()` as CPython computes it (ASCII text lowers the same either way, and faster compiled)."""
    return text.lower() if text.isascii() else _STR_LOWER(text)
