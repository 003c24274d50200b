"""Synthetic chat exports, byte for byte in the shape the real apps write them.

Tests, the evaluation set and the benchmark need exports of every supported format without real people's
chats. `render` turns one list of `(sender, time, text)` into any format, so the same conversation can be
checked to parse identically whatever app it came from (the whatstk idea). The quirks are the apps' own:
WhatsApp's encryption notice, U+200E marks and "<Media omitted>"; Facebook's newest-first JSON with UTF-8
written as Latin-1 escapes; Telegram's `text` lists with entity objects; LINE's tab-separated lines.

A message text of exactly `MEDIA` ("<media>") becomes the format's attachment placeholder, and `DELETED`
("<deleted>") the format's "message was deleted" line where the app has one.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DELETED", "FORMATS", "MEDIA", "VARIANTS", "WHATSAPP_ENCRYPTION_NOTICE", "render", "time_resolution",
    "whatsapp_zip",
]

MEDIA = "<media>"
DELETED = "<deleted>"
#: Where WhatsApp and LINE (which write wall-clock times without a zone) are assumed to have been used.
LOCAL_TZ: tzinfo = ZoneInfo("Asia/Phnom_Penh")

WHATSAPP_ENCRYPTION_NOTICE = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
    "can read or listen to them."
)
_LRM = "\u200e"
_NNBSP = "\u202f"

Item = tuple[str, datetime, str]

#: WhatsApp header layouts per variant: (stamp template, iOS?). Fields: d m Y y H M S I p (AM/PM text).
_WA_VARIANTS: dict[str, tuple[str, bool]] = {
    "android-dmy-24h": ("{d:02d}/{m:02d}/{Y}, {H:02d}:{M:02d} - ", False),
    "android-mdy-12h": ("{m}/{d}/{y:02d}, {I}:{M:02d}" + _NNBSP + "{p} - ", False),
    "android-dmy-12h": ("{d:02d}/{m:02d}/{Y}, {I}:{M:02d} {pl} - ", False),
    "android-dmy-12h-dots": ("{d}/{m}/{y:02d}, {I}:{M:02d} {pd} - ", False),
    "android-ymd-24h": ("{Y}-{m:02d}-{d:02d} {H:02d}:{M:02d} - ", False),
    "ios-dmy": ("[{d:02d}/{m:02d}/{Y}, {H:02d}:{M:02d}:{S:02d}] ", True),
    "ios-mdy-12h": ("[{m}/{d}/{y:02d}, {I}:{M:02d}:{S:02d}" + _NNBSP + "{p}] ", True),
    "ios-dmy-dots": ("[{d:02d}.{m:02d}.{y:02d}, {H:02d}:{M:02d}:{S:02d}] ", True),
}

_LINE_VARIANTS: dict[str, str] = {
    "dmy": "{a}, {d:02d}/{m:02d}/{Y}",
    "mdy": "{a}, {m}/{d}/{Y}",
    "ymd": "{Y}/{m:02d}/{d:02d}({a})",
}

FORMATS: tuple[str, ...] = ("whatsapp", "messenger", "instagram", "telegram", "line", "plain", "csv", "jsonl")
VARIANTS: dict[str, tuple[str, ...]] = {
    "whatsapp": tuple(_WA_VARIANTS),
    "messenger": ("default",),
    "instagram": ("default",),
    "telegram": ("chat", "full"),
    "line": tuple(_LINE_VARIANTS),
    "plain": ("default",),
    "csv": ("default",),
    "jsonl": ("default",),
}

_URL = re.compile(r"https?://\S+")


def time_resolution(fmt: str, variant: str | None = None) -> timedelta | None:
    """How precisely `fmt` records time (None: not at all), so round-trip tests compare fairly."""
    if fmt == "plain":
        return None
    if fmt == "whatsapp":
        return timedelta(seconds=1) if (variant or "").startswith("ios") else timedelta(minutes=1)
    if fmt == "line":
        return timedelta(minutes=1)
    if fmt in ("messenger", "instagram"):
        return timedelta(milliseconds=1)
    return timedelta(seconds=1)


def render(
    fmt: str,
    messages: Sequence[Item],
    *,
    title: str | None = None,
    variant: str | None = None,
    participants: Sequence[str] | None = None,
) -> bytes:
    """Write `messages` (sender, time, text; oldest first) as `fmt` would export them.

    Naive times are taken as Phnom Penh wall-clock time. `title` is the chat's name (default: the first
    participant); `participants` defaults to the senders in order of first appearance.
    """
    people = list(participants) if participants is not None else list(dict.fromkeys(m[0] for m in messages))
    name = title if title is not None else (people[0] if people else "Chat")
    items = [(s, _aware(t), x) for s, t, x in messages]
    if fmt == "whatsapp":
        return _whatsapp(items, name, variant or "android-dmy-24h")
    if fmt in ("messenger", "instagram"):
        return _facebook(items, name, people, instagram=fmt == "instagram")
    if fmt == "telegram":
        return _telegram(items, name, full=variant == "full")
    if fmt == "line":
        return _line(items, name, variant or "dmy")
    if fmt == "plain":
        return "".join(f"{s}: {_placeholder(x, '<Media omitted>', 'This message was deleted')}\n"
                       for s, _, x in items).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(["sender", "time", "text"])
        for s, t, x in items:
            w.writerow([s, t.isoformat(), _placeholder(x, "<Media omitted>", "This message was deleted")])
        return buf.getvalue().encode()
    if fmt == "jsonl":
        return "".join(
            json.dumps({"sender": s, "time": t.isoformat(),
                        "text": _placeholder(x, "<Media omitted>", "This message was deleted")},
                       ensure_ascii=False) + "\n"
            for s, t, x in items
        ).encode()
    raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def whatsapp_zip(chat_txt: bytes, media: dict[str, bytes] | None = None, *, title: str | None = None) -> bytes:
    """The zip WhatsApp shares: `_chat.txt` from iOS, "WhatsApp Chat with X.txt" from Android, plus media."""
    head = chat_txt.lstrip(b"\xef\xbb\xbf").lstrip()
    ios = head.startswith(b"[") or head.startswith(_LRM.encode() + b"[")
    member = "_chat.txt" if ios else f"WhatsApp Chat with {title or 'Contact'}.txt"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, chat_txt)
        for path, data in (media or {}).items():
            zf.writestr(path, data)
    return buf.getvalue()


# --- helpers -----------------------------------------------------------------------------------------


def _aware(t: datetime) -> datetime:
    return t.replace(tzinfo=LOCAL_TZ) if t.tzinfo is None else t


def _placeholder(text: str, media: str, deleted: str) -> str:
    return media if text == MEDIA else deleted if text == DELETED else text


def _stamp_fields(t: datetime) -> dict[str, Any]:
    hour12 = t.hour % 12 or 12
    pm = t.hour >= 12
    return {
        "d": t.day, "m": t.month, "Y": t.year, "y": t.year % 100, "H": t.hour, "M": t.minute, "S": t.second,
        "I": hour12, "p": "PM" if pm else "AM", "pl": "pm" if pm else "am", "pd": "p.m." if pm else "a.m.",
        "a": t.strftime("%a"),
    }


def _whatsapp(items: list[Item], title: str, variant: str) -> bytes:
    try:
        template, ios = _WA_VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown WhatsApp variant {variant!r}; known: {', '.join(_WA_VARIANTS)}") from None
    out: list[str] = []
    for i, (sender, t, text) in enumerate(items):
        stamp = template.format(**_stamp_fields(t.astimezone(LOCAL_TZ)))
        if i == 0:
            # The first line of every export: the encryption notice. iOS writes it like a message from the
            # chat itself, Android as a bare system line.
            if ios:
                out.append(f"{stamp}{title}: {_LRM}{WHATSAPP_ENCRYPTION_NOTICE}\n")
            else:
                out.append(f"{stamp}{WHATSAPP_ENCRYPTION_NOTICE} Tap to learn more.\n")
        if ios:
            body = _placeholder(text, f"{_LRM}image omitted", f"{_LRM}This message was deleted.")
            lead = _LRM if body.startswith(_LRM) else ""
            out.append(f"{lead}{stamp}{sender}: {body}\n")
        else:
            body = _placeholder(text, "<Media omitted>", "This message was deleted")
            out.append(f"{stamp}{sender}: {body}\n")
    return "".join(out).encode()


def _mojibake(s: str) -> str:
    """Facebook's encoding bug: each UTF-8 byte written as the Latin-1 code point of the same value."""
    return s.encode("utf-8").decode("latin-1")


