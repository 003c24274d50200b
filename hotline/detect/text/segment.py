"""Khmer word segmentation, and whether a match in Khmer text starts and ends on word boundaries.

Khmer is written without spaces between words, so a cue word (ខ្លួន "body") also occurs inside longer words
(ខ្លួនឯង "oneself"). `word_aligned` answers "does this match cover whole words?" by segmenting only a short
window around the match (never the whole message): the rules' regex runs first, and only its few candidate
hits pay for segmentation.

The segmenter is khmercut's CRF (boundary F1 0.973 on khPOS OPEN-TEST) followed by a compound merge: two or
three adjacent pieces whose concatenation is a compound of `lexicons/km/words_extra.txt` become one word
(and a few pieces the CRF fuses, នៅក្នុង "in", are split there). The CRF
splits some compounds (ខ្លួន|ឯង "oneself"); the merge keeps the listed ones whole, which is what word-aware
matching needs. Chosen by measurement against the CRF alone and a dictionary Viterbi over 18,000 words
(`python bench/bench_segment.py`). A merge over the whole dictionary was tried and dropped: it fused
function words into compounds (នៅ|មុខ → នៅមុខ "in front of") and cost recall.
"""

from __future__ import annotations

import importlib
import itertools
import re
import struct
import sys
from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Final

from hotline.detect.errors import DataError
from hotline.detect.text.normalize import normalize

if TYPE_CHECKING:
    from mypy_extensions import i64

__all__ = [
    "WINDOW", "Segmenter", "aligned_match", "default_segmenter", "joint", "load_words", "match_aligned",
    "misnamed_words", "preload", "segment", "starts_word", "word_aligned",
]

#: How far (characters) the window reaches either side of a position; a space or punctuation closer than
#: this ends it early (the segmenter then sees a natural boundary, not a cut word).
WINDOW: Final = 16
#: Khmer letters, vowels, signs (no punctuation, no digits, no repetition sign ៗ): what words are made of.
KHMER_LETTERS = "\u1780-\u17d3\u17dd"
_RUN: Final = re.compile(f"[{KHMER_LETTERS}]+")
_OTHERS: Final = re.compile(f"[^{KHMER_LETTERS}]+")
#: At most this many CRF pieces are merged into one dictionary word.
MERGE: Final = 3


def _crf(run: str) -> list[str]:
    """khmercut's CRF on one run: its clusters, its model, its features, written as the attribute strings
    the tagger reads, UTF-8 already (khmercut builds a dict per cluster that the tagger converts and encodes:
    the same attributes in the same order, a fraction of the time), tagged by `_Model` (crfsuite's Viterbi
    over khmercut's model file; pycrfsuite's tagger where the file is laid out otherwise). Same words as
    `khmercut.tokenize` (a test checks)."""
    if _RUN.fullmatch(run):
        kccs = _clusters(run)
    else:
        import khmercut

        kccs = khmercut.seg_kcc(run)
        if not kccs:
            return []
    items = _features(kccs)
    model = _model()
    starts: list[bool] | None = None
    if model is not None and "\0" not in run:  # (the C tagger reads an attribute up to a NUL)
        try:
            starts = model.starts(items)
        except (ValueError, IndexError):  # a model laid out otherwise: pycrfsuite's tagger from now on
            _MODEL[0] = None
    if starts is None:
        starts = [tag == "1" for tag in _tagger().tag(items)]
    words: list[str] = []
    for i, kcc in enumerate(kccs):
        if starts[i] or i == 0:
            words.append(kcc)
        else:
            words[-1] += kcc
    return [w for w in words if w]


#: khmercut's clusters (`seg_kcc`) of a run of Khmer letters: a cluster starts at a consonant or independent
#: vowel (ក-ឳ) unless it follows the coeng ្ (then it is written below). `_clusters` cuts the same.
_KCC: Final = re.compile("(?s).(?:[^\u1780-\u17b3]|(?<=\u17d2)[\u1780-\u17b3])*")


def _clusters(run: str) -> list[str]:
    """`_KCC.findall(run)` of a non-empty run, by a compiled loop (the regex's lookbehind costs ~1,000
    instructions a letter)."""
    out: list[str] = []
    start = 0
    prev = run[0]
    for i in range(1, len(run)):
        ch = run[i]
        if "\u1780" <= ch <= "\u17b3" and prev != "\u17d2":
            out.append(run[start:i])
            start = i
        prev = ch
    out.append(run[start:])
    return out


#: pycrfsuite's tagger over khmercut's model, once loaded (`khmercut.load` is a call through Python).
_TAGGER: Final[list[Any]] = []


def _tagger() -> Any:
    if not _TAGGER:
        import khmercut

        _TAGGER.append(khmercut.load())
    return _TAGGER[0]


#: crfsuite's floatval_t is a double; its Viterbi starts every maximum at -DBL_MAX.
_LEAST: Final = -sys.float_info.max
_DOUBLE: Final = struct.Struct("<d")


def _u32(data: bytes, at: i64) -> i64:
    """The little-endian unsigned 32-bit number at `data[at:at + 4]`."""
    b0: i64 = data[at]
    b1: i64 = data[at + 1]
    b2: i64 = data[at + 2]
    b3: i64 = data[at + 3]
    return b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)


