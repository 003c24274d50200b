"""Which language a message is in: Khmer script (km), romanised Khmer (km-Latn) or English (en).

Khmer script is recognised by its code points. Romanised Khmer uses the Latin alphabet, so it is told apart
from English by counting the words of two small lexicons: the romanised Khmer words people type in chats
("knhom", "bong", "oun", "nas", "te", ...) with their spelling variants (`lexicons/km-Latn/words.json`),
and common English words (`lexicons/en/words.json`). A message with neither is left undecided. Cheap enough to run on every message: one
tokenisation of the already-normalised text (C-level `bytes` calls for an ASCII one) and one lookup per word
in a table that counts both lexicons at once; or, for the text `normalize` has just put together from its
words, the count of its lexicon words kept with each word (worked out once per distinct word), read
without a look-up.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from typing import Final

from hotline.detect.errors import DataError
from hotline.detect.text.case import lower
from hotline.detect.text.khmer import KHMER_RE
from hotline.detect.text.normalize import fold_word, last_words

__all__ = ["conversation_languages", "detect_language", "romanised_khmer_words"]

#: On a tie, the writing named first wins (Khmer script is the most telling).
_TIE_ORDER: Final[tuple[str, ...]] = ("km", "km-Latn", "en")
_TOKEN: Final = re.compile(r"[a-z]+")


@lru_cache(maxsize=1)
def romanised_khmer_words() -> frozenset[str]:
    """The romanised Khmer lexicon, folded like normalised text."""
    return _words("km-Latn")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words, folded like normalised text."""
    return _words("en")


def _words(lang: str) -> frozenset[str]:
    path = resources.files("hotline.detect") / "lexicons" / lang / "words.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        words = data["words"]
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise TypeError("'words' must be a list of non-empty strings")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"invalid word list {path}: {exc}") from exc
    return frozenset(fold_word(lower(w).replace("-", "")) for w in words)


def detect_language(norm: str) -> str | None:
    """The language of one normalised message, or None when it cannot tell (emoji, numbers, names only)."""
    kept = last_words(norm)
    if kept is not None:  # most messages: the counts kept with the words `normalize` put the text together from
        both = 0
        for word in kept:  # compiled, a loop of reads and additions: cheaper than `sum` of a `map`
            n = word.tally
            if n < 0:
                if n == _UNCOUNTED:  # first seen
                    n = word.tally = _tally(word.form)
                if n == _KHMER:
                    return "km"
            both += n
    elif norm.isascii():  # its words split out at C speed
        words = (_COUNTS or _counts())[1]
        both = sum(filter(None, map(words.get, norm.encode().translate(_LETTERS).split())))
    elif KHMER_RE.search(norm):
        return "km"
    else:
        both = sum(filter(None, map((_COUNTS or _counts())[0].get, _TOKEN.findall(norm))))
    if not both:
        return None  # no known word either way ("16", "haha", a name): do not guess
    km, en = both & (_EN - 1), both >> 32
    if km > en or (km and km == en):
        return "km-Latn"
    return "en" if en else None


#: Bytes: ASCII letters stay, everything else becomes a space (an ASCII text's `_TOKEN` words, split).
_LETTERS: Final = bytes.maketrans(bytes(range(256)), bytes(c if 97 <= c <= 122 else 32 for c in range(256)))
#: A word counts 1 if romanised Khmer and `_EN` if English (both if in both lexicons), so that one sum over
#: a message's words counts both: romanised Khmer words in the low 32 bits, English ones above.
_EN: Final = 1 << 32
_COUNTS: tuple[dict[str, int], dict[bytes, int]] | None = None


#: `normalize.Word.tally` before the count is kept, and for a word with Khmer script (the text is Khmer).
_UNCOUNTED: Final = -1
_KHMER: Final = -2


def _tally(form: str) -> int:
    """The count (see `_EN`) of the lexicon words in the form of a word `normalize` keeps (a short one), or
    `_KHMER`: kept with the word (`normalize.Word.tally`). A token never runs over a space, so the counts of a
    text's words add up to the text's."""
    words, ascii_words = _COUNTS or _counts()
    if not form.isascii():
        if KHMER_RE.search(form):
            return _KHMER
        return sum(filter(None, map(words.get, _TOKEN.findall(form))))
    if form.isalpha():  # one word, of a lexicon or not
        return words.get(form, 0)
    n = 0  # (compiled, a loop: no `map`, `filter` and `sum` made for a word or two)
    for token in form.encode().translate(_LETTERS).split():
        n += ascii_words.get(token, 0)
    return n


def _counts() -> tuple[dict[str, int], dict[bytes, int]]:
    """Each lexicon word → its count (see `_EN`), keyed by the word and by its ASCII bytes."""
    global _COUNTS
    words = dict.fromkeys(romanised_khmer_words(), 1)
    for w in english_words():
        words[w] = words.get(w, 0) + _EN
    _COUNTS = (words, {w.encode(): n for w, n in words.items() if w.isascii()})
    return _COUNTS


def conversation_languages(counts: Counter[str] | dict[str, int]) -> list[str]:
    """Languages of a conversation from per-message counts, most used first. A language needs two messages
    and a tenth of the chat (or twenty messages): one stray message is more often a misreading than a
    language of the chat."""
    total = sum(counts.values())
    if not total:
        return []
    top = max(counts.values())
    keep = [(n, lang) for lang, n in counts.items()
            if n == top or (n >= 2 and n >= total * 0.1) or n >= 20]
    return [lang for _, lang in sorted(keep, key=lambda x: (-x[0], _TIE_ORDER.index(x[1])))]


def languages_of(texts: Iterable[str]) -> list[str]:
    """Languages of normalised texts (convenience for callers without their own counts)."""
    counts: Counter[str] = Counter()
    for t in texts:
        lang = detect_language(t)
        if lang:
            counts[lang] += 1
    return conversation_languages(counts)
