"""Word edges in Khmer text: the per-message window table gives the answers of segmenting each window afresh,
whatever order the positions are asked in and however messages interleave."""

from __future__ import annotations

import re

from hotline.detect.text.segment import WINDOW, default_segmenter, starts_word, word_aligned

_STRETCH = re.compile("[\u1780-\u17d3\u17dd](?:[\u1780-\u17d3\u17dd \t\u00a0\u200b]*[\u1780-\u17d3\u17dd])?")
_DROP = str.maketrans(dict.fromkeys(" \t\u00a0\u200b"))


def _edge(text: str, positions: tuple[int, ...]) -> bool:
    """The definition: the letters around each position, spaces left out, segmented in a window of WINDOW
    either side (one window per stretch for the positions in it), must have a word edge there."""
    groups: dict[tuple[int, int], list[int]] = {}
    for m in _STRETCH.finditer(text):
        for pos in positions:
            if m.start() < pos < m.end():
                groups.setdefault(m.span(), []).append(pos)
    for (start, end), inside in groups.items():
        lo, hi = max(start, min(inside) - WINDOW), min(end, max(inside) + WINDOW)
        edges, n = {0}, 0
        for word in default_segmenter().split(text[lo:hi].translate(_DROP)):
            n += len(word)
            edges.add(n)
        if any(len(text[lo:pos].translate(_DROP)) not in edges for pos in inside):
            return False
    return True


TEXTS = [
    "បងចង់ឃើញខ្លួនអូនស្អាតណាស់ កុំប្រាប់ម៉ាក់ប៉ាណា",
    "ខ្លួន ឯង ត្រូវ ទទួល ខុសត្រូវ",
    "ok ខ្ញុំស្រលាញ់ខ្លួនឯង 123 ក្រសួងអប់រំយុវជននិងកីឡាបានប្រកាសលទ្ធផលប្រឡង។ ទៅណា?",
    "បងផ្ញើរូប\u00a0មកអូន\tភ្លាម",
]


def test_edges_are_the_windowed_segmentation_in_any_order() -> None:
    for text in TEXTS:
        n = len(text)
        for pos in [*range(n + 1), *reversed(range(n + 1))]:
            assert starts_word(text, pos) is _edge(text, (pos,)), (text, pos)
    for i in range(60):  # messages interleaved: each one's table is its own
        text = TEXTS[i % len(TEXTS)]
        start = i % (len(text) - 1)
        for end in range(start + 1, len(text) + 1, 3):
            assert word_aligned(text, start, end) is _edge(text, (start, end)), (text, start, end)


def test_equal_texts_that_are_different_strings_agree() -> None:
    text = TEXTS[0]
    copy = "".join(list(text))
    assert copy is not text
    assert [starts_word(text, p) for p in range(len(text))] == [starts_word(copy, p) for p in range(len(copy))]