def _hash(key: bytes) -> i64:
    """Bob Jenkins' lookup3 `hashlittle(key, len(key), 0)`: where crfsuite's CQDB tables place a string
    (native 64-bit arithmetic, masked to 32 bits, when compiled)."""
    n: i64 = len(key)
    m: i64 = 0xFFFFFFFF
    a: i64 = (0xDEADBEEF + n) & m
    b: i64 = a
    c: i64 = a
    padded = key + bytes((12 - n % 12) % 12)
    last: i64 = len(padded) - 12
    pos: i64 = 0
    while True:
        a = (a + _u32(padded, pos)) & m
        b = (b + _u32(padded, pos + 4)) & m
        c = (c + _u32(padded, pos + 8)) & m
        if pos == last:
            break
        a = ((a - c) & m) ^ (((c << 4) & m) | (c >> 28))
        c = (c + b) & m
        b = ((b - a) & m) ^ (((a << 6) & m) | (a >> 26))
        a = (a + c) & m
        c = ((c - b) & m) ^ (((b << 8) & m) | (b >> 24))
        b = (b + a) & m
        a = ((a - c) & m) ^ (((c << 16) & m) | (c >> 16))
        c = (c + b) & m
        b = ((b - a) & m) ^ (((a << 19) & m) | (a >> 13))
        a = (a + c) & m
        c = ((c - b) & m) ^ (((b << 4) & m) | (b >> 28))
        b = (b + a) & m
        pos += 12
    c = ((c ^ b) - (((b << 14) & m) | (b >> 18))) & m
    a = ((a ^ c) - (((c << 11) & m) | (c >> 21))) & m
    b = ((b ^ a) - (((a << 25) & m) | (a >> 7))) & m
    c = ((c ^ b) - (((b << 16) & m) | (b >> 16))) & m
    a = ((a ^ c) - (((c << 4) & m) | (c >> 28))) & m
    b = ((b ^ a) - (((a << 14) & m) | (a >> 18))) & m
    c = ((c ^ b) - (((b << 24) & m) | (b >> 8))) & m
    return c


def _into(from0: float, from1: float) -> tuple[float, bool]:
    """The best score into a label, from label 0 or 1, and whether it came from 1: crfsuite's way (the maximum
    starts at -DBL_MAX, and label 1 wins only when it scores strictly more), so ties go as its Viterbi's."""
    best = _LEAST
    if best < from0:
        best = from0
    if best < from1:
        return from1, True
    return best, False


#: No weights: an attribute the model does not know (crfsuite drops it).
_NONE: Final = (0.0, 0.0)


class _Model:
    """khmercut's CRF model file (crfsuite's "lCRF"/"FOMC" layout) read as bytes, and crfsuite's Viterbi
    over it: the same sums in the same order, so the same tags as pycrfsuite's `Tagger.tag` (tests compare
    them), without pycrfsuite's per-call copying of every attribute into C++ strings (~1,800 instructions an
    attribute, ~500,000 a run). An attribute's weights are found in the file's hash tables when first met
    and kept (bounded)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if data[0:4] != b"lCRF" or data[8:12] != b"FOMC" or _u32(data, 20) != 2:
            raise ValueError("not a two-label crfsuite model")
        self.features: i64 = _u32(data, 28) + 12
        labels: i64 = _u32(data, 32)
        self.attrs: i64 = _u32(data, 36)
        label_refs: i64 = _u32(data, 40)
        self.attr_refs: i64 = _u32(data, 44) + 12
        for table in (labels, self.attrs):
            if data[table:table + 4] != b"CQDB" or _u32(data, table + 12) != 0x62445371:
                raise ValueError("no string table")
        names: list[bytes] = []
        bwd: i64 = labels + _u32(data, labels + 20)
        for lid in range(2):
            at: i64 = labels + _u32(data, bwd + 4 * lid)
            names.append(data[at + 8:at + 7 + _u32(data, at + 4)])
        if sorted(names) != [b"0", b"1"]:
            raise ValueError("labels are not 0 and 1")
        self.one = names.index(b"1")
        trans = [0.0, 0.0, 0.0, 0.0]
        for lid in range(2):
            at = _u32(data, label_refs + 12 + 4 * lid)
            for r in range(_u32(data, at)):
                feature: i64 = self.features + 20 * _u32(data, at + 4 + 4 * r)
                dst: i64 = _u32(data, feature + 8)
                if _u32(data, feature + 4) != lid or dst > 1:
                    raise ValueError("a transition out of place")
                trans[2 * lid + dst] = _DOUBLE.unpack_from(data, feature + 12)[0]  # (assigned: the last counts)
        self.t00, self.t01, self.t10, self.t11 = trans
        self.known: dict[bytes, tuple[float, float]] = {}

    def weights(self, attr: bytes) -> tuple[float, float]:
        """The attribute's state weights for label 0 and label 1 (0.0 where it has none)."""
        known = self.known.get(attr)
        if known is not None:
            return known
        aid = self._aid(attr)
        found = _NONE
        if aid >= 0:
            data = self.data
            at: i64 = _u32(data, self.attr_refs + 4 * aid)
            w0 = w1 = 0.0
            seen: i64 = 0
            for r in range(_u32(data, at)):
                feature: i64 = self.features + 20 * _u32(data, at + 4 + 4 * r)
                dst: i64 = _u32(data, feature + 8)
                if dst > 1 or seen & (1 << dst):  # one feature a label: each added once, as crfsuite adds it
                    raise ValueError("an attribute with two features for one label")
                seen |= 1 << dst
                if dst == 0:
                    w0 = _DOUBLE.unpack_from(data, feature + 12)[0]
                else:
                    w1 = _DOUBLE.unpack_from(data, feature + 12)[0]
            found = (w0, w1)
        if len(self.known) >= 100_000:
            self.known.clear()
        self.known[attr] = found
        return found

    def _aid(self, attr: bytes) -> i64:
        """CQDB's `cqdb_to_id`: the attribute's number, -1 when the model does not know it."""
        key = attr + b"\0"
        hv = _hash(key)
        data = self.data
        base = self.attrs
        ref: i64 = base + 24 + 8 * (hv & 255)
        offset: i64 = _u32(data, ref)
        n: i64 = _u32(data, ref + 4)
        if n == 0 or offset == 0:
            return -1
        k: i64 = (hv >> 8) % n
        size: i64 = len(key)
        while True:
            bucket: i64 = base + offset + 8 * k
            record: i64 = _u32(data, bucket + 4)
            if record == 0:
                return -1
            if _u32(data, bucket) == hv:
                at: i64 = base + record
                if _u32(data, at + 4) == size and data[at + 8:at + 8 + size] == key:
                    return _u32(data, at)  # (ids are below 2**31)
            k = (k + 1) % n

    def starts(self, items: list[list[bytes]]) -> list[bool]:
        """Whether each item's label on crfsuite's best path (its Viterbi) is "1": a word starts there."""
        t00 = self.t00
        t01 = self.t01
        t10 = self.t10
        t11 = self.t11
        known = self.known
        back0: list[bool] = []
        back1: list[bool] = []
        prev0 = prev1 = 0.0
        first = True
        for item in items:
            s0 = 0.0
            s1 = 0.0
            for attr in item:
                w = known.get(attr)
                if w is None:
                    w = self.weights(attr)
                s0 += w[0]
                s1 += w[1]
            if first:
                prev0 = s0
                prev1 = s1
                first = False
                continue
            best0, from1 = _into(prev0 + t00, prev1 + t10)  # into label 0
            back0.append(from1)
            best1, from1 = _into(prev0 + t01, prev1 + t11)  # into label 1
            back1.append(from1)
            prev0 = best0 + s0
            prev1 = best1 + s1
        best = _LEAST
        if best < prev0:
            best = prev0
        label = best < prev1  # the last item's: 1 only when it scores strictly more
        labels = [label] * len(items)
        for t in range(len(items) - 2, -1, -1):
            label = back1[t] if label else back0[t]
            labels[t] = label
        one = self.one == 1
        return [lab == one for lab in labels]


