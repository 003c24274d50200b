"""Synthetic chat screenshots, drawn the way WhatsApp, Messenger, Telegram and LINE draw a chat.

The screenshot reader can only be measured on pictures whose text is known. `screenshots` renders a
`Conversation` as a phone would show it (status bar, the app's title bar with the other person's name,
bubbles in the app's colours, the phone owner's on the right, times where the app puts them, date chips,
the input bar), scrolls through it and returns overlapping screenshots, each with the bubbles it shows
in full as the truth. Fonts are Debian's (fonts-noto-core, fonts-khmeros); emoji are left out of the
drawing and of the truth (colour emoji fonts are optional). `HELD_OUT_THEME` and `HELD_OUT_FONT` are
kept out of every tuning of the reader so that they measure it on a look it was not fitted to.
"""

from __future__ import annotations

import io
import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from hotline.detect.model import Conversation

__all__ = [
    "FONTS", "HELD_OUT_FONT", "HELD_OUT_THEME", "THEMES", "WIDTHS", "Screenshot", "Theme", "TruthBubble",
    "drawable_text", "fonts_available", "owner_of", "screenshots",
]

RGB = tuple[int, int, int]
_FONT_DIRS = (Path("/usr/share/fonts/truetype"), Path("/usr/share/fonts/opentype"))


@dataclass(frozen=True, slots=True)
class Theme:
    """One app's look: colours and where it writes times ("inside" the bubble, "outside" it, or a
    centred "separator" above a group of messages)."""

    app: str
    mode: str
    background: RGB
    incoming: RGB
    outgoing: RGB
    text_in: RGB
    text_out: RGB
    meta_in: RGB
    meta_out: RGB
    bar: RGB
    bar_text: RGB
    chip: RGB | None
    chip_text: RGB
    times: str
    avatar: bool
    radius: float

    @property
    def name(self) -> str:
        return f"{self.app}-{self.mode}"


def _hex(s: str) -> RGB:
    return (int(s[1:3], 16), int(s[3:5], 16), int(s[5:7], 16))


def _theme(app: str, mode: str, *colours: str | None, times: str, avatar: bool, radius: float) -> Theme:
    c = [_hex(x) if x else None for x in colours]
    bg, inc, out, t_in, t_out, m_in, m_out, bar, bar_t, chip, chip_t = c
    assert bg and inc and out and t_in and t_out and m_in and m_out and bar and bar_t and chip_t
    return Theme(app, mode, bg, inc, out, t_in, t_out, m_in, m_out, bar, bar_t, chip, chip_t, times, avatar, radius)


THEMES: dict[str, Theme] = {t.name: t for t in (
    _theme("whatsapp", "light", "#efeae2", "#ffffff", "#d9fdd3", "#111b21", "#111b21", "#667781", "#667781",
           "#008069", "#ffffff", "#ffffff", "#54656f", times="inside", avatar=False, radius=0.018),
    _theme("whatsapp", "dark", "#0b141a", "#202c33", "#005c4b", "#e9edef", "#e9edef", "#8696a0", "#99beb7",
           "#1f2c34", "#e9edef", "#182229", "#8696a0", times="inside", avatar=False, radius=0.018),
    _theme("messenger", "light", "#ffffff", "#f0f0f0", "#0084ff", "#050505", "#ffffff", "#65676b", "#65676b",
           "#f5f6f7", "#050505", None, "#65676b", times="separator", avatar=True, radius=0.04),
    _theme("messenger", "dark", "#000000", "#303030", "#0084ff", "#e4e6eb", "#ffffff", "#b0b3b8", "#b0b3b8",
           "#242526", "#e4e6eb", None, "#b0b3b8", times="separator", avatar=True, radius=0.04),
    _theme("telegram", "light", "#cfdcb4", "#ffffff", "#effdde", "#000000", "#000000", "#a1aab3", "#5fae5a",
           "#517da2", "#ffffff", "#8fa67a", "#ffffff", times="inside", avatar=False, radius=0.03),
    _theme("telegram", "dark", "#0e1621", "#182533", "#2b5278", "#f5f5f5", "#f5f5f5", "#6d7f8f", "#7da8d3",
           "#17212b", "#f5f5f5", "#1e2c3a", "#f5f5f5", times="inside", avatar=False, radius=0.03),
    _theme("line", "light", "#8cabd9", "#ffffff", "#86d97b", "#111111", "#111111", "#2d3d59", "#2d3d59",
           "#293a52", "#ffffff", "#7390bd", "#ffffff", times="outside", avatar=True, radius=0.035),
    _theme("line", "dark", "#1e1e1e", "#3a3a3a", "#5ab552", "#f0f0f0", "#101010", "#9a9a9a", "#9a9a9a",
           "#111111", "#eeeeee", "#2c2c2c", "#bbbbbb", times="outside", avatar=True, radius=0.035),
)}
#: Never used while tuning the reader; reported apart.
HELD_OUT_THEME = "line-dark"

