"""Chat screenshots in, `Conversation` out.

    read_image(data) -> Reading                  one screenshot: bubbles (side, text, time), date chips, title
    read_screenshots(images) -> Conversation     several screenshots of one chat, overlaps joined
    is_image(data) -> bool                        whether bytes are a picture (PNG, JPEG, WebP, HEIC, ...)

Bubbles are found by colour (`bubbles`), their text read with Tesseract (`ocr`), the time apart from the
text (`ink`, `clock`), and overlapping screenshots joined (`joining`). Left bubbles are the other person
(named from the title bar when it can be read), right bubbles the phone's owner. Every message says it
was read from an image (`source`) and how sure the recogniser was (`confidence`). An image over
`MAX_PIXELS` is refused from its header, before any pixel is decoded; anything else wrong with the input
raises `ImageRejected`, and a machine without Tesseract raises `OCRUnavailable`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, tzinfo

import numpy as np

from hotline.detect.chats.assembly import DEFAULT_TZ
from hotline.detect.chats.screenshot import clock, joining, misreadings, ocr
from hotline.detect.chats.screenshot.bubbles import Box, chat_area, find_boxes
from hotline.detect.chats.screenshot.ink import gutter_ink, separate
from hotline.detect.chats.screenshot.ocr import OCRUnavailable
from hotline.detect.errors import ImageRejected
from hotline.detect.media.decoding import decoding_errors, load_image, open_image
from hotline.detect.model import Conversation, Message

__all__ = [
    "MAX_IMAGES",
    "MAX_PIXELS",
    "OWNER",
    "OCRUnavailable",
    "ReadBubble",
    "Reading",
    "is_image",
    "read_image",
    "read_screenshots",
]

#: The largest screenshot read: 25 megapixels (a 1440-pixel-wide phone's scrolling capture of ~17,000 rows).
MAX_PIXELS = 25_000_000
#: The most screenshots joined into one conversation.
MAX_IMAGES = 40
#: Who the right-hand bubbles belong to.
OWNER = "phone owner"
#: Who the left-hand bubbles belong to when the title bar cannot be read.
OTHER = "other person"
FORMAT = "screenshot"

_KHMER = re.compile(r"[\u1780-\u17ff]")
_NAME = re.compile(r"[\w\u1780-\u17ff][\w\u1780-\u17ff .'-]{1,40}")


@dataclass(frozen=True, slots=True)
class ReadBubble:
    """One item read from a screenshot: a message bubble ("left"/"right") or a date chip ("chip")."""

    kind: str
    text: str
    clock: time | None
    confidence: float
    languages: tuple[str, ...]
    box: tuple[int, int, int, int]
    shot: int = 0


@dataclass(frozen=True, slots=True)
class Reading:
    """What one screenshot shows, top to bottom; `partial` counts bubbles cut off by the screen's edges."""

    items: tuple[ReadBubble, ...]
    title: str | None
    width: int
    height: int
    partial: int


class ScreenshotTooLarge(ImageRejected):
    """The picture has more pixels than a screenshot is read with (`MAX_PIXELS`); refused from its header."""


def is_image(data: bytes) -> bool:
    """Whether `data` starts like a picture Hotline can open (it may still fail to decode)."""
    try:
        open_image(data)
    except ImageRejected:
        return False
    return True


def _decode(data: bytes) -> np.ndarray:
    img = open_image(data)
    width, height = img.size
    if width * height > MAX_PIXELS:
        raise ScreenshotTooLarge(f"the image is too large to read as a screenshot ({width}x{height}; at most "
                            f"{MAX_PIXELS // 1_000_000} megapixels)")
    if width < 200 or height < 200:
        raise ImageRejected(f"the image is too small to be a chat screenshot ({width}x{height})")
    load_image(img)
    with decoding_errors():
        rgb = np.asarray(img.convert("RGB"))
    return rgb


def _join_lines(lines: Sequence[ocr.Line]) -> str:
    out = ""
    for ln in lines:
        text = ln.text.strip()
        if not text:
            continue
        out = f"{out} {text}" if out else text  # apps wrap at spaces where there are some
    return misreadings.repair(unicodedata.normalize("NFC", out))


