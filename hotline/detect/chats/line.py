"""LINE "Send chat history" text.

    [LINE] Chat history with Dara
    Saved on: 12/03/2025, 21:30

    Wed, 12/03/2025
    21:14<TAB>Dara<TAB>hello
    21:15<TAB>Sokha<TAB>"two
    lines"
    21:16<TAB>Dara unsent a message.

A date line opens each day; messages are `time TAB name TAB text`, multi-line texts are quoted with `""`
for a quote inside; a line with one tab is a system line. Whether `12/03` is day-first is decided from the
weekday names and from the whole file. Times have no zone: they are read in `tz`.
"""

from __future__ import annotations

import re
from datetime import date, datetime, tzinfo

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode
from hotline.detect.chats.regex import LazyPattern
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["looks_like", "parse"]

# Compiled when first used (`regex.LazyPattern`): most chats are not LINE exports.
_HEADER = LazyPattern(r"^\ufeff?\[LINE\]\s*(?:Chat history (?:with|in) )?(?P<title>.*?)\s*$")
_SAVED = LazyPattern(r"^(Saved on|保存日時|บันทึกเมื่อ)\s*[:：]")
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_DATE_SLASH = LazyPattern(r"^(?P<w>[A-Za-z]{3})[a-z]*\.?,? (?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})\s*$")
_DATE_YMD = LazyPattern(
    r"^(?P<y>\d{4})[/.](?P<m>\d{1,2})[/.](?P<d>\d{1,2})\s*(?:\((?P<w>[^)]*)\)|(?P<w2>[A-Za-z]+))?\s*$"
)
_MSG = LazyPattern(
    r"^(?:(?P<p1>[AaPp][Mm]) ?)?(?P<H>\d{1,2}):(?P<M>\d{2})(?: ?(?P<p2>[AaPp][Mm]))?\t(?P<rest>.*)$"
)
_MEDIA = {"[Photo]": "image", "[Sticker]": "sticker", "[Video]": "video", "[File]": "document",
          "[Voice message]": "audio", "[Album]": "image", "[Location]": "location", "[Contact]": "contact",
          "[GIF]": "gif", "[รูป]": "image", "[写真]": "image", "[スタンプ]": "sticker", "[動画]": "video"}
_SYSTEM_KINDS = ((LazyPattern(r"unsent a message"), "deleted"), (LazyPattern(r"☎|call", re.IGNORECASE), "call"),
                 (LazyPattern(r" (joined|left|invited|removed)\b"), "membership"))


def looks_like(text: str) -> bool:
    """A LINE header, or a date line followed by tab-separated time/name/text lines."""
    lines = text.lstrip("\ufeff").split("\n", 40)[:40]
    if lines and _HEADER.match(lines[0].rstrip("\r")) and lines[0].lstrip("\ufeff").startswith("[LINE]"):
        return True
    dated = any(_DATE_SLASH.match(ln.rstrip("\r")) or _DATE_YMD.match(ln.rstrip("\r")) for ln in lines)
    tabbed = sum(1 for ln in lines if _MSG.match(ln) and ln.count("\t") >= 2)
    return dated and tabbed >= 1


def _day_order(lines: list[str]) -> str:
    """"dmy" or "mdy" for `Www, a/b/Y` date lines: weekday names decide, then values over 12, then time order."""
    votes = {"dmy": 0, "mdy": 0}
    prev: tuple[int, int, int] | None = None
    bad = {"dmy": 0, "mdy": 0}
    date_slash = _DATE_SLASH.pattern()
    for ln in lines:
        m = date_slash.match(ln)
        if m is None:
            continue
        a, b, y = int(m["a"]), int(m["b"]), int(m["y"])
        if a > 12:
            return "dmy"
        if b > 12:
            return "mdy"
        wd = _WEEKDAYS.get(m["w"].lower())
        for order, (mo, d) in (("dmy", (b, a)), ("mdy", (a, b))):
            try:
                if wd is not None and date(y, mo, d).weekday() == wd:
                    votes[order] += 1
            except ValueError:
                pass
        if prev is not None:
            bad["dmy"] += (y, b, a) < (prev[0], prev[2], prev[1])
            bad["mdy"] += (y, a, b) < (prev[0], prev[1], prev[2])
        prev = (y, a, b)
    if votes["dmy"] != votes["mdy"]:
        return max(votes, key=votes.__getitem__)
    return "mdy" if bad["mdy"] < bad["dmy"] else "dmy"