#: (Latin font, Khmer font) per name, Debian file names.
FONTS: dict[str, tuple[str, str]] = {
    "noto": ("noto/NotoSans-Regular.ttf", "noto/NotoSansKhmer-Regular.ttf"),
    "khmeros": ("noto/NotoSansDisplay-Regular.ttf", "khmeros/KhmerOS.ttf"),
    "battambang": ("dejavu/DejaVuSans.ttf", "khmeros/KhmerOSbattambang.ttf"),
}
#: Never used while tuning the reader; reported apart.
HELD_OUT_FONT = "battambang"
#: Phone screen widths (pixels); heights follow a 20:9 screen.
WIDTHS: tuple[int, ...] = (720, 1080, 1440)


@dataclass(frozen=True, slots=True)
class TruthBubble:
    """A message as drawn: its index in the conversation, side, text and the clock time shown (if any)."""

    index: int
    side: str
    text: str
    clock: str | None
    box: tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Screenshot:
    data: bytes
    width: int
    height: int
    bubbles: tuple[TruthBubble, ...]


def _font_path(rel: str) -> Path | None:
    for d in _FONT_DIRS:
        if (d / rel).is_file():
            return d / rel
    return None


def fonts_available(name: str) -> bool:
    return all(_font_path(p) for p in FONTS[name])


@lru_cache(maxsize=64)
def _font(rel: str, size: int) -> ImageFont.FreeTypeFont:
    path = _font_path(rel)
    if path is None:
        raise FileNotFoundError(f"font {rel} is not installed (Debian: fonts-noto-core, fonts-khmeros)")
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
_RUNS = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+(?:\s+[\u1780-\u17ff\u19e0-\u19ff]+)*|[^\u1780-\u17ff\u19e0-\u19ff]+")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060\ufe0e\ufe0f\u202a-\u202e]")


def drawable_text(text: str) -> str:
    """The text as it is drawn: NFC, no emoji or symbols outside the fonts, no invisible marks, one space."""
    kept = []
    for ch in unicodedata.normalize("NFC", _INVISIBLE.sub("", text)):
        cat = unicodedata.category(ch)
        if ord(ch) >= 0x1F000 or 0x2190 <= ord(ch) <= 0x2BFF or cat in ("So", "Cs", "Co", "Cn"):
            continue
        kept.append(ch)
    return " ".join("".join(kept).split())


