"""Labelled conversations (`hotline.detect.labels`): written without personal details, read back with
clear errors, and scored with the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.detect.analysis import analyze
from hotline.detect.chats import parse
from hotline.detect.errors import InputError
from hotline.detect.labels import (
    FORMAT,
    VERSION,
    Mark,
    labelled_conversation,
    pseudonyms,
    read_labels,
    redact,
    score,
    write_jsonl,
)
from hotline.detect.model import Conversation, Message

CHAT = b"""01/03/2024, 20:01 - Sokha Chan: hi Dara, you are so mature for your age
01/03/2024, 20:02 - Dara Keo: thanks
01/03/2024, 20:03 - Sokha Chan: how old are you? are you alone at home?
01/03/2024, 20:04 - Dara Keo: I am 13. yes
01/03/2024, 20:05 - Sokha Chan: this is our secret, don't tell your parents. call me on 012 345 678 or write to sokha.chan@example.com
01/03/2024, 20:06 - Dara Keo: ok see https://facebook.com/dara.keo.77
"""

PERSONAL = ("Sokha", "Chan", "Dara", "Keo", "012 345 678", "sokha.chan@example.com", "dara.keo.77")


@pytest.fixture(scope="module")
def chat() -> tuple[Conversation, dict[str, object]]:
    conversation = parse(CHAT, "chat.txt")
    return conversation, analyze(conversation).to_dict()


def _position(analysis: dict[str, object], signal: str, rule_part: str) -> int:
    findings = analysis["findings"]
    assert isinstance(findings, list)
    return next(i for i, f in enumerate(findings) if f["signal"] == signal and rule_part in f["rule"])


def test_a_labelled_conversation_has_no_personal_details(chat: tuple[Conversation, dict[str, object]]) -> None:
    conversation, analysis = chat
    mature = _position(analysis, "grooming", "mature")
    secret = _position(analysis, "secrecy", "")
    record = labelled_conversation("L1", conversation.messages, analysis, analyst_risk="high",
                                   marks=[Mark(mature, True), Mark(secret, False)])
    text = json.dumps(record, ensure_ascii=False)
    for detail in PERSONAL:
        assert detail.lower() not in text.lower(), detail
    assert record["format"] == FORMAT and record["version"] == VERSION and record["language"] == "en"
    assert [m["sender"] for m in record["messages"]][:2] == ["suspected_offender", "possible_victim"]
    assert record["messages"][0]["text"] == "hi [name], you are so mature for your age"
    assert "[phone]" in record["messages"][4]["text"] and "[email]" in record["messages"][4]["text"]
    assert "I am 13" in record["messages"][3]["text"]  # an age identifies nobody: kept
    assert record["risk"] == {"engine": analysis["risk"], "analyst": "high"}
    assert [(f["signal"], f["correct"]) for f in record["findings"]] == [("grooming", True), ("secrecy", False)]


def test_pseudonyms_number_a_second_participant_of_a_role() -> None:
    names = pseudonyms([{"name": "A", "role": "participant"}, {"name": "B", "role": "participant"},
                        {"name": "C", "role": "suspected_offender"}, {"name": "D", "role": "made-up"}])
    assert names == {"A": "participant", "B": "participant_2", "C": "suspected_offender", "D": "participant_3"}


def test_redact_keeps_text_without_details() -> None:
    assert redact("see you at the park", names=None) == "see you at the park"
    assert redact("mail me: x.y@example.org now", names=None) == "mail me: [email] now"


def test_write_read_and_score_with_the_engine(chat: tuple[Conversation, dict[str, object]], tmp_path: Path) -> None:
    conversation, analysis = chat
    mature = _position(analysis, "grooming", "mature")
    secret = _position(analysis, "secrecy", "")
    benign = Conversation("whatsapp", [Message(0, "Ann", "see you at football practice"), Message(1, "Bo", "ok")])
    records = [
        labelled_conversation("L1", conversation.messages, analysis, analyst_risk="high",
                              marks=[Mark(mature, True), Mark(secret, False)]),
        labelled_conversation("L2", benign.messages, analyze(benign).to_dict(), analyst_risk="none", marks=[]),
    ]
    path = tmp_path / "labels.jsonl"
    assert write_jsonl(records, path) == 2
    read = read_labels(path)
    assert [r.id for r in read] == ["L1", "L2"]
    assert read[0].conversation.messages[0].sender == "suspected_offender"
    report = score(read).to_dict()
    en = report["languages"]["en"]
    assert report["languages"]["all"]["conversations"] == 2 and en["conversations"] == 2
    grooming, secrecy = en["signals"]["grooming"], en["signals"]["secrecy"]
    assert grooming["marked_right"] == 1 and grooming["tp"] == 1 and grooming["precision"] == 1.0
    assert secrecy["marked_wrong"] == 1 and secrecy["fp"] == 1 and secrecy["precision"] == 0.0
    assert grooming["unmarked"] >= 1  # the other grooming findings were not marked
    risk = en["risk"]
    assert risk["marked"] == 2 and risk["agree"] == (analyze(benign).risk == "none") + (
        analyze(read[0].conversation).risk == "high")


@pytest.mark.parametrize(("line", "where"), [
    ("not json", "line 1"),
    ('{"format": "other", "version": 1}', "not a hotline-labels line"),
    ('{"format": "hotline-labels", "version": 2, "messages": []}', "version 2"),
    ('{"format": "hotline-labels", "version": 1, "messages": []}', "non-empty"),
    ('{"format": "hotline-labels", "version": 1, "messages": [{"index": 1, "sender": null, "text": "x"}]}',
     "count from 0"),
    ('{"format": "hotline-labels", "version": 1, "messages": [{"index": 0, "sender": null, "text": "x"}],'
     ' "risk": {"analyst": "huge"}}', "'risk'"),
    ('{"format": "hotline-labels", "version": 1, "messages": [{"index": 0, "sender": null, "text": "x"}],'
     ' "findings": [{"index": 5, "signal": "grooming", "correct": true}]}', "findings[0]"),
])
def test_bad_files_say_which_line_and_what(tmp_path: Path, line: str, where: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_labels(path)
    assert where in str(caught.value) and "line 1" in str(caught.value)


def test_an_empty_or_missing_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    for name in ("empty.jsonl", "missing.jsonl"):
        with pytest.raises(InputError):
            read_labels(tmp_path / name)


def test_an_unwritable_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot write"):
        write_jsonl([{"a": 1}], tmp_path / "no-such-folder" / "labels.jsonl")
