"""A rule's phrases searched one by one (what the candidate stage lets `Rule.match` do) against the rule's
whole regex: the same match on varied texts, Khmer included (its alternatives run longest first, so a tie
goes to the longer phrase, not the one written first)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.detect.chats import load
from hotline.detect.signals import DETECTORS, Rule
from hotline.detect.text.normalize import normalize
from hotline.detect.text.segment import match_aligned

EVAL = Path(__file__).resolve().parents[2] / "eval" / "chats"


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return [r for cls in DETECTORS for r in cls().rules.rules]


@pytest.fixture(scope="module")
def texts(rules: list[Rule]) -> list[str]:
    found = [normalize(t) for r in rules for t in (*r.examples, *r.counterexamples)]
    found += [normalize(m.text) for p in sorted(EVAL.glob("*.txt"))[:40] for m in load(p).messages]
    # Khmer run on into letters around it and into other phrases: words that a rule's words are parts of
    khmer = [t for r in rules if r.khmer for t in r.examples]
    found += [normalize(a + t + b) for t in khmer for a, b in (("ខ្លួន", ""), ("", "ឯង"), ("ក", "ង"))]
    found += [normalize(a + b) for a, b in zip(khmer, khmer[1:] + khmer[:1], strict=True)]
    return found


def test_the_texts_try_the_word_aligned_retry(rules: list[Rule], texts: list[str]) -> None:
    """Enough matches of Khmer rules start or end inside a word that the search again is compared."""
    retried = sum(1 for r in rules if r.khmer for t in texts if (m := r.regex.search(t)) and not match_aligned(m))
    assert retried > 100


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