class _Writer:
    """Draws mixed Khmer/Latin text with one font per script on a shared baseline."""

    def __init__(self, fonts: tuple[str, str], size: int) -> None:
        self.latin = _font(fonts[0], size)
        self.khmer = _font(fonts[1], size)
        self.size = size
        self.line_height = round(size * (1.75 if "khmer" in fonts[1].lower() else 1.6))

    def _runs(self, text: str) -> list[tuple[str, ImageFont.FreeTypeFont]]:
        return [(m.group(0), self.khmer if _KHMER.match(m.group(0)) else self.latin) for m in _RUNS.finditer(text)]

    def width(self, text: str) -> float:
        return sum(f.getlength(run) for run, f in self._runs(text))

    def draw(self, d: ImageDraw.ImageDraw, x: float, baseline: float, text: str, fill: RGB) -> None:
        for run, f in self._runs(text):
            d.text((x, baseline), run, font=f, fill=fill, anchor="ls")
            x += f.getlength(run)

    def wrap(self, text: str, max_width: float) -> list[str]:
        """Greedy wrap at spaces; a word wider than a line (Khmer writes no spaces) breaks at a cluster."""
        lines: list[str] = []
        cur = ""
        for word in text.split(" "):
            trial = f"{cur} {word}" if cur else word
            if self.width(trial) <= max_width:
                cur = trial
                continue
            if cur:
                lines.append(cur)
                cur = ""
            while self.width(word) > max_width:
                cut = _cluster_cut(word, lambda s: self.width(s) <= max_width)
                lines.append(word[:cut])
                word = word[cut:]
            cur = word
        if cur:
            lines.append(cur)
        return lines


def _cluster_cut(word: str, fits: object) -> int:
    """The longest prefix of `word` that fits, ending before a Khmer base character (not after a coeng)."""
    best = 1
    for i in range(1, len(word)):
        ch, prev = word[i], word[i - 1]
        boundary = prev != "\u17d2" and (not _KHMER.match(ch) or "\u1780" <= ch <= "\u17b3")
        if boundary and fits(word[:i]):  # type: ignore[operator]
            best = i
    return best


def _clock(t: datetime, twelve: bool) -> str:
    if twelve:
        return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"
    return f"{t.hour:02d}:{t.minute:02d}"


def _date_label(t: datetime, app: str) -> str:
    if app == "whatsapp":
        return f"{t.day} {t:%B %Y}"
    if app == "telegram":
        return f"{t:%B} {t.day}, {t.year}"
    if app == "line":
        return f"{t:%a}, {t.day} {t:%b %Y}"
    return f"{t.day} {t:%b %Y}, {t:%H:%M}".upper()


@dataclass(frozen=True, slots=True)
class _Canvas:
    image: Image.Image
    bubbles: tuple[TruthBubble, ...]


