"""WhatsApp "Export chat" text, Android and iOS, in the date orders and clocks phones in Cambodia produce.

Android writes `12/03/2025, 21:14 - Name: text`, iOS `[12/03/2025, 21:14:05] Name: text`; the date order,
separators, year length and clock follow the phone's locale (`3/12/25, 9:14 PM`, with a U+202F narrow
no-break space before PM on recent versions, `9:14 p.m.`, `12.03.25`), and digits may be Khmer. The
supported stamp layouts are the data table `HEADER_FORMATS`; the row is chosen from the first lines, then
one regex `split` reads a block of thousands of lines (Python code runs per distinct date, clock and
sender, and per message only to build it). Whether `12/03` is 12 March or 3 December is decided from the
whole file (any first field > 12 means day-first; else the order that keeps dates increasing).

There is no time zone in the file: times are read in `tz` (Asia/Phnom_Penh unless told).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from itertools import chain, groupby, islice, repeat
from operator import le
from typing import Final

from hotline.detect.chats.assembly import DEFAULT_TZ
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
    """One stamp layout: `pattern` uses {date} and {time}; `example` is a real-looking line for tests.

    `within` names a later row that also reads this row's stamps (a dashed iOS stamp reads as an iOS one
    whose sender opens "- "). When that row reads every stamp this one reads in the first lines, and more,
    this row is passed over: read this way, the stamps it misses would join the message before (lost)."""

    name: str
    pattern: str
    example: str
    within: str = ""

    def compile(self) -> re.Pattern[str]:
        rx = self.pattern.replace("{date}", _DATE).replace("{time}", _TIME)
        return re.compile("^" + rx + r"(?P<rest>.*)$", re.DOTALL)


#: Supported stamp layouts; the first row that fits the first lines wins (see `within`), so specific rows come first. Add a row (with an example line) to support another.
HEADER_FORMATS: tuple[HeaderFormat, ...] = (
    HeaderFormat("android", r"{date},? {time} [-–] ", "12/03/2025, 21:14 - Dara: hello"),
    HeaderFormat("ios-dash", "\u200e?\\[{date},? {time}\\] ?[-–] ", "[12/03/2025, 21:14:05] - Dara: hello", "ios"),
    HeaderFormat("ios", "\u200e?\\[{date},? {time}\\] ", "[12/03/2025, 21:14:05] Dara: hello"),
)
#: Each layout's line pattern, compiled when first needed (at start-up, most files need only the first).
_LINE_PATTERNS: dict[HeaderFormat, re.Pattern[str]] = {}
_names = [f.name for f in HEADER_FORMATS]
if len(set(_names)) != len(_names):  # pragma: no cover - guards the table above
    raise RuntimeError("WhatsApp header format names must be unique")
if any(f.within and f.within not in _names[i + 1:] for i, f in enumerate(HEADER_FORMATS)):  # pragma: no cover
    raise RuntimeError("a WhatsApp header format's `within` must name a later row")

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
# The regexes of the rarer bodies (attachments, media, notices, system lines) are sources, compiled by `re`
# (and kept in its cache) when a body first needs one: a chat with none of them does not compile them at start.
_ATTACHED = r"^<attached: (?P<f>[^>]+)>$"
#: iOS documents carry their name and size before the mark: "Report.pdf • 3 pages ‎document omitted".
_OMITTED = r"(?s)^(?P<cap>.*?)\s*\u200e?(?P<kind>image|video|audio|sticker|GIF|document|Contact card) omitted$"
_NOTICE = r"^Messages (and calls are end-to-end encrypted|to this (chat|group) (and calls )?are now secured)"
_FILE_ATTACHED = r"^(?P<f>\S.*?) \(file attached\)$"

#: System lines, by kind. Android writes them without a sender; iOS as a message whose body starts
#: with U+200E (from the chat itself for the encryption notice).
_SYSTEM_KINDS: tuple[tuple[str, str], ...] = (
    ("encryption", r"end-to-end encrypt|secured with end-to-end encryption|security code"),
    ("call", r"^(Missed )?(voice|video|group) call\b|^(Missed )?(Voice|Video) call\b"),
    ("disappearing", r"disappearing messages|[Mm]essage timer"),
    ("block", r"^You (un)?blocked this (contact|business)"),
    ("membership", r" (added|removed|left|joined using this group's invite link)\b|^You were added"
                   r"|^You (added|removed|left|joined)"),
    ("group", r"created (the )?group|changed (the subject|this group's|the group)|changed their phone"
              r"|is a contact|changed to \+"),
    ("media_limit", r"waiting for this message|view once"),
)


def _system_kind(text: str) -> str | None:
    for kind, source in _SYSTEM_KINDS:
        if re.search(source, text):
            return kind
    return None


def looks_like(lines: Iterable[str], *, need: int = 1) -> bool:
    """True when at least `need` of the given lines start with a WhatsApp stamp."""
    return choose_format(lines, need=need) is not None


def choose_format(lines: Iterable[str], *, need: int = 1, scan: int = 60) -> HeaderFormat | None:
    """The first table row whose stamp starts `need` of the first `scan` non-blank lines (and whose `within`
    row, if any, reads no stamp there it does not)."""
    head: list[str] = []
    for ln in lines if scan > 0 else ():  # stops at once: compiled, a generator in `zip` read every line first
        if ln.strip():
            head.append(ln.rstrip("\r\n"))
            if len(head) >= scan:
                break
    for fmt in HEADER_FORMATS:
        rx = _line_pattern(fmt)
        hits = 0
        for ln in head:
            m = rx.match(ln)
            if m and _plausible(m):
                hits += 1
                if hits >= need:
                    break
        if hits >= need and not (fmt.within and _reads_more(fmt.within, fmt, head)):
            return fmt
    return None


def _reads_more(name: str, fmt: HeaderFormat, head: list[str]) -> bool:
    """Whether the row `name` reads a stamp in every line of `head` that `fmt` does, and in some line more."""
    wide = _line_pattern(next(f for f in HEADER_FORMATS if f.name == name))
    narrow = _line_pattern(fmt)
    more = False
    for ln in head:
        m = wide.match(ln)
        in_wide = m is not None and _plausible(m)
        m = narrow.match(ln)
        if m is not None and _plausible(m):
            if not in_wide:
                return False
        elif in_wide:
            more = True
    return more


def _line_pattern(fmt: HeaderFormat) -> re.Pattern[str]:
    rx = _LINE_PATTERNS.get(fmt)
    if rx is None:
        rx = _LINE_PATTERNS[fmt] = fmt.compile()
    return rx


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
        if self.order is None:
            self.add_date(m["a"], m["b"], m["c"])
            self._note_clock(m)

    def _note_clock(self, m: re.Match[str]) -> None:
        # a method of its own: compiled code would take `order` as still None after `add_date` set it
        if self.order is None:
            self.clock12 = self.clock12 or m["p"] is not None

    def add_date(self, sa: str, sb: str, sc: str) -> None:
        """One stamp's date fields (its clock is the caller's to note while the order is open)."""
        if self.order is not None:
            return
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
#: Lines a stream is read in at a time: one regex `split` per block instead of one `match` per line.
_BLOCK_LINES = 4096
_NO_EXPORT = ("no WhatsApp message lines found (expected lines like "
              "\"12/03/2025, 21:14 - Name: text\" or \"[12/03/2025, 21:14:05] Name: text\")")


def iter_items(
    lines: Iterable[str], *, tz: tzinfo = DEFAULT_TZ, date_order: str | None = None,
    header_format: HeaderFormat | None = None,
) -> Iterator[Message | Event]:
    """Stream a WhatsApp export line by line: Messages (indexed from 0) and Events, in file order.

    Memory stays bounded: without `date_order`, up to 20,000 lines are held back until a date says
    whether the file is day-first; after that nothing is kept but the block of lines being read and the
    message that may go on in the next one.
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
        raise UnsupportedFormat(_NO_EXPORT)
    if date_order is None:
        date_order = _head_order(head, it, fmt)
    yield from _stream(chain(head, it), fmt, tz, date_order)