#: khmercut's model as `_Model` reads it, once (None: pycrfsuite's tagger, the file being laid out otherwise).
_MODEL: Final[list[_Model | None]] = []


def _model() -> _Model | None:
    if _MODEL:
        return _MODEL[0]
    import khmercut

    found: _Model | None
    try:
        with open(khmercut.model_path, "rb") as file:
            found = _Model(file.read())
    except (OSError, ValueError, IndexError):
        found = None
    _MODEL.append(found)
    return found


class _Cluster:
    """One cluster's attributes as the tagger reads them, built once: its own ("kcc:", "t:"), whether it is
    a no-space cluster, and the ones it gives the clusters up to three places before and after it."""

    def __init__(self, kcc: str) -> None:
        import khmercut

        k = kcc.encode()
        t = khmercut.kcc_type(kcc).encode()
        self.kcc = k
        self.ns = bool(khmercut.is_no_space(kcc))
        self.own = b"kcc:" + k
        self.own_t = b"t:" + t
        # as seen from the cluster 1, 2, 3 places after it ("kcc[-1]:") and before it ("kcc[+1]:")
        self.before1 = b"kcc[-1]:" + k
        self.before1_t = b"kcc[-1]t:" + t
        self.before2 = b"kcc[-2]:" + k
        self.before2_t = b"kcc[-2]t:" + t
        self.before3 = b"kcc[-3]:" + k
        self.before3_t = b"kcc[-3]t:" + t
        self.after1 = b"kcc[+1]:" + k
        self.after1_t = b"kcc[+1]t:" + t
        self.after2 = b"kcc[+2]:" + k
        self.after2_t = b"kcc[+2]t:" + t
        self.after3 = b"kcc[+3]:" + k
        self.after3_t = b"kcc[+3]t:" + t


#: Per distinct cluster (a few thousand in real Khmer; bounded all the same).
_CLUSTERS: Final[dict[str, _Cluster]] = {}


def _cluster(kcc: str) -> _Cluster:
    known = _CLUSTERS.get(kcc)
    if known is None:
        if len(_CLUSTERS) >= 20_000:
            _CLUSTERS.clear()
        known = _CLUSTERS[kcc] = _Cluster(kcc)
    return known


