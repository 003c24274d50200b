"""The Android layout's blocks are read line by line, the commonest stamp by hand (`_android_stamp`,
`_sender_end`): the columns must be the ones the block pattern's `split` gives, on fuzzed lines of every
near-miss kind and on the benchmark-like export."""

from __future__ import annotations

import random
import re

import pytest

from hotline.detect.chats import whatsapp as wa

ANDROID = wa.HEADER_FORMATS[0]

STAMPS = [
    "12/03/2025, 21:14 - ", "01/01/2024, 08:07 - ", "1/3/25, 9:14 - ", "12/03/2025 21:14 - ", "12.03.2025, 21:14 - ",
    "12/03/2025, 21:14 – ", "12/03/2025, 21.14 - ", "12/03/2025, 21:14:05 - ", "12/03/2025, 9:14 PM - ",
    "12/03/2025, 9:14\u202fp.m. - ", "១២/០៣/២០២៥, ២១:១៤ - ", "12/03/2025, 21:14 -", "12/03/2025, 21:14  - ",
    "2025-03-12, 21:14 - ", "99/99/9999, 99:99 - ", "12/03/20255, 21:14 - ", "12/03/2025,21:14 - ", "",
]
SENDERS = [
    "Dara: ", "Kid: ", "Stranger: ", "ដារ៉ា: ", "A: ", "a:b: ", 'Mr "X": ', "x" * 80 + ": ", "x" * 81 + ": ",
    "Dara:", "Dara :", ": ", "Dara", "\u200eDara: ", "+855 12 345 678: ", "Dara: : ",
]
BODIES = [
    "hello", "", "<Media omitted>", "\u200eimage omitted", "Messages and calls are end-to-end encrypted.",
    "This message was deleted", "You deleted this message", "<attached: 00000012-PHOTO.jpg>", "ok: fine",
    "សួស្តី", "image omitted", "Messages ", "<", "doc.pdf (file attached)", "a\"b", "\u200e",
]


def _line(rnd: random.Random) -> str:
    if rnd.random() < 0.15:
        return rnd.choice([*BODIES, "", "continued", "12/03/2025", "   "])
    return rnd.choice(STAMPS) + rnd.choice(SENDERS) + rnd.choice(BODIES)


def _columns(b: wa._Block) -> tuple[list[str], list[str], list[str], list[str | None], list[str]]:
    return b.head, b.dates, b.times, b.senders, b.bodies


def _by_split() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The Android block patterns, made so that `_Block` reads them with `split` (the same expressions)."""
    rx, at_start = wa._blocks(ANDROID)
    return re.compile(rx.pattern + "(?:)"), re.compile(at_start.pattern + "(?:)")


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("ends_in_newline", [False, True])
def test_lines_read_as_the_pattern_splits_them(seed: int, ends_in_newline: bool) -> None:
    rnd = random.Random(seed)
    by_lines, by_split = wa._blocks(ANDROID), _by_split()
    for _ in range(400):
        text = "\n".join(_line(rnd) for _ in range(rnd.randint(1, 30))) + ("\n" if ends_in_newline else "")
        expected = wa._Block(by_split, text, ends_in_newline=ends_in_newline)
        got = wa._Block(by_lines, text, ends_in_newline=ends_in_newline)
        assert _columns(got) == _columns(expected), text


def test_the_commonest_stamp_is_read_by_hand() -> None:
    assert wa._android_stamp("12/03/2025, 21:14 - Dara: hi")
    assert not wa._android_stamp("12/03/2025, 21:14:05 - Dara: hi")
    assert not wa._android_stamp("1/3/25, 9:14 - Dara: hi")
    assert wa._sender_end("12/03/2025, 21:14 - Dara: hi", 20) == 24
    assert not wa._plain_body("<Media omitted>") and wa._plain_body("hi") and wa._plain_body("")
    assert wa._sender_end("12/03/2025, 21:14 - " + "x" * 81 + ": hi", 20) == -1
    assert wa._sender_end("12/03/2025, 21:14 - " + "x" * 80 + ": hi", 20) == 100


def test_a_generated_export_parses_the_same() -> None:
    rnd = random.Random(7)
    text = "\n".join(_line(rnd) for _ in range(3000))
    fmt_lines = wa._blocks(ANDROID)
    assert _columns(wa._Block(fmt_lines, text)) == _columns(wa._Block(_by_split(), text))