def _render_chat(conv: Conversation, owner: str, theme: Theme, fonts: tuple[str, str], width: int,
                 rng: random.Random) -> _Canvas:
    s = width / 1080
    body = _Writer(fonts, round(42 * s))
    meta = _Writer(fonts, round(29 * s))
    pad_x, pad_y = round(30 * s), round(18 * s)
    margin = round(28 * s)
    avatar = round(80 * s) if theme.avatar else 0
    max_text = width * 0.72 - 2 * pad_x
    twelve = rng.random() < 0.4
    blocks: list[tuple[str, object]] = []
    last_day = None
    last_time: datetime | None = None
    for m in conv.messages:
        text = drawable_text(m.text)
        if not text:
            continue
        if m.time is not None:
            day = m.time.date()
            if theme.times == "separator":
                if last_time is None or (m.time - last_time).total_seconds() > 3600:
                    blocks.append(("chip", _date_label(m.time, theme.app)))
            elif day != last_day:
                blocks.append(("chip", _date_label(m.time, theme.app)))
            last_day, last_time = day, m.time
        blocks.append(("msg", (m, text)))
    # Lay out first (heights), then draw on a canvas of the right height.
    height = round(20 * s)
    placed: list[tuple[str, object, int, int]] = []
    prev_side = None
    for kind, item in blocks:
        if kind == "chip":
            h = round(body.line_height * 0.9) + 2 * pad_y
            height += round(24 * s)
            placed.append((kind, item, height, h))
            height += h + round(24 * s)
            prev_side = None
            continue
        m, text = item  # type: ignore[misc]
        side = "right" if m.sender == owner else "left"
        lines = body.wrap(text, max_text)
        clock = _clock(m.time, twelve) if m.time is not None and theme.times != "separator" else None
        h = len(lines) * body.line_height + 2 * pad_y
        if clock and theme.times == "inside":
            tail = body.width(lines[-1]) + meta.width(clock) + round(70 * s)
            if tail > max_text:
                h += meta.line_height
        height += round(6 * s) if side == prev_side else round(22 * s)
        placed.append((kind, (m, lines, side, clock), height, h))
        height += h
        prev_side = side
    height += round(30 * s)
    img = Image.new("RGB", (width, height), theme.background)
    d = ImageDraw.Draw(img)
    truth: list[TruthBubble] = []
    for kind, item, y, h in placed:
        if kind == "chip":
            label = str(item)
            w = meta.width(label) + 2 * pad_x
            x0 = (width - w) / 2
            if theme.chip is not None:
                d.rounded_rectangle((x0, y, x0 + w, y + h), radius=h / 2, fill=theme.chip)
            meta.draw(d, x0 + pad_x, y + h / 2 + meta.size * 0.35, label, theme.chip_text)
            continue
        m, lines, side, clock = item  # type: ignore[misc]
        text_w = max(body.width(ln) for ln in lines)
        inside = clock is not None and theme.times == "inside"
        clock_w = meta.width(clock) if clock else 0.0
        extra_line = inside and body.width(lines[-1]) + clock_w + round(70 * s) > max_text
        w = text_w + 2 * pad_x
        if inside and not extra_line:
            w = max(w, body.width(lines[-1]) + clock_w + round(70 * s) + 2 * pad_x)
        elif inside:
            w = max(w, clock_w + round(60 * s) + 2 * pad_x)
        x0 = margin + avatar + (round(16 * s) if avatar else 0) if side == "left" else width - margin - w
        fill, ink, meta_ink = ((theme.incoming, theme.text_in, theme.meta_in) if side == "left"
                               else (theme.outgoing, theme.text_out, theme.meta_out))
        box = (round(x0), y, round(x0 + w), y + h)
        d.rounded_rectangle(box, radius=theme.radius * width, fill=fill)
        for i, ln in enumerate(lines):
            body.draw(d, x0 + pad_x, y + pad_y + i * body.line_height + body.size * 1.1, ln, ink)
        if inside and clock:
            tx = box[2] - pad_x - meta.width(clock) - (round(40 * s) if side == "right" else 0)
            ty = box[3] - pad_y * 0.8
            meta.draw(d, tx, ty, clock, meta_ink)
            if side == "right":  # the two delivery ticks, drawn as lines like the apps' icons
                cx, cy, k = box[2] - pad_x - round(34 * s), ty - meta.size * 0.3, s
                for off in (0, 10):
                    d.line([(cx + off * k, cy), (cx + (off + 6) * k, cy + 7 * k),
                            (cx + (off + 20) * k, cy - 9 * k)], fill=meta_ink, width=max(1, round(2.5 * k)))
        elif clock and theme.times == "outside":
            cw = meta.width(clock)
            tx = box[0] - round(10 * s) - cw if side == "right" else box[2] + round(10 * s)
            meta.draw(d, tx, box[3] - round(6 * s), clock, theme.meta_in)
        if side == "left" and avatar:
            d.ellipse((margin, box[3] - avatar, margin + avatar, box[3]), fill=(rng.randrange(80, 200),) * 3)
        truth.append(TruthBubble(m.index, side, " ".join(lines), clock, box))
    return _Canvas(img, tuple(truth))