def _features(kccs: list[str]) -> list[list[bytes]]:
    """khmercut's `kcc_to_features` for every cluster, as "name:value" attributes (false flags left out), in
    its order (the tagger sums weights in that order). Each cluster's own attributes come from `_cluster`;
    the runs of 2-4 clusters are joined once and shared by the positions that name them."""
    n = len(kccs)
    cs = [_cluster(k) for k in kccs]
    ks = [c.kcc for c in cs]
    two = [ks[j] + ks[j + 1] for j in range(n - 1)]
    three = [two[j] + ks[j + 2] for j in range(n - 2)]
    four = [three[j] + ks[j + 3] for j in range(n - 3)]
    out: list[list[bytes]] = []
    for i in range(n):
        c = cs[i]
        f = [c.own, c.own_t, b"ns"] if c.ns else [c.own, c.own_t]
        if i >= 1:  # (appends, not `extend` of a tuple: a tuple made and read per call)
            p = cs[i - 1]
            f.append(p.before1)
            f.append(p.before1_t)
            f.append(b"kcc[-1:0]:" + two[i - 1])
            if p.ns:
                f.append(b"ns-1")
            if i >= 2:
                p = cs[i - 2]
                f.append(p.before2)
                f.append(p.before2_t)
                f.append(b"kcc[-2:-1]:" + two[i - 2])
                f.append(b"kcc[-2:0]:" + three[i - 2])
                if i >= 3:
                    p = cs[i - 3]
                    f.append(p.before3)
                    f.append(p.before3_t)
                    f.append(b"kcc[-3:0]:" + four[i - 3])
                    f.append(b"kcc[-3:-1]:" + three[i - 3])
                    f.append(b"kcc[-3:-2]:" + two[i - 3])
        else:
            f.append(b"BOS")
        if i < n - 1:
            q = cs[i + 1]
            f.append(q.after1)
            f.append(q.after1_t)
            f.append(b"kcc[+1:0]:" + two[i])
            if q.ns:
                f.append(b"ns+1")
            if i < n - 2:
                q = cs[i + 2]
                f.append(q.after2)
                f.append(q.after2_t)
                f.append(b"kcc[+1:+2]:" + two[i + 1])
                f.append(b"kcc[0:+2]:" + three[i])
                if q.ns:
                    f.append(b"ns+2")
                if i < n - 3:
                    q = cs[i + 3]
                    f.append(q.after3)
                    f.append(q.after3_t)
                    f.append(b"kcc[+2:+3]:" + two[i + 2])
                    f.append(b"kcc[+1:+3]:" + three[i + 1])
                    f.append(b"kcc[0:+3]:" + four[i])
        else:
            f.append(b"EOS")
        out.append(f)
    return out


class Segmenter:
    """khmercut's CRF, then adjacent pieces merged when together they are a listed compound."""

    def __init__(self, words: frozenset[str], splits: dict[str, tuple[str, ...]] | None = None) -> None:
        self.words = words
        self.splits = splits or {}

    def split(self, run: str) -> list[str]:
        """The words of one run of Khmer letters (no spaces, punctuation or digits)."""
        pieces = _crf(run)
        out: list[str] = []
        i = 0
        while i < len(pieces):
            for n in range(min(MERGE, len(pieces) - i), 1, -1):
                joined = "".join(pieces[i:i + n])
                if joined in self.words:
                    out.append(joined)
                    i += n
                    break
            else:
                out.extend(self.splits.get(pieces[i], (pieces[i],)))
                i += 1
        return out

    def segment(self, text: str) -> list[str]:
        """The words of `text`: Khmer runs split into words, everything else split on whitespace."""
        out: list[str] = []
        pos = 0
        for m in _RUN.finditer(text):
            out.extend(_other_tokens(text[pos:m.start()]))
            out.extend(self.split(m.group(0)))
            pos = m.end()
        out.extend(_other_tokens(text[pos:]))
        return out


#: What separates the literal words of a lexicon phrase: a `{MACRO}`, a `...` gap, a `#` number.
_PHRASE_BREAK = re.compile(r"\{[A-Z][A-Z_0-9]*\}|\.\.\.|#")


def misnamed_words(phrase: str) -> list[tuple[str, str]]:
    """The stretches of a (normalised) Khmer phrase whose words are not the words the segmenter finds there.

    A phrase is written as words separated by spaces (each normalised here) ("កុំ ប្រាប់ {PARENT}"); each stretch of consecutive
    Khmer words between macros, gaps and numbers must segment, joined without spaces, into exactly those
    words. Returns (written, segmented) pairs, empty when the phrase is consistent.
    """
    bad: list[tuple[str, str]] = []
    for stretch in _PHRASE_BREAK.split(phrase):
        for run in re.split(r"\s*[^\s\u1780-\u17d3\u17dd]+\s*", stretch):  # Latin words are not segmented
            words = [normalize(w) for w in run.split()]
            if not words:
                continue
            found = segment("".join(words))
            if found != words:
                bad.append((" ".join(words), " ".join(found)))
    return bad


def _other_tokens(text: str) -> list[str]:
    """Spaces separate; Khmer punctuation, digits and the repetition sign stand alone."""
    return re.findall(r"[\u17d4-\u17dc\u17e0-\u17ff\u19e0-\u19ff]|[^\s\u17d4-\u17dc\u17e0-\u17ff\u19e0-\u19ff]+", text)


#: The word list as `load_words` read it, in the compiled-form cache (`signals.compiled`, keyed by the content
#: of every lexicon file, this one's too): (form, its words sorted, its splits). Reading and folding it was
#: 9.6 M instructions at a Khmer chat's start (and in `preload`, before `--jobs` forks), compiled.
_WORDS_RECORD: Final = "segment-words"
#: The record's form: a change to what `load_words` makes changes it (a record of another form is read anew).
_WORDS_FORM: Final = 1


