"""A linear model over word and word-pair counts, with its calibration: read and run without numpy.

The logit of a window is `bias + (sum of the weights of its terms) / words ** alpha`, where `words` counts
the words the scorer read in it. Because that sum is a sum over messages, each message's share is
computed once (`message_weights`) and every window of a conversation is scored from two cumulative sums;
the share of a message is also what makes it cited. The probability is the logit passed through the
calibration fitted on held-back conversations (Platt scaling: `1 / (1 + exp(-(a*z+b)))`).

A content word also counts for its character 4-grams (`terms.char_grams`): a word's weight, its own and its
grams' summed, is worked out once per distinct word and kept (`_WordWeights`; compiled, in the word's `_Token`), and a word's weight plus
the weight of the pair it starts is one lookup: compiled, among the pairs the word was read starting
(`_Token.follow`, each kept when first read); in plain Python, once a scorer has read enough words, of the
two words in a table of the vocabulary's pairs (`_pair_tables`): a message costs C-level lookups.

Scoring is dict lookups and float additions in plain Python, so `hotline analyze` on a small chat starts
without importing numpy (a tenth of a second). Training and `hotline eval-real` use the vectorised forms
(`messages`, `logits`, `probability`, numpy imported when first called), fed by the same per-message sums.

Files: `weights/<signal>.npz` (arrays `weights` float32, one per term, and `bias`; a zip of `.npy` files,
read here with `zipfile` and the `.npy` header, never unpickled) and `weights/<signal>.json` (terms in
array order, alpha, calibration, threshold, sources and figures). Parsing them cost a third of a small
chat's start (the JSON's 57,000 terms, the zip): `load_model` keeps what it read in the user's cache folder
(`_kept_path`), beside the compiled lexicons, as one `marshal` of plain data holding both files' bytes (and
the words the vocabulary's pairs start or end with, `_pair_words`, by their place among the terms), read
back only when they are the files' bytes now (compared whole, no digest: an edited model is never
served stale).
"""

from __future__ import annotations

import contextlib
import io
import json
import marshal
import math
import os
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import accumulate, chain, pairwise, repeat
from operator import add, itemgetter, mul, neg, sub, truediv
from types import FunctionType
from typing import IO, TYPE_CHECKING, Any, Final, TypeAlias

from hotline.detect.errors import DataError
from hotline.detect.scoring.terms import (
    MARK,
    canonical_text,
    canonical_tokens,
    canonical_word,
    gram_word,
    raw_tokens,
    terms,
)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# string aliases: mypyc reads this module while building the engine, where numpy is not installed
FloatArray: TypeAlias = "npt.NDArray[np.float64]"
IntArray: TypeAlias = "npt.NDArray[np.int64]"

__all__ = ["COMPILED", "KEPT", "PAIRS_AFTER", "PAIRS_KEPT", "LinearScorer", "MessageScores", "load_model", "read_model"]


#: Distinct words (and tokens) whose weights a scorer keeps; beyond that, an unseen one is worked out each time
#: it is read. Module constants, not class ones: compiled with mypyc, a class constant reads as an attribute.
KEPT: Final = 200_000
#: Words a scorer reads word pair by word pair before it builds its table of pairs (`_Cache.pairs`, plain
#: Python): building costs about as much as reading this many words the slower way, so a short chat never pays.
PAIRS_AFTER: Final = 100_000
#: Distinct word pairs whose sums a compiled scorer keeps (`_Token.follow`); beyond that, an unseen pair is
#: looked up by name each time it is read.
PAIRS_KEPT: Final = 500_000


class _WordWeights(dict[str, float]):
    """Each distinct word read so far → its weight plus its character grams' (summed in gram order), worked
    out the first time the word is read (`__missing__`), so that a message costs one C-level lookup per word.
    Entries are only ever added (a concurrent reader never misses one), at most `KEPT` of them (beyond
    that, an unseen word is worked out each time it is read)."""

    def __init__(self, weights: dict[str, float], gram: int) -> None:
        super().__init__({MARK: 0.0})
        self.weights = weights
        self.gram = gram

    def __missing__(self, token: str) -> float:
        w = _word_weight(self.weights, self.gram, token)
        if len(self) < KEPT:
            self[token] = w
        return w


