"""Telegram Desktop JSON export (`result.json`): one chat, or a whole account (`chats.list`).

`text` is a string or a list of strings and entity objects (`{"type": "link", "text": ...}`); joined, it is
the message as shown. `date_unixtime` (UTC seconds) is preferred; older exports have only `date`, the
exporting computer's wall-clock time, read in `tz`. Service messages (calls, joins, pins) are events.
From a full export the personal chat with the most messages is taken.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.messenger import load_json
from hotline.detect.errors import MalformedExport
from hotline.detect.model import Conversation, Event, Message

__all__ = ["parse", "text_of"]

_MEDIA_TYPES = {
    "sticker": "sticker", "video_file": "video", "video_message": "video", "voice_message": "audio",
    "audio_file": "audio", "animation": "gif",
}
_EXTRA_KINDS = (("photo", "image"), ("contact_information", "contact"), ("location_information", "location"),
                ("poll", "poll"))
_ACTION_KINDS = {"phone_call": "call", "group_call": "call", "invite_members": "membership",
                 "remove_members": "membership", "join_group_by_link": "membership", "create_group": "group",
                 "pin_message": "pin"}


def text_of(value: Any) -> str:
    """The visible text of a Telegram `text` field: a string, or strings and entity objects joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else ""
                       for v in value)
    return ""


def _chat(doc: Any) -> tuple[dict[str, Any], str]:
    if not isinstance(doc, dict):
        raise MalformedExport("not a Telegram export: the top level is not an object", where="top level")
    if isinstance(doc.get("messages"), list):
        return doc, "messages"
    chats = doc.get("chats")
    if isinstance(chats, dict) and isinstance(chats.get("list"), list):
        best: tuple[int, int] | None = None
        for j, chat in enumerate(chats["list"]):
            if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
                continue
            if chat.get("type") == "saved_messages":
                continue
            n = sum(1 for m in chat["messages"] if isinstance(m, dict) and m.get("type") == "message")
            if best is None or n > best[0]:
                best = (n, j)
        if best is None:
            raise MalformedExport("the Telegram export holds no chats with messages", where="chats.list")
        return chats["list"][best[1]], f"chats.list[{best[1]}].messages"
    raise MalformedExport("not a Telegram export: no \"messages\" or \"chats.list\"", where="top level")


def _time(raw: dict[str, Any], tz: tzinfo, where: str) -> datetime:
    try:
        unix = raw.get("date_unixtime")
        if unix is not None:
            return datetime.fromtimestamp(int(unix), tz)
        date = raw.get("date")
        if isinstance(date, str):
            t = datetime.fromisoformat(date)
            return t if t.tzinfo else t.replace(tzinfo=tz)
    except (ValueError, OverflowError, OSError, TypeError) as exc:
        raise MalformedExport(f"a Telegram message has an impossible date: {exc}", where=where) from exc
    raise MalformedExport("a Telegram message has no date", where=where)


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ) -> Conversation:
    """Parse a Telegram Desktop result.json (single chat or full export)."""
    chat, path = _chat(load_json(data, "Telegram"))
    items: list[Message | Event] = []
    for i, raw in enumerate(chat["messages"]):
        where = f"{path}[{i}]"
        if not isinstance(raw, dict):
            raise MalformedExport("a Telegram message is not an object", where=where)
        time = _time(raw, tz, where)
        text = text_of(raw.get("text"))
        if raw.get("type") == "service":
            action = str(raw.get("action", "service"))
            actor = raw.get("actor") or ""
            items.append(Event(_ACTION_KINDS.get(action, action), f"{actor}: {action}" if actor else action, time))
            continue
        sender = raw.get("from")
        if sender is None:
            sender = "Deleted Account"
        attachments: list[str] = []
        if raw.get("media_type") in _MEDIA_TYPES:
            attachments.append(_MEDIA_TYPES[raw["media_type"]])
        elif "file" in raw:
            attachments.append("document")
        attachments += [kind for key, kind in _EXTRA_KINDS if key in raw]
        items.append(Message(-1, str(sender), text, time, tuple(attachments)))
    title = chat.get("name")
    return assemble("telegram", items, title=title if isinstance(title, str) else None)
