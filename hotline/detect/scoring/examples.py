"""Training and test examples cut from real conversations, and their term counts as sparse matrices.

Two kinds of example, both read without speaker names:
- `segment`: consecutive messages up to about `SEGMENT_WORDS` words as typed, the shape of the
  independent evaluation that found the rules wanting; a groomer's sessions are cut as one stream.
- `window`: the windows `windows.layout` gives at run time, per conversation.
A whole conversation (`conversation`) is scored as the engine scores it: its highest window.

Every message is read once (`terms.message_words`); an example is a range of messages, so its counts are
one sparse product (examples × messages) · (messages × terms). Needs scipy (the `train` extra).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from hotline.detect.scoring.corpora import Chat
from hotline.detect.scoring.terms import GRAM, feature_term, features, message_words
from hotline.detect.scoring.windows import layout

__all__ = ["SEGMENT_WORDS", "Corpus", "Example", "build_corpus"]

#: Words as typed per segment (the independent evaluation used about 190).
SEGMENT_WORDS = 190
#: Segments shorter than this many words as typed are not examples (whole conversations still are).
MIN_SEGMENT_WORDS = 50


@dataclass(frozen=True, slots=True)
class Example:
    """Messages `[start, end)` of the global message table."""

    start: int
    end: int
    label: int
    source: str
    group: str
    split: str
    kind: str   # "segment", "window" or "conversation"
    chat: int   # index into Corpus.chats of the (first) conversation


@dataclass
class Corpus:
    """All messages of all chats, read once; examples index into them."""

    chats: list[Chat]
    splits: list[str]
    words: list[list[str]]          # canonical words per message
    raw_words: npt.NDArray[np.int64]  # words as typed per message
    offsets: list[int]              # first message of each chat
    examples: list[Example]
    texts: list[str]                # every message as typed
    times: list[float | None]       # every message's time in seconds, where the source has one


def _segments(raw: npt.NDArray[np.int64], offset: int) -> list[tuple[int, int]]:
    """Consecutive messages up to about SEGMENT_WORDS words as typed."""
    out: list[tuple[int, int]] = []
    start, count = 0, 0
    for i, n in enumerate(raw.tolist()):
        count += n
        if count >= SEGMENT_WORDS:
            out.append((offset + start, offset + i + 1))
            start, count = i + 1, 0
    if count >= MIN_SEGMENT_WORDS:
        out.append((offset + start, offset + len(raw)))
    return out


def build_corpus(chats: list[Chat], splits: list[str]) -> Corpus:
    """Read every message once and cut the examples."""
    words: list[list[str]] = []
    raw: list[int] = []
    offsets: list[int] = []
    for chat in chats:
        offsets.append(len(words))
        read = message_words(chat.texts)
        if len(read) != len(chat.texts):
            raise ValueError(f"{chat.id}: {len(chat.texts)} messages read as {len(read)}")
        words.extend(read)
        raw.extend(len(t.split()) for t in chat.texts)
    raw_words = np.asarray(raw, dtype=np.int64)
    examples: list[Example] = []
    # Groomer sessions are cut as one stream per offender (all in one split); other chats one by one.
    streams: dict[str, list[int]] = defaultdict(list)
    for i, chat in enumerate(chats):
        streams[chat.group if chat.source == "groomer-chats" else f"{chat.source}/{chat.id}"].append(i)
    for members in streams.values():
        first = members[0]
        lo = offsets[first]
        hi = offsets[members[-1]] + len(chats[members[-1]].texts)
        c = chats[first]
        for s, e in _segments(raw_words[lo:hi], lo):
            examples.append(Example(s, e, c.label, c.source, c.group, splits[first], "segment", first))
    for i, chat in enumerate(chats):
        lo = offsets[i]
        n = len(chat.texts)
        if not n:
            continue
        counts = [len(w) for w in words[lo:lo + n]]
        starts, ends = layout(counts)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            examples.append(Example(lo + s, lo + e, chat.label, chat.source, chat.group, splits[i], "window", i))
        examples.append(Example(lo, lo + n, chat.label, chat.source, chat.group, splits[i], "conversation", i))
    texts = [t for chat in chats for t in chat.texts]
    times = [t for chat in chats for t in chat.times]
    return Corpus(chats, splits, words, raw_words, offsets, examples, texts, times)


def vocabulary(corpus: Corpus, rows: Sequence[Example], *, min_groups: int = 3, min_count: int = 5,
               min_benign: int = 0, max_terms: int = 60000, gram: int = GRAM) -> list[str]:
    """Terms (words, word pairs, character `gram`-grams: `terms.features`) seen in at least `min_groups`
    offenders or conversations, `min_count` messages and `min_benign` benign messages of the given
    examples, not made of function words only (`terms.feature_term`); the most frequent `max_terms`,
    in sorted order."""
    groups: dict[str, set[str]] = defaultdict(set)
    counts: Counter[str] = Counter()
    benign: Counter[str] = Counter()
    seen: set[int] = set()
    for e in rows:
        if e.kind == "conversation":
            continue
        for m in range(e.start, e.end):
            if m in seen:
                continue
            seen.add(m)
            ts = set(features(corpus.words[m], gram))
            counts.update(ts)
            if not e.label:
                benign.update(ts)
            group = f"{e.source}/{e.group}"
            for t in ts:
                if len(groups[t]) < min_groups:
                    groups[t].add(group)
    keep = [t for t, n in counts.items()
            if n >= min_count and len(groups[t]) >= min_groups and benign[t] >= min_benign and feature_term(t)]
    keep.sort(key=lambda t: (-counts[t], t))
    return sorted(keep[:max_terms])


def message_matrix(corpus: Corpus, vocab: Sequence[str], gram: int = GRAM) -> object:
    """Messages × terms counts (scipy CSR)."""
    from scipy import sparse

    index = {t: i for i, t in enumerate(vocab)}
    indptr = [0]
    cols: list[int] = []
    for ws in corpus.words:
        ids = [index[t] for t in features(ws, gram) if t in index]
        cols.extend(ids)
        indptr.append(len(cols))
    data = np.ones(len(cols), dtype=np.float64)
    m = sparse.csr_matrix((data, np.asarray(cols, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                          shape=(len(corpus.words), len(vocab)))
    m.sum_duplicates()
    return m


def example_matrix(corpus: Corpus, messages: object, rows: Sequence[Example], alpha: float) -> object:
    """Examples × terms: counts over the example's messages divided by (words read) ** alpha, exactly
    as `LinearScorer.logits` reads a window."""
    from scipy import sparse

    n_msg = len(corpus.words)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    lengths = np.asarray([e.end - e.start for e in rows], dtype=np.int64)
    indptr[1:] = np.cumsum(lengths)
    cols = np.concatenate([np.arange(e.start, e.end) for e in rows]) if rows else np.zeros(0, np.int64)
    pick = sparse.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(rows), n_msg))
    words = np.asarray([len(w) for w in corpus.words], dtype=np.float64)
    read = np.maximum(pick @ words, 1.0)
    x = sparse.diags(1.0 / read ** alpha) @ (pick @ messages)
    return sparse.csr_matrix(x)
