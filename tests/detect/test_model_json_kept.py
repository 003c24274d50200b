"""The JSON writer's pieces kept from chat to chat, and its encoder made once, write what `json.dumps` writes.

`model._inner` calls the C encoder `json.dumps(..., ensure_ascii=False)` makes (made once, not per call);
`model._PIECES` keeps each finding shape's pieces for the next chats. Checked on values of every JSON kind
and on findings whose shapes come back in later analyses with other values.
"""

from __future__ import annotations

import json
import random
from typing import Any

from hotline.detect import model
from hotline.detect.model import Analysis, Finding, Participant, PersonalDetail, StageReached


def test_inner_is_json_dumps_without_braces() -> None:
    values: list[Any] = [0, -1, 10**30, 0.1, -0.0, 1e300, float("nan"), float("inf"), -float("inf"), True, False,
                         None, "", "a\"b\\c\n\x00\u2028ក😘\ud800", [], [1, [2.5, None]], {"k": {"x": []}}, (1, "t")]
    keys: list[Any] = ["a", "ក", "", "q\"", 1, 2.5, True, None]
    rng = random.Random(12)
    for _ in range(2000):
        d = {rng.choice(keys): rng.choice(values) for _ in range(rng.randint(1, 5))}
        assert model._inner(d) == json.dumps(d, ensure_ascii=False)[1:-1], d


def _analysis(findings: list[Finding]) -> Analysis:
    return Analysis(format="plain", message_count=50, risk="low", first_alert_index=None, signals={"secrecy": True},
                    participants=[Participant("A", "participant", 3)], stages=[StageReached("trust", 1)],
                    findings=findings, personal_info=[PersonalDetail("age", "13", 0, 2, "13", "age", 1, None)])


def test_shapes_kept_from_one_analysis_to_the_next() -> None:
    rng = random.Random(13)
    for round_ in range(30):  # each analysis meets shapes written before, with other values around them
        findings = [Finding(index=i, sender=rng.choice(["A", None, "ដារ៉ា"]), signal=rng.choice(["secrecy", "sexting"]),
                            rule=f"en.rule.{rng.randrange(6)}", excerpt=rng.choice(["x", "y \"q\"", "ក"]),
                            weight=rng.choice([0.5, 0.6, 0.75, 1.0, 1]), stage=rng.choice([None, "", "trust"]),
                            start=rng.choice([None, i]), end=i + 2, part=rng.choice([None, "claim"]),
                            tags=rng.choice([(), ("isolating",)]), adjusted=rng.choice([None, "discussion_nearby"]))
                    for i in range(rng.randint(0, 40))]
        a = _analysis(findings)
        head = {"file": f"chat-{round_}.txt"}
        assert a.to_json(head) == json.dumps({**head, **a.to_dict()}, ensure_ascii=False)
    assert model._PIECES  # kept
