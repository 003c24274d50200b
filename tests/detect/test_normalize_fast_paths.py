"""normalize's shortcuts (ASCII a word at a time, one class check for the Latin steps, a back-reference check
before the Khmer-run step) give the whole-text steps' form, and `maps_in_place` only says "in place" when
`normalize_mapped` maps every character to its own index."""

from __future__ import annotations

import random
import sys

import pytest

from hotline.detect.text.normalize import (
    _LOWER_LENGTHENS,
    _NOT_PLAIN_KHMER,
    _TABLE_OR_LATIN_CHARS,
    maps_in_place,
    normalize,
    normalize_mapped,
)

#: Pieces that exercise every step: spaced and broken words, masks, leetspeak, runs, apostrophes, marks the
#: table removes, Khmer folds and runs, characters whose case or composition changes length.
PIECES = [
    *"aesxnudbopi013457@$*#.-_ '`’\u200b\u00adAESXİ\u0307I\u0301é\t\n", "s e x", "n.u.d.e", "n u d e s", "s*x",
    "pleeease", "go0od", "ផ្ញើ", "រ", "ផ្ញើរ", "ម្ដាយ", "ំុ", "ំំ", "ៗ", "េី", "េា", "ក", "ទ", "ទូរសព្ទ", "ទូរស័ព្ទ",
    "អោយ", "ឲ", "១", "  ", "ﬁ", "\u0344", "\u1e9e", "😀",
]


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 12))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(4))
def test_fast_form_equals_the_whole_text_steps(seed: int) -> None:
    """`normalize_mapped` runs every step over the whole text: the shortcuts must land on the same form,
    also the second time a word is seen (its form then comes from the table of words)."""
    for text in _texts(seed, 3000):
        expected = normalize_mapped(text)[0]
        assert normalize(text) == expected, text
        assert normalize(text) == expected, text


def test_ascii_words_keep_their_spaces_and_spaced_letters_join_across_them() -> None:
    assert normalize("  Hello   s e x  w0rld ") == "  helo   sex  world "
    assert normalize("r u ok\ttoo") == "r u ok\tto"


@pytest.mark.parametrize("seed", range(4))
def test_in_place_only_when_every_character_keeps_its_index(seed: int) -> None:
    in_place = 0
    for text in _texts(100 + seed, 3000):
        if maps_in_place(text, normalize(text)):
            in_place += 1
            assert normalize_mapped(text)[1] == list(range(len(text))), text
    assert in_place > 100  # the check is not vacuous


@pytest.mark.parametrize(("text", "expected"), [
    ("Hi there", True), ("ok", True), ("hello", False), ("don't", False),
    ("សួស្តី", True), ("ទូរសព្ទ", False), ("İx", False), ("ម្ដាយ", True), ("ផ្ញើរ", False),
])
def test_maps_in_place(text: str, expected: bool) -> None:
    assert maps_in_place(text, normalize(text)) is expected


def test_only_the_dotted_capital_i_lengthens_when_lowered() -> None:
    """`maps_in_place` names the characters whose lower case is longer: the list must be complete."""
    lengthens = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if len(c.lower()) > 1)
    assert lengthens == _LOWER_LENGTHENS


def test_plain_khmer_characters_have_no_case_and_nothing_for_the_table_or_the_latin_steps() -> None:
    """Text of only these characters skips lower case, the table and the Latin steps: none may need them."""
    plain = _NOT_PLAIN_KHMER.sub("", "".join(map(chr, range(sys.maxunicode + 1))))
    assert "\u1780" in plain and " " in plain and "ក" in plain  # the class is not empty
    assert [c for c in plain if c.lower() != c or _TABLE_OR_LATIN_CHARS.search(c)] == []
    assert "១" not in plain and "a" not in plain and "\u200b" not in plain


def test_khmer_texts_with_and_without_plain_characters_only() -> None:
    for text in ["សួស្តី បង", "សួស្តី\u200bបង", "សួស្តី A", "ម្ដាយ ១២", "ផ្ញើរ", "ក ក ក", "កកកក", "ΟΔΟΣ ក"]:
        assert normalize(text) == normalize_mapped(text)[0], text
