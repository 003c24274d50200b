"""One matching form for chat text, so that one pattern covers the ways people type the same words.

`normalize` runs on every message, so it is a handful of precompiled steps: NFC, case folding, a translate
table (Khmer digits → ASCII, zero-width and direction marks removed, apostrophes dropped), Khmer spelling
folds, then the common obfuscations: spaced letters ("s e x"), punctuation inside a word ("n.u.d.e"),
a star for a vowel ("s*x"), leetspeak inside words ("s3x", "n00ds"), and repeated letters collapsed to one
("pleeeease" → "please"). Runs of a letter collapse fully (so "good" → "god"): the rule loader folds patterns
the same way (`fold_pattern`), so authors write plain words and elongated or doubled spellings all match.

`normalize` works a word at a time: every step but spaced letters stays inside a word (split at spaces, as
typed), so each distinct word's form is worked out once and kept (bounded), and a text is its words' forms
joined; spaced letters are looked for over the whole text only when three letters stand alone in it.

Findings must quote the ORIGINAL words, so `normalize_mapped` returns the same string plus, for each of its
characters, the index of the original character it came from. It is only called for the few messages that
matched, and it applies the very same substitution functions, so both forms are always identical.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from itertools import chain
from types import FunctionType
from typing import TYPE_CHECKING, Final, cast

from hotline.detect.text.case import lower
from hotline.detect.text.khmer import (
    INVISIBLE,
    KHMER_CHAR,
    KHMER_DIGITS,
    LENGTHENED,
    SEND_MISSPELT,
    SPELLING_MAP,
    SPELLING_MARKS,
    SPELLING_RE,
)

if TYPE_CHECKING:
    from mypy_extensions import i64

__all__ = [
    "excerpt", "fold_pattern", "fold_word", "maps_in_place", "normalize", "normalize_mapped", "original_span",
]

_ZERO_WIDTH: Final = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u00ad"
_APOSTROPHES: Final = "'\u2019\u2018\u02bc`\u00b4"

_TABLE: Final[dict[int, str | None]] = {
    **KHMER_DIGITS,
    **dict.fromkeys(map(ord, _ZERO_WIDTH + INVISIBLE + _APOSTROPHES), None),
    ord("\u201c"): '"', ord("\u201d"): '"', ord("\u00a0"): " ", ord("\u202f"): " ",
    ord("\u2013"): "-", ord("\u2014"): "-", ord("\uff04"): "$",
}

#: The characters the table deletes; every other entry maps a character to exactly one.
_DELETED: Final = frozenset(chr(k) for k, v in _TABLE.items() if v is None)
if any(v is not None and len(v) != 1 for v in _TABLE.values()):  # pragma: no cover - guards the table above
    raise RuntimeError("normalize_mapped assumes the table maps each character to one character or none")
#: The ASCII characters the table deletes: ASCII text needs no table lookup per character, only these.
_ASCII_DELETED: Final = tuple(chr(k) for k, v in _TABLE.items() if k < 128 and v is None)
if any(k < 128 and v is not None for k, v in _TABLE.items()):  # pragma: no cover - guards the table above
    raise RuntimeError("the ASCII fast path of normalize assumes the table only deletes ASCII characters")

#: Words people disguise; an obfuscated token is rewritten only if it becomes one of these (folded).
_TARGETS: Final[tuple[str, ...]] = (
    "sex", "sexy", "sext", "sexting", "nude", "nudes", "nudez", "nudz", "naked", "porn", "horny", "dick", "cock",
    "pussy", "boobs", "boob", "tits", "penis", "vagina", "fuck", "cum", "kiss", "strip", "topless", "bra",
    "panties", "pic", "pics", "pix", "photo", "video", "cam", "webcam", "virgin", "body", "breasts",
    "secret", "delete", "send", "tell", "meet", "alone", "money", "pay", "hotel", "telegram", "snapchat", "wechat", "whatsapp", "line",
)


def fold_word(word: str) -> str:
    """Collapse runs of one letter ("pleease", "good" → "plese", "god") - the matching form of a word."""
    return _collapse_runs(word) if COMPILED else _REPEAT_LATIN.sub(_first, word)


def _collapse_runs(s: str) -> str:
    """`_REPEAT_LATIN.sub(_first, s)`, each run of one letter a-z as that letter, in a loop (compiled, a
    fraction of the regex's cost: it tries its group and back-reference at every letter)."""
    n = len(s)
    pieces: list[str] = []
    start = 0  # where the text not yet copied starts
    i = 1
    while i < n:
        c = ord(s[i])
        if 97 <= c <= 122 and ord(s[i - 1]) == c:
            pieces.append(s[start:i])
            i += 1
            while i < n and ord(s[i]) == c:
                i += 1
            start = i
        i += 1
    if not pieces:
        return s
    pieces.append(s[start:])
    return "".join(pieces)


_REPEAT_LATIN: Final = re.compile(r"([a-z])\1+")


def _first(m: re.Match[str]) -> str:
    return m.group(1)


#: Whether this module runs compiled (mypyc makes its functions built-in ones): then loops over a text's
#: characters (`ord` of an indexed character reads it in place, native integers) stand for regexes that
#: try a pattern at every character (`_collapse_runs`; `_scan`: plain Khmer, a spelling fold, three alike,
#: and `unicodedata`'s NFC check, each a walk over a Khmer text), at a fraction of their cost; interpreted,
#: the loops would cost more than the regexes.
COMPILED: Final = not isinstance(fold_word, FunctionType)
_REPEAT_KHMER: Final = re.compile(f"([{KHMER_CHAR}])\\1{{2,}}")


def _masked_forms() -> dict[str, str]:
    """Each target, and each with one vowel hidden by '*' or '#', mapped to the target."""
    forms: dict[str, str] = {}
    for t in _TARGETS:
        forms[t] = t
        for i, ch in enumerate(t):
            if ch in "aeiou":
                for mask in "*#":
                    forms[t[:i] + mask + t[i + 1:]] = t
    return {fold_word(k): fold_word(v) for k, v in forms.items()}


_MASKED: Final = _masked_forms()
if any(len(v) > len(k) for k, v in _MASKED.items()):  # pragma: no cover - guards `maps_in_place`
    raise RuntimeError("a disguised word must never be replaced by a longer one")

_LETTERS: Final = "a-z"
# "s e x", "n.u.d.e", "s-e-x": three or more single letters separated by spaces or punctuation.
_SPACED: Final = re.compile(rf"(?<![{_LETTERS}0-9])(?:[{_LETTERS}*#][ .\-_]+){{2,}}[{_LETTERS}*#](?![{_LETTERS}0-9])")
# "nu.de", "s*x", "s.e.xy": a word broken by punctuation or with a star for a vowel (the word's letters are
# taken possessively: what follows them is never a letter, so a shorter reading cannot match; no backtracking).
_BROKEN: Final = re.compile(rf"(?<![{_LETTERS}])[{_LETTERS}]++(?:[.\-_]+[{_LETTERS}*#]+|[*#]+[{_LETTERS}]*)+")
_SEPARATORS: Final = re.compile(r"[ .\-_]+")
_LEET_RUN: Final = re.compile(rf"(?<=[{_LETTERS}])[0134579@$]+(?=[{_LETTERS}])")
_LEET_TABLE: Final = str.maketrans("0134579@$", "oieastgas")


def _join_spaced(m: re.Match[str]) -> str:
    joined = _SEPARATORS.sub("", m.group(0))
    target = _MASKED.get(fold_word(joined))
    return target if target is not None else m.group(0)


def _join_broken(m: re.Match[str]) -> str:
    joined = _SEPARATORS.sub("", m.group(0))
    target = _MASKED.get(fold_word(joined))
    return target if target is not None else m.group(0)


def _leet(m: re.Match[str]) -> str:
    return m.group(0).translate(_LEET_TABLE)


def _khmer_fold(m: re.Match[str]) -> str:
    found = m.group(0)
    if found == SEND_MISSPELT and _letter_at(m.string, m.end()) and _starts_word(m.string, m.end() - 1):
        return found  # ផ្ញើ + របស់ "send yours": the RO starts the next word, it is not a stray one
    return SPELLING_MAP[found]


def _letter_at(text: str, pos: int) -> bool:
    return pos < len(text) and "\u1780" <= text[pos] <= "\u17d3"


def _starts_word(text: str, pos: int) -> bool:
    """Whether a word of `text` starts at `pos`, as the rules' word edges see it (segmenting is costly, but
    it only runs where the misspelt "send" runs on into a letter)."""
    from hotline.detect.text.segment import starts_word  # segment normalises its phrases with this module

    return starts_word(text, pos)


_Sub = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
#: The substitution steps after the translate table, in order. Shared by both normalisers.
_SUBS: Final[tuple[_Sub, ...]] = (
    (SPELLING_RE, _khmer_fold),
    (_SPACED, _join_spaced),
    (_BROKEN, _join_broken),
    (_LEET_RUN, _leet),
    (_REPEAT_LATIN, _first),
    (_REPEAT_KHMER, _first),
)


#: Per step of `_SUBS`, a pattern one match of which its pattern needs (None: always run it): a message
#: without one skips the step, which cannot change it (most messages have no Khmer, dots or digits; Khmer
#: messages have no Latin letters). A class is one fast scan, cheaper than the step's own search; spaced
#: letters are found where `_SPACED` matches, but from the separator after the first letter (a scan from a
#: class, the letter checked behind it, where `_SPACED` tries a look-behind at every character); a Khmer
#: letter repeated needs any character three times in a row, which a plain back-reference finds fastest.
_SPACED_HINT: Final = re.compile(
    rf"[ .\-_](?<=[{_LETTERS}*#][ .\-_])(?<![{_LETTERS}0-9][{_LETTERS}*#][ .\-_])"
    rf"[ .\-_]*[{_LETTERS}*#][ .\-_]+[{_LETTERS}*#](?![{_LETTERS}0-9])")
#: A letter standing alone (what each letter of spaced letters is): a word without one takes no part in them.
_LONE_LETTER: Final = re.compile(rf"(?<![{_LETTERS}0-9])[{_LETTERS}*#](?![{_LETTERS}0-9])")
_THREE_ALIKE: Final = re.compile(r"(.)\1\1", re.DOTALL)
_BROKEN_NEEDS: Final = re.compile(r"[.\-_*#]")
_LEET_NEEDS: Final = re.compile(r"[0134579@$]")
_NEEDS: Final[tuple[re.Pattern[str] | None, ...]] = (
    None, _SPACED_HINT, _BROKEN_NEEDS, _LEET_NEEDS, re.compile(rf"[{_LETTERS}]"), _THREE_ALIKE)
_KHMER_STEPS: Final = frozenset({SPELLING_RE, _REPEAT_KHMER})
#: Per step: its pattern, its replacement, what it needs, whether only Khmer text can change (a pattern's
#: hash is computed over its compiled code, so it is looked up once here, not per message).
_Step = tuple[re.Pattern[str], Callable[[re.Match[str]], str], re.Pattern[str] | None, bool]
_STEPS: Final[tuple[_Step, ...]] = tuple(
    (pattern, fn, needs, pattern in _KHMER_STEPS) for (pattern, fn), needs in zip(_SUBS, _NEEDS, strict=True))
#: Any character the table changes: most text has none, and a scan is cheaper than a lookup per character.
_TABLE_CHARS: Final = re.compile("[" + "".join(re.escape(chr(k)) for k in sorted(_TABLE)) + "]")
#: Any character one of the Latin steps needs: Khmer text rarely has one, and one scan skips all four.
_LATIN_CHARS: Final = re.compile(rf"[{_LETTERS}*#.\-_0134579@$]")
_TABLE_OR_LATIN_CHARS: Final = re.compile(_TABLE_CHARS.pattern[:-1] + _LATIN_CHARS.pattern[1:])
_LATIN_STEPS: Final = tuple(step for step in _STEPS if not step[3])
_KHMER_SPELLING, _SPACED_STEP, *_WORD_STEPS, _KHMER_REPEAT = _STEPS
if _SPACED_STEP[0] is not _SPACED or _KHMER_REPEAT[0] is not _REPEAT_KHMER:  # pragma: no cover - guards _SUBS
    raise RuntimeError("normalize expects the spelling folds first, spaced letters second, Khmer runs last")
_IN_WORD_STEPS: Final = tuple(_WORD_STEPS)  # broken words, leetspeak, repeated letters: none crosses a space
if [step[0] for step in _IN_WORD_STEPS] != [_BROKEN, _LEET_RUN, _REPEAT_LATIN]:  # pragma: no cover
    raise RuntimeError("_ascii_word_form runs the in-word steps by name: broken words, leetspeak, runs")
_SPELLING: Final = SPELLING_RE
#: Lower-cased ASCII words without one of these (letters only) can change only where a letter runs.
_NOT_LETTER_OR_SPACE: Final = re.compile(f"[^{_LETTERS} ]")

# What `_ascii_scan` tells of lower-cased ASCII text, each bit what a regex of the in-word steps would find.
#: A character but a-z and space (`_NOT_LETTER_OR_SPACE`).
_NOT_LETTER: Final = 1
#: One of `.-_*#` (what `_BROKEN` needs).
_BROKEN_MARK: Final = 2
#: A leetspeak digit or sign (what `_LEET_RUN` needs).
_LEET_MARK: Final = 4
#: A letter standing alone (`_LONE_LETTER`).
_LONE: Final = 8
#: Per ASCII code point, its bits above, and 16 for a-z0-9 (a lone letter's neighbours may not be one),
#: 32 for a-z*# (what may stand alone): a string, read in place compiled.
_ASCII_KINDS: Final = "".join(
    chr((_NOT_LETTER if _NOT_LETTER_OR_SPACE.match(c) else 0) | (_BROKEN_MARK if c in ".-_*#" else 0)
        | (_LEET_MARK if c in "0134579@$" else 0) | (16 if c.isascii() and c.isalnum() and not c.isupper() else 0)
        | (32 if c in "*#" or "a" <= c <= "z" else 0))
    for c in map(chr, range(128)))


def _ascii_scan(s: str) -> int:
    """Which of `_NOT_LETTER`, `_BROKEN_MARK`, `_LEET_MARK`, `_LONE` the regexes would find in `s`, in one
    loop over its characters (compiled: a fraction of a regex search each; a character past ASCII is
    neither a letter, a mark nor a neighbour that counts)."""
    facts: i64 = 0
    prev: i64 = 0  # the kind of the character before
    n: i64 = len(s)
    i: i64 = 0
    while i < n:
        c: i64 = ord(s[i])
        k: i64 = _NOT_LETTER
        if c < 128:
            k = ord(_ASCII_KINDS[c])
        facts |= k
        if k & 32 and not prev & 16:
            after: i64 = 0
            if i + 1 < n:
                d: i64 = ord(s[i + 1])
                if d < 128:
                    after = ord(_ASCII_KINDS[d])
            if not after & 16:
                facts |= _LONE
        prev = k
        i += 1
    return int(facts & (_NOT_LETTER | _BROKEN_MARK | _LEET_MARK | _LONE))


def _ascii_facts(s: str) -> int:
    """`_ascii_scan(s)`: compiled, the loop; interpreted, the regexes themselves (cheaper there)."""
    if COMPILED:
        return _ascii_scan(s)
    return ((_NOT_LETTER if _NOT_LETTER_OR_SPACE.search(s) is not None else 0)
            | (_BROKEN_MARK if _BROKEN_NEEDS.search(s) is not None else 0)
            | (_LEET_MARK if _LEET_NEEDS.search(s) is not None else 0)
            | (_LONE if _LONE_LETTER.search(s) is not None else 0))
#: Any character but those of most Khmer text that `_unicode_prepared` leaves as they are: Khmer letters and
#: signs (no case; not the digits and marks the table folds) and ASCII that is neither a letter nor one the
#: table or the Latin steps read. Text without one needs no lower case and no table (a test checks the class).
_PLAIN_KHMER: Final = (
    "\u1780-\u17b3\u17b6-\u17df\u17ea-\u17ef\u17fa-\u17ff\u19e0-\u19ff"
    + "".join(re.escape(c) for c in map(chr, range(128))
              if not c.isalpha() and _TABLE_OR_LATIN_CHARS.search(c) is None))
_NOT_PLAIN_KHMER: Final = re.compile(f"[^{_PLAIN_KHMER}]")


# What `_facts` tells of a text. A set bit means "look"; only `_KNOWN` facts (`_scan`'s) may be relied on.
#: Every character is of `_PLAIN_KHMER`.
_PLAIN: Final = 1
#: A spelling fold may be here (one of `SPELLING_MARKS`): `SPELLING_RE` must look.
_FOLD: Final = 2
#: A character three times in a row (`_THREE_ALIKE`; exact when known).
_THREE: Final = 4
#: `unicodedata.is_normalized` must be asked (a character outside the tables, or marks out of order).
_ASK_NFC: Final = 8
#: The facts come from `_scan`.
_KNOWN: Final = 16
#: Interpreted: nothing known, every step looks for itself.
_UNKNOWN: Final = _FOLD | _THREE | _ASK_NFC

#: `_scan`'s tables cover the code points below this one: ASCII, the Khmer block, Khmer symbols (others count
#: as characters of none of them).
_TABLES_END: Final = 0x1A00
_TABLE_RANGES: Final = ((0, 128), (0x1780, 0x1800), (0x19E0, 0x1A00))
_CLASS_RANKS: Final[dict[int, int]] = {cc: i + 1 for i, cc in enumerate(sorted(
    {unicodedata.combining(chr(c)) for first, end in _TABLE_RANGES for c in range(first, end)} - {0}))}
#: The first characters of the two-character marks, each a bit of a kind (from bit 7).
_MARK_FIRSTS: Final = sorted({m[0] for m in SPELLING_MARKS if len(m) == 2})
if len(_CLASS_RANKS) > 15 or len(_MARK_FIRSTS) > 12:  # pragma: no cover - guards the kinds' bits
    raise RuntimeError("_scan's kinds hold 15 combining classes and 12 first characters of marks")


def _kind(ch: str, not_plain: set[str]) -> int:
    """A character's kind for `_scan` (`not_plain`: the characters of the ranges not of `_PLAIN_KHMER`): bit 0,
    not of `_PLAIN_KHMER`; bit 1, a mark of one character; bit 2, NFC to be asked (a character outside the
    ranges or with a decomposition: for the others `unicodedata`'s quick check decides by the order of
    combining classes alone, as no character's canonical decomposition ends in one of them, a test checks);
    bits 3-6, the rank of its combining class; bits 7-, the marks it starts (added by `_tables`)."""
    k = int(ch in not_plain)
    if unicodedata.decomposition(ch):
        return k | 1 | 4
    return k | _CLASS_RANKS.get(unicodedata.combining(ch), 0) << 3


def _tables() -> tuple[str, str]:
    """Per code point below `_TABLES_END`, its kind (`_kind`; outside the ranges, not plain, NFC to be asked),
    and the marks' first characters it may follow (bits as in kinds, from bit 0): strings, read in place
    compiled."""
    chars = "".join([chr(c) for first, end in _TABLE_RANGES for c in range(first, end)])
    not_plain = set(_NOT_PLAIN_KHMER.findall(chars))
    kinds = [1 | 4] * _TABLES_END
    for ch in chars:
        kinds[ord(ch)] = _kind(ch, not_plain)
    seconds = [0] * _TABLES_END
    for mark in SPELLING_MARKS:
        if len(mark) == 1:
            kinds[ord(mark)] |= 2
        else:
            bit = 1 << _MARK_FIRSTS.index(mark[0])
            kinds[ord(mark[0])] |= bit << 7
            seconds[ord(mark[1])] |= bit
    return "".join(map(chr, kinds)), "".join(map(chr, seconds))


_TABLES: Final = _tables()
_KINDS: Final = _TABLES[0]
_SECONDS: Final = _TABLES[1]


def _scan(s: str) -> int:
    """What `_facts` tells, read in one loop over the characters (compiled)."""
    kinds: i64 = 0  # the kinds of every character, or-ed
    fold: i64 = 0
    three: i64 = 0
    ask: i64 = 0
    prev: i64 = -1
    run: i64 = 0
    last: i64 = 0
    n: i64 = len(s)
    i: i64 = 0
    while i < n:
        c: i64 = ord(s[i])
        if c == prev:
            run += 1
            if run == 2:
                three = _THREE
        else:
            prev = c
            run = 0
        k: i64 = 1 | 4
        if c < _TABLES_END:
            k = ord(_KINDS[c])
        kinds |= k
        rank = (k >> 3) & 15
        if rank != 0 and last > rank:
            ask = _ASK_NFC
        last = rank
        if k >= 128 and i + 1 < n:
            c2: i64 = ord(s[i + 1])
            if c2 < _TABLES_END and ord(_SECONDS[c2]) & (k >> 7) != 0:
                fold = _FOLD
        i += 1
    plain: i64 = _PLAIN if kinds & 1 == 0 else 0
    if kinds & 2:
        fold = _FOLD
    if kinds & 4:
        ask = _ASK_NFC
    return int(_KNOWN | plain | fold | three | ask)


def _facts(s: str) -> int:
    """What the Khmer steps need of `s` (the bits above): compiled, `_scan`; interpreted, `_UNKNOWN`."""
    return _scan(s) if COMPILED else _UNKNOWN


class Word:
    """What is kept of one word as typed (split at spaces: Khmer phrases too): its form after every step but
    spaced letters (the only one that crosses a space), how many letters stand alone in it ("i", "x!", "s.e":
    each letter of spaced letters is one; only a text with three is looked at whole for them, which are
    rare), and `tally`, a number a reader of the words keeps for it (`detect_language`: the lexicon words of
    its form; -1 until it does), and `offs` (a quoter's). One object per word: a text's words cost one
    look-up each, for all of them."""

    __slots__ = ("form", "lone", "offs", "same", "size", "tally")

    def __init__(self, word: str, form: str) -> None:
        self.form = form
        self.lone = 0
        #: The form is the word as typed: a text of such words is its own form.
        self.same = form == word
        self.tally = -1
        #: The word's length as typed, and where each character of its form came from in it (a quoter's:
        #: `normalize_mapped`'s offsets, worked out when a match in a text of the word is first quoted).
        self.size = len(word)
        self.offs: list[int] | None = None


#: Each word seen (see `Word`): a text is normalised a word at a time, each distinct word worked out once.
#: Bounded; long words are not kept.
_WORDS: Final[dict[str, Word]] = {}
_WORDS_MAX: Final = 50_000
_WORD_FORM_CHARS: Final = 32


class _Last:
    """The last text `normalize` put together from its words, for `last_words` (an object whose fields are
    set, not a global rebound: compiled, that is a store, not a dictionary update per message)."""

    def __init__(self) -> None:
        self.norm = ""
        #: Its words' kept facts, in the text's order.
        self.words: list[Word] = []

    def keep(self, norm: str, words: list[Word]) -> str:
        self.norm = norm
        self.words = words
        return norm


_LAST: Final = _Last()


def _keep(word: str, form: str) -> Word:
    """Keep `word` with its `form` (once: a word twice in a text is worked out twice, to the same form)."""
    kept = _WORDS.get(word)
    if kept is None:
        kept = _WORDS[word] = Word(word, form)
    return kept


def normalize(text: str) -> str:
    """The matching form of `text` (see the module docstring for the steps), put together from the forms of
    its words, which are worked out once each; spaced letters, which run across words, are looked for in
    the whole text only when its words have three letters standing alone."""
    if len(text) > 2 * _WORD_FORM_CHARS and not text.isascii():  # so long a Khmer text has a phrase too long
        return _text_form(text)  # to keep: splitting it and looking its words up would be spent for nothing
    words = text.split(" ")
    known = [_WORDS.get(word) for word in words]  # compiled, a list made at its length: no appends
    norm = _from_kept(text, known)
    return norm if norm is not None else _learned_form(text, words, known)


def _from_kept(text: str, known: list[Word | None]) -> str | None:
    """`text`'s form put together from the kept forms of its words (`known`: what is kept of each, None for
    a word not kept; `text` itself when each is its own form, one word's form when it is one word: nothing
    joined), or worked out whole when spaced letters may join them; None when a word is not kept."""
    lone = 0
    same = True
    for w in known:
        if w is None:
            return None
        lone += w.lone
        same = same and w.same
    return _joined(text, cast("list[Word]", known), lone, same)


def _joined(text: str, kept: list[Word], lone: int, same: bool) -> str:
    """`text`'s form from its words' `kept` forms (`lone`: their letters standing alone; `same`: whether
    each is its own form), or worked out whole when spaced letters may join them."""
    if lone >= 3 and _SPACED_HINT.search(_prepared(text)) is not None:
        return _text_form(text)
    if same:
        return _LAST.keep(text, kept)
    if len(kept) == 1:
        return _LAST.keep(kept[0].form, kept)
    return _LAST.keep(" ".join([w.form for w in kept]), kept)


def last_words(norm: str) -> list[Word] | None:
    """If `normalize` put `norm` together last from the kept forms of its text's words: what is kept of
    each of those words (`text.split(" ")`), in order; else None. A reader of the message's words
    (`detect_language`) then needs no second split and no look-up, and can keep its own number per word."""
    last = _LAST
    return last.words if last.norm is norm else None


def _learned_form(text: str, words: list[str], known: list[Word | None]) -> str:
    """`normalize` for a text (`words`: its words) with words whose forms are not kept yet; they are worked
    out and kept, unless one is too long to keep, or is the misspelt "send" (which reads the words around):
    the text's form is then worked out whole. The steps that stay inside a word run once over the words not
    kept (ASCII), or over the whole text (Khmer, which seldom repeats a text's words without the others),
    made ready in one go, and each word's form is read off the result (none of those steps runs across a
    space, or adds or drops one)."""
    if len(_WORDS) + len(words) > _WORDS_MAX:  # not while learning: a word's count would go
        _WORDS.clear()
        known = [None] * len(words)
    if text.isascii():  # compiled, plain loops: cheaper than sets, `map`s and `zip`s made for a few words
        new: list[str] = []
        for i in range(len(words)):
            if known[i] is None:  # (a word twice in the text is worked out twice: the same form)
                word = words[i]
                if len(word) > _WORD_FORM_CHARS:  # the kept words are all short
                    return _text_form(text)
                new.append(word)
        s = _prepared(" ".join(new))
        facts = _ascii_facts(s)
        forms = _ascii_word_form(s, facts).split(" ")
        # one probe each (a word twice among them keeps its first Word, as `_keep` would)
        learned = [_WORDS.setdefault(new[i], Word(new[i], forms[i])) for i in range(len(new))]
        if facts & _LONE:
            _count_lone_letters(new, s)
        lone = 0  # what `_from_kept` finds now that every word is kept
        same = True
        j = 0
        for i in range(len(known)):
            w = known[i]
            if w is None:
                w = known[i] = learned[j]
                j += 1
            lone += w.lone
            same = same and w.same
        return _joined(text, cast("list[Word]", known), lone, same)
    if max(map(len, words)) > _WORD_FORM_CHARS:
        return _text_form(text)
    s, latin, facts = _prepare(text)
    if SEND_MISSPELT in s:
        return _text_form(text)
    norm = _ascii_word_form(s) if s.isascii() else _unicode_form(s, _IN_WORD_STEPS if latin else (), facts)
    forms = norm.split(" ")
    if len(forms) != len(words):  # the table made a space (a no-break space): each word on its own
        for word in set(words).difference(_WORDS):
            _word_form(word)
        return normalize(text)
    kept = [_keep(words[i], forms[i]) for i in range(len(words))]
    if latin and _LONE_LETTER.search(s) is not None:
        _count_lone_letters(words, s)
        if sum([w.lone for w in kept]) >= 3 and _SPACED_HINT.search(_prepared(text)) is not None:
            return _text_form(text)  # spaced letters join words
    return _LAST.keep(norm, kept)


def _count_lone_letters(words: list[str], s: str) -> None:
    """Keep how many letters standing alone each of `words` has (`s`: the words made ready, joined by
    spaces)."""
    for word, piece in zip(words, s.split(" "), strict=True):
        if len(piece) < 2 or not (piece.isascii() and piece.isalnum()):
            _WORDS[word].lone = len(_LONE_LETTER.findall(piece))


def _word_form(word: str) -> str | None:
    """The form of one word (no space in it) after every step but spaced letters, kept for the next time;
    None for a word whose form depends on the words around (the misspelt "send" reads the word edges of the
    text)."""
    if word.isascii():
        s = _prepared(word)
        form = _ascii_word_form(s)
    else:
        s, latin, facts = _prepare(word)
        if latin and s.isascii():  # a space the table made may part it: each part stands alone
            form = " ".join(map(_ascii_word_form, s.split(" "))) if " " in s else _ascii_word_form(s)
        elif SEND_MISSPELT in s:
            return None
        else:
            form = _unicode_form(s, _IN_WORD_STEPS if latin else (), facts)
        if not latin:
            _keep(word, form)
            return form
    kept = _keep(word, form)
    if len(s) < 2 or not (s.isascii() and s.isalnum()):
        kept.lone = len(_LONE_LETTER.findall(s))
    return form


def _ascii_word_form(word: str, facts: int = -1) -> str:
    """The steps that stay inside a word, on lower-cased ASCII words without apostrophes (or several joined
    by spaces); `facts`: `_ascii_facts(word)`, if known. A step runs only where its mark is (broken words
    only join letters: they never bring a leetspeak mark); the last, runs of a letter, is `fold_word`."""
    if facts < 0:
        facts = _ascii_facts(word)
    if not facts & _NOT_LETTER:  # letters only (most words): only a run
        return fold_word(word)
    form = word
    if facts & _BROKEN_MARK:
        form = _BROKEN.sub(_join_broken, form)
    if facts & _LEET_MARK and (not facts & _BROKEN_MARK or _LEET_NEEDS.search(form) is not None):
        form = _LEET_RUN.sub(_leet, form)
    return fold_word(form)


def _prepared(text: str) -> str:
    """`text` in NFC, lower-cased, through the table: what the substitution steps run on."""
    if text.isascii():
        s = text.lower()
        for ch in _ASCII_DELETED:
            if ch in s:
                s = s.replace(ch, "")
        return s
    return _unicode_prepared(text)[0]


def _unicode_prepared(text: str) -> tuple[str, bool]:
    """`_prepared` for text that is not ASCII, and whether it may hold something for the Latin steps."""
    s, latin, _ = _prepare(text)
    return s, latin


def _prepare(text: str) -> tuple[str, bool, int]:
    """`_unicode_prepared`, and the `_facts` of the text it gives when they are known (plain Khmer), else
    `_UNKNOWN` (one scan for a character of the table or of the Latin steps: most Khmer text has none, and
    skips both)."""
    facts = _facts(text)
    if facts & _ASK_NFC and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
        facts = _facts(text)
    if facts & _PLAIN if facts & _KNOWN else _NOT_PLAIN_KHMER.search(text) is None:
        return text, False, facts  # no case to lower, nothing for the table or the Latin steps
    s = lower(text)
    if _TABLE_OR_LATIN_CHARS.search(s) is None:
        return s, False, _UNKNOWN
    if _TABLE_CHARS.search(s) is not None:  # a replace per character found: cheaper than translate's lookups
        for ch in set(_TABLE_CHARS.findall(s)):
            s = s.replace(ch, _TABLE[ord(ch)] or "")
    return s, True, _UNKNOWN


def _ascii_form(s: str) -> str:
    """The steps on lower-cased ASCII text without apostrophes: spaced letters over the whole text, then
    the rest word by word (a space never takes part in them, so each word's form stands alone)."""
    if _SPACED_HINT.search(s) is not None:
        s = _SPACED.sub(_join_spaced, s)
    forms: list[str] = []
    for word in s.split(" "):
        kept = _WORDS.get(word)
        forms.append(kept.form if kept is not None else _ascii_word_form(word))
    return " ".join(forms)


def _text_form(text: str) -> str:
    """The matching form of `text` with every step run over the whole text (the way for a text whose spaced
    letters join words, or whose misspelt "send" runs on into a letter, or with a word too long to keep)."""
    if text.isascii():
        return _ascii_form(_prepared(text))
    s, latin, facts = _prepare(text)
    if latin and s.isascii():  # only Khmer digits or marks the table folded: the same steps as ASCII text
        return _ascii_form(s)
    return _unicode_form(s, _LATIN_STEPS if latin else (), facts)


def _unicode_form(s: str, latin_steps: tuple[_Step, ...], facts: int = _UNKNOWN) -> str:
    """The steps after the table on prepared text that is not ASCII (`latin_steps`: with or without spaced
    letters; none when the text has no character they need; `facts`: `s`'s `_facts`, if known)."""
    if COMPILED and not facts & _KNOWN:
        facts = _scan(s)
    if facts & _FOLD and _SPELLING.search(s) is not None:  # seldom: a search is cheaper than a substitution
        s = _SPELLING.sub(_khmer_fold, s)  # that finds nothing
        facts = _facts(s)
    if latin_steps and _LATIN_CHARS.search(s) is not None:
        for pattern, fn, needs, _ in latin_steps:
            if needs is None or needs.search(s) is not None:
                s = pattern.sub(fn, s)
        facts = _facts(s)
    if facts & _THREE and (facts & _KNOWN or _THREE_ALIKE.search(s) is not None):
        s = _REPEAT_KHMER.sub(_first, s)
    return s


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` plus, for each character of it, the index in `text` it came from."""
    s, offs = _nfc_mapped(text)
    low = lower(s)  # each character lowers to one or more: the same length means one each
    s, offs = (low, offs) if len(low) == len(s) else _per_char_mapped(s, offs, str.lower)
    folded = s.translate(_TABLE) if _TABLE_CHARS.search(s) is not None else s  # one character or none each
    if len(folded) != len(s):
        offs = [o for c, o in zip(s, offs, strict=True) if c not in _DELETED]
    s = folded
    ascii_only = s.isascii()
    for pattern, fn, needs, khmer_step in _STEPS:
        if ascii_only and khmer_step:
            continue
        if needs is not None and needs.search(s) is None:
            continue
        s, offs = _sub_mapped(pattern, fn, s, offs)
    return s, offs


#: The one character whose lower case is longer than itself (İ → i̇; a test checks every code point).
_LOWER_LENGTHENS: Final = "\u0130"


def maps_in_place(text: str, norm: str) -> bool:
    """Whether each character of `norm` (= `normalize(text)`) maps to the same place in `text`, so that
    quoting a match needs no `normalize_mapped`. Every step keeps or shortens text except a lower case
    that lengthens, a composition (text not in NFC) and the folds that lengthen a word: without those, the
    same length means that no step shortened anything either, so every character stayed in its place."""
    if len(norm) != len(text):
        return False
    if text.isascii():
        return True
    return (_LOWER_LENGTHENS not in text and not any(word in norm for word in LENGTHENED)
            and unicodedata.is_normalized("NFC", text))


def _nfc_mapped(text: str) -> tuple[str, list[int]]:
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text)))
    out: list[str] = []
    offs: list[int] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or unicodedata.combining(text[i]) == 0:
            piece = unicodedata.normalize("NFC", text[start:i])
            out.append(piece)
            offs.extend([start] * len(piece))
            start = i
    joined = "".join(out)
    if joined != unicodedata.normalize("NFC", text):  # composition across groups (rare): approximate
        joined = unicodedata.normalize("NFC", text)
        offs = [min(i * len(text) // max(len(joined), 1), len(text) - 1) for i in range(len(joined))]
    return joined, offs


def _per_char_mapped(s: str, offs: list[int], fn: Callable[[str], str]) -> tuple[str, list[int]]:
    out: list[str] = []
    new: list[int] = []
    for ch, o in zip(s, offs, strict=True):
        r = fn(ch)
        out.append(r)
        new.extend([o] * len(r))
    return "".join(out), new


def _sub_mapped(
    pattern: re.Pattern[str], fn: Callable[[re.Match[str]], str], s: str, offs: list[int]
) -> tuple[str, list[int]]:
    first = pattern.search(s)
    if first is None:  # the common case: nothing to replace, nothing to copy
        return s, offs
    new: list[int]
    if fn is _first:  # runs collapsed to their first character, which keeps its index
        new = []
        pos = 0
        for m in chain((first,), pattern.finditer(s, first.end())):
            new += offs[pos:m.start() + 1]
            pos = m.end()
        new += offs[pos:]
        return pattern.sub(_first, s), new
    out: list[str] = []
    new = []
    pos = 0
    for m in chain((first,), pattern.finditer(s, first.end())):
        a, b = m.span()
        out.append(s[pos:a])
        new.extend(offs[pos:a])
        r = fn(m)
        out.append(r)
        span = b - a
        if len(r) == span:
            new.extend(offs[a:b])
        elif len(r) == 1 and span > 0:  # a run collapsed to its letter
            new.append(offs[a])
        else:  # map the i-th replacement character proportionally into the matched span
            new.extend(offs[a + min(i * span // max(len(r), 1), span - 1)] for i in range(len(r)))
        pos = b
    out.append(s[pos:])
    new.extend(offs[pos:])
    return "".join(out), new


def original_span(text: str, offs: list[int], start: int, end: int) -> tuple[int, int]:
    """The span of `text` that produced `norm[start:end]` (end extended over a collapsed run)."""
    if not offs or start >= end:
        return 0, 0
    a = offs[start]
    last = offs[end - 1]
    b = offs[end] if end < len(offs) else len(text)
    b = max(b, last + 1)
    # do not swallow trailing spaces the next normalised character came after
    while b > last + 1 and text[b - 1].isspace():
        b -= 1
    return a, b


def excerpt(text: str, start: int, end: int, context: int = 30) -> str:
    """The matched words of the original text with a little context, cut at word edges, on one line."""
    a = max(0, start - context)
    b = min(len(text), end + context)
    if a > 0:
        sp = text.find(" ", a, start)
        a = sp + 1 if sp != -1 else a
    if b < len(text):
        sp = text.rfind(" ", end, b)
        b = sp if sp != -1 else b
    snippet = text[a:b]
    if not _spaced_plainly(snippet):
        # a line break, tab or other space than " " (none is printable), or spaces to close up: most chat
        # lines have none, and are their own snippet without being split into words and joined again
        snippet = " ".join(snippet.split())
    if a == 0 and b == len(text):
        return snippet
    return ("…" if a > 0 else "") + snippet + ("…" if b < len(text) else "")


def _spaced_plainly(s: str) -> bool:
    """Whether `s` is printable, with no two spaces in a row and none at an edge (what `excerpt` leaves as
    it is): compiled, ASCII text in one loop over its characters (printable: from " " to "~"), where the
    four checks were a call through Python and three scans; other text, and interpreted, the checks."""
    if COMPILED:
        prev: i64 = 32  # a space at the start is one at an edge
        n: i64 = len(s)
        i: i64 = 0
        while i < n:
            c: i64 = ord(s[i])
            if c <= 32:
                if c < 32 or prev == 32:
                    return False
            elif c >= 127:
                if c == 127:
                    return False
                break  # past ASCII: the checks
            prev = c
            i += 1
        if i == n:
            return prev != 32 or n == 0
    return s.isprintable() and "  " not in s and not s.startswith(" ") and not s.endswith(" ")


@lru_cache(maxsize=4096)
def fold_pattern(source: str) -> str:
    """Fold a regex or phrase written in plain words the way `normalize` folds text.

    Authors write lower case. Drops apostrophes and collapses doubled Latin letters that are not part of an escape (`\\bb` keeps its
    `\\b`), so "keep this between us" matches "keeep this betweeen us" after normalisation.
    """
    s = SPELLING_RE.sub(_khmer_fold, source.translate({ord(c): None for c in _APOSTROPHES}))
    return re.sub(r"(?<!\\)([a-z])\1+", r"\1", s)
