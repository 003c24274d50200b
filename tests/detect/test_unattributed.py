"""Text without speaker names (pasted from a phone screen): no sender is made up, the risk reads windows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.cli import main
from hotline.cli.analyze import render_report
from hotline.detect import analyze, chats
from hotline.detect.model import Finding
from hotline.detect.risk import WINDOW, RiskTracker

# The example, pasted without "Name:" lines (kept minimally explicit). Its first words once
# became a sender called "from hi hey".
PASTED = """hi hey
from work soon. so pizza and films at yours tonight?
yes!! my mum is out till late
ok I bring the pizza. which film
the scary one
I'll hold you through the scary bits, only the hall light on
haha ok
and I'll bring condoms ok?
ok
see you at 8"""


def test_pasted_chat_without_names_names_nobody() -> None:
    conv = chats.parse_text(PASTED)
    assert conv.format == "plain" and not conv.attributed
    assert [m.text for m in conv.messages] == PASTED.split("\n")
    assert all(m.sender is None for m in conv.messages) and conv.participants == []
    a = analyze(conv)
    assert a.participants == [] and all(f.sender is None for f in a.findings)
    d = a.to_dict()
    json.dumps(d)
    assert d["participants"] == [] and all(f["sender"] is None for f in d["findings"])
    report = render_report(a, "pasted")
    assert "from hi hey" not in report and "None" not in report
    assert "not named" in report


def test_one_colon_line_in_a_paste_is_no_speaker() -> None:
    conv = chats.parse_text("hey so what time: 8?\nok see you\nbring the charger")
    assert all(m.sender is None for m in conv.messages) and len(conv.messages) == 3
    conv = chats.parse_text("the plan: pizza at mine\nok\nsure")
    assert conv.participants == []


def test_named_chats_stay_attributed() -> None:
    conv = chats.parse_text("Dara: hi\nhow are you\nSokha: good\nDara: ok: see you at 21:14")
    assert [(m.sender, m.text) for m in conv.messages] == [
        ("Dara", "hi\nhow are you"), ("Sokha", "good"), ("Dara", "ok: see you at 21:14")]
    assert chats.parse_text("Dara: hi").messages[0].sender == "Dara"


def test_text_in_paragraphs_is_one_message_per_paragraph() -> None:
    text = "Hello,\nI have a video of you.\n\nIf you do not pay\nit goes to your friends.\n\nYou have two days."
    conv = chats.parse_text(text)
    assert [m.text for m in conv.messages] == [
        "Hello,\nI have a video of you.", "If you do not pay\nit goes to your friends.", "You have two days."]
    assert all(m.sender is None for m in conv.messages)


def test_clock_lines_from_a_screen_are_not_messages() -> None:
    conv = chats.parse_text("10:42\nhi\n9:15 PM\nhello\nToday")
    assert [m.text for m in conv.messages] == ["hi", "hello"]


def _sextortion(index: int, part: str) -> Finding:
    return Finding(index, None, "sextortion", f"en.sextortion.{part}", "", 0.8, "exploitation", part=part)


def test_unattributed_sextortion_is_found_within_a_window_and_names_nobody() -> None:
    t = RiskTracker()
    t.add([_sextortion(3, "claim")])
    t.add([_sextortion(5, "threat")])
    t.add([_sextortion(8, "demand")])
    r = t.result()
    assert r.signals["sextortion"] and r.risk == "critical" and r.first_alert_index == 5
    assert r.offender is None and r.victim is None and r.participants == []
    assert any("names no senders" in line and "3-8" in line for line in r.explanation)


def test_unattributed_cues_far_apart_do_not_combine() -> None:
    t = RiskTracker()
    t.add([_sextortion(0, "claim")])
    t.add([_sextortion(WINDOW + 5, "demand")])
    assert not t.result().signals["sextortion"]
    # Near each other across a window's edge they do (windows overlap by half).
    t = RiskTracker()
    t.add([_sextortion(WINDOW - 2, "claim")])
    t.add([_sextortion(WINDOW + 3, "demand")])
    assert t.result().signals["sextortion"]


def test_named_senders_keep_their_own_evidence_beside_unattributed_lines() -> None:
    t = RiskTracker()
    t.add([_sextortion(1, "claim")])
    t.add([Finding(2, "A", "sextortion", "en.sextortion.money_demand", "", 0.8, "exploitation", part="demand")])
    r = t.result()
    assert not r.signals["sextortion"]  # an unattributed claim and A's demand are not one party's


_WORDS = st.sampled_from([
    "hi", "hey", "from", "ok", "so", "send", "photo", "alone", "pay", "video", "delete", "tonight", "my",
    "mum", "home", "school", "sexy", "meet", "come", "bring", "pizza", "film", "Dara", "Bong", "អូន",
    "ផ្ញើរូប", "nov", "pteas", "mneak", "eng", "12", "8pm", "https://x.example/a",
])
_LINE = st.lists(_WORDS, min_size=1, max_size=8).map(" ".join)


@st.composite
def _pasted(draw: st.DrawFn) -> str:
    """Lines with no speaker names, at most one of them with a "label: text" colon in it."""
    lines = draw(st.lists(_LINE, min_size=2, max_size=25))
    if draw(st.booleans()):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = f"{lines[i]}: {draw(_LINE)}"
    return "\n".join(lines)


@settings(max_examples=60, deadline=None)
@given(_pasted())
def test_unattributed_text_never_yields_a_name_from_its_words(text: str) -> None:
    conv = chats.parse_text(text)
    a = analyze(conv)
    names = {p.name for p in a.participants} | set(conv.participants)
    names |= {f.sender for f in a.findings if f.sender is not None}
    names |= {d.sender for d in a.personal_info if d.sender is not None}
    for name in names:
        assert not any(line.startswith(name) for line in text.split("\n")), name
    assert all(m.sender is None for m in conv.messages)


def test_a_file_named_plain_text_is_read_without_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pasted.txt"
    path.write_text(PASTED, encoding="utf-8")
    with pytest.raises(chats.UnsupportedFormat):  # detection alone does not take prose for a chat
        chats.load(path)
    conv = chats.load(path, format="plain")
    assert len(conv.messages) == len(PASTED.split("\n")) and not conv.attributed
    assert main(["analyze", str(path), "--format", "plain"]) == 0
    out = capsys.readouterr().out
    assert "People: not named" in out and "from hi hey" not in out
