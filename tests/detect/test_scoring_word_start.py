"""`conversation._word_start` (a citation's word placed in a message) finds what the regex it replaced found.

It was `re.compile(rf"\\b{re.escape(word)}\\w*").search(text)`, one regex compiled per cited word (re's
parser is Python: a fresh process paid ~100 us a word). The search without a regex must give the very same
start and end, for words and texts of every kind: word characters by `str.isalnum` or "_" (digits and
numerals of other scripts, combining marks that are not), words that start or end with a non-word character
(a character gram "#<pic", "res>"), the empty word, text edges.
"""

from __future__ import annotations

import random
import re
from itertools import pairwise
from pathlib import Path

from hotline.detect.scoring.conversation import _span, _word_start
from hotline.detect.scoring.terms import char_grams, raw_tokens
from hotline.detect.text.case import lower

_ROOT = Path(__file__).resolve().parents[2]
#: Characters on both sides of re's `\w`: ASCII, "_", Unicode letters and digits and numerals, combining
#: marks (not word characters), Khmer (letters and signs), punctuation of grams, spaces.
_CHARS = [*"abcxyz019_ #<>-'.@", "é", "\u0301", "²", "½", "٣", "\u1780", "\u17d2", "\u17b6", "\xa0", "\u2003", "ß",
          "\u0130", "\u212a", "\x01", "\n"]


def _by_regex(text: str, word: str) -> tuple[int, int] | None:
    m = re.search(rf"\b{re.escape(word)}\w*", text)
    return None if m is None else (m.start(), m.end())


def _text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_CHARS) for _ in range(length))


def test_word_start_matches_the_regex_on_fuzzed_text() -> None:
    rng = random.Random(10)
    for _ in range(20_000):
        text = _text(rng, rng.randrange(0, 14))
        if text and rng.random() < 0.6:  # a word cut from the text itself: found somewhere
            a = rng.randrange(len(text))
            word = text[a:a + rng.randrange(0, 5)]
        else:
            word = _text(rng, rng.randrange(0, 4))
        assert _word_start(text, word) == _by_regex(text, word), (text, word)


def test_word_start_edges() -> None:
    cases = [("", ""), ("", "a"), ("a", ""), (" ", ""), ("#", "#"), ("a#pict", "#pict"), ("#pict", "#pict"),
             ("x res> y", "res>"), ("res>>", "res>"), ("ab_c abc", "abc"), ("cab abcd", "ab"), ("é́x", "x"),
             ("2²x ²x", "x"), ("a__b", "_"), ("_", "_"), ("aa", "a"), ("a a", " "), ("ab ab", "b")]
    for text, word in cases:
        assert _word_start(text, word) == _by_regex(text, word), (text, word)


def test_word_start_matches_the_regex_on_real_chats() -> None:
    rng = random.Random(11)
    files = sorted((_ROOT / "eval" / "chats").iterdir())
    lines = [line for f in files if f.suffix in (".txt", ".csv") for line in f.read_text("utf-8").splitlines()]
    lines = rng.sample(lines, min(len(lines), 3000))
    checked = 0
    for line in lines:
        low = lower(line)
        words = [t for t in raw_tokens([line]) if t != "\x01"]
        cited = words[:4] + [g[1:] for w in words[:2] for g in char_grams(w)] + ["you", "#pict", "me"]
        for word in cited:
            assert _word_start(low, word) == _by_regex(low, word), (line, word)
            checked += 1
        terms = [w + " " + v for w, v in pairwise(words)][:3]
        expected = next((s for s in (_by_regex(low, t.split(" ")[0]) for t in terms) if s is not None), None)
        assert _span(line, terms) == expected
    assert checked > 10_000