def _read_bubble(rgb: np.ndarray, box: Box, background: tuple[int, int, int], *, gutter: bool,
                 first: str) -> ReadBubble | None:
    ink = separate(rgb, (box.x0, box.y0, box.x1, box.y1), box.fill, background, meta=box.kind != "chip")
    if ink.body is None:
        return None
    lines = [ln for ln in ocr.read_lines(ink.body, first=first) if ln.text.strip() and ln.confidence >= 0.2]
    if not lines:  # the recogniser sometimes finds nothing in very large text: once more, smaller
        smaller = ink.body.resize((max(1, ink.body.width * 2 // 3), max(1, ink.body.height * 2 // 3)))
        lines = [ln for ln in ocr.read_lines(smaller, first=first) if ln.text.strip() and ln.confidence >= 0.2]
    if not lines:
        return None
    text = _join_lines(lines)
    seen: time | None = None
    if ink.meta is not None:
        seen = clock.parse_clock(" ".join(ln.text for ln in ocr.read_lines(ink.meta, retry=False)))
    if seen is None and box.kind != "chip":
        text, seen = clock.split_trailing_clock(text)
    if seen is None and gutter and box.kind in ("left", "right"):
        w = rgb.shape[1]
        tall = max(8, round(0.05 * w))
        side = ((max(0, box.x0 - round(0.2 * w)), box.y1 - tall, box.x0 - 2, box.y1 + 4) if box.kind == "right"
                else (box.x1 + 2, box.y1 - tall, min(w, box.x1 + round(0.2 * w)), box.y1 + 4))
        img = gutter_ink(rgb, side, background)
        if img is not None:
            seen = clock.parse_clock(" ".join(ln.text for ln in ocr.read_lines(img, retry=False)))
    total = sum(len(ln.text) for ln in lines) or 1
    conf = sum(ln.confidence * len(ln.text) for ln in lines) / total
    langs = tuple(dict.fromkeys(ln.language for ln in lines))
    return ReadBubble(box.kind, text, seen, round(conf, 3), langs, (box.x0, box.y0, box.x1, box.y1))


def _title(rgb: np.ndarray, top: int, background: tuple[int, int, int]) -> str | None:
    """The other person's name from the app's title bar, when the bar is there and readable."""
    h, w = rgb.shape[:2]
    if top < 0.05 * h:
        return None
    bar = rgb[round(top * 0.4):top, round(0.17 * w):round(0.75 * w)]
    corner = tuple(int(v) for v in rgb[top - 2, 2])
    fill = (corner[0], corner[1], corner[2])
    ink = separate(bar, (0, 0, bar.shape[1], bar.shape[0]), fill, fill, meta=False)
    if ink.body is None:
        return None
    lines = [ln for ln in ocr.read_lines(ink.body, retry=True) if ln.confidence >= 0.6]
    if not lines:
        return None
    best = max(lines, key=lambda ln: ln.box[3] - ln.box[1])
    m = _NAME.search(best.text)
    return m.group(0).strip() if m else None


def read_image(data: bytes, *, shot: int = 0) -> Reading:
    """Read one screenshot: bubbles whole on screen, date chips, and the title bar's name."""
    rgb = _decode(data)
    h, w = rgb.shape[:2]
    background, top, _bottom = chat_area(rgb)
    boxes = find_boxes(rgb)
    gutter = _has_gutter_times(rgb, boxes, background)
    items: list[ReadBubble] = []
    partial = 0
    khmer = latin = 0
    for box in boxes:
        if box.partial:
            partial += 1
            continue
        read = _read_bubble(rgb, box, background, gutter=gutter, first="khm" if khmer > latin else "eng")
        if read is not None:
            items.append(replace(read, shot=shot))
            khmer += "km" in read.languages
            latin += "en" in read.languages
    return Reading(tuple(items), _title(rgb, top, background), w, h, partial)


def _has_gutter_times(rgb: np.ndarray, boxes: Sequence[Box], background: tuple[int, int, int]) -> bool:
    """Whether the app writes times beside the bubbles (LINE): ink next to most bubbles' bottom corner."""
    w = rgb.shape[1]
    tall = max(8, round(0.05 * w))
    hits = total = 0
    for box in boxes:
        if box.kind not in ("left", "right") or box.partial:
            continue
        total += 1
        x0, x1 = ((box.x0 - round(0.15 * w), box.x0 - 2) if box.kind == "right"
                  else (box.x1 + 2, box.x1 + round(0.15 * w)))
        region = rgb[box.y1 - tall:box.y1 + 4, max(0, x0):max(0, x1)].astype(np.int16)
        if region.size and (np.abs(region - np.array(background, dtype=np.int16)).max(axis=2) > 40).sum() > 15:
            hits += 1
    return total > 0 and hits * 2 >= total


def _same(a: ReadBubble, b: ReadBubble) -> bool:
    """The same bubble seen in two screenshots: side, time shown, size (same phone) and text agree."""
    if a.kind != b.kind:
        return False
    wa, wb = a.box[2] - a.box[0], b.box[2] - b.box[0]
    ha, hb = a.box[3] - a.box[1], b.box[3] - b.box[1]
    if abs(wa - wb) > max(3, 0.01 * wa) or abs(ha - hb) > max(3, 0.01 * ha):
        return False
    if a.clock is not None and b.clock is not None and a.clock != b.clock:
        return joining.same_text(a.text, b.text, 1.0)  # one time misread (else two messages alike)
    return joining.same_text(a.text, b.text)


def read_screenshots(images: Sequence[bytes], *, tz: tzinfo | None = None, owner: str = OWNER,
                     other: str = OTHER) -> Conversation:
    """One conversation from screenshots of one chat, in the order they were taken (top of the chat first).

    `owner` names the right-hand side, `other` the left-hand side when the title bar cannot be read."""
    if not images:
        raise ImageRejected("no screenshots were given")
    if len(images) > MAX_IMAGES:
        raise ImageRejected(f"at most {MAX_IMAGES} screenshots are read at once ({len(images)} were given)")
    readings = [read_image(data, shot=i) for i, data in enumerate(images)]
    items = joining.join([r.items for r in readings], _same, lambda b: len(b.text))
    titles = [r.title for r in readings if r.title]
    other = max(set(titles), key=titles.count) if titles else other
    zone = tz or DEFAULT_TZ
    day: date | None = None
    separator: datetime | None = None  # Messenger's "8 MAR 2025, 20:05" above the message sent then
    messages: list[Message] = []
    for item in items:
        if item.kind == "chip":
            day = clock.parse_date(item.text) or day
            separator = clock.combine(day, clock.parse_clock(item.text))
            continue
        when = clock.combine(day, item.clock) or separator
        separator = None
        messages.append(Message(
            index=len(messages), sender=owner if item.kind == "right" else other, text=item.text,
            time=when.replace(tzinfo=zone) if when is not None else None,
            source=f"screenshot {item.shot + 1}", confidence=item.confidence,
        ))
    if not messages:
        raise ImageRejected("no chat messages could be read in the screenshot(s)")
    return Conversation(format=FORMAT, messages=messages, title=other if titles else None)