#: `_pair_words`' flags: a word starts a pair of the vocabulary, ends one.
_STARTS: Final = 1
_ENDS: Final = 2


def _pair_words(terms: Iterable[str]) -> dict[str, int]:
    """Each word a pair of the vocabulary ("first second") starts or ends with → `_STARTS` | `_ENDS`: one
    lookup a distinct word read tells whether its pairs need looking up at all."""
    words: dict[str, int] = {}
    for term in terms:
        if " " in term:
            first, _, second = term.partition(" ")
            words[first] = words.get(first, 0) | _STARTS
            words[second] = words.get(second, 0) | _ENDS
    return words


def _word_weight(weights: dict[str, float], gram: int, token: str) -> float:
    """A word's weight plus its character grams' (summed in gram order), a function apart: compiled, its
    lookups are direct ones (a dict subclass's attributes and bound methods are not)."""
    # A gram is looked up as "#" and its slice of the word: a table of the vocabulary's grams without
    # their "#" cost more to build (3.5 ms) than a chat's distinct words cost to look up this way. A term
    # outside the vocabulary adds nothing (compiled, a 0.0 default is a float made per lookup): adding its
    # 0.0 changed at most the sign of a zero sum, which the last `+ 0.0` makes 0.0 either way.
    found = weights.get(token)
    w = 0.0 if found is None else found
    if gram_word(token, gram):  # its grams as `char_grams` lists them, summed in that order
        marked = f"<{token}>"
        for i in range(len(marked) - gram + 1):
            found = weights.get("#" + marked[i:i + gram])
            if found is not None:
                w += found
    return w + 0.0  # a -0.0 reads as 0.0, as adding the 0.0 of a pair outside the vocabulary made it


class _Token:
    """A token as a compiled scorer reads it: the canonical words it stands for (`parts`: none if it is
    dropped, itself for most), and as a word its weight (`_WordWeights`) and the pairs it was read starting
    (next word → its weight plus the pair's, as in `_Cache.pairs`), each kept when first read
    (`LinearScorer._pair`): a pair costs one lookup by name, the first time, and no table is built. Whether
    the vocabulary holds a pair it starts (`starts`) or ends (`ends`): if the first word starts none or the
    second ends none, the pair is not looked up at all."""

    def __init__(self, word: str, weight: float, starts: bool = False, ends: bool = False) -> None:
        self.word = word
        self.weight = weight
        self.starts = starts
        self.ends = ends
        self.follow: dict[str, float] = {}
        self.spaced = word + " " if starts else word  # the start of the name of a pair it starts
        self.parts: tuple[_Token, ...] = (self,)
        self.end = word == MARK


class _Cache:
    """A scorer's tables, filled as it reads (the scorer itself is frozen)."""

    def __init__(self) -> None:
        self.words: _WordWeights | None = None
        self.pairs: dict[tuple[str, str], float] | None = None
        self.read = 0  # words read before `pairs` was built
        # Compiled reading: tokens as typed → what they stand for; canonical words → theirs; pairs kept.
        self.tokens: dict[str, _Token] = {}
        self.canonical: dict[str, _Token] = {}
        self.pairs_kept = 0
        # The words the vocabulary's pairs start or end with (`_pair_words`), from the kept form or at need.
        self.pair_words: dict[str, int] | None = None


#: Before the first word: never read (a message's first word pairs with nothing before it).
_NOTHING: Final = _Token("", 0.0)


class MessageScores:
    """Per message: the summed weight of its terms and how many words the scorer read in it (numpy).
    A plain class, never changed once made (see `LinearScorer`: not a dataclass)."""

    def __init__(self, weight: FloatArray, words: IntArray) -> None:
        self.weight = weight
        self.words = words

    def __repr__(self) -> str:
        return f"MessageScores(weight={self.weight!r}, words={self.words!r})"