def _head_order(head: list[str], it: Iterator[str], fmt: HeaderFormat) -> str:
    """The date order the first stamps give, reading on into `head` (1,024 lines at a time, up to
    `_BUFFER_LINES` in all) while no date decides."""
    patterns = _blocks(fmt)
    vote = _OrderVote()
    seen = 0
    while True:
        stripped = list(map(str.rstrip, head[seen:], repeat("\r\n")))
        text = "\n".join(stripped)
        if text.count("\n") == len(stripped) - 1:
            _vote_block(vote, _Block(patterns, text))
        else:  # a "line" with a line break inside: one match per line, as `_items` reads it
            rx = fmt.compile()
            for ln in head[seen:]:
                m = rx.match(ln)
                if m is not None:
                    vote.add(m)
        seen = len(head)
        if vote.order is not None or seen >= _BUFFER_LINES:
            break
        more = list(islice(it, min(1024, _BUFFER_LINES - seen)))
        if not more:
            break
        head.extend(more)
    return vote.decide()


# Reading a block of lines at once (the whole text for `parse`, 4,096 lines when streaming): one `split`
# on "\n" + stamp cuts the lines joined by "\n" into columns of date texts, clock texts, senders and
# bodies (a body is the rest of its stamp's line and the lines up to the next stamp, joined as `_items`
# joins them). Times are worked out once per distinct date and clock text; plain messages are built in a
# plain loop (compiled, a native call each); only bodies `_finish` must read (system lines, media,
# deletions, iOS marks) go through it. `_items`, line by line, is the reference and reads lines that hold a line break themselves.

