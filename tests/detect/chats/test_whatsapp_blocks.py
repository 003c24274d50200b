"""WhatsApp read a block of lines at a time gives what reading line by line gives (`whatsapp._items`).

The block reader cuts thousands of lines with one regex; these tests feed both readers the lines real
exports hold (system lines, media, iOS marks, colons and quotes in names, 12-hour clocks, Khmer digits,
Windows line ends, impossible dates) and compare every message, event and error.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.detect.chats import whatsapp
from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

Outcome = tuple[str, object]


def by_lines(text: str) -> Conversation:
    """The reference: `whatsapp.parse` as it was, one regex match per line."""
    if text[:1] == "\ufeff":
        text = text[1:]
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    fmt = whatsapp.choose_format(lines)
    if fmt is None:
        raise UnsupportedFormat(whatsapp._NO_EXPORT)
    order = whatsapp.detect_date_order(lines, fmt)
    return assemble("whatsapp", whatsapp._items(lines, fmt.compile(), DEFAULT_TZ, order))


def outcome(read: object, text: str) -> Outcome:
    try:
        conv = read(text)  # type: ignore[operator]
    except (MalformedExport, UnsupportedFormat) as exc:
        return ("error", (type(exc).__name__, str(exc), exc.where))
    return ("ok", (list(conv.messages), list(conv.events)))


def streamed(lines: Iterable[str]) -> Outcome:
    out: list[Message | Event] = []
    try:
        for item in whatsapp.iter_items(lines):
            out.append(item)
    except (MalformedExport, UnsupportedFormat) as exc:
        return ("error", (out, str(exc), exc.where))
    return ("ok", out)


def streamed_by_lines(lines: list[str]) -> Outcome:
    lines = [ln.rstrip("\r\n") for ln in lines]
    fmt = whatsapp.choose_format(lines[:60])
    if fmt is None:
        return ("error", ([], whatsapp._NO_EXPORT, None))
    order = whatsapp.detect_date_order(lines[:20_000], fmt)
    out: list[Message | Event] = []
    try:
        for item in whatsapp._items(lines, fmt.compile(), DEFAULT_TZ, order):
            out.append(item)
    except MalformedExport as exc:
        return ("error", (out, str(exc), exc.where))
    return ("ok", out)


STAMPS = [
    "12/03/2025, 21:14 - ", "12/03/2025 21:15 – ", "13/03/2025, 09:00 - ", "12/03/2025, 21:1",
    "12.03.2025, 21:16 - ", "12-03-25, 21:17 - ", "12.03/2025, 21:18 - ", "12/03-2025, 21:19 - ",
]
IOS_STAMPS = [
    "[12/03/2025, 21:14:05] ", "\u200e[12/03/2025, 21:14:06] ", "[13/03/2025 9:01:00\u202fPM] ",
]
SENDERS = ["Dara: ", "Sokha: ", "a:b: ", 'Bo "B": ', "N" * 80 + ": ", "N" * 81 + ": ", " ដារា : ",
           "\u202a+855 12 345 678\u202c: ", "Dara:", ": ", ""]
BODIES = ["hello", "", "hi: there", "<Media omitted>", "This message was deleted", "\u200eimage omitted",
          "Report.pdf • \u200e3 pages \u200edocument omitted", "\u200e<attached: 0001-PHOTO.jpg>",
          "IMG-1.jpg (file attached)", "Messages and calls are end-to-end encrypted.", "\u200eMissed voice call",
          "Dara added Sokha", "look \u200e here", "<b>", "ends with:", "x\r", "view once"]
MORE = ["", "more text", "  indented: colon", "\r", "mid\rcr", "not a stamp 12/03/2025", "\u200emark"]


def export(stamps: list[str]) -> st.SearchStrategy[str]:
    line = st.one_of(
        st.tuples(st.sampled_from(stamps), st.sampled_from(SENDERS), st.sampled_from(BODIES)).map("".join),
        st.sampled_from(MORE),
    )
    ending = st.sampled_from(["", "\n", "\r\n", "\n\n", "\n\r", "\r"])
    return st.tuples(st.lists(line, min_size=1, max_size=30), st.booleans(), ending).map(
        lambda t: ("\r\n" if t[1] else "\n").join(t[0]) + t[2])


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(export(STAMPS), export(IOS_STAMPS)))
def test_whole_text_reads_as_line_by_line(text: str) -> None:
    assert outcome(whatsapp.parse, text) == outcome(by_lines, text)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=export(STAMPS))
def test_stream_reads_as_line_by_line(text: str) -> None:
    lines = io.StringIO(text).readlines()
    assert streamed(iter(lines)) == streamed_by_lines(lines)


def long_chat(n: int) -> list[str]:
    """n lines: a message a minute, with multi-line messages and system lines at every few lines."""
    lines = []
    for i in range(n):
        stamp = f"{1 + i // 1440:02d}/03/2025, {i // 60 % 24:02d}:{i % 60:02d} - "
        kind = i % 7
        if kind == 3:
            lines.append("second line of the message before")
        elif kind == 5:
            lines.append(stamp + "Dara added Sokha")
        else:
            lines.append(stamp + ("Dara: " if i % 2 else "Sokha: ") + ("<Media omitted>" if kind == 6 else f"m{i}"))
    return lines


@pytest.mark.parametrize("at", [4095, 4096, 4097, 8192])
def test_messages_across_block_edges(at: int) -> None:
    lines = long_chat(10_000)
    lines[at:at] = ["", "a message's own lines go on", "past the block's end"]
    lines[at + 10] = lines[at + 10].split(" - ")[0] + " - Sokha: \u200eimage omitted"
    got = streamed(iter(lines))
    assert got[0] == "ok"
    assert got == streamed_by_lines(lines)
    assert got == ("ok", _file_order(whatsapp.parse("\n".join(lines))))


def _file_order(conv: Conversation) -> list[Message | Event]:
    items: list[Message | Event] = []
    events = list(conv.events)
    for m in conv.messages:
        while events and events[0].after <= m.index:
            items.append(events.pop(0))
        items.append(m)
    return items + events


def test_an_impossible_date_in_a_later_block_names_its_line() -> None:
    lines = long_chat(9_000)
    lines[6_000] = "31/02/2025, 10:00 - Dara: no such day"
    got = streamed(iter(lines))
    assert got == streamed_by_lines(lines)
    assert got[0] == "error" and got[1][2] == "line 6001"  # type: ignore[index]
    with pytest.raises(MalformedExport) as e:
        whatsapp.parse("\n".join(lines))
    assert e.value.where == "line 6001"


def test_a_minute_past_59_is_the_same_error() -> None:
    text = "12/03/2025, 10:00 - A: x\n12/03/2025, 10:61 - A: y"
    assert outcome(whatsapp.parse, text) == outcome(by_lines, text)
    assert outcome(whatsapp.parse, text)[0] == "error"


def test_lines_that_hold_a_line_break_are_read_line_by_line() -> None:
    """A caller's "line" with a break inside stays one line, as it always did (one message here)."""
    lines = ["12/03/2025, 10:00 - A: x", "12/03/2025, 10:01 - B: y\n12/03/2025, 10:02 - C: z", "more"]
    got = streamed(iter(lines))
    assert got == streamed_by_lines(lines)
    assert got[0] == "ok" and [m.text for m in got[1] if isinstance(m, Message)] == [  # type: ignore[union-attr]
        "x", "y\n12/03/2025, 10:02 - C: z\nmore"]


