"""One matching form for chat text, so that one pattern covers the ways people type the same words.

`normalize` runs on every message, so it is a handful of precompiled steps: NFC, case folding, a translate
table (Khmer digits → ASCII, zero-width and direction marks removed, apostrophes dropped), Khmer spelling
folds, then the common obfuscations: spaced letters ("s e x"), punctuation inside a word ("n.u.d.e"),
a star for a vowel ("s*x"), leetspeak inside words ("s3x", "n00ds"), and repeated letters collapsed to one
("pleeeease" → "please"). Runs of a letter collapse fully (so "good" → "god"): the rule loader folds patterns
the same way (`fold_pattern`), so authors write plain words and elongated or doubled spellings all match.

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
from typing import cast

from hotline.detect.text.khmer import (
    INVISIBLE,
    KHMER_CHAR,
    KHMER_DIGITS,
    LENGTHENED,
    SEND_MISSPELT,
    SPELLING_MAP,
    SPELLING_RE,
)

__all__ = [
    "excerpt", "fold_pattern", "fold_word", "maps_in_place", "normalize", "normalize_mapped", "original_span",
]

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u00ad"
_APOSTROPHES = "'\u2019\u2018\u02bc`\u00b4"

_TABLE: dict[int, str | None] = {
    **KHMER_DIGITS,
    **dict.fromkeys(map(ord, _ZERO_WIDTH + INVISIBLE + _APOSTROPHES), None),
    ord("\u201c"): '"', ord("\u201d"): '"', ord("\u00a0"): " ", ord("\u202f"): " ",
    ord("\u2013"): "-", ord("\u2014"): "-", ord("\uff04"): "$",
}

#: The characters the table deletes; every other entry maps a character to exactly one.
_DELETED = frozenset(chr(k) for k, v in _TABLE.items() if v is None)
if any(v is not None and len(v) != 1 for v in _TABLE.values()):  # pragma: no cover - guards the table above
    raise RuntimeError("normalize_mapped assumes the table maps each character to one character or none")
#: The ASCII characters the table deletes: ASCII text needs no table lookup per character, only these.
_ASCII_DELETED = tuple(chr(k) for k, v in _TABLE.items() if k < 128 and v is None)
if any(k < 128 and v is not None for k, v in _TABLE.items()):  # pragma: no cover - guards the table above
    raise RuntimeError("the ASCII fast path of normalize assumes the table only deletes ASCII characters")

#: Words people disguise; an obfuscated token is rewritten only if it becomes one of these (folded).
_TARGETS: tuple[str, ...] = (
    "sex", "sexy", "sext", "sexting", "nude", "nudes", "nudez", "nudz", "naked", "porn", "horny", "dick", "cock",
    "pussy", "boobs", "boob", "tits", "penis", "vagina", "fuck", "cum", "kiss", "strip", "topless", "bra",
    "panties", "pic", "pics", "pix", "photo", "video", "cam", "webcam", "virgin", "body", "breasts",
    "secret", "delete", "send", "tell", "meet", "alone", "money", "pay", "hotel", "telegram", "snapchat", "wechat", "whatsapp", "line",
)


def fold_word(word: str) -> str:
    """Collapse runs of one letter ("pleease", "good" → "plese", "god") - the matching form of a word."""
    return _REPEAT_LATIN.sub(r"\1", word)


_REPEAT_LATIN = re.compile(r"([a-z])\1+")
_REPEAT_KHMER = re.compile(f"([{KHMER_CHAR}])\\1{{2,}}")


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


_MASKED = _masked_forms()
if any(len(v) > len(k) for k, v in _MASKED.items()):  # pragma: no cover - guards `maps_in_place`
    raise RuntimeError("a disguised word must never be replaced by a longer one")

_LETTERS = "a-z"
# "s e x", "n.u.d.e", "s-e-x": three or more single letters separated by spaces or punctuation.
_SPACED = re.compile(rf"(?<![{_LETTERS}0-9])(?:[{_LETTERS}*#][ .\-_]+){{2,}}[{_LETTERS}*#](?![{_LETTERS}0-9])")
# "nu.de", "s*x", "s.e.xy": a word broken by punctuation or with a star for a vowel (the word's letters are
# taken possessively: what follows them is never a letter, so a shorter reading cannot match; no backtracking).
_BROKEN = re.compile(rf"(?<![{_LETTERS}])[{_LETTERS}]++(?:[.\-_]+[{_LETTERS}*#]+|[*#]+[{_LETTERS}]*)+")
_SEPARATORS = re.compile(r"[ .\-_]+")
_LEET_RUN = re.compile(rf"(?<=[{_LETTERS}])[0134579@$]+(?=[{_LETTERS}])")
_LEET_TABLE = str.maketrans("0134579@$", "oieastgas")


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


def _first(m: re.Match[str]) -> str:
    return m.group(1)


_Sub = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
#: The substitution steps after the translate table, in order. Shared by both normalisers.
_SUBS: tuple[_Sub, ...] = (
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
#: letters need one letter between separators (the middle one of three); a Khmer letter repeated needs any
#: character three times in a row, which a plain back-reference finds fastest.
_SPACED_HINT = re.compile(rf"[ .\-_][{_LETTERS}*#][ .\-_]")
_NEEDS: tuple[re.Pattern[str] | None, ...] = (
    None, _SPACED_HINT, re.compile(r"[.\-_*#]"), re.compile(r"[0134579@$]"), re.compile(rf"[{_LETTERS}]"),
    re.compile(r"(.)\1\1", re.DOTALL))
_KHMER_STEPS = frozenset({SPELLING_RE, _REPEAT_KHMER})
#: Per step: its pattern, its replacement, what it needs, whether only Khmer text can change (a pattern's
#: hash is computed over its compiled code, so it is looked up once here, not per message).
_STEPS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str], re.Pattern[str] | None, bool], ...] = tuple(
    (pattern, fn, needs, pattern in _KHMER_STEPS) for (pattern, fn), needs in zip(_SUBS, _NEEDS, strict=True))
#: Any character the table changes: most text has none, and a scan is cheaper than a lookup per character.
_TABLE_CHARS = re.compile("[" + "".join(re.escape(chr(k)) for k in sorted(_TABLE)) + "]")
#: Any character one of the Latin steps needs: Khmer text rarely has one, and one scan skips all four.
_LATIN_CHARS = re.compile(rf"[{_LETTERS}*#.\-_0134579@$]")
_LATIN_STEPS = tuple(step for step in _STEPS if not step[3])
_KHMER_SPELLING, _SPACED_STEP, *_WORD_STEPS, _KHMER_REPEAT = _STEPS
if _SPACED_STEP[0] is not _SPACED or _KHMER_REPEAT[0] is not _REPEAT_KHMER:  # pragma: no cover - guards _SUBS
    raise RuntimeError("normalize expects the spelling folds first, spaced letters second, Khmer runs last")

#: The form of each ASCII word (lower-cased, apostrophes gone) after the steps that stay inside a word
#: (broken words, leetspeak, repeated letters: none of their patterns crosses a space): ASCII text is
#: normalised a word at a time, each distinct word worked out once. Bounded; long words are not kept.
_WORD_FORMS: dict[str, str] = {}
_WORD_FORMS_MAX = 50_000
_WORD_FORM_CHARS = 32


def _word_form(word: str) -> str:
    form = word
    for pattern, fn, needs, _ in _WORD_STEPS:
        if needs is None or needs.search(form) is not None:
            form = pattern.sub(fn, form)
    if len(word) <= _WORD_FORM_CHARS:
        if len(_WORD_FORMS) >= _WORD_FORMS_MAX:
            _WORD_FORMS.clear()
        _WORD_FORMS[word] = form
    return form


def _ascii_form(s: str) -> str:
    """The steps on lower-cased ASCII text without apostrophes: spaced letters over the whole text, then
    the rest word by word (a space never takes part in them, so each word's form stands alone)."""
    if _SPACED_HINT.search(s) is not None:
        s = _SPACED.sub(_join_spaced, s)
    words = s.split(" ")
    forms = list(map(_WORD_FORMS.get, words))
    if None in forms:
        for i, form in enumerate(forms):
            if form is None:
                forms[i] = _word_form(words[i])
    return " ".join(cast("list[str]", forms))


def normalize(text: str) -> str:
    """The matching form of `text` (see the module docstring for the steps)."""
    if text.isascii():
        s = text.lower()
        for ch in _ASCII_DELETED:
            if ch in s:
                s = s.replace(ch, "")
        return _ascii_form(s)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    s = text.lower()
    if _TABLE_CHARS.search(s) is not None:
        s = s.translate(_TABLE)
    if s.isascii():  # only Khmer digits or marks the table folded: the same steps as any ASCII text
        return _ascii_form(s)
    s = SPELLING_RE.sub(_khmer_fold, s)
    if _LATIN_CHARS.search(s) is not None:
        for pattern, fn, needs, _ in _LATIN_STEPS:
            if needs is None or needs.search(s) is not None:
                s = pattern.sub(fn, s)
    if _KHMER_REPEAT[2] is not None and _KHMER_REPEAT[2].search(s) is not None:
        s = _REPEAT_KHMER.sub(_first, s)
    return s


def normalize_mapped(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` plus, for each character of it, the index in `text` it came from."""
    s, offs = _nfc_mapped(text)
    lower = s.lower()  # each character lowers to one or more: the same length means one each
    s, offs = (lower, offs) if len(lower) == len(s) else _per_char_mapped(s, offs, str.lower)
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
_LOWER_LENGTHENS = "\u0130"


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
    snippet = " ".join(text[a:b].split())
    return ("…" if a > 0 else "") + snippet + ("…" if b < len(text) else "")


@lru_cache(maxsize=4096)
def fold_pattern(source: str) -> str:
    """Fold a regex or phrase written in plain words the way `normalize` folds text.

    Authors write lower case. Drops apostrophes and collapses doubled Latin letters that are not part of an escape (`\\bb` keeps its
    `\\b`), so "keep this between us" matches "keeep this betweeen us" after normalisation.
    """
    s = SPELLING_RE.sub(_khmer_fold, source.translate({ord(c): None for c in _APOSTROPHES}))
    return re.sub(r"(?<!\\)([a-z])\1+", r"\1", s)
