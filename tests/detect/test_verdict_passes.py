"""The verdict's reads of the findings (one pass, stopping early) say what the plain set and max
expressions say, on random findings."""

from __future__ import annotations

import random

import pytest

from hotline.detect.model import DISCUSSION_NEARBY, Finding
from hotline.detect.risk import extorting
from hotline.detect.scoring.verdict import _course, _explicit, signal_scores

SIGNALS = ("grooming", "sexting", "sextortion", "secrecy", "meeting_request")
STAGES = (None, "", "trust", "isolation", "meeting", "image_request")
PARTS = (None, "claim", "threat", "demand", "deadline")


def findings(seed: int) -> list[Finding]:
    rng = random.Random(seed)
    return [Finding(index=rng.randrange(6), sender=None, signal=rng.choice(SIGNALS),
                    rule=rng.choice(("en.x", "km.y", "model.grooming")), excerpt="",
                    weight=rng.choice((0.0, 0.2, 0.4, 0.5, 0.75, 0.9)), stage=rng.choice(STAGES),
                    part=rng.choice(PARTS), adjusted=rng.choice((None, None, DISCUSSION_NEARBY)))
            for _ in range(rng.randrange(0, 9))]


@pytest.mark.parametrize("seed", range(300))
def test_same_as_the_plain_expressions(seed: int) -> None:
    fs = findings(seed)
    staged = [(f.index, f.stage) for f in fs if f.stage and not f.rule.startswith("model.")]
    assert _course(fs) == (len({i for i, _ in staged}) >= 2 and len({s for _, s in staged}) >= 2)
    parts = {f.part for f in fs if f.signal == "sextortion" and f.part and f.adjusted != DISCUSSION_NEARBY}
    assert _explicit("low", fs, minor=False) == extorting(parts)
    signals = {s: bool(seed & (1 << i)) for i, s in enumerate(SIGNALS)}
    expected = {}
    for signal in ("grooming", "sexting", "sextortion"):
        top = max((f.weight for f in fs if f.signal == signal and not f.rule.startswith("model.")), default=0.0)
        expected[signal] = round(max(top, 0.5) if signals[signal] else min(top, 0.49), 4)
    assert signal_scores(signals, fs, None) == expected
