"""Telegram Desktop's HTML export: `messages.html`, then `messages2.html`, ... (1,000 messages per page).

Each message is a `div.message.default.clearfix`: `div.from_name` (the sender), `div.pull_right.date.details`
whose `title` holds the full time ("24.02.2024 18:30:59 UTC+07:00"; older exports leave out the offset,
read in `tz`), `div.text` (line breaks as `<br>`), `div.media_wrap` (photo, video, voice, sticker,
file... placeholders), `div.reply_to.details`, and for a forward `div.forwarded.body` holding the original
author's `from_name` and the text. A message sent soon after another by the same person is written
`joined`, without a name: it inherits the sender before it. `div.message.service` lines are date
separators (dropped) or service messages (kept as events); calls are default messages with a
`media_call`, kept as call events. A forward keeps its text and is marked by a "forward" event just
before it that names where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta, timezone, tzinfo

from selectolax.lexbor import LexborNode

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.html_page import PageLimits, classes, read_page, text_of
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["looks_like", "parse", "parse_many"]

_MARKERS = re.compile(r"""class=["'](?:message (?:default clearfix|service)|page_wrap)["' ]""")
#: "24.02.2024 18:30:59 UTC+07:00" (Qt writes a zero offset as "UTC"); older exports without the zone.
_TIME = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?( UTC(?:([+-])(\d{1,2}):?(\d{2}))?)?")
_DATE_SEPARATOR = re.compile(
    r"^\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}$")
_VIA = re.compile(r"\s+via @\w+$")
#: `media_wrap` classes and the attachment kind each stands for; the title tells stickers and GIFs apart
#: when Telegram writes them as generic media.
_MEDIA_CLASSES: tuple[tuple[str, str], ...] = (
    ("photo_wrap", "image"), ("sticker_wrap", "sticker"), ("animated_wrap", "gif"),
    ("video_file_wrap", "video"), ("media_voice_message", "audio"), ("media_audio_file", "audio"),
    ("media_video", "video"), ("media_photo", "image"), ("media_file", "document"),
    ("media_contact", "contact"), ("media_location", "location"), ("media_live_location", "location"),
    ("media_venue", "location"), ("media_poll", "poll"), ("media_game", "game"), ("media_invoice", "invoice"),
)
_MEDIA_TITLES = {"Sticker": "sticker", "Animation": "gif"}
_PARTS = frozenset({"date", "from_name", "forwarded", "reply_to", "media_wrap", "text"})
_SERVICE_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r" pinned "), "pin"),
    (re.compile(r" (invited|removed|joined group|joined Telegram)\b"), "membership"),
    (re.compile(r" created group|^Channel .* created$|converted"), "group"),
    (re.compile(r" took a screenshot"), "screenshot"),
    (re.compile(r"^History cleared$"), "history_cleared"),
    (re.compile(r"voice chat|video chat"), "call"),
    (re.compile(r"auto-delete"), "timer"),
)


def looks_like(head: str) -> bool:
    """Whether decoded text is a page of a Telegram Desktop HTML export."""
    return _MARKERS.search(head) is not None


def _time(raw: str | None, tz: tzinfo, where: str) -> datetime:
    m = _TIME.search(raw or "")
    if not m:
        raise MalformedExport("a Telegram message has no readable time", where=where)
    d, mo, y, h, mi, s = (int(g) if g else 0 for g in m.groups()[:6])
    try:
        if m.group(7):
            offset = timedelta(hours=int(m.group(9) or 0), minutes=int(m.group(10) or 0))
            zone = timezone(-offset if m.group(8) == "-" else offset)
            return datetime(y, mo, d, h, mi, s, tzinfo=zone).astimezone(tz)
        return datetime(y, mo, d, h, mi, s, tzinfo=tz)
    except (ValueError, OverflowError) as exc:
        raise MalformedExport(f"a Telegram message has an impossible time {raw!r}", where=where) from exc


def _name(node: LexborNode) -> str:
    """A `from_name` without the forward's date span and the " via @bot" suffix."""
    return _VIA.sub("", text_of(node, skip=frozenset({"span"}))).strip()


def _child(node: LexborNode, cls: str) -> LexborNode | None:
    """The first child element of `node` with class `cls` (a child, not any descendant: a forward's
    `from_name` is not the sender's)."""
    for child in node.iter():
        if cls in (child.attributes.get("class") or "").split():
            return child
    return None


