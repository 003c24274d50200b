"""Repeated cues in the risk tracker: a finding like one seen before skips what it cannot change, and
only a party whose evidence changed is read again; the outcome is the same as reading everything every time."""

from __future__ import annotations

import random

import pytest

from hotline.detect.model import DISCUSSION_NEARBY, RISK_RANK, Finding
from hotline.detect.risk import RiskTracker, SenderEvidence

#: (signal, rule, weight, stage, part, tags): a small pool, so that shapes repeat
POOL = [
    ("secrecy", "en.secrecy.our_secret", 0.8, "isolation", None, ("relationship_secrecy",)),
    ("secrecy", "en.secrecy.dont_tell", 0.4, "isolation", None, ()),
    ("meeting_request", "en.meeting.come_alone", 0.7, "meeting", None, ("isolating",)),
    ("meeting_request", "en.meeting.meet", 0.5, "meeting", None, ()),
    ("sexting", "en.sexting.request_nude", 0.95, "image_request", None, ()),
    ("sexting", "en.sexting.flirt", 0.5, "desensitising", None, ()),
    ("grooming", "en.grooming.compliment", 0.3, "trust", None, ()),
    ("grooming", "en.grooming.age", 0.4, "personal_questions", None, ("child_question",)),
    ("grooming", "en.grooming.gift", 0.5, "gifts", None, ()),
    ("grooming", "en.grooming.app", 0.5, "platform_move", None, ()),
    ("grooming", "en.grooming.school", 0.3, None, None, ("child_context",)),
    ("sextortion", "en.sextortion.claim", 0.8, "exploitation", "claim", ()),
    ("sextortion", "en.sextortion.threat", 0.85, "exploitation", "threat", ()),
    ("sextortion", "en.sextortion.demand", 0.7, "exploitation", "demand", ()),
]


def cue(index: int, sender: str | None, pick: int, *, lowered: bool = False, adjusted: str | None = None) -> Finding:
    signal, rule, weight, stage, part, tags = POOL[pick]
    if lowered:  # as the analysis lowers a cue beside benign context
        stage, weight = None, min(weight, 0.2)
    return Finding(index, sender, signal, rule, "", weight, stage, part=part, tags=tags, adjusted=adjusted)


def evidence(ev: SenderEvidence) -> tuple[object, ...]:
    return (ev.stages, ev.stage_weight, ev.signals, ev.parts, ev.rule_weight, ev.tag_weight, ev.sexting_index,
            ev.sexting_count, ev.secrecy_at, ev.meeting_at)


def batches(seed: int, senders: list[str | None]) -> list[list[Finding]]:
    rng = random.Random(seed)
    out: list[list[Finding]] = []
    for index in range(rng.randrange(5, 120)):
        sender = rng.choice(senders)
        out.append([cue(index, sender, rng.randrange(len(POOL)), lowered=rng.random() < 0.1,
                        adjusted=DISCUSSION_NEARBY if rng.random() < 0.03 else None)
                    for _ in range(rng.choice((0, 0, 1, 1, 1, 2, 3)))])
        if out[-1] and rng.random() < 0.1:  # a late-committed finding of an earlier message
            out[-1].append(cue(rng.randrange(index + 1), sender, rng.randrange(len(POOL))))
    return out


@pytest.mark.parametrize("seed", range(60))
def test_same_as_reading_everything_every_time(seed: int) -> None:
    senders: list[str | None] = [None] if seed % 3 == 0 else ["A", "B", "C"][: 1 + seed % 3]
    tracker = RiskTracker()
    full: dict[str, SenderEvidence] = {}  # the same findings, each added to a fresh copy of the full path
    level, first_alert, last = "none", None, -1
    for batch in batches(seed, senders):
        last = max([last, *(f.index for f in batch if f.adjusted != DISCUSSION_NEARBY)])
        tracker.add(batch)
        for f in batch:
            if f.adjusted == DISCUSSION_NEARBY:
                continue
            for ev in tracker._parties(f.sender, f.index):
                ref = full.setdefault(ev.name, SenderEvidence(name=ev.name))
                ref.add(f)
                ref._shapes.clear()  # never skip: every finding takes the full path
                ref._last.clear()
        # the chat's level: the highest any party has reached so far, every party read every time
        parties = [*tracker.senders.values(), *tracker.windows.values()]
        for ev in parties:
            assert evidence(ev) == evidence(full[ev.name])
            worked_out = full[ev.name]._work_out_level(tracker.minor)  # no cached level: read now
            if RISK_RANK[worked_out] > RISK_RANK[level]:
                level = worked_out
        if first_alert is None and RISK_RANK[level] >= RISK_RANK["high"]:
            first_alert = last
        assert (tracker.level, tracker.first_alert_index) == (level, first_alert)


@pytest.mark.parametrize("order", [(0, 3), (3, 0)])
def test_repeated_secrecy_and_meeting_cues_in_one_message_make_a_secret_meeting(order: tuple[int, int]) -> None:
    ev = SenderEvidence("A")
    ev.add(cue(1, "A", 0))  # "our secret"
    ev.add(cue(2, "A", 3))  # "let's meet"
    assert not ev.isolating
    version = ev.version
    first, second = order
    ev.add(cue(5, "A", first))  # the same cues again, now in one message
    assert ev.version == version  # nothing the level reads changed yet
    ev.add(cue(5, "A", second))
    assert ev.isolating and ev.version > version


def test_a_repeated_image_request_in_another_message_counts_again() -> None:
    tracker = RiskTracker()
    tracker.add([cue(0, "A", 4), cue(0, "A", 4)])  # two rules on one message are one request
    assert tracker.senders["A"].sexting_count == 1
    assert tracker.level == "medium"  # sexting between adults
    tracker.add([cue(3, "A", 4)])
    assert tracker.senders["A"].sexting_count == 2
    assert tracker.level == "high" and tracker.first_alert_index == 3