def _closed(text: str) -> bool:
    """Is a quoted multi-line text complete? Its quotes pair up and it ends on one."""
    return text.count('"') % 2 == 0


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ) -> Conversation:
    """Parse a LINE chat history .txt into a Conversation."""
    text = decode(data) if isinstance(data, bytes) else data
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").split("\n")
    order = _day_order(lines)
    title: str | None = None
    day: date | None = None
    items: list[Message | Event] = []
    cur: dict[str, object] | None = None  # the message being read
    open_quote = False
    parts: list[str] = []
    date_slash, date_ymd, message = _DATE_SLASH.pattern(), _DATE_YMD.pattern(), _MSG.pattern()

    def flush() -> None:
        nonlocal cur, parts, open_quote
        if cur is not None:
            body = "\n".join(parts)
            if len(parts) > 1 and body.startswith('"') and body.endswith('"'):
                body = body[1:-1].replace('""', '"')
            kind = _MEDIA.get(body)
            sender = str(cur["sender"])
            time = cur["time"]
            assert isinstance(time, datetime)
            if kind is not None:
                items.append(Message(-1, sender, "", time, (kind,)))
            elif body.startswith("☎"):
                items.append(Event("call", f"{sender}: {body}", time))
            else:
                items.append(Message(-1, sender, body, time))
        cur, parts, open_quote = None, [], False

    for lineno, line in enumerate(lines, start=1):
        if open_quote:
            parts.append(line)
            if _closed("\n".join(parts)):
                open_quote = False
            continue
        if lineno == 1 and line.startswith("[LINE]"):
            hm = _HEADER.match(line)
            title = hm["title"] if hm else None
            continue
        if not line.strip() or (lineno <= 3 and _SAVED.match(line)):
            continue
        dm = date_slash.match(line)
        ym = None if dm else date_ymd.match(line)
        if dm or ym:
            flush()
            try:
                if dm:
                    a, b = int(dm["a"]), int(dm["b"])
                    day = date(int(dm["y"]), b, a) if order == "dmy" else date(int(dm["y"]), a, b)
                else:
                    assert ym is not None
                    day = date(int(ym["y"]), int(ym["m"]), int(ym["d"]))
            except ValueError as exc:
                raise MalformedExport(f"impossible date in a LINE export: {exc}", where=f"line {lineno}") from exc
            continue
        mm = message.match(line)
        if mm is None:
            if cur is None:
                raise MalformedExport("a line that is neither a date, a message nor part of one",
                                      where=f"line {lineno}")
            parts.append(line)
            continue
        flush()
        if day is None:
            raise MalformedExport("a LINE message before any date line", where=f"line {lineno}")
        hour, minute = int(mm["H"]), int(mm["M"])
        ampm = (mm["p1"] or mm["p2"] or "").lower()
        if ampm:
            hour = hour % 12 + (12 if ampm == "pm" else 0)
        try:
            time = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
        except ValueError as exc:
            raise MalformedExport(f"impossible time in a LINE export: {exc}", where=f"line {lineno}") from exc
        rest = mm["rest"]
        sender, tab, body = rest.partition("\t")
        if not tab:
            kind = next((k for rx, k in _SYSTEM_KINDS if rx.search(rest)), "system")
            items.append(Event(kind, rest, time))
            continue
        cur = {"sender": sender, "time": time}
        parts = [body]
        if body.startswith('"') and not _closed(body):
            open_quote = True
    if open_quote:
        raise MalformedExport("a quoted LINE message is never closed (file cut off?)", where=f"line {len(lines)}")
    flush()
    if not items and title is None:
        raise UnsupportedFormat("no LINE messages found")
    return assemble("line", items, title=title)
