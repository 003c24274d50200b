"""Windows of consecutive messages: where the scorer looks, laid out from word counts alone.

A window grows from its first message until it holds `WINDOW_WORDS` words or `MAX_MESSAGES` messages,
and windows start every half window, so each message is read in about two windows. Nothing here looks at
senders: a pasted chat without names is laid out the same way as an export with them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_MESSAGES", "WINDOW_WORDS", "layout"]

#: Words (as the scorer reads them) a window aims at: about the length of the segments it learned from.
WINDOW_WORDS = 150
#: A window never holds more messages than this.
MAX_MESSAGES = 150

IntArray = npt.NDArray[np.int64]


def layout(words: npt.ArrayLike, *, target: int = WINDOW_WORDS,
           max_messages: int = MAX_MESSAGES) -> tuple[IntArray, IntArray]:
    """`(starts, ends)` of the windows over messages with these word counts (`ends` exclusive).

    A conversation shorter than one window is one window; the last window ends at the last message."""
    counts = np.asarray(words, dtype=np.int64)
    n = len(counts)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cum = np.concatenate(([0], np.cumsum(counts)))
    if cum[-1] <= target and n <= max_messages:
        return np.array([0], np.int64), np.array([n], np.int64)
    first = np.arange(n, dtype=np.int64)
    ends = np.searchsorted(cum, cum[first] + target, side="left")
    ends = np.minimum(np.minimum(ends, first + max_messages), n)
    ends = np.maximum(ends, first + 1)
    step = max(1, int(np.median(ends - first)) // 2)
    starts = first[::step]
    ends = ends[::step]
    keep = ends < n
    starts, ends = starts[keep], ends[keep]
    # The last window ends at the last message and reaches back as far as a full window would.
    back = int(np.searchsorted(cum, cum[-1] - target, side="right")) - 1
    last = max(0, min(back, n - 1), n - max_messages)
    if not len(starts) or starts[-1] < last:
        starts = np.append(starts, last)
        ends = np.append(ends, n)
    return starts.astype(np.int64), ends.astype(np.int64)
