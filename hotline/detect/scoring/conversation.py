"""Scores for one conversation: per window, overall, per sender, and what each top window rests on.

All windows are scored in one vectorised step from per-message weights (`LinearScorer.messages`); only the
few top windows are explained (their heaviest messages and terms), so citing costs nothing per message.
Senders are optional: without them (a chat pasted without names) only the window scores exist.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hotline.detect.model import Conversation
from hotline.detect.scoring.linear import FloatArray, IntArray, LinearScorer, MessageScores, load_model
from hotline.detect.scoring.windows import layout

__all__ = ["ConversationScores", "ScoreStream", "WindowScore", "score_conversation", "score_messages"]

#: Windows explained, and messages cited per explained window.
TOP_WINDOWS = 3
TOP_MESSAGES = 3


@dataclass(frozen=True, slots=True)
class WindowScore:
    """One window `[start, end)` of message positions; `cited` holds message indexes, heaviest first."""

    start: int
    end: int
    probability: float
    cited: tuple[int, ...] = ()
    words: tuple[str, ...] = ()
    senders: tuple[str | None, ...] = ()  # the sender of each cited message

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "probability": round(self.probability, 4),
                "cited": list(self.cited), "words": list(self.words)}


@dataclass(frozen=True)
class ConversationScores:
    """A signal's calibrated probabilities for a conversation. `probability` is the whole conversation's,
    read from its highest window (calibrated for conversations: a long chat has more windows to peak in)."""

    signal: str
    probability: float
    windows: tuple[WindowScore, ...]
    top: tuple[WindowScore, ...]
    senders: dict[str, float] = field(default_factory=dict)

    @property
    def flagged(self) -> bool:
        return bool(self.windows) and self.probability >= 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "probability": round(self.probability, 4),
                "windows": len(self.windows), "top": [w.to_dict() for w in self.top],
                "senders": {k: round(v, 4) for k, v in self.senders.items()}}


def score_conversation(conversation: Conversation, signal: str = "grooming",
                       scorer: LinearScorer | None = None) -> ConversationScores:
    """Score every window of a parsed conversation (senders may be `None`)."""
    stream = ScoreStream(scorer or load_model(signal))
    for m in conversation.messages:
        stream.message(m.index, m.sender, m.text)
    return stream.result()


def score_messages(texts: Sequence[str], indexes: Sequence[int] | None = None,
                   senders: Sequence[str | None] | None = None, *,
                   scorer: LinearScorer | None = None) -> ConversationScores:
    """Score texts in order; `indexes` are what citations name (default: positions)."""
    stream = ScoreStream(scorer)
    for i, text in enumerate(texts):
        stream.message(indexes[i] if indexes is not None else i, senders[i] if senders else None, text)
    return stream.result()


class ScoreStream:
    """Scores a conversation fed message by message, in chunks, keeping per message two numbers and,
    for the heaviest messages only, their text (to name the words a citation rests on)."""

    CHUNK = 512
    KEEP = 64

    def __init__(self, scorer: LinearScorer | None = None) -> None:
        self.scorer = scorer or load_model()
        self._texts: list[str] = []
        self._indexes: list[int] = []
        self._senders: list[str | None] = []
        self._weights: list[FloatArray] = []
        self._words: list[IntArray] = []
        self._kept: list[tuple[float, int, str]] = []  # min-heap of (weight, position, text)

    def message(self, index: int, sender: str | None, text: str) -> None:
        self._texts.append(text)
        self._indexes.append(index)
        self._senders.append(sender)
        if len(self._texts) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._texts:
            return
        per = self.scorer.messages(self._texts)
        base = sum(len(w) for w in self._weights)
        self._weights.append(per.weight)
        self._words.append(per.words)
        floor = self._kept[0][0] if len(self._kept) >= self.KEEP else 0.0
        for i in np.flatnonzero(per.weight > floor).tolist():
            item = (float(per.weight[i]), base + i, self._texts[i])
            if len(self._kept) < self.KEEP:
                heapq.heappush(self._kept, item)
            elif item > self._kept[0]:
                heapq.heapreplace(self._kept, item)
        self._texts = []

    def result(self) -> ConversationScores:
        self._flush()
        scorer = self.scorer
        if not self._weights:
            return ConversationScores(scorer.signal, 0.0, (), ())
        per = MessageScores(np.concatenate(self._weights), np.concatenate(self._words))
        kept = {pos: text for _, pos, text in self._kept}
        idx = self._indexes
        starts, ends = layout(per.words)
        logits = scorer.logits(per, starts, ends)
        probs = scorer.probability(logits)
        order = np.argsort(-probs, kind="stable")
        top: list[WindowScore] = []
        for w in order[:TOP_WINDOWS]:
            s, e = int(starts[w]), int(ends[w])
            share = per.weight[s:e]
            heavy = [s + int(i) for i in np.argsort(-share, kind="stable")[:TOP_MESSAGES] if share[i] > 0]
            words: dict[str, None] = {}
            for pos in heavy:
                if pos in kept:
                    for term, _ in scorer.top_terms(kept[pos], 3):
                        words.setdefault(term, None)
            top.append(WindowScore(s, e, float(probs[w]), tuple(idx[p] for p in heavy), tuple(words),
                                   tuple(self._senders[p] for p in heavy)))
        windows = tuple(WindowScore(int(s), int(e), float(p))
                        for s, e, p in zip(starts, ends, probs, strict=True))
        senders = self._senders if any(x is not None for x in self._senders) else None
        return ConversationScores(scorer.signal, scorer.conversation_probability(float(logits.max())),
                                  windows, tuple(top), _by_sender(scorer, per, senders))


def _by_sender(scorer: LinearScorer, per: MessageScores,
               senders: Sequence[str | None] | None) -> dict[str, float]:
    """Each named sender's probability: the model read on that sender's messages alone."""
    if not senders:
        return {}
    names = sorted({s for s in senders if s is not None})
    out: dict[str, float] = {}
    who = np.array([s if s is not None else "" for s in senders], dtype=object)
    for name in names:
        mine = np.flatnonzero(who == name)
        sub = MessageScores(per.weight[mine], per.words[mine])
        starts, ends = layout(sub.words)
        if len(starts):
            out[name] = scorer.conversation_probability(float(scorer.logits(sub, starts, ends).max()))
    return out