#: How a body can start when `_finish` has to read it (media, deletions, notices, attachments, iOS marks).
#: (A start that begins with another is left out: the lookahead needs only the shorter.)
_STARTS = {"<", _LRM, "Messages ", *_MEDIA_BODIES, *_DELETED_BODIES}
_SPECIAL_STARTS = "|".join(map(re.escape, sorted((s for s in _STARTS if not any(o != s and s.startswith(o) for o in _STARTS)),
                                                 key=lambda s: (-len(s), s))))
#: The common sender: 1 to 80 characters without a colon or double quote, then ": " and a plain body. When
#: it does not fit (a colon in the name, a line ending in ":", a body above), group s stays empty and the
#: line goes the exact way, `_split_sender` then `_finish`: a miss only costs that. In the block patterns an
#: optional group is written as a branch with an empty way, `(?:x|)` for `(?:x)?`: the same matches, but
#: `re` runs `?` of a group through its repeat machinery (a context made and dropped per stamp), a branch not.
_SENDER = r'(?:(?P<s>[^:"\n]{1,80}+): (?!' + _SPECIAL_STARTS + ")|)"
_UNNAMED = re.compile(r"\(\?P<\w+>")
#: `_DATE` without its groups: the separator's backreference written out, so that `split` gives one column
#: less (the same dates). Digits are taken possessively: what follows them is never a digit, so giving one
#: back could never help (the same matches, no places kept to go back to).
_PLAIN_DATE = r"\d{1,4}+(?:/\d{1,2}+/|\.\d{1,2}+\.|-\d{1,2}+-)\d{2,4}+"
#: `_TIME` the same way: without its groups, the hour's digits possessive, optional parts as branches.
_PLAIN_CLOCK = r"\d{1,2}+[:.]\d{2}(?:[:.]\d{2}|)(?:[ \u202f\u00a0]?" + _UNNAMED.sub("(?:", _AMPM) + "|)"
_DATE_TEXT = re.compile(_DATE)
_TIME_TEXT = re.compile(_TIME)
_CR_AT_LINE_END = re.compile(r"\r+(?=\n|\Z)")
_ATTACHED_MARK = "(file attached)"


def _block_patterns(fmt: HeaderFormat) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """`fmt`'s stamp after a line break, and at the very start: date in group d, clock in t, sender in s.

    A stamp never runs over a line end: `\\s` in the table's patterns becomes `[^\\S\\n]`."""
    stamp = _block_stamp(fmt)
    return re.compile("\n" + stamp + _SENDER), re.compile(stamp + _SENDER)


