"""A linear model over word and word-pair counts, with its calibration: weights read with numpy only.

The logit of a window is `bias + (sum of the weights of its terms) / words ** alpha`, where `words` counts
the words the scorer read in it. Because that sum is a sum over messages, each message's share is
computed once (`MessageScores`) and every window of a conversation is scored from two cumulative sums in
one vectorised step; the share of a message is also what makes it cited. The probability is the logit
passed through the calibration fitted on held-back conversations (Platt scaling: `1 / (1 + exp(-(a*z+b)))`).

Files: `weights/<signal>.npz` (arrays `weights` float32, one per term, and `bias`; read with
`allow_pickle=False`) and `weights/<signal>.json` (terms in array order, alpha, calibration, threshold,
sources and figures).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from hotline.detect.errors import DataError
from hotline.detect.scoring.terms import MARK, canonical_text, terms

__all__ = ["LinearScorer", "MessageScores", "load_model"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class MessageScores:
    """Per message: the summed weight of its terms and how many words the scorer read in it."""

    weight: FloatArray
    words: IntArray


@dataclass(frozen=True)
class LinearScorer:
    """One signal's model: term weights, intercept, length exponent and calibration."""

    signal: str
    weights: dict[str, float]
    bias: float
    alpha: float
    calibration: tuple[float, float]
    threshold: float
    meta: dict[str, Any]
    #: Platt parameters for a whole conversation's highest window logit (more windows, higher maxima).
    conversation: tuple[float, float] = (1.0, 0.0)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _TermIndex(self.weights))

    def messages(self, texts: Sequence[str]) -> MessageScores:
        """Each message's weight and word count, read in one pass over the whole conversation: one dict
        lookup per word (its id), then word pairs are looked up as integer codes, vectorised."""
        index: _TermIndex = self._index  # type: ignore[attr-defined]
        tokens = canonical_text(texts)
        n = len(tokens)
        ids = np.fromiter(map(index.ids.get, tokens, repeat(0)), np.int64, n)
        contrib = index.unigram[ids]
        if n > 1:
            codes = ids[:-1] * index.base + ids[1:]
            at = np.minimum(np.searchsorted(index.codes, codes), len(index.codes) - 1)
            contrib[:-1] += np.where(index.codes[at] == codes, index.bigram[at], 0.0)
        marks = np.flatnonzero(ids == 1)
        cum = np.concatenate(([0.0], np.cumsum(contrib)))
        ends = cum[marks + 1]
        weight = np.diff(np.concatenate(([0.0], ends)))
        words = np.diff(np.concatenate(([-1], marks))) - 1
        return MessageScores(weight, words.astype(np.int64))

    def logits(self, scores: MessageScores, starts: IntArray, ends: IntArray) -> FloatArray:
        """The logit of each window `[start, end)` of messages, all windows at once."""
        wcum = np.concatenate(([0.0], np.cumsum(scores.weight)))
        ncum = np.concatenate(([0], np.cumsum(scores.words)))
        total = wcum[ends] - wcum[starts]
        words = np.maximum(ncum[ends] - ncum[starts], 1).astype(np.float64)
        return self.bias + total / words ** self.alpha  # type: ignore[no-any-return]

    def probability(self, logits: FloatArray) -> FloatArray:
        """Calibrated probability of each window."""
        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -60.0, 60.0)))

    def conversation_probability(self, top_logit: float) -> float:
        """Calibrated probability of a whole conversation from its highest window logit."""
        a, b = self.conversation
        return float(1.0 / (1.0 + np.exp(-min(max(a * top_logit + b, -60.0), 60.0))))

    def score_windows(self, windows: Sequence[str]) -> FloatArray:
        """The calibrated probability of each window; a window's lines are its messages."""
        lines: list[str] = []
        bounds = [0]
        for w in windows:
            lines.extend(w.split("\n"))
            bounds.append(len(lines))
        b = np.asarray(bounds, dtype=np.int64)
        return self.probability(self.logits(self.messages(lines), b[:-1], b[1:]))

    def top_terms(self, text: str, limit: int = 5) -> list[tuple[str, float]]:
        """The message's terms that weigh most towards the signal, heaviest first."""
        words = [w for w in canonical_text([text]) if w != MARK]
        seen: dict[str, float] = {}
        for t in terms(words):
            w = self.weights.get(t, 0.0)
            if w > 0:
                seen[t] = w
        return sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


class _TermIndex:
    """Words as integer ids (0 unknown, 1 the message mark) and word pairs as sorted integer codes, so
    that a conversation's terms are weighed with one dict lookup per word and a vectorised search."""

    def __init__(self, weights: dict[str, float]) -> None:
        words: dict[str, int] = {MARK: 1}
        for term in weights:
            for word in term.split(" "):
                words.setdefault(word, len(words) + 1)
        self.ids = words
        self.base = len(words) + 2
        self.unigram = np.zeros(self.base, dtype=np.float64)
        pairs: dict[int, float] = {}
        for term, w in weights.items():
            parts = term.split(" ")
            if len(parts) == 1:
                self.unigram[words[term]] = w
            elif len(parts) == 2:
                pairs[words[parts[0]] * self.base + words[parts[1]]] = w
        order = sorted(pairs)
        self.codes = np.asarray(order or [-1], dtype=np.int64)
        self.bigram = np.asarray([pairs[c] for c in order] or [0.0], dtype=np.float64)


def read_model(npz: Any, meta: dict[str, Any]) -> LinearScorer:
    """A scorer from an open `.npz` and its JSON metadata; checks that they belong together."""
    with np.load(npz, allow_pickle=False) as arrays:
        weights = np.asarray(arrays["weights"], dtype=np.float64)
        bias = float(np.asarray(arrays["bias"]).reshape(-1)[0])
    names = meta.get("terms")
    if not isinstance(names, list) or len(names) != len(weights):
        raise DataError(f"model {meta.get('signal')!r}: {len(weights)} weights but "
                        f"{len(names) if isinstance(names, list) else 'no'} terms")
    cal = meta["calibration"]
    conv = meta.get("conversation_calibration", {"a": 1.0, "b": 0.0})
    return LinearScorer(
        signal=str(meta["signal"]), weights=dict(zip(names, weights.tolist(), strict=True)), bias=bias,
        alpha=float(meta["alpha"]), calibration=(float(cal["a"]), float(cal["b"])),
        threshold=float(meta.get("threshold", 0.5)),
        meta={k: v for k, v in meta.items() if k != "terms"},
        conversation=(float(conv["a"]), float(conv["b"])),
    )


@lru_cache(maxsize=8)
def load_model(signal: str = "grooming") -> LinearScorer:
    """The shipped model of a signal, from the package's data (nothing read outside the package)."""
    folder = resources.files("hotline.detect.scoring").joinpath("weights")
    meta_file, npz_file = folder.joinpath(f"{signal}.json"), folder.joinpath(f"{signal}.npz")
    if not meta_file.is_file() or not npz_file.is_file():
        raise DataError(f"no shipped model for signal {signal!r}")
    try:
        meta = json.loads(meta_file.read_text("utf-8"))
        with npz_file.open("rb") as fh:
            return read_model(fh, meta)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"model {signal!r} cannot be read: {exc}") from exc
