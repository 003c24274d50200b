"""Windows of consecutive messages: where the scorer looks, laid out from word counts alone.

A window grows from its first message until it holds `WINDOW_WORDS` words or `MAX_MESSAGES` messages,
and windows start every half window, so each message is read in about two windows. Nothing here looks at
senders: a pasted chat without names is laid out the same way as an export with them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# A string alias, valid where numpy is absent (mypyc's build, `setup.py`).
IntArray: TypeAlias = "npt.NDArray[np.int64]"

__all__ = ["MAX_MESSAGES", "WINDOW_WORDS", "layout", "spans"]

#: Words (as the scorer reads them) a window aims at: about the length of the segments it learned from.
WINDOW_WORDS = 150
#: A window never holds more messages than this.
MAX_MESSAGES = 150


def spans(words: Sequence[int], *, target: int = WINDOW_WORDS,
          max_messages: int = MAX_MESSAGES) -> tuple[list[int], list[int]]:
    """`(starts, ends)` of the windows over messages with these word counts (`ends` exclusive).

    A conversation shorter than one window is one window; the last window ends at the last message."""
    n = len(words)
    if n == 0:
        return [], []
    counted: list[int] = words if isinstance(words, list) else list(words)  # compiled: read in place
    total = sum(counted)
    if total <= target and n <= max_messages:
        return [0], [n]
    # Each message's window end: where `target` words are reached, searched for between the message after it
    # and `max_messages` on (or the end). Window ends never decrease, so one walk forward finds them all
    # (cheaper than a bisection per message, plain or compiled), keeping the words between the message and
    # its end (no cumulative list) and each window's length (a small number: no new int a message).
    cap = max(max_messages, 1)  # a cap below one message reads as one
    lengths: list[int] = []
    counts = [0] * (min(cap, n) + 1)
    j = 0
    held = 0  # words in messages [i, j)
    for i in range(n):
        hi = i + cap if i + cap < n else n
        if j <= i:
            j = i + 1
            held = counted[i]
        while j < hi and held < target:
            held += counted[j]
            j += 1
        length = j - i
        lengths.append(length)
        counts[length] = counts[length] + 1
        held -= counted[i]
    half = n // 2
    median = _nth(counts, half) if n % 2 else (_nth(counts, half - 1) + _nth(counts, half)) / 2
    step = max(1, int(median) // 2)
    starts: list[int] = []
    ends: list[int] = []
    for start in range(0, n, step):  # window ends never decrease: those before the end come first
        end = start + lengths[start]
        if end >= n:
            break
        starts.append(start)
        ends.append(end)
    # The last window ends at the last message and reaches back as far as a full window would: from the
    # last message on that holds `target` words after it (or none).
    back, after = n, 0
    while back > 0 and after < target:
        back -= 1
        after += counted[back]
    if after < target:
        back = -1
    last = max(0, min(back, n - 1), n - max_messages)
    if not starts or starts[-1] < last:
        starts.append(last)
        ends.append(n)
    return starts, ends


def _nth(counts: list[int], k: int) -> int:
    """The `k`-th smallest (from 0) of the values counted: `counts[v]` of each value `v`."""
    seen = 0
    for value, count in enumerate(counts):
        seen += count
        if seen > k:
            return value
    raise IndexError(k)


def layout(words: Sequence[int] | IntArray, *, target: int = WINDOW_WORDS,
           max_messages: int = MAX_MESSAGES) -> tuple[IntArray, IntArray]:
    """`spans` as numpy arrays (for training and evaluation)."""
    import numpy as np

    starts, ends = spans([int(w) for w in words], target=target, max_messages=max_messages)
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
