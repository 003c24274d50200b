"""Turning parsed items into a `Conversation`: time order, message indexes, event positions.

Every parser yields messages and events in file order; this puts them in time order (a stable sort, so
messages sent in the same second keep the app's order), numbers the messages from 0, and sets each event's
`after` to the number of messages before it. Exports without times keep their file order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

from hotline.detect.model import Conversation, Event, Message

__all__ = ["DEFAULT_TZ", "assemble"]

#: Where the hotline works; WhatsApp and LINE write wall-clock times without a zone.
DEFAULT_TZ: tzinfo = ZoneInfo("Asia/Phnom_Penh")

Item = Message | Event


def _sorted(items: list[Item]) -> list[Item]:
    times = [i.time for i in items]
    if any(t is None for t in times):
        return items
    known: list[datetime] = [t for t in times if t is not None]
    if all(a <= b for a, b in pairwise(known)):
        return items
    order = sorted(range(len(items)), key=known.__getitem__)
    return [items[k] for k in order]


def assemble(fmt: str, items: Iterable[Item], *, title: str | None = None) -> Conversation:
    """Build a Conversation from items in file order (indexes and `after` in the items are ignored)."""
    ordered = _sorted(list(items))
    messages: list[Message] = []
    events: list[Event] = []
    for item in ordered:
        if isinstance(item, Message):
            n = len(messages)
            messages.append(item if item.index == n else replace(item, index=n))
        else:
            n = len(messages)
            events.append(item if item.after == n else replace(item, after=n))
    return Conversation(format=fmt, messages=messages, events=events, title=title)