def _block_stamp(fmt: HeaderFormat) -> str:
    """The source of `fmt`'s stamp in the block patterns (date in group d, clock in t)."""
    date = "(?P<d>" + _PLAIN_DATE + ")"
    clock = "(?P<t>" + _PLAIN_CLOCK + ")"
    return fmt.pattern.replace("{date}", date).replace("{time}", clock).replace("\\s", "[^\\S\\n]")


#: The at-start block pattern of the Android layout, whose commonest stamp `_android_stamp` reads by hand.
_ANDROID_AT_START: Final = _block_stamp(HEADER_FORMATS[0]) + _SENDER
#: Where a body can start that `_SENDER`'s look-ahead rules out (its alternatives, for `str.startswith`).
_SPECIAL_START_TUPLE: Final = tuple(sorted(_STARTS))
_FIRSTS = "".join(sorted({s[0] for s in _STARTS}))
#: Per ASCII character, whether one of those starts with it (chr(1)) or not (chr(0)).
_SPECIAL_FIRSTS: Final = "".join(["\x01" if chr(c) in _FIRSTS else "\x00" for c in range(128)])
if any(ord(s[0]) >= 128 and s[0] != _LRM for s in _STARTS):  # pragma: no cover - guards `_plain_body`
    raise RuntimeError("_plain_body expects the special starts to begin with ASCII or U+200E")


