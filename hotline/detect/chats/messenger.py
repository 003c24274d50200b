"""Facebook Messenger and Instagram "Download your information" JSON (`message_1.json`, `message_2.json`...).

Both apps write the same shape: `participants`, `title`, and `messages` newest first, each with
`sender_name`, `timestamp_ms` and `content` or media lists (`photos`, `videos`, `audio_files`, `files`,
`gifs`, `sticker`, `share`). Every string is mojibake (UTF-8 bytes written as Latin-1 code points), fixed
here. "X unsent a message." and calls are kept as events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode, fix_mojibake_tree
from hotline.detect.errors import MalformedExport
from hotline.detect.model import Conversation, Event, Message

__all__ = ["load_json", "parse", "parse_many"]

#: Media lists in a message, and the attachment kind each stands for.
_MEDIA_KEYS: tuple[tuple[str, str], ...] = (
    ("photos", "image"), ("videos", "video"), ("audio_files", "audio"), ("gifs", "gif"),
    ("files", "document"), ("sticker", "sticker"), ("share", "share"),
)
_UNSENT = re.compile(r"^.{1,100} unsent a message\.?$|^This message was unsent\.?$")
_SYSTEM_TYPES = {"Call": "call", "Subscribe": "membership", "Unsubscribe": "membership"}


def load_json(data: str | bytes, what: str) -> Any:
    """json.loads with the error a person can act on ("cut off at line 3, column 5")."""
    text = decode(data) if isinstance(data, bytes) else data
    try:
        return json.loads(text)
    except RecursionError as exc:
        raise MalformedExport(f"the {what} JSON is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        tail = text.rstrip()[-1:]
        cut = exc.pos >= len(text.rstrip()) - 1 or tail not in ("}", "]")
        why = "is cut off (truncated download?)" if cut else f"is broken ({exc.msg})"
        raise MalformedExport(f"the {what} JSON {why}", where=f"line {exc.lineno}, column {exc.colno}") from exc


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ, platform: str = "messenger") -> Conversation:
    """Parse one message_N.json. `platform` ("messenger" or "instagram") names the result's format."""
    return parse_many([data], tz=tz, platform=platform)


def parse_many(parts: Sequence[str | bytes], *, tz: tzinfo = DEFAULT_TZ, platform: str = "messenger") -> Conversation:
    """Parse the parts of one thread (message_1.json, message_2.json, ...) into one conversation."""
    what = "Instagram" if platform == "instagram" else "Messenger"
    items: list[Message | Event] = []
    title: str | None = None
    for part_no, data in enumerate(parts, start=1):
        doc = fix_mojibake_tree(load_json(data, what))
        prefix = "" if len(parts) == 1 else f"part {part_no}: "
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
            raise MalformedExport(f"not a {what} export: no \"messages\" list", where=f"{prefix}top level")
        if title is None and isinstance(doc.get("title"), str):
            title = doc["title"]
        for i, raw in enumerate(reversed(doc["messages"])):  # the file is newest first
            where = f"{prefix}messages[{len(doc['messages']) - 1 - i}]"
            items.append(_item(raw, tz, where, what))
    return assemble(platform, items, title=title)


def _item(raw: Any, tz: tzinfo, where: str, what: str) -> Message | Event:
    if not isinstance(raw, dict):
        raise MalformedExport(f"a {what} message is not an object", where=where)
    sender, ms = raw.get("sender_name"), raw.get("timestamp_ms")
    if not isinstance(sender, str):
        raise MalformedExport(f"a {what} message has no sender_name", where=where)
    if not isinstance(ms, int | float) or isinstance(ms, bool):
        raise MalformedExport(f"a {what} message has no timestamp_ms", where=where)
    try:
        time = datetime.fromtimestamp(ms / 1000, tz)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedExport(f"a {what} message has an impossible timestamp_ms", where=where) from exc
    content = raw.get("content")
    text = content if isinstance(content, str) else ""
    kind = _SYSTEM_TYPES.get(str(raw.get("type", "")))
    if kind is None and "call_duration" in raw:
        kind = "call"
    if kind is None and _UNSENT.match(text):
        kind = "deleted"
    if kind is not None:
        return Event(kind, f"{sender}: {text}" if text else sender, time)
    attachments = tuple(k for key, k in _MEDIA_KEYS if raw.get(key))
    return Message(-1, sender, text, time, attachments)
