"""Word edges in Khmer text: the per-message window table gives the answers of segmenting each window afresh,
whatever order the positions are asked in and however messages interleave."""

from __future__ import annotations

import re

from hotline.detect.text.segment import (
    JOINT_PREFIX,
    WINDOW,
    _width,
    aligned_match,
    default_segmenter,
    joint,
    match_aligned,
    starts_word,
    word_aligned,
    word_ends,
)

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


def test_a_position_inside_a_letter_cluster_is_no_edge_without_segmenting() -> None:
    from hotline.detect.text import segment

    # after a coeng (ក្|រ), before a vowel sign (ស|ា), before a sign (ប|៉), next to spaces and at the ends
    texts = ["ក្រសួងអប់រំ", "បងស្អាតណាស់ ម៉ាក់ប៉ា", "ខ្លួន ឯង ញ៉ាំ", "ស្រ្តី ក្មេង"]
    skipped = 0
    for text in texts:
        for pos in range(len(text) + 1):
            segment._WINDOW_EDGES.clear()
            segment._RUN_EDGES.clear()
            assert starts_word(text, pos) is _edge(text, (pos,)), (text, pos)
            if not segment._RUN_EDGES:  # decided without segmenting: inside a cluster, or at a stretch's end
                skipped += 0 < pos < len(text) and text[pos] != " " and text[pos - 1] != " "
                assert not starts_word(text, pos) or pos in (0, len(text)) or " " in text[pos - 1:pos + 1]
    assert skipped > 15


def test_equal_texts_that_are_different_strings_agree() -> None:
    text = TEXTS[0]
    copy = "".join(list(text))
    assert copy is not text
    assert [starts_word(text, p) for p in range(len(text))] == [starts_word(copy, p) for p in range(len(copy))]


def _plain_aligned(m: re.Match[str]) -> bool:
    """`match_aligned` the plain way: the match's start and end and every joint that took part, on edges."""
    joints = [m.start(name) for name in m.re.groupindex if name.startswith(JOINT_PREFIX)]
    return m.start() < m.end() and _edge(m.string, (m.start(), m.end(), *(p for p in joints if p >= 0)))


#: Phrases as rules build them: words meeting at joints, alternatives whose joints take no part, a group that
#: is not a joint (then only the joints are read), a gap, a match that may be empty.
REGEXES = [
    re.compile(f"ខ្លួន{joint()}\\s*(?:ឯង|អូន)"),
    re.compile(f"(?:ម៉ាក់{joint()}\\s*ប៉ា|ម៉ាក់|ខ្លួន{joint()}\\s*ឯង)"),
    re.compile(f"(ម៉ាក់|ប៉ា){joint()}\\s*(?:ណា|ប៉ា)"),
    re.compile(f"(?:បង|អូន){joint()}.{{0,15}}?{joint()}(?:ផ្ញើ|ស្អាត)"),
    re.compile("ខ្លួន|ឯង|ស្អាត|ក្រសួង|ទៅ"),
    re.compile("[\u1780-\u17d3]*"),
]


def test_match_aligned_is_the_plain_check_on_every_match() -> None:
    texts = [*TEXTS, "ម៉ាក់ប៉ាណា, ម៉ាក់ ប៉ា! ខ្លួនអូន ok ខ្លួន ឯង", "បងផ្ញើ។ អូនស្អាត 12 បង ស្អាត", "ok", ""]
    answers = []
    for regex in REGEXES:
        for text in texts:
            for pos in range(len(text) + 1):
                m = regex.search(text, pos)
                if m is not None:
                    answers.append(match_aligned(m))
                    assert answers[-1] is _plain_aligned(m), (regex.pattern, text, m.span())
    assert answers.count(True) > 200 and answers.count(False) > 200


def _plain_aligned_match(alternatives: list[re.Pattern[str]], text: str, start: int) -> re.Match[str] | None:
    """`aligned_match` the plain way: every word end from `start`, longest first, the first alternative that
    spans it deciding."""
    if not starts_word(text, start):
        return None
    for end in reversed(word_ends(text, start)):
        for alternative in alternatives:
            m = alternative.fullmatch(text, start, end)
            if m is not None:
                if match_aligned(m):
                    return m
                break
    return None


