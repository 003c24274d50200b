"""A rule's phrases searched one by one (what the candidate stage lets `Rule.match` do) against the rule's
whole regex: the same match on varied texts, Khmer included (its alternatives run longest first, so a tie
goes to the longer phrase, not the one written first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.detect.chats import load
from hotline.detect.signals import DETECTORS, Rule
from hotline.detect.text.normalize import normalize

EVAL = Path(__file__).resolve().parents[2] / "eval" / "chats"


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return [r for cls in DETECTORS for r in cls().rules.rules]


@pytest.fixture(scope="module")
def texts(rules: list[Rule]) -> list[str]:
    found = [normalize(t) for r in rules for t in (*r.examples, *r.counterexamples)]
    found += [normalize(m.text) for p in sorted(EVAL.glob("*.txt"))[:40] for m in load(p).messages]
    return found


def _span(rule: Rule, norm: str, phrases: tuple[int, ...] | None) -> tuple[int, int] | None:
    m = rule.match(norm, phrases)
    return m.span() if m is not None else None


def test_every_phrase_rule_has_its_phrases_one_by_one(rules: list[Rule]) -> None:
    khmer = [r for r in rules if r.khmer and r.phrase_regexes]
    assert len(khmer) > 10 and all(len(r.phrase_ranks) == len(r.phrase_regexes) for r in khmer)
    assert all(sorted(r.phrase_ranks) == list(range(len(r.phrase_ranks))) for r in khmer)
    assert any(r.phrase_ranks != tuple(range(len(r.phrase_ranks))) for r in khmer)  # some reordered
    assert all(not r.phrase_ranks for r in rules if not r.khmer)


def test_phrases_one_by_one_match_as_the_whole_regex(rules: list[Rule], texts: list[str]) -> None:
    compared = matched = 0
    for rule in rules:
        if not rule.phrase_regexes:
            continue
        n = len(rule.phrase_regexes)
        every = tuple(range(n))
        for norm in texts:
            if rule.khmer and not any("\u1780" <= c <= "\u17ff" for c in norm):
                continue
            whole = _span(rule, norm, None)
            assert _span(rule, norm, every) == whole, (rule.id, norm)
            compared += 1
            matched += whole is not None
            if whole is None or n < 2:
                continue
            # only the phrases that match (what the candidate stage would leave)
            hits = tuple(i for i in every if rule.phrase_regexes[i].search(norm) is not None)
            assert _span(rule, norm, hits) == whole, (rule.id, norm, hits)
    assert compared > 10_000 and matched > 300
