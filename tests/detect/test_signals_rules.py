"""The rule files: every rule fires on its own examples (through the pre-filter) and not on its
counterexamples, and broken data fails at load with DataError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.detect.errors import DataError
from hotline.detect.model import Message
from hotline.detect.signals import DETECTORS, default_scanner
from hotline.detect.signals import rules as rules_mod
from hotline.detect.text import normalize

SCANNER = default_scanner()
EXAMPLES = [(r.id, ex) for r in SCANNER.rules for ex in r.examples]
COUNTER = [(r.id, ex) for r in SCANNER.rules for ex in r.counterexamples]


def test_every_language_and_signal_has_rules() -> None:
    langs = {(r.language, r.signal) for r in SCANNER.rules}
    for lang in ("en", "km", "km-Latn"):
        for det in DETECTORS:
            assert (lang, det.signal) in langs


def test_rule_ids_unique_and_named() -> None:
    ids = [r.id for r in SCANNER.rules]
    assert len(ids) == len(set(ids))
    assert all(r.id.startswith(r.language + ".") for r in SCANNER.rules)


@pytest.mark.parametrize(("rule_id", "text"), EXAMPLES)
def test_rule_fires_on_its_examples(rule_id: str, text: str) -> None:
    found = SCANNER.scan(Message(0, "x", text), normalize(text))
    rule = SCANNER.rule(rule_id)
    assert rule is not None
    # overlapping findings of one signal and stage are merged, so check the rule or its equal partner fired
    assert rule.match(normalize(text)) is not None
    assert any(f.signal == rule.signal for f in found)


@pytest.mark.parametrize(("rule_id", "text"), COUNTER)
def test_rule_does_not_fire_on_counterexamples(rule_id: str, text: str) -> None:
    rule = SCANNER.rule(rule_id)
    assert rule is not None and rule.match(normalize(text)) is None


@pytest.fixture
def lexicons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private lexicon folder; the loader caches are emptied before and after (with the real folder)."""
    rules_mod.load_ruleset.cache_clear()
    rules_mod.load_macros.cache_clear()
    monkeypatch.setattr(rules_mod, "_lexicon_dir", lambda lang: tmp_path / lang)
    yield tmp_path
    monkeypatch.undo()
    rules_mod.load_ruleset.cache_clear()
    rules_mod.load_macros.cache_clear()


def _write(tmp: Path, lang: str, name: str, doc: dict[str, object]) -> None:
    (tmp / lang).mkdir(parents=True, exist_ok=True)
    (tmp / lang / f"{name}.json").write_text(json.dumps(doc), encoding="utf-8")


@pytest.mark.parametrize(("rule", "message"), [
    ({"id": "en.secrecy.a", "weight": 2, "phrases": ["keep quiet"]}, "weight"),
    ({"id": "en.secrecy.a", "weight": 0.5, "pattern": "(unclosed"}, "does not compile"),
    ({"id": "wrong.id", "weight": 0.5, "phrases": ["keep quiet"]}, "must look like"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"], "stage": "nope"}, "unknown stage"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["{NOPE} quiet"]}, "unknown macro"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"], "examples": ["hello there"]}, "does not match"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"], "counterexamples": ["keep quiet"]}, "counterexample"),
    ({"id": "en.secrecy.a", "weight": 0.5}, "needs 'phrases' or 'pattern'"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"], "bogus": 1}, "unknown keys"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["{YOU}"]}, "no trigger stems"),
    ({"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"], "tags": ["secretive"]}, "unknown tags"),
])
def test_bad_rule_files_fail_at_load(lexicons: Path, rule: dict[str, object], message: str) -> None:
    _write(lexicons, "en", "macros", {"macros": {"YOU": "you|u"}})
    _write(lexicons, "en", "secrecy", {"signal": "secrecy", "triggers": [], "rules": [rule]})
    with pytest.raises(DataError, match=message):
        rules_mod.load_ruleset("secrecy", "secrecy", ("en",))


def test_a_sextortion_rule_names_its_part(lexicons: Path) -> None:
    rule = {"id": "en.sextortion.pay_demand", "weight": 0.7, "phrases": ["pay me"]}
    _write(lexicons, "en", "sextortion", {"signal": "sextortion", "rules": [rule]})
    with pytest.raises(DataError, match="needs a 'part'"):
        rules_mod.load_ruleset("sextortion", "sextortion", ("en",))


def test_part_and_tags_reach_the_finding_whatever_the_rule_is_called() -> None:
    """The risk reads a finding's part and tags, never its rule id: the packaged rules carry them."""
    msg = Message(0, "A", "Don't tell anyone, this is just between us. What grade are you in?")
    found = {f.rule: f for f in SCANNER.scan(msg, normalize(msg.text))}
    assert "relationship_secrecy" in found["en.secrecy.between_us"].tags
    assert "child_question" in found["en.grooming.grade_question"].tags
    claim = Message(1, "A", "I recorded you on your webcam and I will send the video to all your contacts")
    parts = {f.part for f in SCANNER.scan(claim, normalize(claim.text)) if f.signal == "sextortion"}
    assert parts == {"claim", "threat"}


def test_duplicate_ids_fail(lexicons: Path) -> None:
    rule = {"id": "en.secrecy.a", "weight": 0.5, "phrases": ["keep quiet"]}
    _write(lexicons, "en", "secrecy", {"signal": "secrecy", "rules": [rule, rule]})
    with pytest.raises(DataError, match="duplicate"):
        rules_mod.load_ruleset("secrecy", "secrecy", ("en",))


def test_a_valid_file_loads_and_matches_variants(lexicons: Path) -> None:
    _write(lexicons, "en", "secrecy", {"signal": "secrecy", "stage": "isolation", "rules": [
        {"id": "en.secrecy.quiet", "weight": 0.5, "phrases": ["keep ... quiet"], "examples": ["keeep it quieeet"]}]})
    ruleset = rules_mod.load_ruleset("secrecy", "secrecy", ("en",))
    assert [r.id for r, _ in ruleset.matches("kep this very quiet")] == ["en.secrecy.quiet"]
    assert ruleset.rules[0].stage == "isolation"


def test_trigger_regex_finds_every_stem() -> None:
    index = rules_mod.TriggerIndex([("a", ("tel", "hotel")), ("b", ("secret",)), ("c", ("ក្រុម",))])
    assert index.candidates("meet at the hotel") == ["a"]
    assert index.candidates("a secret, tell no one") == ["a", "b"]
    assert index.candidates("ក្រុមហ៊ុន") == ["c"]
    assert index.candidates("nothing here") == []
