"""The named alternatives the scorer is measured against, on the same examples.

- `keyword_flags`: an 11-word keyword list (any of them in the window flags it), the yardstick the
  issue quotes (F0.5 0.40 on the independent evaluation); the list itself is ours, written from the
  grooming stages, since the issue does not give one.
- `VenueModel`: a logistic regression that sees only venue cues (message length, punctuation, capitals,
  emoticons, time gaps, era slang such as "lol", "u", "r", "asl"), fitted on the same train split. If the
  scorer did not beat it by a wide margin, it would have learned where and when people chatted, not what
  groomers do.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt

__all__ = ["KEYWORDS", "VenueModel", "keyword_flags", "venue_features"]

KEYWORDS: tuple[str, ...] = ("age", "alone", "parents", "secret", "meet", "pictures", "naked", "sex",
                             "kiss", "webcam", "bra")
_WORD = re.compile(r"[a-z']+")
_SLANG = ("lol", "u", "r", "ur", "asl", "brb", "omg", "haha", "lmao", "k", "ya", "im", "wat", "hehe", "pm")
_EMOTICON = re.compile(r"[:;=8][-^o']?[)(\]\[dpo/\\|*3]|<3|\^_?\^|xd\b", re.IGNORECASE)
FloatArray = npt.NDArray[np.float64]


def keyword_flags(texts_per_example: Sequence[Sequence[str]]) -> npt.NDArray[np.bool_]:
    keys = set(KEYWORDS) | {"picture", "pics", "pic", "parent", "secrets", "meeting"}
    return np.asarray([bool(keys.intersection(_WORD.findall(" ".join(ts).lower()))) for ts in texts_per_example])


def venue_features(texts: Sequence[str], times: Sequence[float | None]) -> list[float]:
    """Cues of where and when a chat was typed, never what it says."""
    n = max(len(texts), 1)
    joined = "\n".join(texts)
    chars = max(len(joined), 1)
    words = _WORD.findall(joined.lower())
    nw = max(len(words), 1)
    slang = [sum(w == s for w in words) / nw for s in _SLANG]
    gaps = [b - a for a, b in pairwise(times) if a is not None and b is not None and b >= a]
    has_time = 1.0 if gaps else 0.0
    return [
        math.log1p(chars / n), math.log1p(nw / n), math.log1p(n),
        joined.count("?") / chars * 100, joined.count("!") / chars * 100, joined.count(".") / chars * 100,
        joined.count(",") / chars * 100, joined.count("'") / chars * 100, joined.count("...") / chars * 100,
        sum(c.isupper() for c in joined) / chars, sum(c.isdigit() for c in joined) / chars,
        sum(t[:1].isupper() for t in texts if t) / n, sum(t.rstrip()[-1:] in ".!?" for t in texts if t) / n,
        len(_EMOTICON.findall(joined)) / n, sum(bool(re.search(r"([a-z])\1{2}", w)) for w in words) / nw,
        has_time, math.log1p(float(np.median(gaps))) if gaps else 0.0, math.log1p(float(np.mean(gaps))) if gaps else 0.0,
        *slang,
    ]


@dataclass
class VenueModel:
    """Standardised venue features, L2-regularised logistic regression by Newton's method (numpy)."""

    mean: FloatArray
    scale: FloatArray
    coef: FloatArray

    @classmethod
    def fit(cls, x: FloatArray, y: npt.NDArray[np.int64], l2: float = 1.0) -> VenueModel:
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        pos = max(int(y.sum()), 1)
        sw = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * max(len(y) - pos, 1)))  # balanced
        w = np.zeros(z.shape[1])
        reg = np.full(z.shape[1], l2)
        reg[-1] = 0.0
        for _ in range(50):
            p = 1 / (1 + np.exp(-(z @ w)))
            g = z.T @ (sw * (p - y)) + reg * w
            h = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(w))
            step = np.linalg.solve(h, g)
            w -= step
            if np.abs(step).max() < 1e-8:
                break
        return cls(mean, scale, w)

    def logits(self, x: FloatArray) -> FloatArray:
        z = np.hstack([(x - self.mean) / self.scale, np.ones((len(x), 1))])
        return z @ self.coef
