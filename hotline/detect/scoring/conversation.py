"""Scores for one conversation: per window, overall, per sender, and what each top window rests on.

All windows are scored in one vectorised step from per-message weights (`LinearScorer.messages`); only the
few top windows are explained (their heaviest messages and terms), so citing costs nothing per message.
Senders are optional: without them (a chat pasted without names) only the window scores exist.
"""

from __future__ import annotations

import heapq
import re
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from hotline.detect.model import Conversation
from hotline.detect.scoring.linear import FloatArray, IntArray, LinearScorer, MessageScores, load_model
from hotline.detect.scoring.windows import MAX_MESSAGES, layout

__all__ = ["ConversationScores", "ScoreStream", "WindowScore", "score_conversation", "score_messages"]

#: Fewer words read than this in a whole conversation is no evidence either way: no model probability.
MIN_WORDS = 20
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
    spans: tuple[tuple[int, int] | None, ...] = ()  # in each cited message, its heaviest word as typed

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "probability": round(self.probability, 4),
                "cited": list(self.cited), "words": list(self.words)}


@dataclass(frozen=True)
class ConversationScores:
    """A signal's calibrated probabilities for a conversation. `probability` is the whole conversation's,
    read from its highest window (calibrated for conversations: a long chat has more windows to peak in).
    Windows are kept as compact arrays (`starts`, `ends`, `probabilities`); `windows` builds objects."""

    signal: str
    probability: float
    starts: IntArray
    ends: IntArray
    probabilities: FloatArray
    top: tuple[WindowScore, ...]
    senders: dict[str, float] = field(default_factory=dict)

    @property
    def windows(self) -> tuple[WindowScore, ...]:
        return tuple(WindowScore(int(s), int(e), float(p))
                     for s, e, p in zip(self.starts, self.ends, self.probabilities, strict=True))

    @property
    def flagged(self) -> bool:
        return len(self.starts) > 0 and self.probability >= 0.5

    def to_dict(self) -> dict[str, Any]:
        return {"signal": self.signal, "probability": round(self.probability, 4),
                "windows": len(self.starts), "top": [w.to_dict() for w in self.top],
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


_EMPTY_I = np.zeros(0, np.int64)
_EMPTY_F = np.zeros(0, np.float64)


class ScoreStream:
    """Scores a conversation fed message by message, with memory bounded whatever its length.

    Messages are read in chunks of `CHUNK`. Per message it keeps four numbers (weight, words read, index,
    sender code) while its windows are open; once more than `SPAN` messages are held, the windows that
    start before the last `MAX_MESSAGES` messages are complete: they are scored, the best `TOP_WINDOWS`
    are kept with their citations, and the messages are dropped (a chat longer than `SPAN` is thus laid out
    in stretches, each as `windows.layout` lays out a whole chat). Texts are kept only for the heaviest
    `KEEP` messages, to name the words a citation rests on."""

    CHUNK = 512
    SPAN = 2048
    KEEP = 64

    def __init__(self, scorer: LinearScorer | None = None) -> None:
        self.scorer = scorer or load_model()
        self._texts: list[str] = []
        self._first = 0  # global position of the first held message
        self._indexes = array("q")
        self._codes = array("i")  # sender code: -1 none, else position in self._names
        self._names: dict[str, int] = {}
        self._weights: list[FloatArray] = []
        self._words: list[IntArray] = []
        self._kept: list[tuple[float, int, str]] = []  # min-heap of (weight, position, text)
        self._starts, self._ends, self._logits = array("q"), array("q"), array("d")
        self._top: list[tuple[float, int, int, tuple[int, ...]]] = []  # (logit, start, end, heavy positions)
        self._sender_top: dict[int, float] = {}
        self._read = 0  # words read in messages already dropped
        self._all_indexes: dict[int, tuple[int, int]] = {}  # position -> (index, code), heavy messages only

    def message(self, index: int, sender: str | None, text: str) -> None:
        self._texts.append(text)
        self._indexes.append(index)
        self._codes.append(-1 if sender is None else self._names.setdefault(sender, len(self._names)))
        if len(self._texts) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if not self._texts:
            return
        per = self.scorer.messages(self._texts)
        base = self._first + sum(len(w) for w in self._weights)
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
        if sum(len(w) for w in self._weights) > self.SPAN:
            self._close(final=False)

    def _close(self, final: bool) -> None:
        """Score the held messages' windows: all of them if `final`, else those that are complete."""
        per = MessageScores(np.concatenate(self._weights), np.concatenate(self._words))
        n = len(per.weight)
        starts, ends = layout(per.words)
        drop = n
        if not final:  # windows starting in the last MAX_MESSAGES may still grow: they wait
            waiting = starts >= n - MAX_MESSAGES
            drop = int(starts[waiting][0]) if waiting.any() else n - MAX_MESSAGES
            starts, ends = starts[~waiting], ends[~waiting]
        logits = self.scorer.logits(per, starts, ends)
        g = self._first
        self._starts.extend((starts + g).tolist())
        self._ends.extend((ends + g).tolist())
        self._logits.extend(logits.tolist())
        for w in np.argsort(-logits, kind="stable")[:TOP_WINDOWS].tolist():
            s, e = int(starts[w]), int(ends[w])
            share = per.weight[s:e]
            heavy = tuple(g + s + int(i) for i in np.argsort(-share, kind="stable")[:TOP_MESSAGES] if share[i] > 0)
            for pos in heavy:
                self._all_indexes[pos] = (self._indexes[pos - self._first], self._codes[pos - self._first])
            self._top.append((float(logits[w]), g + s, g + e, heavy))
        self._top = sorted(self._top, key=lambda t: (-t[0], t[1]))[:TOP_WINDOWS]
        codes = np.frombuffer(self._codes, dtype=np.int32)[:n] if n else np.zeros(0, np.int32)
        for code, z in _by_sender(self.scorer, MessageScores(per.weight[:drop], per.words[:drop]) if not final
                                  else per, len(self._names), codes[:drop]).items():
            self._sender_top[code] = max(z, self._sender_top.get(code, -np.inf))
        if final:
            return
        self._read += int(per.words[:drop].sum())
        rest = MessageScores(per.weight[drop:], per.words[drop:])
        self._weights, self._words = [rest.weight], [rest.words]
        self._indexes = self._indexes[drop:]
        self._codes = self._codes[drop:]
        self._first += drop

    def result(self) -> ConversationScores:
        self._flush()
        scorer = self.scorer
        if self._weights and sum(len(w) for w in self._weights):
            self._read += int(sum(int(w.sum()) for w in self._words))
            self._close(final=True)
        if not len(self._logits) or self._read < MIN_WORDS:
            return ConversationScores(scorer.signal, 0.0, _EMPTY_I, _EMPTY_I, _EMPTY_F, ())
        logits = np.frombuffer(self._logits, dtype=np.float64)
        kept = {pos: text for _, pos, text in self._kept}
        names = list(self._names)
        top: list[WindowScore] = []
        for z, s, e, heavy in self._top:
            words: dict[str, None] = {}
            spans: list[tuple[int, int] | None] = []
            for pos in heavy:
                terms = scorer.top_terms(kept[pos], 3) if pos in kept else []
                for term, _ in terms:
                    words.setdefault(term, None)
                spans.append(_span(kept.get(pos, ""), [t for t, _ in terms]))
            cited = [self._all_indexes[pos] for pos in heavy]
            top.append(WindowScore(s, e, float(scorer.probability(np.asarray([z]))[0]),
                                   tuple(i for i, _ in cited), tuple(words),
                                   tuple(names[c] if c >= 0 else None for _, c in cited), tuple(spans)))
        return ConversationScores(
            scorer.signal, scorer.conversation_probability(float(logits.max())),
            np.frombuffer(self._starts, dtype=np.int64).copy(), np.frombuffer(self._ends, dtype=np.int64).copy(),
            scorer.probability(logits), tuple(top),
            {names[c]: scorer.conversation_probability(z) for c, z in sorted(self._sender_top.items(),
                                                                              key=lambda cz: names[cz[0]])},
        )


def _span(text: str, terms: Sequence[str]) -> tuple[int, int] | None:
    """Where the first of these terms (its first word) stands in the message as typed."""
    low = text.lower()
    for term in terms:
        m = re.search(rf"\b{re.escape(term.split(' ')[0])}\w*", low)
        if m is not None:
            return m.start(), m.end()
    return None


def _by_sender(scorer: LinearScorer, per: MessageScores, names: int, codes: npt.NDArray[np.int32]) -> dict[int, float]:
    """Each named sender's highest window logit, the model read on that sender's messages alone."""
    out: dict[int, float] = {}
    for code in range(names):
        mine = np.flatnonzero(codes == code)
        if not len(mine):
            continue
        sub = MessageScores(per.weight[mine], per.words[mine])
        starts, ends = layout(sub.words)
        if len(starts):
            out[code] = float(scorer.logits(sub, starts, ends).max())
    return out
