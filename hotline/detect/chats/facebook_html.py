"""Facebook Messenger and Instagram "Download your information" HTML (`message_1.html`, `message_2.html`...).

Facebook's class names are minified, and they changed; three layouts are read, each a box per message,
newest first:

    2019  div.uiBoxWhite   sender div._2lel        content div._2let   time div._2lem
    2023  div._a6-g        sender div/h2._a6-h     content div._a6-p   time div._a6-o
    2025  section._a6-g    sender h2._a6-h         content div._a6-p   time footer div._a72d

A box is a message when it holds a sender and a time (the thread's header box holds neither). The content
holds the text, media links (`<img>`, `<video>`, `<audio>`, files) and a reactions list (`<ul>`), which is
not the message's text. Times are written in the downloader's language ("Mar 12, 2025 9:14:05 pm");
English months are read, in `tz`, and a time in another language is kept as unknown rather than guessed.
Strings may carry Facebook's mojibake, fixed as in the JSON parser; "X unsent a message." and calls are
events. A page where no box fits any layout is refused with the layouts named.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from selectolax.lexbor import LexborNode

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import fix_mojibake
from hotline.detect.chats.html_page import PageLimits, read_page, text_of
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["looks_like", "parse", "parse_many"]

_MARKERS = re.compile(r"""class=["'][^"']*(?<![\w-])(_2lel|_2let|_a6-g|_a6-h|_a6-p)(?![\w-])""")
_SENDER = "._2lel, ._a6-h"
_CONTENT = "._2let, ._a6-p"
_STAMP = ("_a72d", "_2lem", "_a6-o")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_TIMES = (
    re.compile(r"(?P<mon>[A-Za-z]{3,9})\.? (?P<d>\d{1,2}),? (?P<y>\d{4}),?(?: at)? (?P<h>\d{1,2}):(?P<mi>\d{2})"
               r"(?::(?P<s>\d{2}))? ?(?P<ap>[AaPp]\.?[Mm]\.?)?"),
    re.compile(r"(?P<d>\d{1,2}) (?P<mon>[A-Za-z]{3,9})\.? (?P<y>\d{4}),?(?: at)? (?P<h>\d{1,2}):(?P<mi>\d{2})"
               r"(?::(?P<s>\d{2}))? ?(?P<ap>[AaPp]\.?[Mm]\.?)?"),
)
_UNSENT = re.compile(r"^.{1,100} unsent a message\.?$|^This message was unsent\.?$")
_CALL = re.compile(r"^(.{1,100} called you\.?|You called .{1,100}|You missed a call from .{1,100}"
                   r"|.{1,100} missed your (video )?call\.?|The (video )?(call|chat) ended\.?|Duration: .*)$")
#: Media elements, and links into the export's own folders, with the attachment kind each stands for.
_MEDIA_TAGS = {"img": "image", "video": "video", "audio": "audio"}
_MEDIA_PATHS = (("/photos/", "image"), ("/videos/", "video"), ("/audio/", "audio"), ("/gifs/", "gif"),
                ("/files/", "document"), ("stickers_used/", "sticker"))


_BLOCKS = frozenset({"div", "p", "li", "ul", "blockquote", "pre", "table", "tr"})


def looks_like(head: str) -> bool:
    """Whether decoded text is a Facebook or Instagram "Download your information" HTML page."""
    return _MARKERS.search(head) is not None


def _time(raw: str, tz: tzinfo) -> datetime | None:
    """An English "Mar 12, 2025 9:14:05 pm" (or "12 Mar 2025, 21:14") in `tz`; None when unreadable."""
    for pattern in _TIMES:
        m = pattern.search(raw)
        if not m:
            continue
        month = _MONTHS.get(m["mon"][:3].lower())
        if month is None:
            return None
        hour = int(m["h"])
        if m["ap"]:
            if hour > 12:
                return None
            hour = hour % 12 + (12 if m["ap"][0] in "Pp" else 0)
        try:
            return datetime(int(m["y"]), month, int(m["d"]), hour, int(m["mi"]), int(m["s"] or 0), tzinfo=tz)
        except ValueError:
            return None
    return None


def _stamp(box: LexborNode) -> LexborNode | None:
    for cls in _STAMP:
        node = box.css_first(f".{cls}")
        if node is not None:
            return node
    return None


def _attachments(content: LexborNode) -> list[str]:
    kinds: list[str] = []
    for node in content.traverse():
        if node.tag in _MEDIA_TAGS and not (node.parent is not None and node.parent.tag == "a"):
            kinds.append(_MEDIA_TAGS[node.tag])
        elif node.tag == "a":
            href = node.attributes.get("href") or ""
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            kind = next((k for path, k in _MEDIA_PATHS if path in href), None)
            if kind is None and node.css_first("img") is not None:
                kind = "image"
            if kind is not None:
                kinds.append(kind)
    return kinds


def _words(content: LexborNode) -> str:
    """The message's own text: reactions (`<ul>`) and media links (named by their file path) left out."""
    for node in content.css("ul, a"):
        if node.tag == "ul":
            node.decompose()
            continue
        href = node.attributes.get("href") or ""
        if not href.startswith(("http://", "https://", "mailto:")) and href:
            node.decompose()
    return fix_mojibake(text_of(content, skip=frozenset({"script", "style"}), blocks=_BLOCKS))


def parse(data: str, *, tz: tzinfo = DEFAULT_TZ, platform: str = "messenger",
          limits: PageLimits | None = None) -> Conversation:
    """Parse one message_N.html. `platform` ("messenger" or "instagram") names the result's format."""
    return parse_many([data], tz=tz, platform=platform, limits=limits)


def parse_many(pages: Sequence[str], *, tz: tzinfo = DEFAULT_TZ, platform: str = "messenger",
               limits: PageLimits | None = None) -> Conversation:
    """Parse the pages of one thread (message_1.html, message_2.html, ...) into one conversation."""
    what = "Instagram" if platform == "instagram" else "Facebook"
    items: list[Message | Event] = []
    title: str | None = None
    for page_no, text in enumerate(pages, start=1):
        tree = read_page(text, what, limits)
        prefix = "" if len(pages) == 1 else f"page {page_no}: "
        if title is None:
            head = tree.css_first("title") or tree.css_first("header h1") or tree.css_first("._3b0d")
            title = fix_mojibake(text_of(head)) if head is not None else None
        page: list[Message | Event] = []
        boxes = 0
        for who in tree.css(_SENDER):
            box = who.parent
            if box is None:
                continue
            stamp = _stamp(box)
            if stamp is None:
                continue
            boxes += 1
            where = f"{prefix}message box {boxes}"
            sender = fix_mojibake(text_of(who))
            if not sender:
                raise MalformedExport(f"a {what} message has no sender", where=where)
            time = _time(text_of(stamp), tz)
            content = box.css_first(_CONTENT)
            attachments = _attachments(content) if content is not None else []
            words = _words(content) if content is not None else ""
            if _UNSENT.match(words):
                page.append(Event("deleted", f"{sender}: {words}", time))
            elif _CALL.match(words):
                page.append(Event("call", f"{sender}: {words}", time))
            else:
                page.append(Message(-1, sender, words, time, tuple(attachments)))
        if not boxes:
            raise UnsupportedFormat(
                f"a {what} HTML page, but in a layout Hotline does not know: no message boxes with a sender "
                "and a time (known: 2019 _2lel/_2let/_2lem, 2023 _a6-g/_a6-h/_a6-o, 2025 section/h2/footer). "
                "Download your information again as JSON, which Hotline reads too",
                where=f"{prefix}page")
        items.extend(reversed(page))  # each page is newest first
    return assemble("instagram_html" if platform == "instagram" else "messenger_html", items, title=title)
