"""`analyze` end to end: the JSON shape of the issue, findings citing original words, streaming."""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator

import pytest

from hotline.detect import analyze, analyze_items
from hotline.detect.model import SIGNALS, Event, Message
from tests.detect.test_risk import HARMFUL, conversation

MIXED = [
    ("Dara", "សួស្ដី អូនស្អាតណាស់"), ("Sokha", "hi"), ("Dara", "អូនអាយុប៉ុន្មាន?"), ("Sokha", "១៣ឆ្នាំ"),
    ("Dara", "call me 012 345 678"), ("Dara", "កុំ\u200bប្រាប់ម៉ាក់ប៉ាណា"), ("Dara", "send me a pic without clothes"),
    ("Dara", "ជួបគ្នាថ្ងៃសៅរ៍ បងទៅយកអូន"),
]


def test_json_shape_of_the_issue() -> None:
    d = json.loads(json.dumps(analyze(conversation(MIXED, fmt="whatsapp")).to_dict(), ensure_ascii=False))
    assert {"format", "languages", "message_count", "risk", "first_alert_index", "signals", "participants",
            "stages", "findings", "personal_info"} <= set(d)
    assert d["format"] == "whatsapp" and d["message_count"] == len(MIXED)
    assert set(d["signals"]) == set(SIGNALS) and all(isinstance(v, bool) for v in d["signals"].values())
    assert d["risk"] in ("high", "critical")
    assert set(d["languages"]) >= {"km", "en"}
    assert {"name", "role", "messages"} <= set(d["participants"][0])
    roles = {p["name"]: p["role"] for p in d["participants"]}
    assert roles == {"Dara": "suspected_offender", "Sokha": "possible_victim"}
    assert all({"stage", "first_index"} <= set(s) for s in d["stages"])
    for f in d["findings"]:
        assert {"index", "sender", "signal", "rule", "excerpt"} <= set(f)
        original = MIXED[f["index"]][1]
        assert original[f["start"]:f["end"]] in original and f["start"] < f["end"]
    secrecy = [f for f in d["findings"] if f["signal"] == "secrecy"]
    assert secrecy and secrecy[0]["rule"].startswith("km.secrecy.") and secrecy[0]["index"] == 5


def test_personal_info_cites_message_and_sender() -> None:
    pytest.importorskip("hotline.detect.signals.personal_info")
    a = analyze(conversation(MIXED))
    phones = [p for p in a.personal_info if p.type == "phone"]
    assert phones and phones[0].index == 4 and phones[0].sender == "Dara"
    assert MIXED[4][1][phones[0].start:phones[0].end] == phones[0].value
    assert a.signals["personal_info"]


def test_events_are_not_messages() -> None:
    items: list[Message | Event] = [Event("system", "Messages are end-to-end encrypted"), Message(0, "A", "hi"),
                                    Event("deleted", "This message was deleted", after=1), Message(1, "B", "hello")]
    a = analyze_items("whatsapp", items)
    assert a.message_count == 2 and a.risk == "none" and a.findings == []


def test_every_message_index_cited_exists() -> None:
    lines = HARMFUL["en_grooming"]
    a = analyze(conversation(lines))
    assert all(0 <= f.index < len(lines) and f.sender == lines[f.index][0] for f in a.findings)
    assert a.explanation and a.explanation[0].startswith("Risk:")


def _stream(n: int) -> Iterator[Message]:
    small_talk = ["ok", "where r u", "ញ៉ាំបាយនៅ?", "see you tomorrow", "lol", "bong jam bontech"]
    for i in range(n):
        yield Message(i, "A" if i % 2 else "B", small_talk[i % len(small_talk)])
    yield Message(n, "A", "don't tell your parents about us")


def test_streaming_memory_does_not_grow_with_length() -> None:
    analyze_items("whatsapp", _stream(1000))  # warm caches
    peaks = []
    for n in (5_000, 20_000):
        tracemalloc.start()
        a = analyze_items("whatsapp", _stream(n), personal_info=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert a.message_count == n + 1 and a.signals["secrecy"]
    assert peaks[1] < peaks[0] * 2 + 200_000


def test_first_alert_is_the_message_that_warrants_it_even_when_its_finding_was_held() -> None:
    """Secrecy cues are held a few messages (a "surprise party" may follow); the alert still cites the
    secrecy message itself, not the later message that happened to be analysed first."""
    lines = [
        ("Dara", "hi oun, you look so mature for your age"),
        ("Sokha", "thanks bong"),
        ("Dara", "how old are you? are you home alone?"),
        ("Sokha", "14, yes"),
        ("Dara", "don't tell your parents about me ok, delete our chat"),
        ("Dara", "send me a photo without clothes"),
    ]
    a = analyze(conversation(lines))
    assert a.risk in ("high", "critical")
    assert a.first_alert_index == 4
    # Without the secrecy message the first alert can only come with the photo request.
    b = analyze(conversation([line for i, line in enumerate(lines) if i != 4]))
    assert b.first_alert_index == 4  # the photo request, now at index 4
    assert b.findings[-1].index == 4 and b.findings[-1].signal in ("sexting", "grooming")
