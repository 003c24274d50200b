"""A message's findings are reported by place: `_by_place`'s shortcuts (no sort for findings already in
order, the key read by `attrgetter`) give what sorting by `_place` gives."""

from __future__ import annotations

import random
from dataclasses import replace

from hotline.detect.model import Finding
from hotline.detect.signals import _by_place, _distinct, _may_share_a_cue, _place


def _findings(rng: random.Random) -> list[Finding]:
    out = []
    for i in range(rng.randint(0, 7)):
        start = None if rng.random() < 0.05 else rng.randint(0, 6)
        out.append(Finding(i, "A", rng.choice(["grooming", "secrecy"]), rng.choice(["en.a", "en.b", "km-Latn.a"]),
                           "x", rng.choice([0.5, 1.0, 2.0]), rng.choice([None, "trust"]), start,
                           None if start is None else start + rng.randint(1, 4)))
    return out


def test_by_place_is_sorting_by_place() -> None:
    rng = random.Random(5)
    in_order = 0
    for _ in range(5_000):
        findings = _findings(rng)
        if rng.random() < 0.4:
            findings.sort(key=_place)
            in_order += 1
        expected = sorted(findings, key=_place)
        got = _by_place(findings)
        assert got == expected and [id(f) for f in got] == [id(f) for f in expected]
        assert got is not findings
    assert in_order > 1_000


def test_distinct_keeps_the_heavier_of_one_cue_in_two_languages() -> None:
    en = Finding(0, "A", "secrecy", "en.secret", "x", 1.0, "isolation", 3, 9)
    km = Finding(0, "A", "secrecy", "km-Latn.secret", "x", 2.0, "isolation", 5, 12)
    other = Finding(0, "A", "grooming", "en.trust", "x", 1.0, "trust", 0, 2)
    assert _distinct([en, km, other]) == [other, km]


def test_findings_compared_pair_by_pair_share_a_cue_as_their_set_tells() -> None:
    """`_may_share_a_cue` (pairs compared, no set) answers as counting distinct (signal, stage, part) does."""
    rng = random.Random(6)
    shared = 0
    for _ in range(5_000):
        findings = [replace(f, part=rng.choice([None, "claim", "threat"])) for f in _findings(rng)]
        expected = len({(f.signal, f.stage, f.part) for f in findings}) != len(findings)
        assert _may_share_a_cue(findings) == expected
        shared += expected
    assert 1_000 < shared < 4_000