@lru_cache(maxsize=1)
def load_words() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """`lexicons/km/words_extra.txt`, spelling-folded: compounds the CRF's pieces are merged into (a line of
    one word), and pieces the CRF fuses that are two words for matching (a line of words with spaces); from
    the compiled-form cache when the engine has loaded it (never imported from here: `signals` imports this
    module, and reading the segmenter alone need not load the rules)."""
    compiled: Any = sys.modules.get("hotline.detect.signals.compiled")
    if compiled is None:
        return _read_words()
    kept = compiled.record(_WORDS_RECORD)
    if type(kept) is tuple and len(kept) == 3 and kept[0] == _WORDS_FORM:
        words, splits = kept[1], kept[2]
        if type(words) is tuple and type(splits) is dict:
            return frozenset(words), splits
    found = _read_words()
    compiled.store(_WORDS_RECORD, (_WORDS_FORM, tuple(sorted(found[0])), found[1]))
    compiled.flush()  # (nothing to write once the cache holds them)
    return found


def _read_words() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """`load_words` from the file."""
    from hotline.detect.text.khmer import fold_spelling

    path = resources.files("hotline.detect") / "lexicons" / "km" / "words_extra.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"cannot read the Khmer word list {path}: {exc}") from exc
    words: set[str] = set()
    splits: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(lines, 1):
        parts = tuple(fold_spelling(w) for w in line.split("#", 1)[0].split())
        if not parts:
            continue
        if not all(_RUN.fullmatch(w) for w in parts):
            raise DataError(f"{path}:{number}: expected Khmer words")
        if len(parts) == 1:
            words.add(parts[0])
        elif any(not _starts_cluster(before, part) for before, part in itertools.pairwise(parts)):
            # the CRF tags whole clusters: `_splits_cluster` counts on no word edge inside one
            raise DataError(f"{path}:{number}: a word must start where a letter cluster starts")
        else:
            splits["".join(parts)] = parts
    return frozenset(words), splits


@lru_cache(maxsize=1)
def default_segmenter() -> Segmenter:
    """The segmenter over the packaged word list, loaded once."""
    words, splits = load_words()
    return Segmenter(words, splits)


def preload() -> None:
    """Load now what segmenting loads at its first Khmer word (the word list, the CRF model: 11 ms), e.g.
    before forking workers that should share them instead of each loading its own."""
    default_segmenter()
    if _model() is None:
        _tagger()


def segment(text: str) -> list[str]:
    """The words of `text` (Khmer segmented with the packaged word list; other text split on spaces): each
    run of letters cut at its word edges, segmented once per distinct run (`_edges`, which the word edges
    of rules' matches share)."""
    out: list[str] = []
    pos = 0
    for m in _RUN.finditer(text):
        out.extend(_other_tokens(text[pos:m.start()]))
        run = m.group(0)
        edges = sorted(_edges(run))
        for i in range(1, len(edges)):
            out.append(run[edges[i - 1]:edges[i]])
        pos = m.end()
    out.extend(_other_tokens(text[pos:]))
    return out


#: Word edges per distinct run of letters (`_edges`) and per distinct window (`_window_edges`, spaces kept):
#: plain dicts (an `lru_cache` is a call through Python for every hit), emptied when full.
_RUN_EDGES: Final[dict[str, frozenset[int]]] = {}
_WINDOW_EDGES: Final[dict[str, frozenset[int]]] = {}
CACHED: Final = 8192


def _edges(run: str) -> frozenset[int]:
    """Offsets inside a run of Khmer letters where a word starts or ends (0 and len(run) included)."""
    known = _RUN_EDGES.get(run)
    if known is not None:
        return known
    edges = {0}
    pos = 0
    for word in default_segmenter().split(run):
        pos += len(word)
        edges.add(pos)
    if len(_RUN_EDGES) >= CACHED:
        _RUN_EDGES.clear()
    found = _RUN_EDGES[run] = frozenset(edges)
    return found


#: The longest stretch a word-aligned retry looks at (a phrase with a gap spans a few words).
REACH: Final = 80


def word_ends(text: str, start: int, reach: int = REACH) -> list[int]:
    """Word edges after `start` (a word edge) within `reach` characters, segmenting from `start` on."""
    return _word_ends(text, start, reach, True) or []


def _word_ends(text: str, start: int, reach: int, segmenting: bool) -> list[int] | None:
    """`word_ends`; not segmenting, None unless every run of letters was segmented before."""
    stop = min(len(text), start + reach)
    ends: set[int] = set()
    pos = start
    while pos < stop:
        run = _RUN.match(text, pos, stop)
        if run is None:  # not Khmer letters: an edge before and after each character
            other = _OTHERS.match(text, pos, stop)
            end = other.end() if other is not None else pos + 1
            ends.update(range(pos, end + 1))
            pos = end
            continue
        end = run.end()
        cut = end == stop and end < len(text) and _letter(text[end])  # the last word may be cut short
        if segmenting:
            edges = _edges(run.group())
        else:
            known = _RUN_EDGES.get(run.group())
            if known is None:
                return None
            edges = known
        for e in edges:
            if not cut or e < end - pos:
                ends.add(pos + e)
        pos = end
    return sorted(e for e in ends if e > start)