class LinearScorer:
    """One signal's model: term weights, intercept, length exponent and calibration.

    A plain class, never changed once made, equal to another made from the same model (as the frozen
    dataclass it was: making a dataclass's methods, `exec` of their generated source, cost every start)."""

    def __init__(self, signal: str, weights: dict[str, float], bias: float, alpha: float,
                 calibration: tuple[float, float], threshold: float, meta: dict[str, Any],
                 conversation: tuple[float, float] = (1.0, 0.0), gram: int = 0) -> None:
        self.signal = signal
        self.weights = weights
        self.bias = bias
        self.alpha = alpha
        self.calibration = calibration
        self.threshold = threshold
        self.meta = meta
        #: Platt parameters for a whole conversation's highest window logit (more windows, higher maxima).
        self.conversation = conversation
        #: Length of the character grams a content word also counts for (0: words and word pairs only).
        self.gram = gram
        #: What reading keeps between calls: each distinct word's weight, and the vocabulary's word pairs.
        self._cache = _Cache()

    def _key(self) -> tuple[Any, ...]:
        return (self.signal, self.weights, self.bias, self.alpha, self.calibration, self.threshold, self.meta,
                self.conversation, self.gram)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LinearScorer):
            return NotImplemented
        return self._key() == other._key()

    def __repr__(self) -> str:
        return (f"LinearScorer(signal={self.signal!r}, weights={self.weights!r}, bias={self.bias!r}, "
                f"alpha={self.alpha!r}, calibration={self.calibration!r}, threshold={self.threshold!r}, "
                f"meta={self.meta!r}, conversation={self.conversation!r}, gram={self.gram!r})")

    def _word_table(self) -> _WordWeights:
        cache = self._cache
        if cache.words is None:
            cache.words = _WordWeights(self.weights, self.gram)
        return cache.words

    def message_weights(self, texts: Sequence[str]) -> tuple[list[float], list[int]]:
        """Each message's summed term weight and the words read in it, in one pass over the conversation.

        A word (with its character grams) and the pair it starts are looked up by their text. The sums are
        taken as the vectorised form took them, a running sum over all the texts of each word's weight plus
        its pair's, differenced at each message's end, so both forms give the same floats. With the table
        of pairs built, a word's weight plus its pair's is one lookup of the two words (the same sum, taken
        once per pair in the vocabulary; a pair outside it adds 0.0, which the table's words already did)."""
        raw = raw_tokens(texts)
        if COMPILED:
            return self._read(raw)
        cache = self._cache
        if cache.pairs is None:
            cache.read += len(raw)
            if cache.read >= PAIRS_AFTER:
                self._pair_tables()
        return self._mapped(raw, len(texts))

    def _mapped(self, raw: list[str], count: int) -> tuple[list[float], list[int]]:
        """`message_weights` in C-level maps over the canonical tokens (the fastest way in plain Python)."""
        tokens = canonical_tokens(raw)
        word = self._word_table().__getitem__
        pairs = self._cache.pairs
        if pairs is None:
            get = self.weights.get
            joined = map(get, map(" ".join, pairwise(tokens)), repeat(0.0))
            values: Iterable[float] = map(add, map(word, tokens), chain(joined, (0.0,)))
        else:  # the last token, a mark, is paired with a mark: no such pair, and a mark weighs 0.0
            following = tokens[1:]
            following.append(MARK)
            values = map(pairs.get, zip(tokens, following, strict=True), map(word, tokens))
        running = list(accumulate(values))
        marks: list[int] = []
        mark, find, append = -1, tokens.index, marks.append
        for _ in range(count or 1):  # every message ends with a mark (an empty list reads as one)
            mark = find(MARK, mark + 1)
            append(mark)
        ends = list(map(running.__getitem__, marks))
        weights = list(map(sub, ends, chain((0.0,), ends)))
        words = list(map(sub, marks, chain((0,), map(add, marks, repeat(1)))))
        return weights, words

    def _read(self, raw: list[str]) -> tuple[list[float], list[int]]:
        """`message_weights` token by token (the fastest way compiled): one lookup a token as typed, one more
        for the pair it ends (among the pairs its first word was read starting). The same running sum, in
        the same order: a word's weight plus its pair's is added when the next word is read (a message's
        last word, and the mark, pair with nothing: they add 0.0, which changes no sum)."""
        tokens = self._cache.tokens
        weights: list[float] = []
        words: list[int] = []
        running = end = 0.0
        n = 0
        prev = _NOTHING
        for text in raw:
            token = tokens.get(text)
            if token is None:
                token = self._token(text)
            if token.end:
                if n:
                    running += prev.weight
                weights.append(running - end)
                words.append(n)
                end = running
                n = 0
                continue
            for part in token.parts:
                if n:
                    if prev.starts and part.ends:
                        pair = prev.follow.get(part.word)
                        running += self._pair(prev, part) if pair is None else pair
                    else:  # no such pair: the word's weight (never -0.0), what `_pair` gives for it
                        running += prev.weight
                prev = part
                n += 1
        return weights, words

    def _token(self, text: str) -> _Token:
        """What a token as typed stands for (kept for the next time, up to `KEPT` tokens)."""
        canonical = canonical_word(text)
        if text == MARK:
            token = _Token(MARK, 0.0)
            token.parts = ()
        elif " " in canonical or not canonical:
            token = _Token(canonical, 0.0)
            token.parts = tuple(map(self._word, canonical.split()))
        else:
            token = self._word(canonical)
        if len(self._cache.tokens) < KEPT:
            self._cache.tokens[text] = token
        return token

    def _word(self, word: str) -> _Token:
        """A canonical word's weight and the pairs it starts (kept, up to `KEPT` words)."""
        cache = self._cache
        token = cache.canonical.get(word)
        if token is None:
            # Worked out here, not through `_WordWeights` (its `__missing__` is a call through Python): the
            # token keeps it. One `_Token` a word, so the next word's string is the one its pairs are kept by.
            pair_words = cache.pair_words
            if pair_words is None:
                pair_words = cache.pair_words = _pair_words(self.weights)
            flags = pair_words.get(word, 0)
            token = _Token(word, _word_weight(self.weights, self.gram, word), flags & _STARTS != 0,
                           flags & _ENDS != 0)
            if len(cache.canonical) < KEPT:
                cache.canonical[word] = token
        return token

    def _pair(self, first: _Token, second: _Token) -> float:
        """The first word's weight plus the pair's (0.0 outside the vocabulary: a word's weight is never
        -0.0, so the sum is the word's weight, as adding nothing for the pair gave), kept in the first
        word's pairs (up to `PAIRS_KEPT` pairs in all)."""
        found = self.weights.get(first.spaced + second.word)
        total = first.weight if found is None else first.weight + found
        cache = self._cache
        if cache.pairs_kept < PAIRS_KEPT:
            cache.pairs_kept += 1
            first.follow[second.word] = total
        return total

    def _pair_tables(self) -> None:
        """Build the table of pairs (plain Python): (word, next word) → the word's weight plus the pair's,
        for every pair in the vocabulary, as `_Cache.pairs`."""
        names = [t for t in self.weights if " " in t]
        parts = list(map(str.partition, names, repeat(" ")))
        firsts = list(map(itemgetter(0), parts))
        sums = map(add, map(self._word_table().__getitem__, firsts), map(self.weights.__getitem__, names))
        self._cache.pairs = dict(zip(zip(firsts, map(itemgetter(2), parts), strict=True), sums, strict=True))

    def window_logits(self, weights: Sequence[float], words: Sequence[int],
                      starts: Sequence[int], ends: Sequence[int]) -> list[float]:
        """The logit of each window `[start, end)` of messages with these weights and word counts."""
        if len(starts) != len(ends):
            raise ValueError(f"{len(starts)} window starts but {len(ends)} ends")
        wcum, ncum = _bounds_sums(weights, words, starts, ends)
        if self.alpha == 0.5:  # as numpy computes `x ** 0.5`: a square root (one loop: a float a window)
            bias = self.bias
            logits: list[float] = []
            for s, e in zip(starts, ends, strict=True):
                count = ncum[e] - ncum[s]
                logits.append(bias + (wcum[e] - wcum[s]) / math.sqrt(count if count > 1 else 1))
            return logits
        totals = map(sub, map(wcum.__getitem__, ends), map(wcum.__getitem__, starts))
        counts = map(max, map(sub, map(ncum.__getitem__, ends), map(ncum.__getitem__, starts)), repeat(1))
        scales = map(pow, map(float, counts), repeat(self.alpha))
        return list(map(add, repeat(self.bias), map(truediv, totals, scales)))

    def window_probability(self, logit: float) -> float:
        """Calibrated probability of one window."""
        return _platt(self.calibration, logit)

    def window_probabilities(self, logits: Iterable[float]) -> Iterator[float]:
        """`window_probability` of each logit, in C-level maps (the same float operations, in order)."""
        a, b = self.calibration
        z = map(add, map(mul, repeat(a), logits), repeat(b))
        clipped = map(min, map(max, z, repeat(-60.0)), repeat(60.0))
        return map(truediv, repeat(1.0), map(add, repeat(1.0), map(math.exp, map(neg, clipped))))

    def conversation_probability(self, top_logit: float) -> float:
        """Calibrated probability of a whole conversation from its highest window logit."""
        return _platt(self.conversation, top_logit)

    # The vectorised forms, for training and evaluation over whole corpora.

    def messages(self, texts: Sequence[str]) -> MessageScores:
        """`message_weights` as numpy arrays."""
        import numpy as np

        weights, words = self.message_weights(texts)
        return MessageScores(np.asarray(weights, dtype=np.float64), np.asarray(words, dtype=np.int64))

    def logits(self, scores: MessageScores, starts: IntArray, ends: IntArray) -> FloatArray:
        """The logit of each window `[start, end)` of messages, all windows at once."""
        import numpy as np

        wcum = np.concatenate(([0.0], np.cumsum(scores.weight)))
        ncum = np.concatenate(([0], np.cumsum(scores.words)))
        total = wcum[ends] - wcum[starts]
        words = np.maximum(ncum[ends] - ncum[starts], 1).astype(np.float64)
        return self.bias + total / words ** self.alpha  # type: ignore[no-any-return]

    def probability(self, logits: FloatArray) -> FloatArray:
        """Calibrated probability of each window."""
        import numpy as np

        a, b = self.calibration
        return 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -60.0, 60.0)))

    def score_windows(self, windows: Sequence[str]) -> FloatArray:
        """The calibrated probability of each window (a numpy array); a window's lines are its messages."""
        import numpy as np

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
        table = self._word_table()
        seen: dict[str, float] = {}
        for t in terms(words):
            w = self.weights.get(t, 0.0) if " " in t else table[t]
            if w > 0:
                seen[t] = w
        return sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]


    def cited_terms(self, texts: Sequence[str], limit: int) -> list[list[tuple[str, float]]]:
        """`top_terms` of each text, read in one pass over them all and word by word as `_read` reads them
        (a word's weight kept in its `_Token`; a pair looked up only where the vocabulary may hold it)."""
        tokens = self._cache.tokens
        out: list[list[tuple[str, float]]] = []
        if not texts:  # (`raw_tokens` reads no texts as one empty one)
            return out
        words: list[_Token] = []
        for text in raw_tokens(texts):
            token = tokens.get(text)
            if token is None:
                token = self._token(text)
            if not token.end:
                words.extend(token.parts)
                continue
            out.append(self._heaviest(words, limit))
            words = []
        return out

    def _heaviest(self, words: list[_Token], limit: int) -> list[tuple[str, float]]:
        """The terms of a message's words that weigh most towards the signal, heaviest first: `top_terms`."""
        seen: dict[str, float] = {}
        for token in words:
            if token.weight > 0:
                seen[token.word] = token.weight
        weights = self.weights
        for i in range(1, len(words)):
            first, second = words[i - 1], words[i]
            if first.starts and second.ends:  # else no such pair in the vocabulary: weight 0.0
                name = first.spaced + second.word
                found = weights.get(name)
                if found is not None and found > 0:
                    seen[name] = found
        # Sorted by (-weight, term), as `top_terms` sorts (terms are distinct: no tie goes further).
        order = sorted([(-w, t) for t, w in seen.items()])
        return [(t, -w) for w, t in order[:limit]]


