"""Recall of the English rules on real groomer chats (Perverted-Justice logs, positives only).

The data lives outside the repository (../shared/data, see its README) and is never copied in; the test
skips when it is absent. Whole conversations are rebuilt from their chunks per offender; no message text
is printed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from hotline.detect import analyze
from hotline.detect.model import RISK_LEVELS, Analysis, Conversation, Message

RANK = {level: i for i, level in enumerate(RISK_LEVELS)}


@pytest.fixture(scope="module")
def conversations(shared_data: Path) -> list[Conversation]:
    path = shared_data / "groomer-chats" / "PJ_positive_conversations.json"
    if not path.is_file():
        pytest.skip(f"groomer chats not found at {path}")
    chunks = json.loads(path.read_text(encoding="utf-8"))["conversation"]
    by_offender: dict[int, list[dict[str, str]]] = defaultdict(list)
    for chunk in sorted(chunks, key=lambda c: (c["predator_idx"], c["chunk_idx"])):
        by_offender[chunk["predator_idx"]].extend(chunk["messages"])
    return [
        Conversation("plain", [Message(i, m["role"], m.get("text") or "") for i, m in enumerate(msgs)])
        for msgs in by_offender.values()
    ]


@pytest.fixture(scope="module")
def analyses(conversations: list[Conversation]) -> list[Analysis]:
    return [analyze(c) for c in conversations]


def test_grooming_recall_on_whole_conversations(analyses: list[Analysis]) -> None:
    grooming = sum(a.signals["grooming"] for a in analyses)
    alerted = sum(RANK[a.risk] >= RANK["high"] for a in analyses)
    assert grooming / len(analyses) >= 0.8
    assert alerted / len(analyses) >= 0.85


def test_the_groomer_is_named_more_often_than_the_decoy(analyses: list[Analysis]) -> None:
    named = [[p.name for p in a.participants if p.role == "suspected_offender"] for a in analyses]
    assert sum(n == ["predator"] for n in named) >= 0.7 * len(named)
