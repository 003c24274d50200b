"""WhatsApp: the stamp layouts, date orders, clocks, system lines and media that real phones write."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotline.detect.chats import parse_text, synthetic, whatsapp
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Event, Message
from tests.detect.chats.factory import PP, assert_same


def one(line: str) -> Message:
    conv = whatsapp.parse(line)
    assert len(conv.messages) == 1, conv
    return conv.messages[0]


@pytest.mark.parametrize("fmt", whatsapp.HEADER_FORMATS, ids=lambda f: f.name)
def test_every_table_row_parses_its_example(fmt: whatsapp.HeaderFormat) -> None:
    assert whatsapp.choose_format([fmt.example]) == fmt
    m = one(fmt.example)
    assert (m.sender, m.text) == ("Dara", "hello")


@pytest.mark.parametrize(("line", "when"), [
    ("12/03/2025, 21:14 - Dara: hi", datetime(2025, 3, 12, 21, 14)),
    ("[12/03/2025, 21:14:05] Dara: hi", datetime(2025, 3, 12, 21, 14, 5)),
    ("3/12/25, 9:14\u202fPM - Dara: hi", datetime(2025, 3, 12, 21, 14)),      # US English, U+202F
    ("3/12/25, 9:14 PM - Dara: hi", datetime(2025, 3, 12, 21, 14)),
    ("13/3/25, 9:14 p.m. - Dara: hi", datetime(2025, 3, 13, 21, 14)),         # a.m./p.m.
    ("13/3/25, 12:05 a.m. - Dara: hi", datetime(2025, 3, 13, 0, 5)),          # 12 a.m. is midnight
    ("13/3/25, 12:05 pm - Dara: hi", datetime(2025, 3, 13, 12, 5)),           # 12 p.m. is noon
    ("[13.03.25, 21:14:05] Dara: hi", datetime(2025, 3, 13, 21, 14, 5)),
    ("2025-03-13 21:14 - Dara: hi", datetime(2025, 3, 13, 21, 14)),
    ("13/03/2025 21:14 - Dara: hi", datetime(2025, 3, 13, 21, 14)),           # no comma
    ("\u200e[13/03/2025, 21:14:05] Dara: hi", datetime(2025, 3, 13, 21, 14, 5)),
    ("១៣/០៣/២០២៥, ២១:១៤ - Dara: hi", datetime(2025, 3, 13, 21, 14)),           # Khmer digits
    ("13/03/2025, 9:14 ល្ងាច - Dara: hi", datetime(2025, 3, 13, 21, 14)),       # Khmer "evening"
])
def test_stamps(line: str, when: datetime) -> None:
    m = one(line)
    assert (m.sender, m.text) == ("Dara", "hi")
    assert m.time == when.replace(tzinfo=PP)
    assert m.time is not None and m.time.utcoffset() == timedelta(hours=7)


def test_tz_argument() -> None:
    from zoneinfo import ZoneInfo

    m = whatsapp.parse("13/03/2025, 21:14 - Dara: hi", tz=ZoneInfo("UTC")).messages[0]
    assert m.time is not None and m.time.utcoffset() == timedelta(0)


@pytest.mark.parametrize(("lines", "month_of_first"), [
    (["01/02/2025, 10:00 - A: x", "03/02/2025, 10:00 - A: y", "13/02/2025, 10:00 - A: z"], 2),  # day > 12
    (["01/02/2025, 10:00 - A: x", "02/13/2025, 10:00 - A: y"], 1),                              # month-first
    (["01/02/2025, 10:00 - A: x", "03/02/2025, 10:00 - A: y", "02/03/2025, 10:00 - A: z"], 2),  # time order
    (["01/02/2025, 10:00 - A: x", "01/03/2025, 10:00 - A: y", "02/01/2025, 10:00 - A: z"], 1),  # ... mdy
    (["05/06/2025, 10:00 - A: x"], 6),                                                          # default: dmy
    (["5/6/25, 10:00 AM - A: x"], 5),                                                           # US default
])
def test_date_order_from_whole_file(lines: list[str], month_of_first: int) -> None:
    m = whatsapp.parse("\n".join(lines)).messages[0]
    assert m.time is not None and m.time.month == month_of_first


def test_day_first_decided_late_in_a_stream() -> None:
    """The first 500 stamps are ambiguous; a 13th day later decides, and the first message is right."""
    lines = [f"0{1 + i // 100}/02/2025, 10:{i % 60:02d} - A: m{i}" for i in range(500)]
    lines += ["13/02/2025, 10:00 - A: late"]
    items = list(whatsapp.iter_items(iter(lines)))
    assert items[0].time == datetime(2025, 2, 1, 10, 0, tzinfo=PP)
    assert [m.index for m in items if isinstance(m, Message)] == list(range(501))


def test_contradicting_dates_are_one_clear_error() -> None:
    with pytest.raises(MalformedExport) as e:
        whatsapp.parse("13/01/2025, 10:00 - A: x\n01/13/2025, 10:00 - A: y")
    assert e.value.where == "line 2"


def test_system_lines_deleted_and_media() -> None:
    text = "\n".join([
        "12/03/2025, 21:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        "12/03/2025, 21:01 - Dara created group \"Class 7B\"",
        "12/03/2025, 21:01 - Dara added Sokha",
        "12/03/2025, 21:02 - Dara: hello",
        "12/03/2025, 21:03 - Sokha: This message was deleted",
        "12/03/2025, 21:04 - Dara: You deleted this message",
        "12/03/2025, 21:05 - Dara: <Media omitted>",
        "12/03/2025, 21:06 - Dara: IMG-20250312-WA0001.jpg (file attached)",
        "look at this",
        "12/03/2025, 21:07 - \u202a+855 12 345 678\u202c: who is this?",
    ])
    conv = whatsapp.parse(text)
    assert [(m.index, m.sender, m.text, m.attachments) for m in conv.messages] == [
        (0, "Dara", "hello", ()),
        (1, "Dara", "", ("media",)),
        (2, "Dara", "look at this", ("IMG-20250312-WA0001.jpg",)),
        (3, "+855 12 345 678", "who is this?", ()),
    ]
    assert [(e.kind, e.after) for e in conv.events] == [
        ("encryption", 0), ("group", 0), ("membership", 0), ("deleted", 1), ("deleted", 1),
    ]


def test_ios_marks_and_omitted_media() -> None:
    text = "\n".join([
        "[12/03/2025, 21:00:00] Dara: \u200eMessages and calls are end-to-end encrypted. No one outside of this "
        "chat, not even WhatsApp, can read or listen to them.",
        "[12/03/2025, 21:01:00] Dara: hi",
        "\u200e[12/03/2025, 21:02:00] Dara: \u200eimage omitted",
        "\u200e[12/03/2025, 21:03:00] Dara: \u200e<attached: 00000012-PHOTO-2025-03-12-21-03-00.jpg>",
        "\u200e[12/03/2025, 21:04:00] Sokha: \u200eThis message was deleted.",
        "\u200e[12/03/2025, 21:05:00] Sokha: \u200eMissed voice call",
    ])
    conv = whatsapp.parse(text)
    assert [(m.text, m.attachments) for m in conv.messages] == [
        ("hi", ()), ("", ("image",)), ("", ("00000012-PHOTO-2025-03-12-21-03-00.jpg",)),
    ]
    assert [e.kind for e in conv.events] == ["encryption", "deleted", "call"]
    assert all("\u200e" not in m.text and "\u200e" not in m.sender for m in conv.messages)


def test_multiline_keeps_blank_lines_and_colons() -> None:
    m = one("12/03/2025, 21:14 - Dara: one\n\nthree: with colon\n  indented")
    assert m.text == "one\n\nthree: with colon\n  indented"


def test_streaming_matches_whole_parse() -> None:
    data = synthetic.render("whatsapp", [("A", datetime(2025, 3, 12, 9, i), f"m{i}\nmore") for i in range(50)])
    text = data.decode()
    streamed = list(whatsapp.iter_items(io.StringIO(text)))
    whole = whatsapp.parse(text)
    assert [x for x in streamed if isinstance(x, Message)] == list(whole.messages)
    assert [x for x in streamed if isinstance(x, Event)] == list(whole.events)


def test_pasted_whatsapp_is_recognised() -> None:
    conv = parse_text("[12/03/2025, 21:14:05] Dara: are you home alone?\n[12/03/2025, 21:15:00] Sokha: yes")
    assert conv.format == "whatsapp" and len(conv.messages) == 2


def test_not_whatsapp() -> None:
    with pytest.raises(UnsupportedFormat):
        whatsapp.parse("Dara: hello\nSokha: hi")


def test_streams_with_bounded_lookahead() -> None:
    """iter_items yields before the input ends: it holds back at most 20,000 lines to settle the date order."""
    t0 = datetime(2025, 1, 1, tzinfo=PP)
    data = synthetic.render("whatsapp", [(("A", "B")[i % 2], t0 + timedelta(seconds=37 * i), "bong mean te ?")
                                         for i in range(30_000)]).decode()
    consumed = 0

    def lines():
        nonlocal consumed
        for line in io.StringIO(data):
            consumed += 1
            yield line

    items = whatsapp.iter_items(lines())
    next(items)
    assert consumed <= 20_002
    assert sum(1 for _ in items) == 30_000  # the encryption notice came first; every message follows


# --- property-based ---------------------------------------------------------------------------------------

_NAME_CHARS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ ._-'+0123456789")
                              + list("សុខដារ៉ាបងអូនស្រី"))
_TEXT_CHARS = st.sampled_from(list("abcxyz ABC:;,.!?/-+()[]'\"0123456789\n\t") + list("សួស្តីបង០១២៣៤៥៦៧៨៩ជួប")
                              + ["😀", "é"])
names = st.text(_NAME_CHARS, min_size=1, max_size=25).map(str.strip).filter(lambda s: bool(s) and not s[0].isdigit())
texts = st.text(_TEXT_CHARS, max_size=80).filter(
    lambda t: t.strip() == t and all(whatsapp.choose_format([ln]) is None for ln in t.split("\n")[1:]))


@pytest.mark.parametrize("variant", synthetic.VARIANTS["whatsapp"])
def test_sender_opening_with_a_dash(variant: str) -> None:
    """An iOS stamp then "- a: " also fits the dashed iOS row: the file is still read as iOS, since the
    dashed reading would join the other stamps' messages to the one before (lost). Android alike."""
    start = datetime(2001, 1, 13, tzinfo=PP)
    items = [("A", start, "hi"), ("- a", start, ""), ("B", start, "- b: no sender")]
    data = synthetic.render("whatsapp", items, variant=variant)
    conv = whatsapp.parse(data)
    assert [(m.sender, m.text) for m in conv.messages] == [("A", "hi"), ("- a", ""), ("B", "- b: no sender")]
    streamed = [x for x in whatsapp.iter_items(io.StringIO(data.decode())) if isinstance(x, Message)]
    assert streamed == list(conv.messages)
    assert whatsapp.choose_format(data.decode().split("\n")).name == variant.split("-")[0]