#: Group names that mark where two words of a Khmer phrase meet (`joint`); `match_aligned` checks them.
JOINT_PREFIX = "_w"
_JOINTS = itertools.count()


def joint() -> str:
    """An empty named group for the regex of a Khmer phrase, where two of its words meet (unique names)."""
    return f"(?P<{JOINT_PREFIX}{next(_JOINTS)}>)"


#: Per rule regex (by identity, the regex kept alive with it): its joint groups, or None when every group is
#: one (then the joints are read from `Match.regs` in one C-level pass). Not an `lru_cache` on the regex: a
#: pattern hashes its whole compiled code, tens of microseconds for a large rule, on every lookup.
_JOINTS_OF: Final[dict[int, tuple[re.Pattern[str], tuple[int, ...] | None]]] = {}


def _joint_groups(regex: re.Pattern[str]) -> tuple[int, ...] | None:
    known = _JOINTS_OF.get(id(regex))
    if known is not None and known[0] is regex:
        return known[1]
    groups = tuple(i for name, i in regex.groupindex.items() if name.startswith(JOINT_PREFIX))
    found = None if len(groups) == regex.groups else groups
    if len(_JOINTS_OF) >= 1024:
        _JOINTS_OF.clear()
    _JOINTS_OF[id(regex)] = (regex, found)
    return found


def match_aligned(m: re.Match[str]) -> bool:
    """True when a match of a Khmer phrase covers whole words: its start, its end and every joint between
    the phrase's words fall on word edges of the text (ខ្លួន {YOU} does not match the one word ខ្លួនឯង)."""
    regs = m.regs  # (one tuple for every span, where `span()` and `start(i)` are a call each)
    start, end = regs[0]
    if start >= end:
        return False
    groups = _joint_groups(m.re)
    positions = [end]
    if groups is None:  # every group a joint: the starts of all spans (the match's own start among them)
        for pos, _ in regs:
            if pos >= 0:  # (a joint that took no part is at -1)
                positions.append(pos)
    else:
        for i in groups:
            positions.append(regs[i][0])  # -1 for no part: no stretch of letters holds it, `_on_edges` passes it
        positions.append(start)
    return _on_edges(m.string, positions)


#: How often the ends from one stretch ahead of a start (`word_ends`' reach, by text) are tried without
#: segmenting it, before it is segmented once and kept (`aligned_match`).
_SCANNED: Final[dict[str, int]] = {}
SCANS: Final = 3


def aligned_match(regex: re.Pattern[str] | Sequence[re.Pattern[str]], text: str, start: int) -> re.Match[str] | None:
    """The longest word-aligned match of `regex` from `start` (see `match_aligned`), when `start` is an edge.

    The regex's own match from `start` may end inside a word (ម៉ាក់ប៉ា in ម៉ាក់|ប៉ាណា) where a shorter
    alternative would not: the word edges are tried as ends, longest first. `regex` may be given as its
    alternatives, in order (those that can match at all): the first that spans an end decides it, as the
    whole regex's would.
    """
    m = _aligned_from(regex, text, start)
    # whether `start` is a word edge (its own window) is asked last: only of an answer, most often none
    return m if m is not None and _on_edges(text, [start]) else None


def _aligned_from(regex: re.Pattern[str] | Sequence[re.Pattern[str]], text: str, start: int) -> re.Match[str] | None:
    """`aligned_match` but for whether `start` is a word edge."""
    alternatives = (regex,) if isinstance(regex, re.Pattern) else regex
    width = _width(alternatives[0])
    if width >= 0 and all(_width(alternative) == width for alternative in alternatives):
        # every alternative spans `width` characters: only that end can match, and the segmenting from `start`
        # (a run of up to REACH letters through the CRF) is needed only when what matches there is aligned
        end = start + width
        if end > len(text):
            return None
        m = _deciding(alternatives, text, start, end)
        return m if m is not None and match_aligned(m) and end in word_ends(text, start) else None
    low = REACH
    high = 0
    for alternative in alternatives:
        least, most = _widths(alternative)
        low = least if least < low else low
        high = most if most > high else high
    ends = _word_ends(text, start, REACH, False)
    if ends is None and high <= REACH:
        # the same stretch from a start, met again and again (a message repeated): segmented after a few scans
        ahead = text[start:start + REACH + 1]  # what word_ends reads from `start`
        scans = _SCANNED.get(ahead, 0)
        if scans >= SCANS:
            high = REACH + 1
        else:
            if len(_SCANNED) >= CACHED:
                _SCANNED.clear()
            _SCANNED[ahead] = scans + 1
    if ends is not None or high > REACH:  # segmented before, or no bound known: every word edge from `start`
        for end in reversed(ends if ends is not None else word_ends(text, start)):
            m = _deciding(alternatives, text, start, end)
            if m is not None and match_aligned(m):
                return m
        return None
    # The same walk, the segmenting from `start` (a run of up to REACH letters through the CRF) left until an
    # end within the alternatives' widths has an aligned match: an end that is no word edge is passed over.
    n = len(text)
    end = min(n, start + high)
    while end > start and end >= start + low:
        if end < n and _in_cluster(text[end - 1], text[end]):  # inside a cluster: no word edge, no match tried
            end -= 1
            continue
        m = _deciding(alternatives, text, start, end)
        if m is not None and match_aligned(m):
            if ends is None:
                ends = word_ends(text, start)
            if end in ends:
                return m
        end -= 1
    return None


