"""`whatsapp.choose_format` reads only the head of a file: the first `scan` non-blank lines, no more."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import pytest

from hotline.detect.chats import whatsapp

LINES = ["", "Messages and calls are end-to-end encrypted.", "  ", "12/03/2025, 21:14 - Dara: hi", "\r\n",
         "[12/03/2025, 21:14:05] Dara: hi", "12/03/2025, 21:15 - Sokha: yes", "more", "",
         "[12/03/2025, 21:16:00] - a: a sender whose name opens with a dash", "[12/03/2025, 21:16:01] Dara: ok"]


def reference(lines: list[str], need: int, scan: int) -> whatsapp.HeaderFormat | None:
    """`choose_format` written the plain way: the rows tried in order on the first `scan` non-blank lines; a
    row gives way to its `within` row when that one reads a stamp in every line it does, and in more."""
    head = [ln.rstrip("\r\n") for ln in islice((x for x in lines if x.strip()), max(scan, 0))]
    rows = {fmt.name: fmt for fmt in whatsapp.HEADER_FORMATS}

    def stamped(fmt: whatsapp.HeaderFormat) -> set[int]:
        rx = fmt.compile()
        return {i for i, ln in enumerate(head) if (m := rx.match(ln)) is not None and whatsapp._plausible(m)}

    for fmt in whatsapp.HEADER_FORMATS:
        mine = stamped(fmt)
        if len(mine) >= need and not (fmt.within and mine < stamped(rows[fmt.within])):
            return fmt
    return None


@pytest.mark.parametrize("need", [1, 2, 3])
@pytest.mark.parametrize("scan", [0, 1, 2, 3, 5, 60])
@pytest.mark.parametrize("start", range(len(LINES)))
def test_head_as_the_plain_way(need: int, scan: int, start: int) -> None:
    lines = LINES[start:] + LINES[:start]
    assert whatsapp.choose_format(lines, need=need, scan=scan) == reference(lines, need, scan)


def test_reads_no_line_past_the_head() -> None:
    def endless() -> Iterator[str]:
        for i in range(200):
            yield "" if i % 3 else "12/03/2025, 21:14 - Dara: hi"
        raise AssertionError("read past the head")

    assert whatsapp.choose_format(endless(), need=60, scan=60) is not None
    assert whatsapp.choose_format(endless(), need=61, scan=60) is None
