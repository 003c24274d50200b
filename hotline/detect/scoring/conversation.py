"""Scores for one conversation: per window, overall, per sender, and what each top window rests on.

All windows are scored from per-message weights (`LinearScorer.message_weights`) and two cumulative sums;
only the few top windows are explained (their heaviest messages and terms), so citing costs nothing per
message. Senders are optional: without them (a chat pasted without names) only the window scores exist.
Plain Python throughout (no numpy at run time): see `linear`.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import add
from typing import Any, Final

from hotline.detect.model import Conversation
from hotline.detect.scoring.linear import LinearScorer, load_model
from hotline.detect.scoring.windows import MAX_MESSAGES, spans
from hotline.detect.text.case import lower

__all__ = ["CONVERSATION_THRESHOLD", "LENGTH_PENALTY", "ConversationScores", "ScoreStream", "WindowScore", "conversation_logit",
           "score_conversation", "score_messages"]

#: Fewer words read than this in a whole conversation is no evidence either way: no model probability.
MIN_WORDS = 20
#: A whole conversation's logit is its highest window's less `LENGTH_PENALTY` times the log of its number of
#: windows (a long chat has more windows to peak in by chance), and the scorer calls it grooming at a
#: calibrated probability of `CONVERSATION_THRESHOLD`. Both chosen by grouped 4-fold cross-validation on the
#: train split (fold models calibrated on the calibration split, threshold chosen on the other folds),
#: F0.5 0.901 against 0.873 for the highest window alone; the mean of the top two windows (0.891), a
#: softmax mean (0.893) and penalties of 0.25-1 (0.898-0.902) were tried beside it. Rechecked the same way
#: for the model with character grams: penalty 0.5 0.924, 0.75 0.933, 1 0.932, highest window 0.905, mean of
#: the top two less 0.5 ln 0.923, a logistic fit of highest, top-two mean, ln windows and ln words on the
#: calibration conversations no better (all within the folds' spread), so 0.5 stays; the other folds chose
#: 0.7 or 0.85, and pooled F0.5 is flat from 0.65 to 0.85 (0.922-0.931, 0.929 at 0.7).
LENGTH_PENALTY = 0.5
CONVERSATION_THRESHOLD = 0.7
#: Windows explained, and messages cited per explained window.
TOP_WINDOWS = 3
TOP_MESSAGES = 3
#: Senders whose names are compared before a message's sender is looked up by hash.
FEW_SENDERS: Final = 4


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class WindowScore:
    """One window `[start, end)` of message positions; `cited` holds message indexes, heaviest first."""

    start: int
    end: int
    probability: float
    cited: tuple[int, ...] = ()
    words: tuple[str, ...] = ()
    senders: tuple[str | None, ...] = ()  # the sender of each cited message
    spans: tuple[tuple[int, int] | None, ...] = ()  # in each cited message, its heaviest word as typed

    def __init__(self, start: int, end: int, probability: float, cited: tuple[int, ...] = (),
                 words: tuple[str, ...] = (), senders: tuple[str | None, ...] = (),
                 spans: tuple[tuple[int, int] | None, ...] = ()) -> None:
        # The dataclass's own `__init__`, written out: mypyc compiles it (the generated one stays
        # interpreted, and `init=False` spares making it at every start).
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "probability", probability)
        object.__setattr__(self, "cited", cited)
        object.__setattr__(self, "words", words)
        object.__setattr__(self, "senders", senders)
        object.__setattr__(self, "spans", spans)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "probability": round(self.probability, 4),
                "cited": list(self.cited), "words": list(self.words)}


@dataclass(frozen=True, init=False)  # its `__init__` is written out
class ConversationScores:
    """A signal's calibrated probabilities for a conversation. `probability` is the whole conversation's,
    read from its highest window (calibrated for conversations: a long chat has more windows to peak in).
    Windows are kept as compact arrays (`starts`, `ends`, `probabilities`); `windows` builds objects."""

    signal: str
    probability: float
    starts: array[int]
    ends: array[int]
    probabilities: array[float]
    top: tuple[WindowScore, ...]
    senders: dict[str, float] = field(default_factory=dict)
    #: Words the scorer read in the whole conversation (how much text its probability rests on).
    words: int = 0

    def __init__(self, signal: str, probability: float, starts: array[int], ends: array[int],
                 probabilities: array[float], top: tuple[WindowScore, ...], senders: dict[str, float] | None = None,
                 words: int = 0) -> None:
        # The dataclass's own `__init__` (no `senders`: a new dict), written out as `WindowScore`'s.
        object.__setattr__(self, "signal", signal)
        object.__setattr__(self, "probability", probability)
        object.__setattr__(self, "starts", starts)
        object.__setattr__(self, "ends", ends)
        object.__setattr__(self, "probabilities", probabilities)
        object.__setattr__(self, "top", top)
        object.__setattr__(self, "senders", {} if senders is None else senders)
        object.__setattr__(self, "words", words)

    @property
    def windows(self) -> tuple[WindowScore, ...]:
        return tuple(WindowScore(s, e, p) for s, e, p in zip(self.starts, self.ends, self.probabilities, strict=True))

    @property
    def flagged(self) -> bool:
        return len(self.starts) > 0 and self.probability >= CONVERSATION_THRESHOLD

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


class ScoreStream:
    """Scores a conversation fed message by message, with memory bounded whatever its length.

    Messages are read in chunks of `CHUNK`. Per message it keeps four numbers (weight, words read, index,
    sender code) while its windows are open; once more than `SPAN` messages are held, the windows that
    start before the last `MAX_MESSAGES` messages are complete: they are scored, the best `TOP_WINDOWS`
    are kept with their citations, and the messages are dropped (a chat longer than `SPAN` is thus laid out
    in stretches, each as `windows.spans` lays out a whole chat). Texts are kept only for the heaviest
    `KEEP` messages, to name the words a citation rests on."""

    CHUNK = 512
    SPAN = 2048
    KEEP = 64

    def __init__(self, scorer: LinearScorer | None = None) -> None:
        self._scorer = scorer
        # Messages not yet read, in three lists (no tuple a message).
        self._held_indexes: list[int] = []
        self._held_senders: list[str | None] = []
        self._held_texts: list[str] = []
        self._first = 0  # global position of the first held message
        self._indexes: list[int] = []
        self._codes: list[int] = []  # sender code: -1 none, else position in self._names
        self._names: dict[str, int] = {}
        self._first_names: list[str] = []  # the first `FEW_SENDERS` names, in code order
        self._weights: list[float] = []  # held messages already read
        self._words: list[int] = []
        self._kept: list[tuple[float, int, str]] = []  # (weight, position, text), a min-heap once `KEEP` held
        self._starts, self._ends, self._logits = array("q"), array("q"), array("d")
        self._top: list[tuple[float, int, int, tuple[int, ...]]] = []  # (logit, start, end, heavy positions)
        self._sender_top: dict[int, float] = {}
        self._read = 0  # words read in messages already dropped
        self._all_indexes: dict[int, tuple[int, int]] = {}  # position -> (index, code), heavy messages only

    @property
    def scorer(self) -> LinearScorer:
        """The model, loaded at the first chunk or result: a short chat the analysis leaves unscored (no
        English in it) never loads it."""
        if self._scorer is None:
            self._scorer = load_model()
        return self._scorer

    def message(self, index: int, sender: str | None, text: str) -> None:
        texts = self._held_texts
        texts.append(text)
        self._held_indexes.append(index)
        self._held_senders.append(sender)
        if len(texts) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        """Read the held chunk: its messages' weights, word counts, indexes and sender codes."""
        indexes, senders, texts = self._held_indexes, self._held_senders, self._held_texts
        if not texts:
            return
        self._held_indexes, self._held_senders, self._held_texts = [], [], []
        weights, words = self.scorer.message_weights(texts)
        base = self._first + len(self._weights)
        self._weights += weights
        self._words += words
        self._indexes += indexes
        names, codes, few = self._names, self._codes, self._first_names
        for sender in senders:  # codes in order of first message
            if sender is None:
                codes.append(-1)
                continue
            # A chat's few senders are found by comparing (each message's sender is a new string: a lookup
            # would hash it first).
            code = -1
            for k in range(len(few)):
                if few[k] == sender:
                    code = k
                    break
            if code < 0:
                found = names.get(sender)
                if found is None:
                    code = names[sender] = len(names)
                    if code < FEW_SENDERS:
                        few.append(sender)
                else:
                    code = found
            codes.append(code)
        kept = self._kept
        floor = kept[0][0] if len(kept) >= self.KEEP else 0.0
        for i in range(len(weights)):
            if not weights[i] > floor:
                continue
            item = (weights[i], base + i, texts[i])
            if len(kept) < self.KEEP:  # a heap once full (only then is its least read): the same items kept
                kept.append(item)
                if len(kept) == self.KEEP:
                    heapq.heapify(kept)
            elif item > kept[0]:
                heapq.heapreplace(kept, item)
        if len(self._weights) > self.SPAN:
            self._close(final=False)

    def _close(self, final: bool) -> None:
        """Score the held messages' windows: all of them if `final`, else those that are complete."""
        weights, words, codes = self._weights, self._words, self._codes
        n = len(weights)
        starts, ends = spans(words)
        drop = n
        if not final:  # windows starting in the last MAX_MESSAGES may still grow: they wait
            cut = n - MAX_MESSAGES
            waiting = bisect_left(starts, cut)  # window starts increase
            drop = starts[waiting] if waiting < len(starts) else cut
            starts, ends = starts[:waiting], ends[:waiting]
        logits = self.scorer.window_logits(weights, words, starts, ends)
        g = self._first
        self._starts.extend(map(add, starts, repeat(g)))
        self._ends.extend(map(add, ends, repeat(g)))
        self._logits.extend(logits)
        for w in _highest(logits, TOP_WINDOWS):
            s, e = starts[w], ends[w]
            share = weights[s:e]
            heavy = tuple(g + s + k for k in _highest(share, TOP_MESSAGES) if share[k] > 0)
            for pos in heavy:
                self._all_indexes[pos] = (self._indexes[pos - g], codes[pos - g])
            self._top.append((logits[w], g + s, g + e, heavy))
        self._top = sorted(self._top, key=lambda t: (-t[0], t[1]))[:TOP_WINDOWS]
        if self._names:
            for code, z in _by_sender(self.scorer, weights[:drop], words[:drop], codes[:drop]).items():
                self._sender_top[code] = max(z, self._sender_top.get(code, -math.inf))
        if final:
            return
        self._read += sum(words[:drop])
        self._weights, self._words = weights[drop:], words[drop:]
        self._indexes = self._indexes[drop:]
        self._codes = codes[drop:]
        self._first += drop

    def result(self) -> ConversationScores:
        self._flush()
        scorer = self.scorer
        if self._weights:
            self._read += sum(self._words)
            self._close(final=True)
        if not self._logits or self._read < MIN_WORDS:
            return ConversationScores(scorer.signal, 0.0, array("q"), array("q"), array("d"), ())
        kept = {pos: text for _, pos, text in self._kept}
        names = list(self._names)
        top: list[WindowScore] = []
        # A message cited by several of the top windows (they overlap) is explained once, all of them read
        # in one pass (`LinearScorer.cited_terms`: each as `top_terms` reads it alone).
        cited_kept: dict[int, None] = {}
        for _, _, _, heavy in self._top:
            for pos in heavy:
                if pos in kept:
                    cited_kept[pos] = None
        explained: dict[int, tuple[list[str], tuple[int, int] | None]] = {}
        if cited_kept:
            read = scorer.cited_terms([kept[pos] for pos in cited_kept], 3)
            for pos, found_terms in zip(cited_kept, read, strict=True):
                terms = [t for t, _ in found_terms]
                explained[pos] = (terms, _span(kept[pos], terms))
        for z, s, e, heavy in self._top:
            words: dict[str, None] = {}
            spans_: list[tuple[int, int] | None] = []
            for pos in heavy:
                found = explained.get(pos)
                if found is None:  # not kept: no text to explain it by
                    found = explained[pos] = ([], None)
                for term in found[0]:
                    words.setdefault(term, None)
                spans_.append(found[1])
            cited = [self._all_indexes[pos] for pos in heavy]
            top.append(WindowScore(s, e, scorer.window_probability(z),
                                   tuple(i for i, _ in cited), tuple(words),
                                   tuple(names[c] if c >= 0 else None for _, c in cited), tuple(spans_)))
        return ConversationScores(
            scorer.signal, scorer.conversation_probability(conversation_logit(self._logits)),
            self._starts, self._ends, array("d", scorer.window_probabilities(self._logits)), tuple(top),
            {names[c]: scorer.conversation_probability(z) for c, z in sorted(self._sender_top.items(),
                                                                              key=lambda cz: names[cz[0]])},
            self._read,
        )