def _deciding(alternatives: Sequence[re.Pattern[str]], text: str, start: int, end: int) -> re.Match[str] | None:
    """The match spanning `text[start:end]` of the first alternative that spans it: the one the whole regex's
    would be, aligned or not (a later alternative does not get that end)."""
    for alternative in alternatives:
        m = alternative.fullmatch(text, start, end)
        if m is not None:
            return m
    return None


try:  # the regex engine's parser, for a regex's width; absent on other Pythons: no regex is taken as fixed
    _parser: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - CPython < 3.11 or another implementation
    _parser = None
#: What consumes characters and asserts nothing (no lookaround, anchor, word edge or back reference).
_PLAIN_OPS: Final = frozenset({"LITERAL", "NOT_LITERAL", "ANY", "IN", "SUBPATTERN", "BRANCH", "MAX_REPEAT",
                               "MIN_REPEAT", "POSSESSIVE_REPEAT", "ATOMIC_GROUP"})
#: Per regex (by identity, the regex kept alive with it): `_width`'s answer, and `_widths`'.
_WIDTHS: Final[dict[int, tuple[re.Pattern[str], int, int, int]]] = {}


def _width(regex: re.Pattern[str]) -> int:
    """How many characters every match of `regex` spans, when that is fixed and nothing in it asserts (then a
    match from a place can end at one place only, however the string goes on); -1 otherwise."""
    return _measured(regex)[1]


def _widths(regex: re.Pattern[str]) -> tuple[int, int]:
    """The fewest and most characters a match of `regex` can span, as the regex engine's parser bounds them
    (at most REACH, the word edges' reach; REACH + 1 when not known)."""
    known = _measured(regex)
    return known[2], known[3]


def _measured(regex: re.Pattern[str]) -> tuple[re.Pattern[str], int, int, int]:
    known = _WIDTHS.get(id(regex))
    if known is not None and known[0] is regex:
        return known
    width = -1
    least = 0
    most = REACH + 1
    if _parser is not None:
        parsed = _parser.parse(regex.pattern, regex.flags)
        low, high = parsed.getwidth()
        if low == high and _plain(parsed):
            width = int(low)
        least = int(low)
        most = int(high) if high <= REACH else REACH  # no word edge from a start lies further
    if len(_WIDTHS) >= 1024:
        _WIDTHS.clear()
    found = _WIDTHS[id(regex)] = (regex, width, least, most)
    return found


def _plain(items: Any) -> bool:
    """Whether a parsed regex only consumes characters (`_PLAIN_OPS` all the way down)."""
    for op, av in items:
        name = str(op)
        if name not in _PLAIN_OPS:
            return False
        if name == "SUBPATTERN":
            inside = [av[3]]
        elif name == "BRANCH":
            inside = list(av[1])
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            inside = [av[2]]
        elif name == "ATOMIC_GROUP":
            inside = [av]
        else:  # a character or a set of them
            continue
        if not all(_plain(part) for part in inside):
            return False
    return True


#: Spaces that separate Khmer phrases but not necessarily words (a zero-width space is removed by `normalize`;
#: `_has_space` names them one by one).
_SPACES: Final = " \t\u00a0\u200b"
_DROP_SPACES: Final = str.maketrans(dict.fromkeys(_SPACES))
#: A stretch of Khmer letters, spaces inside it allowed: where a word edge is not obvious.
_STRETCH: Final = re.compile(f"[{KHMER_LETTERS}](?:[{KHMER_LETTERS}{_SPACES}]*[{KHMER_LETTERS}])?")


def _letter(ch: str) -> bool:
    return "\u1780" <= ch <= "\u17d3" or ch == "\u17dd"


class _Stretches:
    """One message's stretches of Khmer letters: the rules tried on one message ask about it in turn, and
    search for them once. Most Khmer messages hold one (`first`, `last`; no lists); `starts` and `ends` when
    there are none or more."""

    def __init__(self, text: str | None, first: int, last: int, starts: list[int] | None, ends: list[int]) -> None:
        self.text = text
        self.first = first
        self.last = last
        self.starts = starts
        self.ends = ends


#: The message being matched, as one object (read and replaced whole, so threads agree); kept for that
#: message only, not by text across messages.
_last_message: Final[list[_Stretches]] = [_Stretches(None, 0, 0, [], [])]


def _message(text: str) -> _Stretches:
    """The stretches of Khmer letters in `text`, found once per message."""
    last = _last_message[0]
    if last.text is text:
        return last
    m = _STRETCH.search(text)
    if m is None:
        found = _Stretches(text, 0, 0, [], [])
    else:
        first, end = m.span()
        n = len(text) - 1
        # text[end] is no letter (a stretch runs to its last letter): no further search when it ends the text
        m = _STRETCH.search(text, end + 1) if end < n else None
        if m is None:
            found = _Stretches(text, first, end, None, [])
        else:
            starts = [first]
            ends = [end]
            while m is not None:  # a search per stretch: cheaper than `finditer`'s iterator
                start, end = m.span()
                starts.append(start)
                ends.append(end)
                m = _STRETCH.search(text, end + 1) if end < n else None
            found = _Stretches(text, first, ends[0], starts, ends)
    _last_message[0] = found
    return found


