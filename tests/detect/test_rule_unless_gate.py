"""The literal gate in front of a rule's `unless` (`Rule.unless_needs`, `rules._literal_gate`): it may only skip
the search where the regex cannot match, so every rule matches as it does with no gate."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hotline.detect.chats import load
from hotline.detect.signals import DETECTORS, compiled, rules
from hotline.detect.signals.candidates import _native_module
from hotline.detect.text.normalize import normalize
from tests.detect.literal_fuzz import fuzz
from tests.detect.test_rule_edges import lexicon_files

EVAL = Path(__file__).resolve().parents[2] / "eval" / "chats"

built = pytest.mark.skipif(
    getattr(_native_module(), "Literals", None) is None,
    reason="the C extension is not in use here (not built: no C compiler or HOTLINE_PURE_PYTHON=1 at install; "
           "or built from another _automaton.c): `make install` builds it")


def _unless_sources() -> list[str]:
    """Every rule's `unless` as its lexicon writes it (Khmer too), macros expanded."""
    out: list[str] = []
    for lang, macros, path, data in lexicon_files(latin_only=False):
        out += [rules._regex(raw["unless"], path, raw["id"], "unless", macros, lang == "km").pattern
                for raw in (data.get("rules", []) if "signal" in data else []) if "unless" in raw]
    return list(dict.fromkeys(out))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = [normalize(t) for cls in DETECTORS for r in cls().rules.rules for t in (*r.examples, *r.counterexamples)]
    found += [normalize(m.text) for p in sorted(EVAL.glob("*.txt"))[:40] for m in load(p).messages]
    found += [a + " " + b for a, b in pairwise(found[:501])]
    return list(dict.fromkeys(found))


def _fuzzed(needs: Any, rng: random.Random) -> list[str]:
    literals = sorted({text for alternative in needs for group in alternative for text in group})
    return list(fuzz([*literals, "the", "5", "$20", "send", "pic"], rng, 300, [" ", "", ".", "\n", " x ", "9"]))


@built
def test_a_gate_never_hides_a_match_of_its_unless(texts: list[str]) -> None:
    rng = random.Random(10)
    gated = skipped = matched = 0
    for source in _unless_sources():
        needs = rules._unless_needs(source)
        if not needs:
            continue
        gated += 1
        scan, masks = rules._literal_gate(needs)
        assert scan is not None and len(masks) == len(needs)
        plain = rules.compile_regex(source)
        for text in [*texts, *_fuzzed(needs, rng)]:
            found = scan(text)[0]
            may = any(found & mask == mask for mask in masks)
            if plain.search(text) is not None:
                assert may, (source, text)
                matched += 1
            skipped += not may
    assert gated > 60 and matched > 1_000 and skipped > 100_000


@built
def test_rules_match_as_they_do_without_their_gate(texts: list[str]) -> None:
    rng = random.Random(11)
    found = 0
    checked = [rule for cls in DETECTORS for rule in cls().rules.rules if rule.unless_scan is not None]
    assert len(checked) > 60
    for rule in checked:
        plain = replace(rule, unless_scan=None, unless_masks=())
        for text in [*texts[:3000], *_fuzzed(rule.unless_needs, rng)]:
            got, want = rule.match(text), plain.match(text)
            assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups())), (rule.id, text)
            found += want is not None
    assert found > 500


@pytest.mark.parametrize(("source", "needs"), [
    (r"(?<![a-z])(?:rent|bil)(?![a-z]) .{0,9}\$|cash", ((("$",), ("bil", "rent")), (("cash",),))),
    (r"(?:post|share)(?:ing)? the (?:party|trip)", ((("party", "trip"), ("post", "share"), (" the ",)),)),
    (r"homework|\d+ ?k", ()),  # the second alternative names no literal: nothing rules a text out
    (r"(?i)rent", ()),  # in any case: names nothing for certain
])
def test_needs_per_alternative(source: str, needs: Any) -> None:
    got = rules._unless_needs(source)
    assert {frozenset(a) for a in got} == {frozenset(a) for a in needs}


def test_records_keep_the_needs_and_rebuild_the_gate() -> None:
    rule = next(r for cls in DETECTORS for r in cls().rules.rules if r.unless_needs)
    again = rules._rule_from_record(rules._rule_record(rule))
    assert again.unless_needs == rule.unless_needs and again.unless_masks == rule.unless_masks
    assert (again.unless_scan is None) == (rule.unless_scan is None)
    assert compiled.ENGINE_VERSION