def _bounds_sums(weights: Sequence[float], words: Sequence[int], starts: Sequence[int],
                 ends: Sequence[int]) -> tuple[list[float], list[int]]:
    """The running sums of the weights and of the words before each position where a window starts or ends,
    summed as `accumulate(weights, initial=0.0)` sums them (from 0.0, in order: the same floats), kept at
    those positions only (elsewhere 0): a float object per window bound, not per message."""
    if not starts:
        return [0.0], [0]
    top = max(max(starts), max(ends))
    if top > len(weights) or top > len(words) or min(starts) < 0 or min(ends) < 0:
        raise IndexError("window bounds beyond the messages")
    wanted = [False] * (top + 1)
    for s in starts:
        wanted[s] = True
    for e in ends:
        wanted[e] = True
    wcum = [0.0] * (top + 1)
    ncum = [0] * (top + 1)
    total, count = 0.0, 0
    summed: list[float] = weights if isinstance(weights, list) else list(weights)  # compiled: read in place
    counted: list[int] = words if isinstance(words, list) else list(words)
    for i in range(top):
        if wanted[i]:
            wcum[i], ncum[i] = total, count
        total += summed[i]
        count += counted[i]
    wcum[top], ncum[top] = total, count
    return wcum, ncum


#: `.npy` element types read: little- or big-endian float32 and float64 (`|` and `=` are native order).
_NPY_TYPES = {"f4": "f", "f8": "d"}


