"""A finding's quote: the Quoter's shortcuts (in-place spans, one excerpt for a short message) give what
mapping the normal form back and cutting the excerpt afresh give."""

from __future__ import annotations

import random

import pytest

from hotline.detect.signals.detector import Quoter, _offsets_by_words
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
