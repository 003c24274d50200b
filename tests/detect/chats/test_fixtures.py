"""The committed fixture files (generated, no real people) load through `load`, the real I/O path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hotline.detect import chats
from tests.detect.chats.factory import PP, assert_same, chat

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "chats"


@pytest.mark.parametrize(("name", "fmt", "variant"), [
    ("WhatsApp Chat with Dara.txt", "whatsapp", "android-dmy-24h"),
    ("_chat.txt", "whatsapp", "ios-mdy-12h"),
    ("WhatsApp Chat with Dara.zip", "whatsapp", "ios-dmy"),
    ("message_1.json", "messenger", None),
    ("your_instagram_activity_message_1.json", "instagram", None),
    ("result.json", "telegram", None),
    ("result_full.json", "telegram", "full"),
    ("[LINE] Chat with Dara.txt", "line", None),
    ("pasted.txt", "plain", None),
    ("chat.csv", "csv", None),
    ("chat.jsonl", "jsonl", None),
])
def test_fixture(name: str, fmt: str, variant: str | None) -> None:
    conv = chats.load(FIXTURES / name)
    assert conv.format == fmt
    titles = {"instagram": "dara.kh", "plain": None, "csv": None, "jsonl": None}
    assert conv.title == (None if name == "_chat.txt" else titles.get(fmt, "Dara"))
    assert_same(conv, chat(), fmt, variant)


def test_android_group_with_twelve_hour_clock() -> None:
    conv = chats.load(FIXTURES / "whatsapp_android_group_12h.txt")
    assert [(m.sender, m.text, m.attachments) for m in conv.messages] == [
        ("Dara", "homework is page ១២", ()), ("Sokha", "ok bong\nthanks!", ()), ("Vanna", "", ("media",)),
    ]
    assert [(e.kind, e.after) for e in conv.events] == [
        ("encryption", 0), ("group", 0), ("membership", 0), ("deleted", 3), ("membership", 3),
    ]
    assert conv.events[3].time == datetime(2025, 3, 13, 0, 10, tzinfo=PP)
    assert conv.events[4].time == datetime(2025, 3, 13, 12, 15, tzinfo=PP)
