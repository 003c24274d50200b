"""Per-format details the round trip does not reach: real-export quirks, loose columns, encodings."""

from __future__ import annotations

import codecs
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hotline.detect import chats
from hotline.detect.chats import encoding, line, messenger, synthetic, tabular, telegram
from hotline.detect.errors import UnsupportedFormat
from tests.detect.chats.factory import PP, chat

UTC = ZoneInfo("UTC")


def test_registry() -> None:
    assert chats.FORMAT_NAMES[:8] == ("whatsapp", "messenger", "instagram", "telegram", "line", "plain", "csv",
                                      "jsonl")
    assert {"telegram_html", "messenger_html", "instagram_html"} <= set(chats.FORMAT_NAMES)
    assert len({f.name for f in chats.FORMATS}) == len(chats.FORMATS)


# --- Messenger / Instagram ------------------------------------------------------------------------------------


def _fb(messages: list[dict[str, object]], **extra: object) -> bytes:
    return json.dumps({"participants": [{"name": "A"}, {"name": "B"}], "messages": messages, **extra}).encode()


def test_messenger_newest_first_unsent_calls_media() -> None:
    data = _fb([
        {"sender_name": "B", "timestamp_ms": 4000, "content": "B unsent a message."},
        {"sender_name": "A", "timestamp_ms": 3000, "call_duration": 0, "content": "A called you."},
        {"sender_name": "A", "timestamp_ms": 2000, "photos": [{"uri": "x.jpg"}], "videos": [{"uri": "y.mp4"}]},
        {"sender_name": "B", "timestamp_ms": 1000, "content": "first"},
    ], title="A")
    conv = messenger.parse(data)
    assert [(m.index, m.sender, m.text, m.attachments) for m in conv.messages] == [
        (0, "B", "first", ()), (1, "A", "", ("image", "video")),
    ]
    assert [(e.kind, e.after) for e in conv.events] == [("call", 2), ("deleted", 2)]
    assert conv.messages[0].time == datetime(1970, 1, 1, 7, 0, 1, tzinfo=PP)
    assert conv.title == "A"


def test_instagram_is_told_by_its_paths() -> None:
    data = synthetic.render("instagram", [*chat()[:3], ("Sokha", chat()[3][1], synthetic.MEDIA)])
    assert chats.detect_format(data) == "instagram"  # the photo uri says your_instagram_activity
    plain_text_only = synthetic.render("instagram", chat()[:2])
    assert chats.detect_format(plain_text_only) == "messenger"
    assert chats.detect_format(plain_text_only, "instagram-dara-2025/your_instagram_activity/messages/inbox/"
                                                "dara_1/message_1.json") == "instagram"


@pytest.mark.parametrize("s", ["café", "សួស្តី បង", "plain ascii", "😀", "Ã©tÃ©"])
def test_fix_mojibake_is_exact_inverse_and_leaves_good_text(s: str) -> None:
    assert encoding.fix_mojibake(s.encode("utf-8").decode("latin-1")) == s
    if not s.isascii() and s != "Ã©tÃ©":
        assert encoding.fix_mojibake(s) == s


# --- Telegram ---------------------------------------------------------------------------------------------------


def test_telegram_text_lists_service_and_deleted_accounts() -> None:
    doc = {"name": "Dara", "type": "personal_chat", "id": 1, "messages": [
        {"id": 1, "type": "message", "date": "2025-03-12T21:14:05", "from": "Dara", "from_id": "user1",
         "text": ["go to ", {"type": "link", "text": "https://t.me/x"}, " or ",
                  {"type": "bold", "text": "ផ្លូវ ២៧១"}], "text_entities": []},
        {"id": 2, "type": "service", "date": "2025-03-12T21:15:00", "actor": "Dara", "action": "phone_call",
         "text": ""},
        {"id": 3, "type": "message", "date": "2025-03-12T21:16:00", "from": None, "text": "",
         "media_type": "voice_message", "file": "voice.ogg"},
    ]}
    conv = telegram.parse(json.dumps(doc, ensure_ascii=False))
    assert [(m.sender, m.text, m.attachments) for m in conv.messages] == [
        ("Dara", "go to https://t.me/x or ផ្លូវ ២៧១", ()), ("Deleted Account", "", ("audio",)),
    ]
    assert conv.messages[0].time == datetime(2025, 3, 12, 21, 14, 5, tzinfo=PP)  # no date_unixtime: local
    assert [(e.kind, e.after) for e in conv.events] == [("call", 1)]


def test_telegram_unixtime_wins_and_full_export_picks_the_chat() -> None:
    data = synthetic.render("telegram", chat(), variant="full")
    conv = chats.parse(data, tz=UTC)  # date_unixtime is absolute: the zone changes only the display
    assert conv.messages[0].time == chat()[0][1]
    assert conv.title == "Dara" and len(conv.messages) == len(chat())


