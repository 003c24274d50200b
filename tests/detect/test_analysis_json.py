"""`Analysis.to_json` writes exactly what `json.dumps(to_dict())` writes, for findings of every shape, and
`Analysis.json_parts` the same text in parts."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from hotline.detect import analyze
from hotline.detect.chats import load
from hotline.detect.model import JSON_BATCH, Analysis, Finding, Participant, PersonalDetail, StageReached

EVAL_CHATS = Path(__file__).resolve().parents[2] / "eval" / "chats"


def analysis(findings: list[Finding]) -> Analysis:
    return Analysis(
        format="whatsapp", message_count=9, risk="high", first_alert_index=3,
        signals={"grooming": True, "sexting": False}, participants=[Participant("Dara \"D\"", "participant", 4)],
        stages=[StageReached("trust", 0)], findings=findings,
        personal_info=[PersonalDetail("phone", "012 345 678", 3, 14, "012345678", "phone.kh", 2, "Dara")],
        languages=["en", "km"], score=1.23456, explanation=["Risk: high."], scores={"grooming": 0.5},
    )


def finding(**kw: Any) -> Finding:
    base: dict[str, Any] = {"index": 0, "sender": "A", "signal": "secrecy", "rule": "en.secrecy.dont_tell",
                            "excerpt": "don't tell", "weight": 0.6}
    return Finding(**{**base, **kw})


SHAPES = [
    finding(),
    finding(index=1, sender=None, excerpt="quote \" back\\slash \n tab\t bell\x07"),
    finding(index=2, stage="isolation", start=0, end=10),
    finding(index=3, stage="", start=4, end=None),  # an empty stage is left out, an end of None is null
    finding(index=4, sender="ដារ៉ា 😘", excerpt="កុំប្រាប់ម៉ាក់ \u2028 \ud800", part="claim",
            tags=("isolating", "relationship_secrecy"), adjusted="benign_context_nearby"),
    finding(index=5, weight=1, stage="trust"),  # an int weight is written 1, not 1.0
    finding(index=6, weight=1.0, stage="trust"),
    finding(index=7, weight=-0.0, start=1, end=2),
    finding(index=8, weight=float("nan"), part="demand", tags=("child_question",)),
    finding(index=9, signal="sextortion", rule="model.grooming", weight=0.987, tags=(), adjusted=""),
    finding(index=10, start=1023, end=1024),  # a span's ends past the numbers written out once, and below 0
    finding(index=11, start=19_999, end=20_000),
    finding(index=12, start=-3, end=-1),
]


@pytest.mark.parametrize("head", [None, {"file": "chat \"1\".txt"}, {"file": "x", "risk": "overridden first"}])
def test_to_json_is_json_dumps_of_to_dict(head: dict[str, Any] | None) -> None:
    a = analysis(SHAPES * 2)
    assert a.to_json(head) == json.dumps({**(head or {}), **a.to_dict()}, ensure_ascii=False)


@pytest.mark.parametrize("count", [0, 1, JSON_BATCH, JSON_BATCH + 1, 3 * JSON_BATCH - 1])
@pytest.mark.parametrize("head", [None, {"file": "chat \"1\".txt"}])
def test_json_parts_join_to_the_json(count: int, head: dict[str, Any] | None) -> None:
    a = analysis([SHAPES[i % len(SHAPES)] for i in range(count)])
    parts = list(a.json_parts(head))
    assert "".join(parts) == a.to_json(head) == json.dumps({**(head or {}), **a.to_dict()}, ensure_ascii=False)
    runs = [json.loads(f"[{run}]") for run in parts[1:-1:2]]  # the ends, and runs of findings with ", " between
    assert parts[2:-1:2] == [", "] * (len(runs) - 1)
    assert sum(map(len, runs)) == count and all(0 < len(run) <= JSON_BATCH for run in runs)
    for run in runs:  # a run's findings are all written in ASCII, or none is
        assert len({json.dumps(f, ensure_ascii=False).isascii() for f in run}) == 1
    ascii_only = analysis([f for f in SHAPES if json.dumps(f.to_dict(), ensure_ascii=False).isascii()] * count)
    assert len(list(ascii_only.json_parts(head))) == 2 + max(0, 2 * -(-len(ascii_only.findings) // JSON_BATCH) - 1)


def test_every_finding_is_written_with_its_own_values() -> None:
    # the same rule in several messages: pieces are shared, index, sender, excerpt and span are not
    findings = [finding(index=i, sender=s, excerpt=f"cue {i}", start=i, end=i + 3)
                for i, s in enumerate(["A", None, "B", "A"])]
    written = json.loads(analysis(findings).to_json())["findings"]
    assert written == [f.to_dict() for f in findings]


def test_one_rule_in_shapes_following_each_other_in_any_order() -> None:
    # pieces are reused from the rule's last finding when the shape is the same: any order, same text
    rng = random.Random(7)
    extra = [finding(index=i, stage=rng.choice([None, "trust", "isolation"]), start=rng.choice([None, 2]), end=5,
                     part=rng.choice([None, "claim"]), tags=rng.choice([(), ("isolating",)]),
                     adjusted=rng.choice([None, "discussion_nearby"]), weight=rng.choice([0.6, 0.5, 1]))
             for i in range(60)]
    for _ in range(20):
        findings = [*SHAPES, *extra]
        rng.shuffle(findings)
        a = analysis(findings)
        assert a.to_json() == json.dumps(a.to_dict(), ensure_ascii=False)


def test_no_findings() -> None:
    a = analysis([])
    assert a.to_json({"file": "f"}) == json.dumps({"file": "f", **a.to_dict()}, ensure_ascii=False)


@pytest.mark.skipif(not EVAL_CHATS.is_dir(), reason="eval/chats is not in this checkout")
def test_real_chats() -> None:
    chats = sorted(p for p in EVAL_CHATS.iterdir() if p.suffix == ".txt")[:40]
    assert chats
    for path in chats:
        a = analyze(load(path, unnamed_text=True))
        head = {"file": str(path)}
        assert a.to_json(head) == json.dumps({**head, **a.to_dict()}, ensure_ascii=False), path


def test_excerpts_written_as_they_are_or_escaped_are_json_dumps() -> None:
    """An excerpt with nothing JSON escapes is written as it is; every other one as `json.dumps` writes it."""
    rng = random.Random(8)
    pool = ["a", " ", "ក", "😘", "\"", "\\", "/", "\n", "\t", "\x00", "\x1f", "\x7f", "\x85", "\xa0", "\u2028",
            "\ud800", "\u200b", "'", "…"]
    findings = [finding(index=i, excerpt="".join(rng.choice(pool) for _ in range(rng.randint(0, 6))), start=i, end=i)
                for i in range(3000)]
    a = analysis(findings)
    assert a.to_json() == json.dumps(a.to_dict(), ensure_ascii=False)
