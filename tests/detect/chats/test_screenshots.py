"""Chat screenshots read back into messages: generated screenshots with known text, real Tesseract."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from hotline.cli import main
from hotline.detect.chats import synthetic_screenshots as synth
from hotline.detect.chats.assembly import DEFAULT_TZ
from hotline.detect.chats.screenshot import (
    MAX_PIXELS,
    OWNER,
    is_image,
    joining,
    ocr,
    read_image,
    read_screenshots,
)
from hotline.detect.chats.screenshot.bubbles import find_boxes
from hotline.detect.chats.screenshot.clock import parse_clock, parse_date, split_trailing_clock
from hotline.detect.errors import ImageRejected
from hotline.detect.media.decoding import load_image, open_image
from hotline.detect.model import Conversation, Message

needs_fonts = pytest.mark.skipif(not synth.fonts_available("noto"),
                                 reason="fonts-noto-core is not installed (make test installs it)")
needs_ocr = pytest.mark.skipif(not ocr.available(),
                               reason="Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-eng "
                                      "tesseract-ocr-khm; pip install tesserocr (make test does both)")


def _t(day: int, hour: int, minute: int) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=DEFAULT_TZ)


CHAT = Conversation("plain", [
    Message(0, "Dara", "hello, are you home alone tonight?", _t(8, 20, 5)),
    Message(1, "Sophea", "yes my parents are at work", _t(8, 20, 7)),
    Message(2, "Dara", "don't tell them we talk ok", _t(8, 20, 9)),
    Message(3, "Sophea", "why?", _t(8, 20, 12)),
    Message(4, "Dara", "អូនរៀននៅសាលាណា?", _t(8, 20, 15)),
    Message(5, "Sophea", "វិទ្យាល័យបាក់ទូក", _t(8, 20, 16)),
    Message(6, "Dara", "send me a photo of you now", _t(9, 9, 30)),
    Message(7, "Sophea", "no I don't want to", _t(9, 9, 41)),
])


@needs_fonts
@pytest.mark.parametrize("theme", ["whatsapp-light", "messenger-dark", "telegram-dark", "line-light"])
def test_bubbles_are_found_on_the_right_side(theme: str) -> None:
    shot = synth.screenshots(CHAT, "Sophea", theme=theme, width=1080)[0]
    rgb = __import__("numpy").asarray(load_image(open_image(shot.data)).convert("RGB"))
    boxes = [b for b in find_boxes(rgb) if b.kind != "chip" and not b.partial]
    assert [b.kind for b in boxes] == [t.side for t in shot.bubbles]
    assert len(boxes) == len(CHAT.messages)


@needs_fonts
@needs_ocr
def test_a_screenshot_reads_back_to_the_messages_and_sides() -> None:
    shot = synth.screenshots(CHAT, "Sophea", theme="whatsapp-light", width=1080, jpeg_quality=85)[0]
    conv = read_screenshots([shot.data])
    assert conv.format == "screenshot"
    assert [m.sender for m in conv.messages] == ["Dara", OWNER] * 4  # the title bar names the other person
    for got in conv.messages:  # OCR may miss a character or two, not more
        assert Levenshtein.normalized_similarity(got.text, CHAT.messages[got.index].text) >= 0.85, got.index
    assert sum(m.text == c.text for m, c in zip(conv.messages, CHAT.messages, strict=True)) >= 5
    assert conv.messages[0].time == _t(8, 20, 5)
    assert conv.messages[6].time == _t(9, 9, 30)  # the second date chip moves the day on
    assert all(m.source == "screenshot 1" and m.confidence is not None and 0 < m.confidence <= 1
               for m in conv.messages)


@needs_fonts
@needs_ocr
def test_overlapping_screenshots_join_without_losing_or_doubling() -> None:
    long_chat = Conversation("plain", [
        Message(i, "Dara" if i % 2 == 0 else "Sophea", f"message number {i} about the weekend plans", _t(8, 10, i))
        for i in range(24)
    ])
    shots = synth.screenshots(long_chat, "Sophea", theme="telegram-light", width=720, overlap=0.5)
    assert len(shots) >= 3
    conv = read_screenshots([s.data for s in shots[:3]])
    seen = sorted({b.index for s in shots[:3] for b in s.bubbles})
    assert [m.text for m in conv.messages] == [long_chat.messages[i].text for i in seen]
    assert {m.source for m in conv.messages} >= {"screenshot 1", "screenshot 2"}


def test_join_keeps_the_overlap_once_and_short_repeats_twice() -> None:
    same = lambda a, b: a[0] == b[0] and joining.same_text(a[1], b[1])  # noqa: E731
    size = lambda a: len(a[1])  # noqa: E731
    a = [("left", "are you there"), ("right", "yes I am at home now"), ("left", "send the photo please")]
    b = [("right", "yes I am at hcme now"), ("left", "send the photo p1ease"), ("right", "no")]
    assert joining.join([a, b], same, size) == [*a, ("right", "no")]
    assert joining.join([[("right", "ok")], [("right", "ok")]], same, size) == [("right", "ok"), ("right", "ok")]


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims `width` x `height` pixels and that holds almost no data."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def test_a_50_megapixel_image_is_refused_from_its_header() -> None:
    data = _png_header(5000, 10_000)
    assert MAX_PIXELS < 5000 * 10_000
    with pytest.raises(ImageRejected, match="too large to read as a screenshot"):
        read_image(data)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"not an image at all", "not an image"),
    (_png_header(100, 80), "too small"),
])
def test_bad_images_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(ImageRejected, match=message):
        read_image(data)


def test_a_picture_without_a_chat_is_refused() -> None:
    buf = io.BytesIO()
    Image.new("RGB", (720, 1600), (250, 250, 250)).save(buf, "PNG")
    assert is_image(buf.getvalue())
    with pytest.raises(ImageRejected, match="no chat messages"):
        read_screenshots([buf.getvalue()])


def test_times_and_dates_as_apps_print_them() -> None:
    assert parse_clock("20:05") is not None and parse_clock("8:05 PM") == parse_clock("20:05")
    assert parse_clock("2O:O5") == parse_clock("20:05")  # OCR's O for 0, inside a time only
    assert split_trailing_clock("see you soon 21:40 W")[0] == "see you soon"
    assert split_trailing_clock("meet at 21:40 near the market")[1] is None
    assert parse_date("8 March 2025") == parse_date("March 8, 2025") == parse_date("Sat, 8 Mar 2025")
    assert parse_date("8 MAR 2025, 20:05") is not None and parse_date("no date here") is None


@needs_fonts
@needs_ocr
def test_cli_reads_a_folder_of_screenshots_as_one_chat(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i, shot in enumerate(synth.screenshots(CHAT, "Sophea", theme="line-light", width=720, count=2)):
        (tmp_path / f"IMG_{i:02d}.jpg").write_bytes(shot.data)
    assert main(["analyze", str(tmp_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["format"] == "screenshot" and out["message_count"] == len(CHAT.messages)
    assert out["signals"]["secrecy"] is True  # "don't tell them we talk"
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    assert main(["analyze", str(tmp_path / "broken.png")]) == 2
    assert "not an image" in capsys.readouterr().err