def _has_space(text: str) -> bool:
    return " " in text or "\t" in text or "\u00a0" in text or "\u200b" in text


def _spaced_edges(window: str) -> frozenset[int]:
    """The offsets in `window` (its end included) that are word edges of its letters, spaces left out: an
    offset next to a space counts as the edge the letters have there."""
    edges = _edges(window.translate(_DROP_SPACES))
    out: list[int] = []
    n = 0
    for i, ch in enumerate(window):
        if n in edges:
            out.append(i)
        if ch not in _SPACES:
            n += 1
    if n in edges:
        out.append(len(window))
    return frozenset(out)


def word_aligned(text: str, start: int, end: int) -> bool:
    """True when `text[start:end]` starts and ends on word boundaries of the Khmer around it.

    A position next to punctuation, Latin, a digit or the text's edge is a boundary. Otherwise the Khmer
    letters around it, at most WINDOW either side and spaces left out (ខ្លួន ឯង is still one word), are
    segmented and must have a word edge there.
    """
    return 0 <= start < end <= len(text) and _on_edges(text, [start, end])


def starts_word(text: str, pos: int) -> bool:
    """True when a word of `text` starts (or ends) at `pos` (see `word_aligned`)."""
    return 0 <= pos <= len(text) and _on_edges(text, [pos])


def _on_edges(text: str, positions: list[int]) -> bool:
    """Whether every position is a word edge. Spaces between Khmer letters do not decide it (Khmer spaces
    mark phrases, and OCR and typing add or drop them): the letters around, spaces left out, are segmented,
    one window for all the positions that fall in one stretch of Khmer."""
    stretches = _message(text)
    starts = stretches.starts
    if starts is None:  # one stretch of Khmer letters (most Khmer messages): no search for it, no list
        first = stretches.first
        last = stretches.last
        low = last
        high = first
        for pos in positions:
            if first < pos < last:
                if pos < low:
                    low = pos
                if pos > high:
                    high = pos
        if low > high:  # none inside: letters on both sides of none
            return True
        lo = low - WINDOW if low - WINDOW > first else first
        hi = high + WINDOW if high + WINDOW < last else last
        edges = _window(text[lo:hi], text, positions, first, last)
        return edges is not None and all(pos - lo in edges for pos in positions if first < pos < last)
    ends = stretches.ends
    groups: dict[int, list[int]] = {}
    for pos in positions:
        k = bisect_right(starts, pos) - 1
        if k >= 0 and starts[k] < pos < ends[k]:  # letters on both sides: segmenting decides
            inside = groups.get(k)
            if inside is None:
                groups[k] = [pos]
            else:
                inside.append(pos)
    return all(_window_edges(text, starts[k], ends[k], inside) for k, inside in groups.items())


def _joins(prev: str, ch: str) -> bool:
    """Whether letter `ch` belongs to the cluster of the letter `prev` before it (`_KCC`: a cluster starts at a
    consonant or independent vowel not written below a coeng)."""
    return not "\u1780" <= ch <= "\u17b3" or prev == "\u17d2"


def _starts_cluster(before: str, word: str) -> bool:
    """Whether a letter cluster starts at `word` after `before` (`_KCC`)."""
    return not _joins(before[-1], word[0])


def _in_cluster(prev: str, ch: str) -> bool:
    """Whether a letter cluster runs on from letter `prev` to letter `ch` (`_KCC`); False if either is none."""
    return _letter(prev) and _letter(ch) and _joins(prev, ch)


def _splits_cluster(text: str, pos: int) -> bool:
    """Whether `pos`, between two letters of a stretch, falls inside a letter cluster: never a word edge, as
    the CRF tags whole clusters and the word list's merges and splits keep them whole. Decided without
    segmenting; next to a space, left to the window (the letters on the far side of the space may lie
    outside it)."""
    ch = text[pos]
    prev = text[pos - 1]
    return ch not in _SPACES and prev not in _SPACES and _joins(prev, ch)


def _window_edges(text: str, first: int, last: int, inside: list[int]) -> bool:
    """Whether the positions `inside` the stretch `text[first:last]` are word edges of the window of letters
    around them (segmented once per distinct window)."""
    low = high = inside[0]
    for pos in inside:
        if pos < low:
            low = pos
        elif pos > high:
            high = pos
    lo = max(first, low - WINDOW)
    edges = _window(text[lo:min(last, high + WINDOW)], text, inside, first, last)
    return edges is not None and all(pos - lo in edges for pos in inside)


def _window(window: str, text: str, positions: list[int], first: int, last: int) -> frozenset[int] | None:
    """The word edges of a window of letters (spaces allowed), segmented once per distinct window; None, not
    segmented, when one of the `positions` inside the stretch `text[first:last]` splits a letter cluster
    (then it is no word edge, whatever the window: `_splits_cluster`)."""
    edges = _WINDOW_EDGES.get(window)
    if edges is None:
        for pos in positions:
            if first < pos < last and _splits_cluster(text, pos):
                return None
        edges = _spaced_edges(window) if _has_space(window) else _edges(window)
        if len(_WINDOW_EDGES) >= CACHED:
            _WINDOW_EDGES.clear()
        _WINDOW_EDGES[window] = edges
    return edges
