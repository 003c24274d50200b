"""`SenderEvidence`'s level worked out by looking stages up gives what the rule as first written gives.

`_work_out_level` and `grooming` once made the lists `grooming_stages` and `strong_stages` and sets of them
for a few membership tests and counts; they now loop over the stages' tuples. Checked against that
writing on random evidence of every kind (stages outside `STAGES` too).
"""

from __future__ import annotations

import random

from hotline.detect.risk import (
    BUILDING_STAGES,
    GOAL_STAGES,
    STAGES,
    SenderEvidence,
)


def _grooming(ev: SenderEvidence, minor: bool) -> bool:
    stages = set(ev.grooming_stages)
    building = stages & BUILDING_STAGES
    goal = bool(stages & GOAL_STAGES) or ev.sexting
    if not minor:
        return False
    return len(building) >= 3 or (len(building) >= 2 and goal)


def _level(ev: SenderEvidence, minor: bool) -> str:
    stages, strong = ev.grooming_stages, ev.strong_stages
    grooming = _grooming(ev, minor)
    secret = "isolation" in strong
    if ev.sextortion:
        return "critical"
    if grooming and not ev.escalating:
        return "medium"
    if grooming and (ev.sexting or "meeting" in stages or "exploitation" in ev.stages):
        return "critical"
    if ev.sexting and minor and (secret or "meeting" in stages):
        return "critical"
    if grooming or (ev.sexting and (minor or ev.pressed or ev.sexting_count >= 2)):
        return "high"
    if "threat" in ev.parts and "claim" in ev.parts:
        return "high"
    if ev.sexting or strong or (len(stages) >= 2 and ev.score >= 1.0) or "threat" in ev.parts:
        return "medium"
    if ev.rule_weight:
        return "low"
    return "none"


def test_level_and_grooming_as_first_written() -> None:
    rng = random.Random(14)
    names = [*STAGES, "other"]
    weights = [0.0, 0.3, 0.59, 0.6, 0.61, 0.9, 1.0]
    levels: set[str] = set()
    for _ in range(30_000):
        ev = SenderEvidence("A")
        for stage in rng.sample(names, rng.randrange(len(names) + 1)):
            ev.stages[stage] = rng.randrange(50)
            if rng.random() < 0.9:
                ev.stage_weight[stage] = rng.choice(weights)
        for rule in range(rng.randrange(4)):
            ev.rule_weight[f"r{rule}"] = rng.choice(weights)
        for part in rng.sample(["claim", "threat", "demand", "deadline"], rng.randrange(3)):
            ev.parts[part] = 1
        for tag in rng.sample(["isolating", "relationship_secrecy", "age_gap"], rng.randrange(3)):
            ev.tag_weight[tag] = rng.choice(weights)
        if rng.random() < 0.4:
            ev.sexting_index, ev.sexting_count = 3, rng.randrange(1, 4)
        ev.pressed, ev.meeting_feared = rng.random() < 0.2, rng.random() < 0.1
        if rng.random() < 0.2:
            ev.secrecy_at.add(5)
            ev.meeting_at.add(rng.choice([5, 6]))
        for minor in (False, True):
            assert ev.grooming(minor) == _grooming(ev, minor), ev
            assert ev._work_out_level(minor) == _level(ev, minor), ev
            levels.add(_level(ev, minor))
    assert levels == {"none", "low", "medium", "high", "critical"}
