"""Test conversations: the same chat, rendered by `hotline.detect.chats.synthetic` into every format."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hotline.detect.chats.synthetic import MEDIA, time_resolution
from hotline.detect.model import Conversation

PP = ZoneInfo("Asia/Phnom_Penh")

Item = tuple[str, datetime, str]


def chat() -> list[Item]:
    """A short chat over three days: Khmer script and digits, romanised Khmer, colons, a URL, a quote,
    a multi-line message, media, and the clock edges (00:xx, 12:xx) that 12-hour formats get wrong."""
    t0 = datetime(2025, 3, 12, 21, 14, 5, tzinfo=PP)
    rows = [
        ("Dara", 0, "សួស្តី បង"),
        ("Sokha", 65, "hi bong, sok sabay te?"),
        ("Dara", 200, "លេខខ្ញុំ ០១២ ៣៤៥ ៦៧៨"),
        ("Sokha", 3 * 3600 + 16 * 60, "it's 00:30 now: time to sleep"),
        ("Dara", 3 * 3600 + 20 * 60, "see https://example.com/a?b=1 and \"this\""),
        ("Dara", 15 * 3600, "line one\nline two: still me\n\nline four"),
        ("Sokha", 15 * 3600 + 60, MEDIA),
        ("Sokha", 15 * 3600 + 120, "ok 👍"),
        ("Dara", 26 * 3600, "ថ្ងៃស្អែក ជួបគ្នា ម៉ោង ៣"),
    ]
    return [(s, t0 + timedelta(seconds=dt), x) for s, dt, x in rows]


def floor(t: datetime, step: timedelta) -> datetime:
    local = t.astimezone(PP)
    if step >= timedelta(minutes=1):
        return local.replace(second=0, microsecond=0)
    if step >= timedelta(seconds=1):
        return local.replace(microsecond=0)
    return local


def assert_same(conv: Conversation, items: list[Item], fmt: str, variant: str | None = None) -> None:
    """`conv` holds exactly `items`: senders, texts, media, order, indexes and (to the format's
    precision) times, all timezone-aware."""
    step = time_resolution(fmt, variant)
    got = [(m.index, m.sender, m.text, bool(m.attachments)) for m in conv.messages]
    want = [(i, s, "" if x == MEDIA else x, x == MEDIA) for i, (s, _, x) in enumerate(items)]
    assert got == want
    for m, (_, t, _) in zip(conv.messages, items, strict=True):
        if step is None:
            assert m.time is None
        else:
            assert m.time is not None and m.time.tzinfo is not None
            assert m.time == floor(t, step), (m.index, m.time, t)
