"""A rule read from the compiled-form cache compiles its whole regex only when it is first searched
(`rules.WholeRegex`), each phrase's too (`compiled.LazyRegex`), and matches as the rule it was recorded from."""

from __future__ import annotations

from hotline.detect.signals import DETECTORS, rules
from hotline.detect.text.normalize import normalize


def test_a_recorded_rule_compiles_its_whole_regex_when_first_searched() -> None:
    every = [r for cls in DETECTORS for r in cls().rules.rules]
    again = [rules._rule_from_record(rules._rule_record(r)) for r in every]
    assert all(a.whole._pattern is None for a in again)  # nothing compiled yet, not even a phrase
    assert all(p._pattern is None for a in again for p in a.phrase_regexes) and sum(len(a.phrase_regexes) for a in again)
    assert again == every  # (the whole regex compared by its source)
    checked = 0
    for rule, copy in zip(every, again, strict=True):
        for text in (*rule.examples, *rule.counterexamples):
            norm = normalize(text)
            got, want = copy.match(norm), rule.match(norm)
            assert (got and got.span()) == (want and want.span()), (rule.id, text)
            checked += want is not None
    assert checked > 300
    assert all(a.whole._pattern is not None for a in again if a.examples)
    assert again[0].regex is again[0].regex  # compiled once