def test_dashed_ios_export_stays_dashed() -> None:
    """Every stamp with the dash (a sender "- x" among them): the dashed row, as before; one dashed stamp
    among plain ones, or one without the space before the dash, does not make a plain iOS file dashed."""
    dashed = "\n".join([
        "[12/03/2025, 21:14:05] - Dara: \u200eMessages and calls are end-to-end encrypted.",
        "[12/03/2025, 21:14:06] - Dara: hi",
        "[12/03/2025, 21:14:07] - - a: who?",
        "[12/03/2025, 21:14:08] – Sokha: en dash",
    ])
    assert whatsapp.choose_format(dashed.split("\n")).name == "ios-dash"
    assert [(m.sender, m.text) for m in whatsapp.parse(dashed).messages] == [
        ("Dara", "hi"), ("- a", "who?"), ("Sokha", "en dash"),
    ]
    no_space = "[12/03/2025, 21:14:05]- Dara: hi\n[12/03/2025, 21:14:06]- Sokha: yes"
    assert whatsapp.choose_format(no_space.split("\n")).name == "ios-dash"
    plain = "[12/03/2025, 21:14:05] - a: hi\n[12/03/2025, 21:14:06] Sokha: yes"
    assert whatsapp.choose_format(plain.split("\n")).name == "ios"
    assert whatsapp.looks_like(plain.split("\n"), need=2)
    assert [(m.sender, m.text) for m in whatsapp.parse(plain).messages] == [("- a", "hi"), ("Sokha", "yes")]


