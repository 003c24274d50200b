"""Every format and variant: render the same chat, parse it back, get the same messages."""

from __future__ import annotations

import pytest

from hotline.detect import chats
from hotline.detect.chats import synthetic
from tests.detect.chats.factory import assert_same, chat

CASES = [(f, v) for f in synthetic.FORMATS for v in synthetic.VARIANTS[f]]


@pytest.mark.parametrize(("fmt", "variant"), CASES, ids=[f"{f}-{v}" for f, v in CASES])
def test_round_trip(fmt: str, variant: str) -> None:
    items = chat()
    data = synthetic.render(fmt, items, variant=None if variant == "default" else variant, title="Dara")
    assert chats.detect_format(data) == fmt or (fmt == "instagram")
    conv = chats.parse(data, format=fmt)
    assert conv.format == fmt
    assert_same(conv, items, fmt, variant)


@pytest.mark.parametrize(("fmt", "variant"), CASES, ids=[f"{f}-{v}" for f, v in CASES])
def test_detected_without_help(fmt: str, variant: str) -> None:
    """Detection alone picks the right parser (Instagram needs its path hint, as in a real download)."""
    data = synthetic.render(fmt, chat(), variant=None if variant == "default" else variant)
    hint = "your_instagram_activity/messages/inbox/dara_1/message_1.json" if fmt == "instagram" else None
    assert chats.detect_format(data, hint) == fmt
    assert chats.parse(data, hint).format == fmt


def test_same_chat_same_result_in_every_format() -> None:
    items = chat()
    results = set()
    for fmt in synthetic.FORMATS:
        conv = chats.parse(synthetic.render(fmt, items))
        results.add(tuple((m.sender, m.text, bool(m.attachments)) for m in conv.messages))
    assert len(results) == 1
    (only,) = results
    assert len(only) == len(items)


@pytest.mark.parametrize("fmt", synthetic.FORMATS)
def test_khmer_survives(fmt: str) -> None:
    conv = chats.parse(synthetic.render(fmt, chat()))
    texts = [m.text for m in conv.messages]
    assert "សួស្តី បង" in texts
    assert "លេខខ្ញុំ ០១២ ៣៤៥ ៦៧៨" in texts


def test_messenger_file_is_mojibake_and_comes_back_khmer() -> None:
    data = synthetic.render("messenger", [("ដារ៉ា", chat()[0][1], "សួស្តី បង")])
    assert "សួស្តី".encode() not in data and b"\\u00e1\\u009e" in data  # as Facebook writes it
    conv = chats.parse(data)
    assert conv.messages[0].sender == "ដារ៉ា" and conv.messages[0].text == "សួស្តី បង"


@pytest.mark.parametrize("variant", ["android-dmy-24h", "ios-dmy"])
def test_whatsapp_zip(variant: str) -> None:
    txt = synthetic.render("whatsapp", chat(), variant=variant)
    data = synthetic.whatsapp_zip(txt, {"IMG-20250313-WA0001.jpg": b"\xff\xd8\xff" + bytes(100)}, title="Dara")
    assert chats.detect_format(data, "WhatsApp Chat with Dara.zip") == "whatsapp"
    assert_same(chats.parse(data), chat(), "whatsapp", variant)


def test_messenger_parts_in_a_zip_are_one_thread() -> None:
    import io
    import zipfile

    items = chat()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("your_facebook_activity/messages/inbox/dara_1/message_2.json",
                    synthetic.render("messenger", items[:4]))
        zf.writestr("your_facebook_activity/messages/inbox/dara_1/message_1.json",
                    synthetic.render("messenger", items[4:]))
    assert_same(chats.parse(buf.getvalue()), items, "messenger")


@pytest.mark.parametrize("fmt", synthetic.FORMATS)
def test_deleted_message_is_never_a_message(fmt: str) -> None:
    """Indexes must agree across formats, so a deleted message counts nowhere (an event where kept)."""
    items = chat()[:3]
    items.insert(1, ("Sokha", items[0][1], synthetic.DELETED))
    conv = chats.parse(synthetic.render(fmt, items))
    assert [m.text for m in conv.messages] == [x for _, _, x in items if x != synthetic.DELETED]
    deleted = [e for e in conv.events if e.kind == "deleted"]
    assert len(deleted) == (0 if fmt == "telegram" else 1)  # Telegram leaves deleted messages out
    assert all(e.after == 1 for e in deleted)