def _platt(params: tuple[float, float], logit: float) -> float:
    """A logit through Platt's sigmoid `(a, b)`, clipped as `probability` clips it (no overflow in exp)."""
    a, b = params
    return 1.0 / (1.0 + math.exp(-min(max(a * logit + b, -60.0), 60.0)))


#: Whether this module runs compiled (mypyc makes its functions built-in ones): then a scorer reads its tokens
#: one by one (`LinearScorer._read`): compiled, that costs under half the C-level maps (the faster way in plain
#: Python), 0.164 s against 0.278 s per 100,000 harmless-heavy messages, string stage included.
COMPILED: Final = not isinstance(_platt, FunctionType)


def _read_npy(blob: bytes) -> array[float]:
    """A one-dimensional float array from the bytes of an `.npy` file (format versions 1-3)."""
    if blob[:6] != b"\x93NUMPY" or len(blob) < 10:
        raise ValueError("not an .npy array")
    size, start = (int.from_bytes(blob[8:10], "little"), 10) if blob[6] == 1 else (
        int.from_bytes(blob[8:12], "little"), 12)
    import ast  # only here: a start that reads the kept form does not load it

    header = ast.literal_eval(blob[start:start + size].decode("latin-1"))  # a dict literal, never code
    if not isinstance(header, dict) or header.get("fortran_order") is not False:
        raise ValueError("unexpected .npy header")
    descr, shape = str(header.get("descr", "")), header.get("shape")
    code = _NPY_TYPES.get(descr[1:])
    if code is None or descr[0] not in "<>|=" or not isinstance(shape, tuple) or len(shape) != 1:
        raise ValueError(f"unexpected .npy array: {descr!r} of shape {shape!r}")
    values: array[float] = array(code)
    values.frombytes(blob[start + size:])
    if descr[0] in "<>" and (descr[0] == "<") != (sys.byteorder == "little"):
        values.byteswap()
    if len(values) != shape[0]:
        raise ValueError(f".npy array of {len(values)} values, {shape[0]} announced")
    return values


