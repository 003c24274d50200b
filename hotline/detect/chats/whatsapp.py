"""WhatsApp "Export chat" text, Android and iOS, in the date orders and clocks phones in Cambodia produce.

Android writes `12/03/2025, 21:14 - Name: text`, iOS `[12/03/2025, 21:14:05] Name: text`; the date order,
separators, year length and clock follow the phone's locale (`3/12/25, 9:14 PM`, with a U+202F narrow
no-break space before PM on recent versions, `9:14 p.m.`, `12.03.25`), and digits may be Khmer. The
supported stamp layouts are the data table `HEADER_FORMATS`; one compiled regex is chosen from the first
lines, then every line costs one `match`. Whether `12/03` is 12 March or 3 December is decided from the
whole file (any first field > 12 means day-first; else the order that keeps dates increasing).

There is no time zone in the file: times are read in `tz` (Asia/Phnom_Penh unless told).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import chain

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = [
    "HEADER_FORMATS", "HeaderFormat", "choose_format", "detect_date_order", "iter_items", "looks_like", "parse",
]

_DATE = r"(?P<a>\d{1,4})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{2,4})"
_AMPM = r"(?P<p>[AaPp]\.?\s?[Mm]\.?|ព្រឹក|ល្ងាច|រសៀល|យប់|ថ្ងៃត្រង់)"
_TIME = r"(?P<H>\d{1,2})[:.](?P<M>\d{2})(?:[:.](?P<S>\d{2}))?(?:[ \u202f\u00a0]?" + _AMPM + r")?"
_PM_MARKS = frozenset({"p", "P", "ល្ងាច", "រសៀល", "យប់", "ថ្ងៃត្រង់"})


@dataclass(frozen=True, slots=True)
class HeaderFormat:
    """One stamp layout: `pattern` uses {date} and {time}; `example` is a real-looking line for tests."""

    name: str
    pattern: str
    example: str

    def compile(self) -> re.Pattern[str]:
        rx = self.pattern.replace("{date}", _DATE).replace("{time}", _TIME)
        return re.compile("^" + rx + r"(?P<rest>.*)$", re.DOTALL)


#: Supported stamp layouts; the first row that fits the first lines wins, so specific rows come first. Add a row (with an example line) to support another.
HEADER_FORMATS: tuple[HeaderFormat, ...] = (
    HeaderFormat("android", r"{date},? {time} [-–] ", "12/03/2025, 21:14 - Dara: hello"),
    HeaderFormat("ios-dash", "\u200e?\\[{date},? {time}\\] ?[-–] ", "[12/03/2025, 21:14:05] - Dara: hello"),
    HeaderFormat("ios", "\u200e?\\[{date},? {time}\\] ", "[12/03/2025, 21:14:05] Dara: hello"),
)
_COMPILED: tuple[tuple[HeaderFormat, re.Pattern[str]], ...] = tuple((f, f.compile()) for f in HEADER_FORMATS)
_names = [f.name for f in HEADER_FORMATS]
if len(set(_names)) != len(_names):  # pragma: no cover - guards the table above
    raise RuntimeError("WhatsApp header format names must be unique")

_LRM = "\u200e"
_BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_TABLE = str.maketrans("", "", _BIDI)

#: Exact bodies that stand for media left out of the export (Android, then iOS after its U+200E mark).
_MEDIA_BODIES: dict[str, str] = {
    "<Media omitted>": "media", "<Médias omis>": "media", "<Archivo omitido>": "media",
    "<ផ្ទុកឯកសារមេឌៀមិនបានបញ្ចូល>": "media",
    "image omitted": "image", "video omitted": "video", "audio omitted": "audio",
    "sticker omitted": "sticker", "GIF omitted": "gif", "document omitted": "document",
    "Contact card omitted": "contact", "photo omitted": "image",
}
_DELETED_BODIES = frozenset({
    "This message was deleted", "This message was deleted.", "You deleted this message",
    "You deleted this message.", "This message was deleted by admin",
})
_ATTACHED = re.compile(r"^<attached: (?P<f>[^>]+)>$")
#: iOS documents carry their name and size before the mark: "Report.pdf • 3 pages ‎document omitted".
_OMITTED = re.compile(r"^(?P<cap>.*?)\s*\u200e?(?P<kind>image|video|audio|sticker|GIF|document|Contact card) omitted$",
                      re.DOTALL)
_NOTICE = re.compile(r"^Messages (and calls are end-to-end encrypted|to this (chat|group) (and calls )?are now secured)")
_FILE_ATTACHED = re.compile(r"^(?P<f>\S.*?) \(file attached\)$")

#: System lines, by kind. Android writes them without a sender; iOS as a message whose body starts
#: with U+200E (from the chat itself for the encryption notice).
_SYSTEM_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((k, re.compile(p)) for k, p in (
    ("encryption", r"end-to-end encrypt|secured with end-to-end encryption|security code"),
    ("call", r"^(Missed )?(voice|video|group) call\b|^(Missed )?(Voice|Video) call\b"),
    ("disappearing", r"disappearing messages|[Mm]essage timer"),
    ("block", r"^You (un)?blocked this (contact|business)"),
    ("membership", r" (added|removed|left|joined using this group's invite link)\b|^You were added"
                   r"|^You (added|removed|left|joined)"),
    ("group", r"created (the )?group|changed (the subject|this group's|the group)|changed their phone"
              r"|is a contact|changed to \+"),
    ("media_limit", r"waiting for this message|view once"),
))


def _system_kind(text: str) -> str | None:
    for kind, rx in _SYSTEM_KINDS:
        if rx.search(text):
            return kind
    return None


def looks_like(lines: Iterable[str], *, need: int = 1) -> bool:
    """True when at least `need` of the given lines start with a WhatsApp stamp."""
    return choose_format(lines, need=need) is not None


def choose_format(lines: Iterable[str], *, need: int = 1, scan: int = 60) -> HeaderFormat | None:
    """The first table row whose stamp starts `need` of the first `scan` non-blank lines."""
    head = [ln.rstrip("\r\n") for _, ln in zip(range(scan), (x for x in lines if x.strip()), strict=False)]
    for fmt, rx in _COMPILED:
        hits = 0
        for ln in head:
            m = rx.match(ln)
            if m and _plausible(m):
                hits += 1
                if hits >= need:
                    return fmt
    return None


def _plausible(m: re.Match[str]) -> bool:
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    h, mi = int(m["H"]), int(m["M"])
    if len(m["a"]) == 4:
        a, c = c, a
    return 1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12 and h <= 24 and mi <= 59 and c >= 0


# --- date order ----------------------------------------------------------------------------------------


class _OrderVote:
    """Evidence for day-first vs month-first, gathered one stamp at a time."""

    __slots__ = ("clock12", "dmy_bad", "last", "mdy_bad", "order", "short_year")

    def __init__(self) -> None:
        self.order: str | None = None
        self.dmy_bad = self.mdy_bad = 0
        self.last: tuple[int, int, int] | None = None
        self.clock12 = self.short_year = False

    def add(self, m: re.Match[str]) -> None:
        if self.order is not None:
            return
        sa, sb, sc = m["a"], m["b"], m["c"]
        if len(sa) == 4:
            self.order = "ymd"
            return
        a, b, c = int(sa), int(sb), int(sc)
        if a > 12:
            self.order = "dmy"
            return
        if b > 12:
            self.order = "mdy"
            return
        self.clock12 = self.clock12 or m["p"] is not None
        self.short_year = self.short_year or len(sc) == 2
        key = (c, a, b)
        if self.last is not None and key != self.last:
            # Under each reading, does the date go backwards? Exports are in time order.
            ly, la, lb = self.last
            self.dmy_bad += (c, b, a) < (ly, lb, la)
            self.mdy_bad += (c, a, b) < (ly, la, lb)
        self.last = key

    def decide(self) -> str:
        if self.order:
            return self.order
        if self.dmy_bad != self.mdy_bad:
            return "dmy" if self.dmy_bad < self.mdy_bad else "mdy"
        # No evidence at all: US-English phones write "3/12/25, 9:14 PM"; Cambodian settings day-first.
        return "mdy" if self.clock12 and self.short_year else "dmy"


def detect_date_order(lines: Iterable[str], fmt: HeaderFormat | None = None) -> str:
    """"dmy", "mdy" or "ymd" for a whole export (a first pass, for callers that stream a file twice)."""
    lines = list(lines) if fmt is None else lines
    fmt = fmt or choose_format(lines)
    if fmt is None:
        raise UnsupportedFormat("no WhatsApp message lines found")
    rx = fmt.compile()
    vote = _OrderVote()
    for ln in lines:
        m = rx.match(ln)
        if m is not None:
            vote.add(m)
            if vote.order:
                break
    return vote.decide()


# --- parsing ---------------------------------------------------------------------------------------------

_BUFFER_LINES = 20_000


def iter_items(
    lines: Iterable[str], *, tz: tzinfo = DEFAULT_TZ, date_order: str | None = None,
    header_format: HeaderFormat | None = None,
) -> Iterator[Message | Event]:
    """Stream a WhatsApp export line by line: Messages (indexed from 0) and Events, in file order.

    Memory stays bounded: without `date_order`, up to 20,000 lines are held back until a date says
    whether the file is day-first; after that nothing is kept but the message being read.
    """
    it = iter(lines)
    head: list[str] = []
    for ln in it:
        head.append(ln)
        if len(head) >= 60:
            break
    if head and head[0][:1] == "\ufeff":
        head[0] = head[0][1:]
    fmt = header_format or choose_format(head)
    if fmt is None:
        raise UnsupportedFormat("no WhatsApp message lines found (expected lines like "
                                "\"12/03/2025, 21:14 - Name: text\" or \"[12/03/2025, 21:14:05] Name: text\")")
    rx = fmt.compile()
    if date_order is None:
        vote = _OrderVote()
        for ln in head:
            m = rx.match(ln)
            if m is not None:
                vote.add(m)
        while vote.order is None and len(head) < _BUFFER_LINES:
            nxt = next(it, None)
            if nxt is None:
                break
            head.append(nxt)
            m = rx.match(nxt)
            if m is not None:
                vote.add(m)
        date_order = vote.decide()
    yield from _items(chain(head, it), rx, tz, date_order)


def _items(lines: Iterable[str], rx: re.Pattern[str], tz: tzinfo, order: str) -> Iterator[Message | Event]:
    match = rx.match
    dates: dict[str, tuple[int, int, int]] = {}
    n_msg = 0
    lineno = 0
    # The message being read: time, sender (None for a system line), its text lines.
    cur_time: datetime | None = None
    cur_sender: str | None = None
    cur_parts: list[str] = []
    preamble: list[str] = []
    last_stamp: tuple[tuple[int, int, int], int, str, str | None] | None = None
    last_time: datetime | None = None
    for raw in lines:
        lineno += 1
        line = raw.rstrip("\r\n")
        m = match(line)
        if m is None:
            if cur_time is not None:
                cur_parts.append(line)
            elif line.strip():
                preamble.append(line)
            continue
        # A new stamp: flush the message before it.
        if cur_time is not None:
            item = _finish(cur_time, cur_sender, cur_parts, n_msg)
            if isinstance(item, Message):
                n_msg += 1
            yield item
        elif preamble:
            yield Event("preamble", "\n".join(preamble), None, 0)
            preamble = []
        dkey = line[:m.end(4)]  # through a, sep, b, c: the same text, the same date
        ymd = dates.get(dkey)
        if ymd is None:
            ymd = _date(m, order, lineno)
            if len(dates) > 4096:
                dates.clear()
            dates[dkey] = ymd
        hh, mm, sec, p, rest = m.group("H", "M", "S", "p", "rest")
        hour = int(hh)
        if p is not None:
            pm = p[0] in _PM_MARKS or p in _PM_MARKS
            if hour == 12:
                hour = 12 if pm else 0
            elif pm:
                hour += 12
        stamp = (ymd, hour, mm, sec)
        if stamp != last_stamp:  # messages often share their minute: build the datetime once
            try:
                cur_time = datetime(ymd[0], ymd[1], ymd[2], hour % 24, int(mm), int(sec) if sec else 0,
                                    tzinfo=tz)
            except ValueError as exc:
                raise MalformedExport(f"impossible time in a WhatsApp line: {exc}", where=f"line {lineno}") from exc
            last_stamp, last_time = stamp, cur_time
        else:
            cur_time = last_time
        cut = rest.find(": ")
        if cut < 0 and rest.endswith(":"):
            cut = len(rest) - 1
        if 0 < cut <= 80 and '"' not in rest[:cut]:
            cur_sender = rest[:cut]
            cur_parts = [rest[cut + 2:]]
        else:
            cur_sender = None
            cur_parts = [rest]
    if cur_time is not None:
        yield _finish(cur_time, cur_sender, cur_parts, n_msg)
    elif preamble:
        yield Event("preamble", "\n".join(preamble), None, 0)


def _date(m: re.Match[str], order: str, lineno: int) -> tuple[int, int, int]:
    a, b, c = int(m["a"]), int(m["b"]), int(m["c"])
    if order == "ymd":
        y, mo, d = a, b, c
    elif order == "dmy":
        y, mo, d = c, b, a
    else:
        y, mo, d = c, a, b
    if y < 100:
        y += 2000
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        raise MalformedExport(
            f"the date {m['a']}{m['sep']}{m['b']}{m['sep']}{m['c']} does not fit the file's "
            f"{'day-first' if order == 'dmy' else 'month-first'} dates", where=f"line {lineno}",
        )
    return y, mo, d


def _finish(time: datetime, sender: str | None, parts: list[str], index: int) -> Message | Event:
    text = parts[0] if len(parts) == 1 else "\n".join(parts)
    if sender is None:
        body = text.lstrip(_LRM)
        return Event(_system_kind(body) or "system", body, time, index)
    if not sender.isascii():
        sender = sender.translate(_BIDI_TABLE).strip()
    marked = text[:1] == _LRM
    if marked:
        text = text.lstrip(_LRM)
    if text in _DELETED_BODIES:
        return Event("deleted", f"{sender}: {text}", time, index)
    kind = _MEDIA_BODIES.get(text)
    if kind is not None:
        return Message(index, sender, "", time, (kind,))
    if text[:9] == "Messages " and _NOTICE.match(text):  # older iOS: the notice without its mark
        return Event("encryption", f"{sender}: {text}", time, index)
    if _LRM in text and text.endswith(" omitted"):
        om = _OMITTED.match(text)
        if om is not None:
            return Message(index, sender, "", time, (_MEDIA_BODIES[om["kind"] + " omitted"],))
    if marked or text[:1] == "<" or "(file attached)" in text:
        first, _, caption = text.partition("\n")
        am = _ATTACHED.match(first) or _FILE_ATTACHED.match(first)
        if am is not None:
            return Message(index, sender, caption, time, (am["f"],))
        if marked:
            skind = _system_kind(text)
            if skind is not None:
                return Event(skind, f"{sender}: {text}", time, index)
    if _LRM in text:
        text = text.replace(_LRM, "")
    return Message(index, sender, text, time)


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ, title: str | None = None) -> Conversation:
    """Parse a whole WhatsApp export (the .txt, not the zip) into a Conversation."""
    text = decode(data) if isinstance(data, bytes) else data
    if text[:1] == "\ufeff":
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fmt = choose_format(lines)
    if fmt is None:
        raise UnsupportedFormat("no WhatsApp message lines found (expected lines like "
                                "\"12/03/2025, 21:14 - Name: text\" or \"[12/03/2025, 21:14:05] Name: text\")")
    order = detect_date_order(lines, fmt)
    return assemble("whatsapp", iter_items(lines, tz=tz, date_order=order, header_format=fmt), title=title)
