"""A finding's quote: the Quoter's shortcuts (in-place spans, one excerpt for a short message) give what
mapping the normal form back and cutting the excerpt afresh give."""

from __future__ import annotations

import pytest

from hotline.detect.signals.detector import Quoter
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