def _highest(values: list[float], count: int) -> list[int]:
    """The positions of the `count` highest values, highest first, and among equal values the earlier: what
    a stable sort of the positions by value, highest first, begins with, without sorting them all."""
    top: list[int] = []
    if count <= 0:
        return top
    for i in range(len(values)):
        value = values[i]
        at = len(top)
        if at >= count and not value > values[top[at - 1]]:
            continue
        while at > 0 and value > values[top[at - 1]]:
            at -= 1
        top.insert(at, i)
        if len(top) > count:
            top.pop()
    return top


def conversation_logit(logits: Sequence[float]) -> float:
    """A whole conversation's logit from its window logits (see `LENGTH_PENALTY`)."""
    return max(logits) - LENGTH_PENALTY * math.log(len(logits))


def _span(text: str, terms: Sequence[str]) -> tuple[int, int] | None:
    """Where the first of these terms (its first word) stands in the message as typed."""
    low = lower(text)
    for term in terms:
        found = _word_start(low, term.split(" ")[0])
        if found is not None:
            return found
    return None


def _word_start(text: str, word: str) -> tuple[int, int] | None:
    """Where `re.search(rf"\\b{re.escape(word)}\\w*", text)` matches (start, end), found without a regex: a
    fresh process compiled one a cited word, each costing more than the chat's scoring (re's parser is Python).
    A word character is what re's is for a `str` pattern (`_word_char`); `\\b` at a place is a word character
    on one side of it only (none before the start or after the end; never in an empty text)."""
    n = len(text)
    at = text.find(word)
    while at >= 0:
        before = at > 0 and _word_char(text[at - 1])
        after = at < n and _word_char(text[at])
        if before != after:
            end = at + len(word)
            while end < n and _word_char(text[end]):
                end += 1
            return at, end
        at = text.find(word, at + 1)
    return None