def _read_npz(npz: IO[bytes]) -> dict[str, array[float]]:
    import zipfile  # only here: a start that reads the kept form does not load it

    try:
        with zipfile.ZipFile(npz) as zf:
            return {info.filename[:-4]: _read_npy(zf.read(info)) for info in zf.infolist()
                    if info.filename.endswith(".npy")}
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not an .npz archive: {exc}") from exc


def read_model(npz: IO[bytes], meta: dict[str, Any]) -> LinearScorer:
    """A scorer from an open `.npz` and its JSON metadata; checks that they belong together."""
    names, weights, bias = _model_arrays(npz, meta)
    return _scorer(meta, names, weights, bias)


def _model_arrays(npz: IO[bytes], meta: dict[str, Any]) -> tuple[list[str], array[float], float]:
    """The terms, their weights and the bias of a model's files, checked to belong together."""
    arrays = _read_npz(npz)
    if "weights" not in arrays or not arrays.get("bias"):
        raise ValueError("the .npz holds no 'weights' or no 'bias'")
    weights, bias = arrays["weights"], float(arrays["bias"][0])
    names = meta.get("terms")
    if not isinstance(names, list) or len(names) != len(weights):
        raise DataError(f"model {meta.get('signal')!r}: {len(weights)} weights but "
                        f"{len(names) if isinstance(names, list) else 'no'} terms")
    return names, weights, bias


