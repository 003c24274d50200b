"""One chat from several overlapping screenshots, each message once.

People scroll and screenshot again, so consecutive screenshots repeat some bubbles. The repeated run is
the tail of what has been read so far that best equals the head of the next screenshot, bubble by
bubble: same side and nearly the same text (the same bubble can read a little differently at another
scroll position or JPEG quality). A one-bubble overlap counts only for text long enough not to repeat by
chance ("ok" twice in a row is two messages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rapidfuzz.distance import Levenshtein

__all__ = ["join", "same_text"]

T = TypeVar("T")
#: Normalised edit similarity above which two readings are the same bubble.
SAME = 0.8
#: A single repeated bubble proves an overlap only with at least this many characters.
SINGLE_MIN_CHARS = 8
#: Share of the bubbles of an overlap that must agree.
AGREE = 0.75


def same_text(a: str, b: str, at_least: float = SAME) -> bool:
    a, b = " ".join(a.split()), " ".join(b.split())
    if not a or not b:
        return a == b
    return Levenshtein.normalized_similarity(a, b) >= at_least


def _overlap(done: Sequence[T], nxt: Sequence[T], same: Callable[[T, T], bool], size: Callable[[T], int]) -> int:
    """How many items at the head of `nxt` repeat the tail of `done`.

    The overlap that repeats the most bubbles wins, provided at least `AGREE` of its pairs agree (one
    bubble misread in one screenshot must not split an overlap in two and double the rest)."""
    best, best_hits = 0, 0
    for k in range(min(len(done), len(nxt)), 0, -1):
        hits = sum(same(done[len(done) - k + i], nxt[i]) for i in range(k))
        if hits < max(1, AGREE * k) or hits <= best_hits:
            continue
        if k == 1 and size(nxt[0]) < SINGLE_MIN_CHARS:
            continue
        best, best_hits = k, hits
    return best


def join(shots: Sequence[Sequence[T]], same: Callable[[T, T], bool], size: Callable[[T], int]) -> list[T]:
    """Items of every screenshot in order, with each overlap kept once (from the earlier screenshot)."""
    out: list[T] = []
    for items in shots:
        k = _overlap(out, items, same, size)
        out.extend(items[k:])
    return out