def test_times_out_of_order_are_sorted_as_before() -> None:
    text = "12/03/2025, 10:05 - A: later\n12/03/2025, 10:00 - B: earlier\n12/03/2025, 10:01 - B added C"
    conv = whatsapp.parse(text)
    assert outcome(whatsapp.parse, text) == outcome(by_lines, text)
    assert [m.text for m in conv.messages] == ["earlier", "later"]
    assert [(e.kind, e.after) for e in conv.events] == [("membership", 1)]


#: Pieces of stamps and what may stand around them: digits (Khmer too), separators, clocks of every kind.
STAMP_PIECES = ["1", "12", "03", "2025", "25", "123", "20251", "/", ".", "-", ",", ", ", " ", ":", "21", "9",
                "05", "\u202f", "\u00a0", "PM", "pm", "AM", "p.m.", "a. m.", "P M", "p", "ព្រឹក", "ល្ងាច", "យប់",
                "រសៀល", "ថ្ងៃត្រង់", "១២", "០៣", " - ", " – ", "[", "] ", "\u200e", "x", "\n", "Dara: ", "a:b: ",
                "<Media omitted>", "hi"]


def _plain_block_pattern(fmt: whatsapp.HeaderFormat) -> re.Pattern[str]:
    """The block pattern the plain way: the table's clock without its groups, `?` for the optional parts."""
    date = r"(?P<d>\d{1,4}(?:/\d{1,2}/|\.\d{1,2}\.|-\d{1,2}-)\d{2,4})"
    clock = "(?P<t>" + whatsapp._UNNAMED.sub("(?:", whatsapp._TIME) + ")"
    stamp = fmt.pattern.replace("{date}", date).replace("{time}", clock).replace("\\s", "[^\\S\\n]")
    sender = r'(?:(?P<s>[^:"\n]{1,80}+): (?!' + whatsapp._SPECIAL_STARTS + "))?"
    return re.compile("\n" + stamp + sender)


def test_the_block_patterns_cut_as_the_plain_ones() -> None:
    """Possessive digits and branches for optional parts: the same cuts on stamps of every kind."""
    rnd = random.Random(11)
    for fmt in whatsapp.HEADER_FORMATS:
        fast, plain = whatsapp._block_patterns(fmt)[0], _plain_block_pattern(fmt)
        for _ in range(3000):
            text = "\n" + "".join(rnd.choice(STAMP_PIECES) for _ in range(rnd.randint(1, 14)))
            assert fast.split(text) == plain.split(text), text
        example = "\n" + fmt.example
        assert len(fast.split(example)) > 1 and fast.split(example) == plain.split(example)
    clocks = re.compile(whatsapp._PLAIN_CLOCK)
    for _ in range(20000):
        text = "".join(rnd.choice(STAMP_PIECES[:32]) for _ in range(rnd.randint(1, 6)))
        m, ref = clocks.match(text), whatsapp._TIME_TEXT.match(text)
        assert (m and m.end()) == (ref and ref.end()), text