def _facebook(items: list[Item], title: str, people: list[str], *, instagram: bool) -> bytes:
    slug = re.sub(r"[^a-z0-9]+", "", title.lower()) or "chat"
    root = "your_instagram_activity" if instagram else "your_facebook_activity"
    thread = f"inbox/{slug}_{17841400000000000 if instagram else 1234567890123456}"
    msgs: list[dict[str, Any]] = []
    for sender, t, text in reversed(items):  # newest first, as Facebook writes them
        ms = int(t.timestamp() * 1000)
        m: dict[str, Any] = {"sender_name": _mojibake(sender), "timestamp_ms": ms}
        if text == MEDIA:
            m["photos"] = [{"uri": f"{root}/messages/{thread}/photos/{ms}.jpg",
                            "creation_timestamp": ms // 1000}]
        elif text == DELETED:
            m["content"] = _mojibake(f"{sender} unsent a message.")
        else:
            m["content"] = _mojibake(text)
        if not instagram:
            m["is_geoblocked_for_viewer"] = False
            m["is_unsent_image_by_messenger_kid_parent"] = False
        msgs.append(m)
    doc: dict[str, Any] = {
        "participants": [{"name": _mojibake(p)} for p in people],
        "messages": msgs,
        "title": _mojibake(title),
        "is_still_participant": True,
        "thread_path": thread,
        "magic_words": [],
    }
    # ensure_ascii turns the Latin-1 code points into the \u00XX escapes seen in real downloads.
    return json.dumps(doc, indent=2, ensure_ascii=True).encode("ascii")


def _telegram_text(text: str) -> tuple[str | list[Any], list[dict[str, str]]]:
    """Telegram writes a plain string unless the text has entities; then a list of strings and objects."""
    parts: list[Any] = []
    entities: list[dict[str, str]] = []
    pos = 0
    for m in _URL.finditer(text):
        if m.start() > pos:
            parts.append(text[pos:m.start()])
            entities.append({"type": "plain", "text": text[pos:m.start()]})
        parts.append({"type": "link", "text": m.group()})
        entities.append({"type": "link", "text": m.group()})
        pos = m.end()
    if not entities:
        return text, ([{"type": "plain", "text": text}] if text else [])
    if pos < len(text):
        parts.append(text[pos:])
        entities.append({"type": "plain", "text": text[pos:]})
    return parts, entities


def _telegram(items: list[Item], title: str, *, full: bool) -> bytes:
    ids: dict[str, str] = {}
    msgs: list[dict[str, Any]] = []
    # Telegram drops deleted messages from its exports altogether.
    for n, (sender, t, text) in enumerate((i for i in items if i[2] != DELETED), start=1):
        uid = ids.setdefault(sender, f"user{1000000 + 7919 * len(ids)}")
        local = t.astimezone(LOCAL_TZ).replace(tzinfo=None)  # Desktop writes the exporting PC's wall time
        m: dict[str, Any] = {
            "id": n, "type": "message", "date": local.isoformat(timespec="seconds"),
            "date_unixtime": str(int(t.timestamp())), "from": sender, "from_id": uid,
        }
        if text == MEDIA:
            m.update({"photo": f"photos/photo_{n}@{local:%d-%m-%Y_%H-%M-%S}.jpg", "width": 960, "height": 1280,
                      "text": "", "text_entities": []})
        else:
            body, entities = _telegram_text(text)
            m["text"], m["text_entities"] = body, entities
        msgs.append(m)
        if n == 1:
            msgs.append({"id": 100000 + n, "type": "service", "date": m["date"],
                         "date_unixtime": m["date_unixtime"], "actor": sender, "actor_id": uid,
                         "action": "phone_call", "discard_reason": "missed", "text": "", "text_entities": []})
    chat: dict[str, Any] = {"name": title, "type": "personal_chat", "id": 5551234567, "messages": msgs}
    doc: dict[str, Any]
    if full:
        doc = {
            "about": "Here is the data you requested. Remember: Telegram is ad free, it doesn't use your data "
                     "for ad targeting and doesn't sell it to others.",
            "personal_information": {"user_id": 1000000, "first_name": "Owner", "last_name": "",
                                     "phone_number": "+855 12 000 000", "bio": ""},
            "chats": {"about": "This page lists all chats from this export.",
                      "list": [{"type": "saved_messages", "id": 1000000, "messages": []}, chat]},
        }
    else:
        doc = chat
    return json.dumps(doc, indent=1, ensure_ascii=False).encode()


def _line(items: list[Item], title: str, variant: str) -> bytes:
    try:
        date_tpl = _LINE_VARIANTS[variant]
    except KeyError:
        raise ValueError(f"unknown LINE variant {variant!r}; known: {', '.join(_LINE_VARIANTS)}") from None
    saved = (items[-1][1] if items else datetime(2025, 1, 1, tzinfo=UTC)).astimezone(LOCAL_TZ)
    out = [f"[LINE] Chat history with {title}\n",
           f"Saved on: {date_tpl.split(', ', 1)[-1].format(**_stamp_fields(saved))}, {saved:%H:%M}\n", "\n"]
    day = None
    for sender, t, text in items:
        local = t.astimezone(LOCAL_TZ)
        if local.date() != day:
            if day is not None:
                out.append("\n")
            day = local.date()
            out.append(date_tpl.format(**_stamp_fields(local)) + "\n")
        if text == DELETED:  # a system line: no sender column
            out.append(f"{local:%H:%M}\t{sender} unsent a message.\n")
            continue
        body = "[Photo]" if text == MEDIA else text
        if "\n" in body:
            body = '"' + body.replace('"', '""') + '"'
        out.append(f"{local:%H:%M}\t{sender}\t{body}\n")
    return "".join(out).encode()
