"""Plain pasted text: `Name: text` per line, no times. Lines without a name continue the message above.

The format is ambiguous by nature ("note: bring money" inside a message); a name that starts in lower
case and occurs only once is read as part of the message above it, and so is anything that does not look
like a name (more than four words, or sentence punctuation: "hey so what time: 8?").

This is what people paste when they copy a conversation out of any app; it is the fallback format.
Text copied from a phone screen often has no names at all. It is *unattributed*: unless some name
repeats, or two names take turns, or every line is `Name: text`, no line is read as naming a speaker,
and each line (or each paragraph, for text written in paragraphs) is a message whose sender is None.
A sender is never made up from a message's first words.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import tzinfo

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode
from hotline.detect.errors import UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["DELETED_TEXTS", "attributed", "looks_like", "parse"]

#: A name: up to 40 characters without a colon, then ": ". A colon inside a URL ("https://") or a clock
#: ("21:14") does not end a name.
_LINE = re.compile(r"^(?P<name>[^:\t\n]{1,40}?)\s?:(?!\d|//) ?(?P<text>.*)$")
_NOT_A_NAME = re.compile(r"(^|\s)(https?|ftp|mailto|tel|www\.\S*)$|^\d+$|^\s|\s$", re.IGNORECASE)
_MEDIA = {"<Media omitted>": "media", "<media omitted>": "media", "image omitted": "image",
          "[Photo]": "image", "[Sticker]": "sticker"}
#: More words than this before the colon, or sentence punctuation, and it is text, not a name.
MAX_NAME_WORDS = 4
_SENTENCE = re.compile(r"[?!,;\"“”…]|\.\s*$")
#: A line that is only a clock or a day ("10:42", "9:15 PM", "Today"), as phone screens show between
#: bubbles: not a message.
_STAMP = re.compile(r"^\s*(\d{1,2}[:.]\d{2}(\s*[ap]\.?m\.?)?|today|yesterday|read|delivered|seen)\s*$",
                    re.IGNORECASE)
#: What the apps leave where a message was deleted; an event, not a message, in every format.
DELETED_TEXTS = frozenset({"This message was deleted", "This message was deleted.", "You deleted this message",
                           "You deleted this message."})


def _split(line: str) -> tuple[str, str] | None:
    m = _LINE.match(line)
    if m is None:
        return None
    name = m["name"]
    if _NOT_A_NAME.search(name) or _SENTENCE.search(name) or len(name.split()) > MAX_NAME_WORDS:
        return None
    return name, m["text"]


def _names(lines: list[str]) -> Counter[str]:
    """How often each would-be name starts a line."""
    return Counter(got[0] for got in map(_split, lines) if got is not None)


def _is_name(name: str, counts: Counter[str]) -> bool:
    """A lower-case name said once, beside other names, is a "label: text" inside a message."""
    return not (counts[name] == 1 and name[:1].islower() and len(counts) > 1)


def attributed(lines: list[str], *, share: float = 0.3) -> bool:
    """Whether these lines name their speakers: at least `share` of the non-blank lines are `Name: text`,
    and some name repeats, or two names occur, or every line has one. One "hey so: ..." line in a paste
    names nobody."""
    body = [ln.rstrip("\r") for ln in lines if ln.strip()]
    if not body:
        return False
    counts = _names(body)
    counts = Counter({n: c for n, c in counts.items() if _is_name(n, counts)})
    hits = sum(counts.values())
    if hits == 0 or hits < share * len(body):
        return False
    return max(counts.values()) >= 2 or len(counts) >= 2 or hits == len(body)


def looks_like(text: str, *, share: float = 0.3) -> bool:
    """The first non-blank lines are `Name: text` lines that name speakers (see `attributed`)."""
    return attributed(text.split("\n", 200)[:200], share=share)


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ, lenient: bool = False) -> Conversation:
    """Parse `Name: text` lines. With `lenient`, text that names no speaker (see `attributed`) is read as
    unattributed messages (sender None), one per line or paragraph; without it, that is an error."""
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
    if not attributed(lines):
        if lenient and text.strip():
            return _unattributed(lines)
        raise UnsupportedFormat("no chat lines found (expected \"Name: message\" on each line)")
    counts = _names(lines)
    for line in lines:
        got = _split(line)
        if got is not None and sender is not None and not _is_name(got[0], counts):
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
    if sender is None:  # pragma: no cover - `attributed` found a name line, so a sender was set
        raise UnsupportedFormat("no chat lines found (expected \"Name: message\" on each line)")
    if preamble:
        items.insert(0, Event("preamble", "\n".join(preamble)))
    return assemble("plain", items)


def _unattributed(lines: list[str]) -> Conversation:
    """Messages without senders: one per paragraph when the text is written in paragraphs of several
    lines (an e-mail), else one per line (a phone screen: one bubble a line); clock-only lines dropped."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.rstrip())
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    paragraphs = len(blocks) > 1 and sum(map(len, blocks)) >= 1.5 * len(blocks)
    texts = ["\n".join(b) for b in blocks] if paragraphs else [ln for b in blocks for ln in b]
    items: list[Message | Event] = []
    for body in texts:
        if _STAMP.match(body):
            continue
        if body.strip() in DELETED_TEXTS:
            items.append(Event("deleted", body.strip()))
            continue
        kind = _MEDIA.get(body.strip())
        items.append(Message(-1, None, "" if kind else body, None, (kind,) if kind else ()))
    if not any(isinstance(i, Message) for i in items):
        raise UnsupportedFormat("no messages found in the text")
    return assemble("plain", items)