def _word_char(c: str) -> bool:
    """re's `\\w` for a `str` pattern (Unicode): alphanumeric as `str.isalnum` tells, or "_"."""
    return c.isalnum() or c == "_"


def _by_sender(scorer: LinearScorer, weights: Sequence[float], words: Sequence[int],
               codes: Sequence[int]) -> dict[int, float]:
    """Each named sender's highest window logit, the model read on that sender's messages alone."""
    # Each sender's messages gathered in one pass (cheaper than a pass per sender, plain or compiled), in
    # lists by sender code (codes are positions: 0, 1, ...).
    if len(codes) != len(weights) or len(codes) != len(words):
        raise ValueError("as many sender codes, weights and word counts as messages are needed")
    by_weights: list[list[float]] = []
    by_words: list[list[int]] = []
    # Compiled, lists are read in place (a sequence by a boxed index).
    weighed: list[float] = weights if isinstance(weights, list) else list(weights)
    counted: list[int] = words if isinstance(words, list) else list(words)
    coded: list[int] = codes if isinstance(codes, list) else list(codes)
    for i in range(len(coded)):
        code = coded[i]
        if code >= 0:
            while code >= len(by_weights):
                by_weights.append([])
                by_words.append([])
            by_weights[code].append(weighed[i])
            by_words[code].append(counted[i])
    out: dict[int, float] = {}
    for code in range(len(by_weights)):
        sub_weights, sub_words = by_weights[code], by_words[code]
        if not sub_words:
            continue
        starts, ends = spans(sub_words)
        if starts:
            out[code] = max(scorer.window_logits(sub_weights, sub_words, starts, ends))
    return out
