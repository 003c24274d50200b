"""Plain pasted text: `Name: text` per line, no times. Lines without a name continue the message above.

The format is ambiguous by nature ("note: bring money" inside a message); a name that starts in lower
case and occurs only once is read as part of the message above it.

This is what people paste when they copy a conversation out of any app; it is the fallback format.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import tzinfo

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode
from hotline.detect.errors import UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["DELETED_TEXTS", "UNKNOWN_SENDER", "looks_like", "parse"]

#: A name: up to 40 characters without a colon, then ": ". A colon inside a URL ("https://") or a clock
#: ("21:14") does not end a name.
_LINE = re.compile(r"^(?P<name>[^:\t\n]{1,40}?)\s?:(?!\d|//) ?(?P<text>.*)$")
_NOT_A_NAME = re.compile(r"(^|\s)(https?|ftp|mailto|tel|www\.\S*)$|^\d+$|^\s|\s$", re.IGNORECASE)
_MEDIA = {"<Media omitted>": "media", "<media omitted>": "media", "image omitted": "image",
          "[Photo]": "image", "[Sticker]": "sticker"}
UNKNOWN_SENDER = "unknown"
#: What the apps leave where a message was deleted; an event, not a message, in every format.
DELETED_TEXTS = frozenset({"This message was deleted", "This message was deleted.", "You deleted this message",
                           "You deleted this message."})


def _split(line: str) -> tuple[str, str] | None:
    m = _LINE.match(line)
    if m is None:
        return None
    name = m["name"]
    if _NOT_A_NAME.search(name):
        return None
    return name, m["text"]


def looks_like(text: str, *, share: float = 0.3) -> bool:
    """At least `share` of the first non-blank lines are `Name: text`."""
    lines = [ln for ln in text.split("\n", 200)[:200] if ln.strip()]
    if not lines:
        return False
    hits = sum(1 for ln in lines if _split(ln.rstrip("\r")) is not None)
    return hits >= 1 and hits >= share * len(lines)


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ, lenient: bool = False) -> Conversation:
    """Parse `Name: text` lines. With `lenient`, text with no such line is one message from "unknown"."""
    del tz  # no times in plain text; the argument keeps every parser callable the same way
    text = decode(data) if isinstance(data, bytes) else data
    items: list[Message | Event] = []
    sender: str | None = None
    parts: list[str] = []
    preamble: list[str] = []

    def flush() -> None:
        if sender is None:
            return
        body = "\n".join(parts).rstrip("\n")
        if body.strip() in DELETED_TEXTS:
            items.append(Event("deleted", f"{sender}: {body.strip()}"))
            return
        kind = _MEDIA.get(body.strip())
        items.append(Message(-1, sender, "" if kind else body, None, (kind,) if kind else ()))

    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    counts = Counter(got[0] for got in map(_split, lines) if got is not None)
    for line in lines:
        got = _split(line)
        if got is not None and sender is not None and counts[got[0]] == 1 and got[0][:1].islower() \
                and len(counts) > 1:
            got = None  # "line two: more" inside a message, not a speaker who talks once
        if got is None:
            if sender is None:
                if line.strip():
                    preamble.append(line)
            else:
                parts.append(line)
            continue
        flush()
        sender, parts = got[0], [got[1]]
    flush()
    if sender is None:
        body = "\n".join(preamble).strip()
        if lenient and body:
            return assemble("plain", [Message(0, UNKNOWN_SENDER, body)])
        raise UnsupportedFormat("no chat lines found (expected \"Name: message\" on each line)")
    if preamble:
        items.insert(0, Event("preamble", "\n".join(preamble)))
    return assemble("plain", items)