def _parts(body: LexborNode) -> dict[str, LexborNode]:
    """A message body's children by role: date, from_name, forwarded, reply_to, media_wrap, text."""
    found: dict[str, LexborNode] = {}
    for child in body.iter():
        for cls in (child.attributes.get("class") or "").split():
            if cls in _PARTS:
                found.setdefault(cls, child)
    return found


def _media(wrap: LexborNode) -> str:
    """The attachment kind of a `media_wrap`."""
    for node in wrap.traverse():
        cls = classes(node)
        hit = next((k for c, k in _MEDIA_CLASSES if c in cls), None)
        if hit:
            title = wrap.css_first("div.title")
            return _MEDIA_TITLES.get(text_of(title), hit) if title is not None else hit
    return "media"


def _service_kind(text: str) -> str:
    return next((kind for pattern, kind in _SERVICE_KINDS if pattern.search(text)), "service")


def parse(data: str, *, tz: tzinfo = DEFAULT_TZ, limits: PageLimits | None = None) -> Conversation:
    """Parse one page (messages.html) of a Telegram Desktop HTML export."""
    return parse_many([data], tz=tz, limits=limits)


def parse_many(pages: Sequence[str], *, tz: tzinfo = DEFAULT_TZ, limits: PageLimits | None = None) -> Conversation:
    """Parse the pages of one chat (messages.html, messages2.html, ...) in order into one conversation."""
    items: list[Message | Event] = []
    title: str | None = None
    sender: str | None = None
    origin: str | None = None
    last_time: datetime | None = None
    pending: list[int] = []  # service events seen before any message had a time
    chat_page = False  # a page of a chat (div.history), not the export's index or lists
    for page_no, text in enumerate(pages, start=1):
        tree = read_page(text, "Telegram", limits)
        prefix = "" if len(pages) == 1 else f"page {page_no}: "
        chat_page = chat_page or tree.css_first("div.history") is not None
        if title is None and (head := tree.css_first("div.page_header div.text")) is not None:
            title = text_of(head) or None
        for node in tree.css("div.message"):
            cls = classes(node)
            where = f"{prefix}{node.attributes.get('id') or 'message'}"
            if "service" in cls:
                body = node.css_first("div.body")
                line = text_of(body) if body is not None else ""
                if not line or _DATE_SEPARATOR.match(line):
                    continue
                if last_time is None:
                    pending.append(len(items))
                items.append(Event(_service_kind(line), line, last_time))
                continue
            if "default" not in cls:
                continue
            body = _child(node, "body")
            if body is None:
                raise MalformedExport("a Telegram message has no body", where=where)
            parts = _parts(body)
            date = parts.get("date")
            time = _time(date.attributes.get("title") if date is not None else None, tz, where)
            last_time = time
            named = parts.get("from_name")
            if named is not None:
                sender = _name(named) or "Deleted Account"
                origin = None
            elif "joined" not in cls or sender is None:
                raise MalformedExport("a Telegram message has no sender", where=where)
            forwarded = parts.get("forwarded")
            if forwarded is not None:
                inner = _parts(forwarded)
                from_node = inner.get("from_name")
                origin = (_name(from_node) if from_node is not None else origin) or "Deleted Account"
                parts = {**inner, **{k: v for k, v in parts.items() if k not in inner}}
            media = parts.get("media_wrap")
            call = media.css_first("div.media_call") if media is not None else None
            if call is not None:
                status = call.css_first("div.status")
                items.append(Event("call", f"{sender}: call ({text_of(status) if status is not None else 'no status'})",
                                   time))
                continue
            if forwarded is not None:
                items.append(Event("forward", f"{sender} forwarded a message from {origin}", time))
            words = parts.get("text")
            items.append(Message(-1, sender, text_of(words) if words is not None else "", time,
                                 (_media(media),) if media is not None else ()))
    if not items and not chat_page:
        raise UnsupportedFormat("a page of a Telegram export, but not a chat: send the chat's messages.html "
                                "(in a full export, chats/chat_NNN/messages.html)")
    if pending and last_time is not None:  # service lines before the first message: give them its time
        first = next(i.time for i in items if i.time is not None)
        for k in pending:
            event = items[k]
            if isinstance(event, Event):
                items[k] = replace(event, time=first)
    return assemble("telegram_html", items, title=title)