def test_real_android_export_still_parses() -> None:
    """An Android export as phones write it, senders opening "- " among them: every message, as before."""
    text = "\n".join([
        "12/03/2025, 21:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
        "WhatsApp, can read or listen to them. Tap to learn more.",
        "12/03/2025, 21:01 - Dara: [12/03/2025, 21:01:00] pasted: from an iPhone",
        "12/03/2025, 21:02 - - a: dash",
        "12/03/2025, 21:03 - Sokha: <Media omitted>",
        "[13/03/2025, 21:04:00] - b: a line of the message above",
    ])
    assert whatsapp.choose_format(text.split("\n")).name == "android"
    conv = whatsapp.parse(text)
    assert [(m.index, m.sender, m.text, m.attachments) for m in conv.messages] == [
        (0, "Dara", "[12/03/2025, 21:01:00] pasted: from an iPhone", ()),
        (1, "- a", "dash", ()),
        (2, "Sokha", "<Media omitted>\n[13/03/2025, 21:04:00] - b: a line of the message above", ()),
    ]
    assert [e.kind for e in conv.events] == ["encryption"]


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(names, st.integers(0, 10**8), texts), min_size=1, max_size=12),
    variant=st.sampled_from(synthetic.VARIANTS["whatsapp"]),
)
def test_round_trip_property(rows: list[tuple[str, int, str]], variant: str) -> None:
    # A first message on day 13 makes the file itself say which date order it uses (a file whose dates
    # are all ambiguous, like 01.12.01, cannot say, and the parser then has to guess).
    start = datetime(2001, 1, 13, tzinfo=PP)
    seconds = sorted(r[1] for r in rows)
    items = [("A", start, "hi")] + [
        (s, start + timedelta(seconds=sec), x) for (s, _, x), sec in zip(rows, seconds, strict=True)
    ]
    conv = whatsapp.parse(synthetic.render("whatsapp", items, variant=variant))
    assert_same(conv, items, "whatsapp", variant)


def test_older_ios_notice_documents_and_bom() -> None:
    text = "\n".join([
        "\ufeff[12/03/2025, 21:00:00] Dara: Messages to this chat and calls are now secured with end-to-end "
        "encryption.",
        "\u200e[12/03/2025, 21:01:00] Dara: Report.pdf • \u200e3 pages \u200edocument omitted",
        "[12/03/2025, 21:02:00] Dara: I omitted nothing",
    ])
    streamed = list(whatsapp.iter_items(io.StringIO(text)))
    assert [type(x).__name__ for x in streamed] == ["Event", "Message", "Message"]
    conv = whatsapp.parse(text)
    assert [(m.text, m.attachments) for m in conv.messages] == [("", ("document",)), ("I omitted nothing", ())]
    assert [e.kind for e in conv.events] == ["encryption"]