#: `_block_patterns` of each layout, compiled when first needed.
_BLOCKS: dict[HeaderFormat, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _blocks(fmt: HeaderFormat) -> tuple[re.Pattern[str], re.Pattern[str]]:
    patterns = _BLOCKS.get(fmt)
    if patterns is None:
        patterns = _BLOCKS[fmt] = _block_patterns(fmt)
    return patterns


def _split_sender(body: str) -> tuple[str | None, str]:
    """Sender and text of a body whose first line still holds the sender (cut as `_items` cuts it)."""
    nl = body.find("\n")
    rest = body if nl < 0 else body[:nl]
    cut = rest.find(": ")
    if cut < 0 and rest.endswith(":"):
        cut = len(rest) - 1
    if 0 < cut <= 80 and '"' not in rest[:cut]:
        return rest[:cut], rest[cut + 2:] + body[len(rest):]
    return None, body


def _clock(text: str) -> tuple[int, str, str | None]:
    """Hour (0-23 before `% 24`, 12-hour clocks turned), minute and second text of a stamp's clock."""
    m = _TIME_TEXT.fullmatch(text)
    if m is None:  # pragma: no cover - the text was matched by the same expression
        raise MalformedExport(f"unreadable time {text!r}")
    hh, mm, sec, p = m.group("H", "M", "S", "p")
    return _hour(hh, p), mm, sec


def _offset(text: str) -> timedelta | None:
    """A stamp's clock as the time after midnight; None for a minute or second past 59. A clock "hh:mm"
    (most) is read without the regex; the time is made from seconds alone (fewer arguments to convert)."""
    if len(text) == 5 and text[2] == ":" and text[:2].isdecimal() and text[3:].isdecimal():
        hour, minute, second = int(text[:2]), int(text[3:]), 0
    else:
        hour, mm, sec = _clock(text)
        minute, second = int(mm), int(sec) if sec else 0
    return timedelta(seconds=hour % 24 * 3600 + minute * 60 + second) if minute <= 59 and second <= 59 else None


def _hour(hh: str, p: str | None) -> int:
    """The hour of a clock's hour text and its AM/PM mark, if any (12 AM is 0, 12 PM is 12)."""
    hour = int(hh)
    if p is not None:
        pm = p[0] in _PM_MARKS or p in _PM_MARKS
        if hour == 12:
            hour = 12 if pm else 0
        elif pm:
            hour += 12
    return hour


class _Block:
    """One block's columns (see above) and `head`, its lines before the first stamp.

    `text` is lines joined by "\\n"; `ends_in_newline`: it ends in "\\n" after a last line to drop (the
    text is not copied to take it off).
    """

    __slots__ = ("bodies", "dates", "head", "senders", "text", "times")

    def __init__(self, patterns: tuple[re.Pattern[str], re.Pattern[str]], text: str, *,
                 ends_in_newline: bool = False) -> None:
        rx, at_start = patterns
        self.text = text
        self.head: list[str] = []
        self.dates: list[str] = []
        self.times: list[str] = []
        self.senders: list[str | None] = []
        self.bodies: list[str] = []
        if at_start.pattern == _ANDROID_AT_START:
            self._read_lines(at_start, text)
        else:
            pieces = rx.split(text)
            if at_start.match(pieces[0]) is not None:
                pieces[0:1] = at_start.split(pieces[0], maxsplit=1)
            else:
                self.head = pieces[0].split("\n")
            step = rx.groups + 1
            index = rx.groupindex
            self.dates = pieces[index["d"]::step]
            self.times = pieces[index["t"]::step]
            self.senders = pieces[index["s"]::step]
            self.bodies = pieces[step::step]
        if ends_in_newline:
            if self.bodies:
                self.bodies[-1] = self.bodies[-1][:-1]
            else:
                self.head.pop()

    def _read_lines(self, at_start: re.Pattern[str], text: str) -> None:
        """The columns `split` gives, line by line: a line in the commonest Android stamp read by hand
        (`_android_stamp`, `_sender_end`), any other matched by `at_start` (a stamp's line, or one that goes
        on the body before it). Compiled, a third of the regex split's cost (its groups and pieces)."""
        dates, times, senders, bodies = self.dates, self.times, self.senders, self.bodies
        more: list[str] = []  # the lines after the first of the last body
        match = at_start.match
        for line in text.split("\n"):
            if _android_stamp(line):
                date, clock = line[:10], line[12:17]
                cut = _sender_end(line, 20)
                sender, body = None, line[20:]
                if cut >= 0:
                    rest = line[cut + 2:]
                    if _plain_body(rest):
                        sender, body = line[20:cut], rest
            else:
                m = match(line)
                if m is None:
                    if dates:
                        more.append(line)
                    else:
                        self.head.append(line)
                    continue
                date, clock, sender, body = m["d"], m["t"], m["s"], line[m.end():]
            if more:
                more.insert(0, bodies[-1])
                bodies[-1] = "\n".join(more)
                more = []
            dates.append(date)
            times.append(clock)
            senders.append(sender)
            bodies.append(body)
        if more:
            more.insert(0, bodies[-1])
            bodies[-1] = "\n".join(more)

    def reorder(self, order: list[int], times: list[datetime]) -> list[datetime]:
        """Put the stamps (senders and bodies) in `order`; `times` in that order."""
        self.senders = list(map(self.senders.__getitem__, order))
        self.bodies = list(map(self.bodies.__getitem__, order))
        return list(map(times.__getitem__, order))

    def lineno(self, j: int, before: int) -> int:
        """The line number of stamp `j`, `before` lines coming before the block."""
        return before + len(self.head) + j + sum(b.count("\n") for b in self.bodies[:j]) + 1


def _android_stamp(line: str) -> bool:
    """Whether `line` starts "dd/dd/dddd, dd:dd - " (ASCII digits), the Android stamp most phones write, of
    which the Android block pattern reads the first 10 characters as the date and the 5 from the 13th as the
    clock (a line in another stamp is left to the pattern)."""
    return (len(line) >= 20 and ord(line[2]) == 47 and ord(line[5]) == 47 and ord(line[10]) == 44
            and ord(line[11]) == 32 and ord(line[14]) == 58 and ord(line[17]) == 32 and ord(line[18]) == 45
            and ord(line[19]) == 32 and _digit(ord(line[0])) and _digit(ord(line[1])) and _digit(ord(line[3]))
            and _digit(ord(line[4])) and _digit(ord(line[6])) and _digit(ord(line[7])) and _digit(ord(line[8]))
            and _digit(ord(line[9])) and _digit(ord(line[12])) and _digit(ord(line[13]))
            and _digit(ord(line[15])) and _digit(ord(line[16])))


def _digit(c: int) -> bool:
    return 48 <= c <= 57


def _sender_end(line: str, start: int) -> int:
    """Where the sender `_SENDER` reads from `start` of a line ends (its ": " follows), or -1 for none: 1 to
    80 characters, none a colon or a double quote, then ": " (and a body `_plain_body`, the caller's to see)."""
    end = min(len(line), start + 80)
    j = start
    while j < end:
        c = ord(line[j])
        if c == 58 or c == 34:  # ':' or '"'
            break
        j += 1
    if j == start or j + 1 >= len(line) or ord(line[j]) != 58 or ord(line[j + 1]) != 32:
        return -1
    return j


def _plain_body(body: str) -> bool:
    """Whether `_SENDER`'s look-ahead lets a body after a sender be (it starts as no body `_finish` must
    read does): most bodies start with a character no such start does."""
    if not body:
        return True
    c = ord(body[0])
    if (c < 128 and ord(_SPECIAL_FIRSTS[c]) == 0) or (c >= 128 and c != 0x200E):
        return True
    return not body.startswith(_SPECIAL_START_TUPLE)


class _BlockReader:
    """Items from blocks of one export, keeping its per-text caches and message count between blocks."""

    __slots__ = ("days", "n_msg", "names", "offsets", "order", "patterns", "tz")

    def __init__(self, fmt: HeaderFormat, tz: tzinfo, order: str) -> None:
        self.patterns = _blocks(fmt)
        self.tz = tz
        self.order = order
        self.days: dict[str, datetime | None] = {}
        self.offsets: dict[str, timedelta | None] = {}
        #: Senders that are not ASCII → as shown (direction marks taken out).
        self.names: dict[str, str] = {}
        self.n_msg = 0

    def block(self, text: str, *, ends_in_newline: bool = False) -> _Block:
        return _Block(self.patterns, text, ends_in_newline=ends_in_newline)

    def times(self, b: _Block, before: int) -> tuple[list[datetime], MalformedExport | None]:
        """The time of every stamp in the block; at a stamp `_items` would reject, the times before it
        and the error it would raise."""
        days, offsets = self.days, self.offsets
        if len(days) > 4096:
            days.clear()
        if len(offsets) > 4096:
            offsets.clear()
        dates, clocks = b.dates, b.times
        times: list[datetime] = []
        last_date = ""
        day: datetime | None = None
        for j in range(len(dates)):  # compiled, one loop of look-ups (a distinct text worked out when first
            date, clock = dates[j], clocks[j]  # met): cheaper than sets of the texts and `map`s over them
            if date != last_date:  # most stamps have the date of the one before: no hash, no look-up
                last_date = date
                day = days.get(date)
                if day is None and date not in days:
                    day = days[date] = self._day(date)
            offset = offsets.get(clock)
            if offset is None and clock not in offsets:
                offset = offsets[clock] = _offset(clock)
            if day is None or offset is None:
                return times, self._error(b, j, before)
            times.append(day + offset)
        return times, None

    def _day(self, text: str) -> datetime | None:
        m = _DATE_TEXT.fullmatch(text)
        if m is None:  # pragma: no cover - the text was matched by the same expression
            return None
        try:
            y, mo, d = _date(m, self.order, 0)
            return datetime(y, mo, d, tzinfo=self.tz)
        except (MalformedExport, ValueError):
            return None

    def _error(self, b: _Block, j: int, before: int) -> MalformedExport:
        """The error `_items` raises at stamp `j` (its date or time is impossible)."""
        lineno = b.lineno(j, before)
        m = _DATE_TEXT.fullmatch(b.dates[j])
        if m is None:  # pragma: no cover - the text was matched by the same expression
            return MalformedExport("unreadable date", where=f"line {lineno}")
        try:
            y, mo, d = _date(m, self.order, lineno)
        except MalformedExport as exc:
            return exc
        hour, mm, sec = _clock(b.times[j])
        try:
            datetime(y, mo, d, hour % 24, int(mm), int(sec) if sec else 0, tzinfo=self.tz)
        except ValueError as exc:
            return MalformedExport(f"impossible time in a WhatsApp line: {exc}", where=f"line {lineno}")
        return MalformedExport("impossible time in a WhatsApp line", where=f"line {lineno}")  # pragma: no cover

    def items(self, b: _Block, times: list[datetime], end: int) -> tuple[list[Message], list[Event]]:
        """Messages and events of the block's first `end` stamps, numbered on from the messages before."""
        senders, bodies = b.senders, b.bodies
        names = self.names
        if len(names) > 4096:
            names.clear()
        marked = _LRM in b.text  # a body with one of these (seldom) must be read by `_finish`
        attached = _ATTACHED_MARK in b.text
        messages: list[Message] = []
        events: list[Event] = []
        n = self.n_msg
        for i in range(end):  # compiled, a plain loop: Message built natively (`map` calls the type), no sets
            sender, text = senders[i], bodies[i]
            if sender is not None and not (marked and _LRM in text) and not (attached and _ATTACHED_MARK in text):
                if not sender.isascii():
                    shown = names.get(sender)
                    if shown is None:
                        shown = names[sender] = sender.translate(_BIDI_TABLE).strip()
                    sender = shown
                messages.append(Message(n, sender, text, times[i]))
                n += 1
                continue
            if sender is None:
                sender, text = _split_sender(text)
            item = _finish(times[i], sender, [text], n)
            if isinstance(item, Message):
                messages.append(item)
                n += 1
            else:
                events.append(item)
        self.n_msg = n
        return messages, events

    def last(self, b: _Block, time: datetime) -> tuple[datetime, str | None, list[str]]:
        """The block's last message as `_items` holds it while its lines may go on."""
        sender, text = b.senders[-1], b.bodies[-1]
        if sender is None:
            sender, text = _split_sender(text)
        return time, sender, [text]


def _interleave(messages: list[Message], events: list[Event], first: int) -> Iterator[Message | Event]:
    """Messages and events back in file order (an event comes after the `after` messages before it)."""
    pos = 0
    for e in events:
        cut = e.after - first
        yield from messages[pos:cut]
        pos = cut
        yield e
    yield from messages[pos:]


def _stream(lines: Iterable[str], fmt: HeaderFormat, tz: tzinfo, order: str) -> Iterator[Message | Event]:
    """`_items`' items, read `_BLOCK_LINES` lines at a time; a block's last message waits for the next."""
    reader = _BlockReader(fmt, tz, order)
    it = iter(lines)
    current: tuple[datetime, str | None, list[str]] | None = None
    preamble: list[str] = []
    before = 0
    while batch := list(islice(it, _BLOCK_LINES)):
        stripped = list(map(str.rstrip, batch, repeat("\r\n")))
        text = "\n".join(stripped)
        if text.count("\n") != len(stripped) - 1:  # a "line" with a line break inside: go on line by line
            yield from _items(chain(stripped, it), fmt.compile(), tz, order, n_msg=reader.n_msg, lineno=before,
                              current=current, preamble=preamble)
            return
        b = reader.block(text)
        if current is not None:
            current[2].extend(b.head)
        else:
            preamble.extend(ln for ln in b.head if ln.strip())
        if not b.dates:
            before += len(stripped)
            continue
        if current is not None:
            item = _finish(current[0], current[1], current[2], reader.n_msg)
            reader.n_msg += isinstance(item, Message)
            yield item
        elif preamble:
            yield Event("preamble", "\n".join(preamble), None, 0)
            preamble = []
        times, error = reader.times(b, before)
        first = reader.n_msg
        messages, events = reader.items(b, times, min(len(times), len(b.dates) - 1))
        yield from _interleave(messages, events, first) if events else messages
        if error is not None:
            raise error
        current = reader.last(b, times[-1])
        before += len(stripped)
    if current is not None:
        yield _finish(current[0], current[1], current[2], reader.n_msg)
    elif preamble:
        yield Event("preamble", "\n".join(preamble), None, 0)


def _items(
    lines: Iterable[str], rx: re.Pattern[str], tz: tzinfo, order: str, *, n_msg: int = 0, lineno: int = 0,
    current: tuple[datetime, str | None, list[str]] | None = None, preamble: list[str] | None = None,
) -> Iterator[Message | Event]:
    """Line by line (for lines with line breaks inside), going on from `_stream`'s state when given."""
    match = rx.match
    dates: dict[str, tuple[int, int, int]] = {}
    # The message being read: time, sender (None for a system line), its text lines.
    cur_time: datetime | None = None
    cur_sender: str | None = None
    cur_parts: list[str] = []
    if current is not None:
        cur_time, cur_sender, cur_parts = current
    preamble = preamble if preamble is not None else []
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
        hour = _hour(hh, p)
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
    if text[:9] == "Messages " and re.match(_NOTICE, text):  # older iOS: the notice without its mark
        return Event("encryption", f"{sender}: {text}", time, index)
    if _LRM in text and text.endswith(" omitted"):
        om = re.match(_OMITTED, text)
        if om is not None:
            return Message(index, sender, "", time, (_MEDIA_BODIES[om["kind"] + " omitted"],))
    if marked or text[:1] == "<" or "(file attached)" in text:
        first, _, caption = text.partition("\n")
        am = re.match(_ATTACHED, first) or re.match(_FILE_ATTACHED, first)
        if am is not None:
            return Message(index, sender, caption, time, (am["f"],))
        if marked:
            skind = _system_kind(text)
            if skind is not None:
                return Event(skind, f"{sender}: {text}", time, index)
    if _LRM in text:
        text = text.replace(_LRM, "")
    return Message(index, sender, text, time)


def _joined_lines(text: str) -> str:
    """`text` without the "\\r" `_items` strips from line ends ("\\r\\n" included); most exports have none."""
    return _CR_AT_LINE_END.sub("", text) if "\r" in text else text


def _lines_of(text: str) -> Iterator[str]:
    """`text.split("\\n")`, lazily: `choose_format` reads only the first lines of a large export."""
    start = 0
    while (end := text.find("\n", start)) >= 0:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _vote_block(vote: _OrderVote, b: _Block) -> None:
    """`_OrderVote.add` for every stamp of a block: each run of one date text once, clocks by distinct text."""
    for d, _ in groupby(b.dates):
        m = _DATE_TEXT.fullmatch(d)
        if m is not None:
            vote.add_date(m["a"], m["b"], m["c"])
            if vote.order is not None:
                return
    for t in set(b.times):
        m = _TIME_TEXT.fullmatch(t)
        vote.clock12 = vote.clock12 or (m is not None and m["p"] is not None)


def _order_of(b: _Block) -> str:
    """`detect_date_order` from a block's columns."""
    vote = _OrderVote()
    _vote_block(vote, b)
    return vote.decide()


def parse(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ, title: str | None = None) -> Conversation:
    """Parse a whole WhatsApp export (the .txt, not the zip) into a Conversation: the same items as
    `iter_items`, read as one block."""
    text = decode(data) if isinstance(data, bytes) else data
    if text[:1] == "\ufeff":
        text = text[1:]
    ends_in_newline = text[-1:] == "\n"  # then the empty last "line" is none (before "\r" goes)
    text = _joined_lines(text)
    fmt = choose_format(_lines_of(text))
    if fmt is None:
        raise UnsupportedFormat(_NO_EXPORT)
    reader = _BlockReader(fmt, tz, "dmy")
    b = reader.block(text, ends_in_newline=ends_in_newline)
    reader.order = _order_of(b)
    times, error = reader.times(b, 0)
    if error is not None:
        raise error
    # What `assemble` does to the items (a stable sort by time, unless an item has none: the preamble),
    # done to the stamps before any item is built, so that messages are numbered once.
    preamble = [ln for ln in b.head if ln.strip()]
    if not preamble and not all(map(le, times, islice(times, 1, None))):
        times = b.reorder(sorted(range(len(times)), key=times.__getitem__), times)
    messages, events = reader.items(b, times, len(times))
    if preamble:
        events.insert(0, Event("preamble", "\n".join(preamble), None, 0))
    return Conversation(format="whatsapp", messages=messages, events=events, title=title)