def _scorer(meta: dict[str, Any], names: list[str], weights: array[float], bias: float) -> LinearScorer:
    cal = meta["calibration"]
    conv = meta.get("conversation_calibration", {"a": 1.0, "b": 0.0})
    return LinearScorer(
        signal=str(meta["signal"]), weights=dict(zip(names, weights, strict=True)), bias=bias,
        alpha=float(meta["alpha"]), calibration=(float(cal["a"]), float(cal["b"])),
        threshold=float(meta.get("threshold", 0.5)),
        meta={k: v for k, v in meta.items() if k != "terms"},
        conversation=(float(conv["a"]), float(conv["b"])), gram=int(meta.get("char_grams", 0)),
    )


#: The shipped models: `weights/` beside this module (compiled or not), inside the package.
_WEIGHTS: Final = os.path.join(os.path.dirname(os.path.abspath(__file__)), "weights")
#: The kept form's layout (written in it): a file of another layout is read as missing.
_KEPT_FORM: Final = "linear-model-3"
#: Separates the terms in the kept form's one string of them (a model with a term holding it is not kept).
_TERMS_SEP: Final = "\0"


def _kept_path(signal: str) -> str | None:
    """Where the kept form of a model is: the lexicons' cache folder (`signals.compiled`: `$HOTLINE_CACHE_DIR`,
    else `$XDG_CACHE_HOME/hotline`, else `~/.cache/hotline`), one file per signal and Python (None: the
    cache is off, `HOTLINE_CACHE_DIR=""`, or there is no home folder)."""
    configured = os.environ.get("HOTLINE_CACHE_DIR")
    if configured is not None:
        if not configured:
            return None
        base = configured
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        if xdg:
            base = os.path.join(xdg, "hotline")
        else:
            home = os.path.expanduser("~")
            if home == "~":
                return None
            base = os.path.join(home, ".cache", "hotline")
    return os.path.join(base, f"model-{signal}-{sys.implementation.cache_tag}.bin")