def test_aligned_match_is_the_plain_walk_for_fixed_and_varied_widths() -> None:
    fixed = [re.compile("ម៉ាក់"), re.compile("ខ្លួន|ម៉ាក់"), re.compile("ប៉ា|អូន"), re.compile("ម៉ាក់ប៉ា"),
             re.compile(f"ម៉ាក់{joint()}ប៉ា"), re.compile("[\u1780-\u17d3]{3}"), re.compile("មក"), re.compile("មុខ")]
    varied = [re.compile("ម៉ាក់(?:ប៉ា)?"), re.compile("ខ្លួន(?=ឯង)"), re.compile("ម៉ាក់|ម៉ាក់ប៉ា"), re.compile("មក|មុខ"),
              *REGEXES]
    assert all(_width(r) > 0 for r in fixed) and all(_width(r) < 0 for r in varied)
    sets = [[r] for r in fixed + varied] + [[fixed[1], fixed[0]], [fixed[2], fixed[5]], [fixed[6], fixed[7]],
                                            [fixed[0], varied[0]]]
    # the last two: a word the window around it finds (រូប|មក|បាច់) that segmenting from its start does not (មកបាច់)
    texts = [*TEXTS, "ម៉ាក់ប៉ាណា, ម៉ាក់ ប៉ា! ខ្លួនអូន ok ខ្លួន ឯង ម៉ាក់", "អូនខ្លួនឯងម៉ាក់ប៉ា", "រូបមកបាច់",
             "មកមុខបាច់មករូបខ្លួនឯង"]
    found = 0
    for alternatives in sets:
        for text in texts:
            for start in range(len(text)):
                got = aligned_match(alternatives[0] if len(alternatives) == 1 else alternatives, text, start)
                want = _plain_aligned_match(alternatives, text, start)
                assert (got and (got.re, got.span())) == (want and (want.re, want.span())), (text, start)
                found += got is not None
    assert found > 50


def test_aligned_match_of_a_new_stretch_is_the_plain_walk() -> None:
    """From a start whose letters were never segmented, ends within the alternatives' widths are tried first
    and the letters from the start segmented only for an aligned match: the same answers as the walk."""
    from hotline.detect.text import segment

    sets = [[re.compile("ម៉ាក់(?:ប៉ា)?")], [re.compile("ម៉ាក់|ម៉ាក់ប៉ា")], [re.compile("មក|មុខ")], [REGEXES[0]],
            [REGEXES[1]], [REGEXES[2]], [REGEXES[3]], [REGEXES[4]], [re.compile("ខ្លួន"), re.compile("ខ្លួន\\s*ឯង")]]
    texts = [*TEXTS, "ម៉ាក់ប៉ាណា, ម៉ាក់ ប៉ា! ខ្លួនអូន ok ខ្លួន ឯង ម៉ាក់", "អូនខ្លួនឯងម៉ាក់ប៉ា", "មកមុខបាច់មករូបខ្លួនឯង"]
    fresh = found = 0
    for alternatives in sets:
        for text in texts:
            for start in range(len(text)):
                segment._RUN_EDGES.clear()
                segment._WINDOW_EDGES.clear()
                segment._SCANNED.clear()
                new = segment._word_ends(text, start, segment.REACH, False) is None  # letters from `start`
                got = aligned_match(alternatives[0] if len(alternatives) == 1 else alternatives, text, start)
                want = _plain_aligned_match(alternatives, text, start)
                assert (got and (got.re, got.span())) == (want and (want.re, want.span())), (text, start)
                fresh += new
                found += new and got is not None
    assert found > 30 and fresh > 300
    # the same stretch met again and again: segmented (and its ends kept) after SCANS tries without
    text, start = "ម៉ាក់ប៉ាណាខ្លួនឯង", 0
    segment._RUN_EDGES.clear()
    segment._SCANNED.clear()
    for _ in range(segment.SCANS):
        aligned_match(sets[2][0], text, start)
    assert segment._word_ends(text, start, segment.REACH, False) is None
    aligned_match(sets[2][0], text, start)
    assert segment._word_ends(text, start, segment.REACH, False) == word_ends(text, start)


def test_width_is_fixed_only_for_regexes_that_consume_and_assert_nothing() -> None:
    fixed = {"ម៉ាក់": 5, f"ម៉ាក់{joint()}ប៉ា": 8, "ខ្លួន|ម៉ាក់": 5, "a(?:b|c)[de]": 3, "(?>ab)x{2}": 4}
    for source, width in fixed.items():
        assert _width(re.compile(source)) == width, source
    for source in ["ម៉ាក់(?:ប៉ា)?", f"ខ្លួន{joint()}\\s*ឯង", "ខ្លួន|ឯងក", "ab\\b", "a(?=b)", "(?<!x)ab", "^ab", "ab$",
                   "(a)\\1", ".{0,15}?"]:
        assert _width(re.compile(source)) == -1, source
