"""`whatsapp.choose_format` reads only the head of a file: the first `scan` non-blank lines, no more."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

import pytest

from hotline.detect.chats import whatsapp

LINES = ["", "Messages and calls are end-to-end encrypted.", "  ", "12/03/2025, 21:14 - Dara: hi", "\r\n",
         "[12/03/2025, 21:14:05] Dara: hi", "12/03/2025, 21:15 - Sokha: yes", "more", ""]


def reference(lines: list[str], need: int, scan: int) -> whatsapp.HeaderFormat | None:
    """`choose_format` written the plain way: the rows tried in order on the first `scan` non-blank lines."""
    head = [ln.rstrip("\r\n") for ln in islice((x for x in lines if x.strip()), max(scan, 0))]
    for fmt in whatsapp.HEADER_FORMATS:
        rx = fmt.compile()
        hits = [m for m in map(rx.match, head) if m is not None and whatsapp._plausible(m)]
        if len(hits) >= need:
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