def _read_kept(path: str, meta_bytes: bytes, npz_bytes: bytes) -> LinearScorer | None:
    """The scorer kept at `path` if it was made from exactly these files' bytes (None: absent, stale, unreadable)."""
    try:
        with open(path, "rb") as fh:
            data = marshal.loads(fh.read())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if (type(data) is not tuple or len(data) != 10 or data[0] != _KEPT_FORM or data[1] != meta_bytes
            or data[2] != npz_bytes):
        return None
    _, _, _, terms, packed, bias, meta, places, flags, others = data
    if (type(terms) is not str or type(packed) is not bytes or type(bias) is not float or type(meta) is not dict
            or type(places) is not bytes or type(flags) is not bytes or type(others) is not str):
        return None
    weights: array[float] = array("d")
    try:
        weights.frombytes(packed)
        names = terms.split(_TERMS_SEP)
        scorer = _scorer(meta, names, weights, bias)
        scorer._cache.pair_words = _kept_pair_words(names, places, flags, others)
    except (ValueError, KeyError, TypeError, IndexError):  # not what `_keep` wrote: read the files
        return None
    return scorer


def _kept_pair_words(names: list[str], places: bytes, flags: bytes, others: str) -> dict[str, int]:
    """`_pair_words` as kept: the words that are terms too (all but a few) by their place among the terms
    (`places`, int32), so that their strings, hashed when the weights were, are not made and hashed again;
    the others by name. `flags` holds theirs in that order."""
    at: array[int] = array("i")
    at.frombytes(places)
    rest = others.split(_TERMS_SEP) if others else []
    count = len(at)
    if len(flags) != count + len(rest):
        raise ValueError("pair words and their flags differ in number")
    words: dict[str, int] = {}
    for k in range(count):
        i = at[k]
        if i < 0:
            raise IndexError("a pair word's place is negative")
        words[names[i]] = flags[k]
    for k in range(len(rest)):
        words[rest[k]] = flags[count + k]
    return words


def _keep(path: str, meta_bytes: bytes, npz_bytes: bytes, names: list[str], weights: array[float], bias: float,
          meta: dict[str, Any], pair_words: dict[str, int]) -> None:
    """Write the kept form atomically (`os.replace`); a model that cannot be kept, or any error, is let be."""
    if not all(type(n) is str and _TERMS_SEP not in n for n in names):
        return
    rest = {k: v for k, v in meta.items() if k != "terms"}
    place = {name: i for i, name in enumerate(names)}
    at = [place[w] for w in pair_words if w in place]
    others = [w for w in pair_words if w not in place]
    flags = bytes([pair_words[names[i]] for i in at] + [pair_words[w] for w in others])
    try:
        data = marshal.dumps((_KEPT_FORM, meta_bytes, npz_bytes, _TERMS_SEP.join(names), array("d", weights).tobytes(),
                              bias, rest, array("i", at).tobytes(), flags, _TERMS_SEP.join(others)))
    except ValueError:  # metadata marshal cannot write: never from JSON
        return
    import tempfile  # only here: a start that writes nothing does not load it

    folder = os.path.dirname(path)
    with contextlib.suppress(OSError):
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise


@lru_cache(maxsize=8)
def load_model(signal: str = "grooming") -> LinearScorer:
    """The shipped model of a signal, from the package's data (nothing read outside the package), through
    its kept form when that was made from these files."""
    meta_file, npz_file = os.path.join(_WEIGHTS, f"{signal}.json"), os.path.join(_WEIGHTS, f"{signal}.npz")
    if not os.path.isfile(meta_file) or not os.path.isfile(npz_file):
        raise DataError(f"no shipped model for signal {signal!r}")
    try:
        with open(meta_file, "rb") as fh:
            meta_bytes = fh.read()
        with open(npz_file, "rb") as fh:
            npz_bytes = fh.read()
        kept = _kept_path(signal) if signal.replace("_", "").isalnum() else None
        if kept is not None:
            scorer = _read_kept(kept, meta_bytes, npz_bytes)
            if scorer is not None:
                return scorer
        meta = json.loads(meta_bytes.decode("utf-8"))
        names, weights, bias = _model_arrays(io.BytesIO(npz_bytes), meta)
        scorer = _scorer(meta, names, weights, bias)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"model {signal!r} cannot be read: {exc}") from exc
    if kept is not None:
        pair_words = scorer._cache.pair_words = _pair_words(names)
        _keep(kept, meta_bytes, npz_bytes, names, weights, bias, meta, pair_words)
    return scorer
