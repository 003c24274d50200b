"""How many phrases the candidate stage has searched one by one, per item (`CandidateIndex(searches=...)`,
`Rule.phrase_searches`): the C extension answers as its Python reference does, and a rule searched by up to
that many phrases finds what its whole regex finds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from hotline.detect.chats import load
from hotline.detect.signals import default_scanner
from hotline.detect.signals.candidates import (
    MAX_PHRASE_SEARCHES,
    MOST_PHRASE_SEARCHES,
    CandidateIndex,
    _native_module,
)
from hotline.detect.signals.rules import Rule
from hotline.detect.text.normalize import normalize
from tests.detect.test_native_candidates import _differences, _fuzz, _made_up_items

ROOT = Path(__file__).resolve().parents[2]
built = pytest.mark.skipif(_native_module() is None, reason="the candidate stage's C extension is not in use here")


@built
def test_same_answers_with_each_items_own_phrase_searches() -> None:
    rng = random.Random(11)
    vocabulary = ["ab", "abc", "bc", "cd", "send", "sen", "end", "pic", "pics", "me", "meet", "12", "ផ្ញើ", "រូប"]
    texts = [*_fuzz(vocabulary, random.Random(12), 3000), "", "send pics", "ផ្ញើរូប"]
    longer = 0
    for n in (5, 64, 200):
        items = _made_up_items(rng, vocabulary, n)
        searches = [rng.choice((0, 1, MAX_PHRASE_SEARCHES, 7, 12, MOST_PHRASE_SEARCHES)) for _ in items]
        python = CandidateIndex(items, native=False, searches=searches)
        native = CandidateIndex(items, native=True, searches=searches)
        assert _differences(python, native, texts) == [], n
        longer += sum(1 for t in texts for _, phrases in native.candidates(t)
                      if phrases is not None and len(phrases) > MAX_PHRASE_SEARCHES)
    assert longer > 100  # answers past the default count were compared


def test_searches_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        CandidateIndex([], searches=[MOST_PHRASE_SEARCHES + 1])


def _texts() -> list[str]:
    """Every message of the evaluation chats, normalised."""
    texts = []
    for path in sorted(p for p in (ROOT / "eval" / "chats").iterdir() if not p.name.startswith(".")):
        texts += [normalize(m.text) for m in load(path).messages]
    return texts


def _span(m: Any) -> tuple[int, int] | None:
    return m.span() if m is not None else None


def test_rules_searched_by_more_phrases_find_what_their_whole_regex_finds() -> None:
    scanner = default_scanner()
    index = scanner._index
    assert isinstance(index, CandidateIndex)
    many = {r.id for r in scanner.rules if r.phrase_searches > MAX_PHRASE_SEARCHES}
    assert many  # the rules of huge whole regexes
    rules = {r.id: r for r in scanner.rules}
    examples = [normalize(t) for r in rules.values() if r.id in many for t in (*r.examples, *r.counterexamples)]
    rng = random.Random(3)
    mixed = [" ".join(rng.sample(examples, 3)) for _ in range(300)]  # several phrases in one text
    compared = longer = 0
    for norm in [*_texts(), *examples, *mixed]:
        for (_, rule), phrases in index.candidates(norm):
            if not isinstance(rule, Rule) or rule.id not in many or phrases is None:
                continue
            if rule.khmer and not any("\u1780" <= ch <= "\u17ff" for ch in norm):
                continue
            compared += 1
            longer += len(phrases) > MAX_PHRASE_SEARCHES
            assert _span(rule.match(norm, phrases)) == _span(rule.match(norm)), (rule.id, phrases)
    assert compared > 200 and longer > 10