def _chrome(img: Image.Image, theme: Theme, fonts: tuple[str, str], title: str, top: int, bottom: int) -> None:
    w, h = img.size
    s = w / 1080
    d = ImageDraw.Draw(img)
    d.rectangle((0, 0, w, top), fill=theme.bar)
    small = _Writer(fonts, round(30 * s))
    small.draw(d, round(40 * s), round(60 * s), "10:42", theme.bar_text)
    d.rectangle((w - round(110 * s), round(35 * s), w - round(50 * s), round(62 * s)), outline=theme.bar_text,
                width=max(1, round(3 * s)))
    av = round(90 * s)
    y_av = round(95 * s)
    d.ellipse((round(100 * s), y_av, round(100 * s) + av, y_av + av), fill=(150, 160, 170))
    name = _Writer(fonts, round(44 * s))
    name.draw(d, round(215 * s), y_av + av * 0.62, drawable_text(title)[:28], theme.bar_text)
    d.rectangle((0, h - bottom, w, h), fill=theme.bar if theme.mode == "dark" else (246, 246, 246))
    field = (round(30 * s), h - bottom + round(25 * s), w - round(160 * s), h - round(25 * s))
    d.rounded_rectangle(field, radius=(field[3] - field[1]) / 2,
                        fill=(255, 255, 255) if theme.mode == "light" else (42, 57, 66))
    d.ellipse((w - round(130 * s), h - bottom + round(25 * s), w - round(30 * s), h - round(25 * s)),
              fill=theme.outgoing)


def screenshots(
    conv: Conversation, owner: str, *, theme: str = "whatsapp-light", font: str = "noto", width: int = 1080,
    overlap: float = 0.3, jpeg_quality: int | None = 85, seed: int = 0, max_shots: int | None = None,
    count: int | None = None,
) -> list[Screenshot]:
    """Screenshots that scroll through `conv` from the top, each overlapping the previous by `overlap`
    (or exactly `count` of them, evenly spaced from the top of the chat to its end).

    `owner` is the phone's owner (right-hand bubbles). Each screenshot lists the bubbles it shows whole;
    every bubble is whole in at least one. `jpeg_quality=None` writes PNG.
    """
    th = THEMES[theme]
    fonts = FONTS[font]
    rng = random.Random(seed)
    canvas = _render_chat(conv, owner, th, fonts, width, rng)
    height = round(width * 20 / 9)
    s = width / 1080
    top, bottom = round(200 * s), round(150 * s)
    view = height - top - bottom
    others = [p for p in conv.participants if p != owner]
    title = others[0] if others else "Chat"
    ch = canvas.image.height
    if count is not None:  # evenly spaced scroll positions (the same screen again when the chat fits)
        last = max(0, ch - view)
        positions = [round(last * i / max(1, count - 1)) for i in range(count)] if ch > view else [ch - view] * count
    elif ch <= view:
        positions = [ch - view]
    else:
        step = max(1, round(view * (1 - overlap)))
        positions = [*list(range(0, ch - view, step)), ch - view]
    if max_shots is not None:
        positions = positions[:max_shots]
    shots = []
    for pos in positions:
        img = Image.new("RGB", (width, height), th.background)
        region = canvas.image.crop((0, max(0, pos), width, min(ch, pos + view)))
        img.paste(region, (0, top + max(0, -pos)))
        _chrome(img, th, fonts, title, top, bottom)
        visible = tuple(
            TruthBubble(b.index, b.side, b.text, b.clock, (b.box[0], b.box[1] - pos + top, b.box[2], b.box[3] - pos + top))
            for b in canvas.bubbles if b.box[1] >= pos + 4 and b.box[3] <= pos + view - 4
        )
        buf = io.BytesIO()
        if jpeg_quality is None:
            img.save(buf, "PNG")
        else:
            img.save(buf, "JPEG", quality=jpeg_quality)
        shots.append(Screenshot(buf.getvalue(), width, height, visible))
    return shots


def owner_of(conv: Conversation, offender: str | None) -> str:
    """Whose phone the screenshots come from: the person who is not the offender (else the last to join)."""
    people: Sequence[str] = conv.participants
    if offender in people:
        rest = [p for p in people if p != offender]
        if rest:
            return rest[0]
    return people[-1] if people else ""
