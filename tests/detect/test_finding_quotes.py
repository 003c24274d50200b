"""A finding's quote: the Quoter's shortcuts (in-place spans, one excerpt for a short message) give what
mapping the normal form back and cutting the excerpt afresh give."""

from __future__ import annotations

import random

import pytest

from hotline.detect.signals.detector import (
    Quoter,
    _kept_making,
    _offsets_by_words,
    _span_by_kept,
    _span_by_words,
    _words_making,
)
from hotline.detect.text.normalize import excerpt, normalize, normalize_mapped, original_span

TEXTS = [
    "send me a pic", "Pleeease send n.u.d.e.s now", "don't tell ur mom ok", "កុំប្រាប់ម្ដាយ ណា",
    "ផ្ញើររូបមក", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen",
    "  spaced\n\nout   text with a long tail of words after it, far more than thirty characters ",
]


@pytest.mark.parametrize("text", TEXTS)
def test_quoter_spans_and_excerpts_are_the_mapped_ones(text: str) -> None:
    norm, offsets = normalize_mapped(text)
    quoter = Quoter(text, normalize(text))
    for start in range(len(norm)):
        for end in range(start + 1, len(norm) + 1, 4):
            span = quoter.span(start, end)
            assert span == original_span(text, offsets, start, end), (start, end)
            assert quoter.excerpt(*span) == excerpt(text, *span), span


#: Pieces of ASCII chat text that every step of `normalize` acts on: case, apostrophes, spaced and broken
#: letters ("s e x", "n.u.d.e"), a star for a vowel, leetspeak, repeated letters, several spaces, lines.
_PIECES = ["s", "e", "x", "n", "u", "d", "a", "b", "o", "i", "S", "E", " ", " ", "  ", ".", "-", "_", "*", "#",
           "'", "`", "0", "1", "3", "4", "@", "$", "!", "\n", "sex", "nude", "pic", "tell", "good", "pleeease",
           "boob", "n.u.d.e", "s e x", "s.e.x", "s*x", "nud3", "h0t", "don't", "TELL", "Mom", "secret"]


def test_ascii_quotes_put_together_from_words_are_the_whole_mapping() -> None:
    """A message's mapping put together from its words' own (worked out once per word) is the whole text's."""
    rng = random.Random(20261205)
    by_words = 0
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
        norm, offsets = normalize_mapped(text)
        found = _offsets_by_words(text, normalize(text))
        if found is not None:
            by_words += 1
            assert found == offsets, text
        quoter = Quoter(text, normalize(text))
        for start in range(0, len(norm), 3):
            assert quoter.span(start, len(norm)) == original_span(text, offsets, start, len(norm)), text
    assert by_words > 15_000  # the shortcut is taken, not only refused (spaced letters across words refuse it)


def test_spans_from_the_words_they_touch_are_those_of_the_whole_mapping() -> None:
    """`_span_by_words` reads a span's few offsets from their words' mappings; every span of generated texts
    (empty, reversed and past the end ones too) is the one read from the whole text's mapping."""
    rng = random.Random(20261206)
    taken = 0
    for _ in range(4_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
        norm, offsets = normalize_mapped(text)
        words = _words_making(text, normalize(text))
        if words is None:
            continue
        assert _offsets_by_words(text, norm) == offsets, text
        taken += 1
        for start in range(len(norm) + 1):
            for end in range(len(norm) + 3):
                assert _span_by_words(text, norm, words, start, end) == original_span(
                    text, offsets, start, min(end, len(offsets))), (text, start, end)
        quoter = Quoter(text, norm)  # as a finding reaches it: the first span decides the way
        for start, end in [(rng.randrange(len(norm) + 1), rng.randrange(len(norm) + 1)) for _ in range(4)]:
            assert quoter.span(start, end) == original_span(text, offsets, start, min(end, len(offsets)))
    assert taken > 2_500


def test_spans_from_the_kept_words_are_those_from_the_words() -> None:
    """`_kept_making` takes the words `normalize` kept for the text it just put together (two words or more)
    exactly when `_words_making` takes the text's words, and `_span_by_kept` reads every span as
    `_span_by_words` does; once another text is normalised, the first one's words are not taken."""
    rng = random.Random(20261208)
    taken = 0
    for _ in range(4_000):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 12)))
        norm = normalize(text)
        kept = _kept_making(text, norm)
        words = _words_making(text, norm)
        if len(text.split(" ")) < 2 or norm is text:
            continue
        if kept is None:
            assert words is None or norm is not normalize(text), text  # refused only when the words refuse
            continue
        assert words is not None, text
        taken += 1
        for start in range(len(norm) + 1):
            for end in range(len(norm) + 3):
                assert _span_by_kept(text, norm, kept, start, end) == _span_by_words(
                    text, norm, words, start, end), (text, start, end)
        normalize("Another Message")
        assert _kept_making(text, norm) is None, text
    assert taken > 1_000


def _excerpt_split_and_joined(text: str, start: int, end: int, context: int = 30) -> str:
    """`excerpt` the plain way: every snippet split into words and joined with one space."""
    a = max(0, start - context)
    b = min(len(text), end + context)
    if a > 0:
        sp = text.find(" ", a, start)
        a = sp + 1 if sp != -1 else a
    if b < len(text):
        sp = text.rfind(" ", end, b)
        b = sp if sp != -1 else b
    return ("…" if a > 0 else "") + " ".join(text[a:b].split()) + ("…" if b < len(text) else "")


def test_excerpts_left_unsplit_are_the_split_and_joined_ones() -> None:
    """A snippet with nothing to close up is kept as it is; with any space but a single " " between words
    (several, at an edge, a line break, a tab, a no-break or Unicode space) it is split and joined."""
    rng = random.Random(20261207)
    pieces = ["send", "pic", "ok", "ផ្ញើរូប", "😀", " ", " ", " ", "  ", "\n", "\t", "\r\n", "\xa0", "\u2028",
              "\u3000", "\u200b", "\x1c", ".", "?", "…"]
    for _ in range(5_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for _ in range(3):
            start = rng.randint(0, len(text))
            end = rng.randint(start, len(text))
            context = rng.choice([0, 3, 30])
            assert excerpt(text, start, end, context) == _excerpt_split_and_joined(text, start, end, context), (
                text, start, end, context)