# --- LINE -------------------------------------------------------------------------------------------------------

LINE_TEXT = (
    "[LINE] Chat history with Dara\r\nSaved on: 3/13/2025, 09:02\r\n\r\n"
    "Wed, 3/12/2025\r\n"
    "21:14\tDara\thello\r\n"
    "21:15\tSokha\t\"she said \"\"hi\"\"\r\nand left\"\r\n"
    "21:16\tSokha\t[Sticker]\r\n"
    "21:17\tDara unsent a message.\r\n"
    "21:18\tDara\t☎ Missed call\r\n"
    "\r\nThu, 3/13/2025\r\n"
    "9:01 PM\tDara\t\"quoted\" on one line\r\n"
)


def test_line_quotes_stickers_system_and_weekday_order() -> None:
    conv = line.parse(LINE_TEXT)
    assert conv.title == "Dara"
    assert [(m.sender, m.text, m.attachments) for m in conv.messages] == [
        ("Dara", "hello", ()), ("Sokha", 'she said "hi"\nand left', ()), ("Sokha", "", ("sticker",)),
        ("Dara", '"quoted" on one line', ()),
    ]
    # "Wed, 3/12/2025": 12 March 2025 is a Wednesday, so month-first, though no value exceeds 12.
    assert conv.messages[0].time == datetime(2025, 3, 12, 21, 14, tzinfo=PP)
    assert conv.messages[3].time == datetime(2025, 3, 13, 21, 1, tzinfo=PP)
    assert [e.kind for e in conv.events] == ["deleted", "call"]


# --- CSV / JSONL ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "From;Date;Time;Message\nA;2025-03-12;21:14:00;hi\nB;2025-03-12;21:15:00;yo\n",
    "Author\tTimestamp\tBody\nA\t1741788840\thi\nB\t1741788900000\tyo\n",
    "\ufeffsender_name,created_at,content\nA,2025-03-12 14:14:00+00:00,hi\nB,2025-03-12T14:15:00Z,yo\n",
])
def test_csv_loose_columns(text: str) -> None:
    conv = chats.parse(text.encode(), "chat.csv")
    assert conv.format == "csv"
    assert [(m.sender, m.text) for m in conv.messages] == [("A", "hi"), ("B", "yo")]
    assert conv.messages[0].time == datetime(2025, 3, 12, 21, 14, tzinfo=PP)


def test_csv_rows_out_of_order_are_put_in_time_order() -> None:
    conv = tabular.parse_csv("sender,time,text\nB,2025-03-12T10:00:00,second\nA,2025-03-12T09:00:00,first\n")
    assert [(m.index, m.text) for m in conv.messages] == [(0, "first"), (1, "second")]


def test_csv_without_needed_columns() -> None:
    with pytest.raises(UnsupportedFormat):
        tabular.parse_csv("a,b,c\n1,2,3\n")


def test_jsonl_array_and_loose_keys() -> None:
    data = json.dumps([{"author": "A", "timestamp": "2025-03-12T21:14:00+07:00", "message": "hi"},
                       {"author": "B", "timestamp": "2025-03-12T21:15:00+07:00", "message": "yo"}])
    conv = chats.parse(data.encode())
    assert conv.format == "jsonl" and [m.sender for m in conv.messages] == ["A", "B"]


# --- plain / pasted -----------------------------------------------------------------------------------------------


def test_plain_continuations_and_urls() -> None:
    conv = chats.parse_text("Dara: look https://example.com/x\nstill Dara\nSokha: ok: fine at 21:14")
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Dara", "look https://example.com/x\nstill Dara"), ("Sokha", "ok: fine at 21:14"),
    ]
    assert all(m.time is None for m in conv.messages)


def test_pasted_prose_is_one_message() -> None:
    conv = chats.parse_text("he said he will send my photo to my school if I don't pay")
    assert conv.format == "plain" and len(conv.messages) == 1 and conv.messages[0].sender is None


# --- encodings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encode", [
    lambda s: s.encode("utf-8"),
    lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
    lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"),
    lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    lambda s: s.encode("utf-16-le"),  # Notepad without a BOM
    lambda s: s.encode("utf-8") + "ស".encode()[:2],  # cut off inside the last character
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "truncated"])
def test_encodings(encode: object) -> None:
    text = synthetic.render("whatsapp", chat()).decode()
    conv = chats.parse(encode(text))  # type: ignore[operator]
    assert conv.messages[0].text == "សួស្តី បង"
    assert len(conv.messages) == len(chat())


def test_whatsapp_times_are_phnom_penh_wall_clock() -> None:
    conv = chats.parse(b"12/03/2025, 21:14 - A: hi")
    t = conv.messages[0].time
    assert t is not None and t.utcoffset() == timedelta(hours=7) and t.hour == 21
