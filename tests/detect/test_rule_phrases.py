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


def _named(rule: Rule, norm: str, phrases: tuple[int, ...]) -> tuple[int, ...]:
    """`phrases` as the candidate stage could name them: a literal of each group of a phrase's needs occurs."""
    needs = rule.needs
    return tuple(i for i in phrases
                 if needs is None or all(any(t in norm for t, _, _ in group) for group in needs[i]))


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
            named = _named(rule, norm, every)
            assert _span(rule, norm, named) == whole, (rule.id, norm)
            compared += 1
            matched += whole is not None
            if whole is None or n < 2:
                continue
            # only the phrases that match (what the candidate stage would leave)
            hits = tuple(i for i in named if rule.phrase_regexes[i].search(norm) is not None)
            assert _span(rule, norm, hits) == whole, (rule.id, norm, hits)
    assert compared > 10_000 and matched > 300


def test_requires_is_skipped_only_where_the_named_phrases_assure_it(rules: list[Rule], texts: list[str]) -> None:
    """`match` leaves `requires` unsearched when a named phrase's needs assure it: then it does match. The
    texts include matches of a phrase without `requires` (which the rule must not report)."""
    assured = refused = 0
    for rule in rules:
        if rule.requires is None or rule.needs is None:
            continue
        every = tuple(range(len(rule.phrase_regexes)))
        # its examples' matches alone, and the examples with what `requires` matches blotted out
        own = [normalize(t) for t in rule.examples]
        own += [m.group() for t in own if (m := rule.regex.search(t)) is not None]
        own += [rule.requires.sub("x", t) for t in own] + [rule.requires.sub(" ", t) for t in own]
        for norm in [*own, *texts]:
            named = _named(rule, norm, every)
            if named and rule._assured(named):
                assert rule.requires.search(norm) is not None, (rule.id, norm, named)
                assured += 1
            elif any(rule.phrase_regexes[i].search(norm) for i in named) and rule.requires.search(norm) is None:
                assert rule.match(norm, named) is None, (rule.id, norm)
                refused += 1
    assert assured > 500 and refused > 0


def test_a_context_free_regex_is_read_so() -> None:
    from hotline.detect.signals.rules import _context_free

    for free in (r"pic|pix|p(?:hoto|ic)", r"\$|usd|[0-9]+ ?k", r"a\\b", r"send (?:me )?(?:one|more)", r"\(\^\$\)"):
        assert _context_free(free), free
    for bound in (r"\bpic", r"pic\b", r"i(?<!\wi) have", r"^hi", r"bye$", r"x(?=y)", r"x(?!y)", r"(a)\1", r"\\\bx",
                  r"(?P<a>x)(?P=a)", r"\Ax", r"x\Z", r"[^a]"):
        assert not _context_free(bound), bound
