"""The candidate stage (one automaton for every rule) against the per-rule path it replaced, the literals it
derives from phrases and patterns, the compiled-form cache, and `hotline analyze --jobs`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.detect.analysis import analyze
from hotline.detect.chats import load
from hotline.detect.model import Message
from hotline.detect.signals import (
    COVER,
    DETECTORS,
    DISCUSSION,
    FEAR,
    MATCHERS,
    REFUSAL,
    MessageScanner,
    compiled,
)
from hotline.detect.signals.candidates import (
    CandidateIndex,
    PhraseSet,
    minimal_stems,
    phrase_needs,
    regex_needs,
)
from hotline.detect.signals.rules import load_cover, load_discussion, load_phrase_set, load_refusal
from hotline.detect.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval" / "chats"


@pytest.fixture(scope="module")
def scanners() -> dict[str, MessageScanner]:
    detectors = tuple(cls() for cls in DETECTORS)
    return {m: MessageScanner(detectors, matcher=m) for m in MATCHERS}


def test_automaton_gives_the_per_rule_findings_on_the_whole_evaluation_set(scanners: dict[str, MessageScanner]) -> None:
    chats = sorted(p for p in EVAL.iterdir() if not p.name.startswith("."))
    assert len(chats) > 100
    differ, findings = [], 0
    for path in chats:
        conversation = load(path)
        new = json.dumps(analyze(conversation, scanner=scanners["automaton"]).to_dict(), ensure_ascii=False)
        old = json.dumps(analyze(conversation, scanner=scanners["trigger-regex"]).to_dict(), ensure_ascii=False)
        findings += new.count('"rule": ')
        if new != old:
            differ.append(path.name)
    assert differ == []
    assert findings > 500  # the comparison covers real findings, not empty analyses


def test_automaton_tries_fewer_rules_than_the_trigger_index(scanners: dict[str, MessageScanner]) -> None:
    tried = dict.fromkeys(MATCHERS, 0)
    for path in sorted(EVAL.glob("*.txt"))[:60]:
        for message in load(path).messages:
            norm = normalize(message.text)
            for m, scanner in scanners.items():
                tried[m] += len(scanner._index.candidates(norm))
    assert 0 < tried["automaton"] < tried["trigger-regex"] * 0.7


def test_every_rule_example_reaches_its_rule(scanners: dict[str, MessageScanner]) -> None:
    index, old_index = scanners["automaton"]._index, scanners["trigger-regex"]._index
    assert isinstance(index, CandidateIndex)
    missed, examples = [], 0
    for rule in scanners["automaton"].rules:
        for example in rule.examples:
            norm = normalize(example)
            examples += 1
            if (rule.id in {r.id for _, r in old_index.candidates(norm)}
                    and rule.id not in {item[1].id for item, _ in index.candidates(norm) if not isinstance(item[0], str)}):
                missed.append((rule.id, example))
    assert examples > 300 and missed == []


def test_phrase_sets_read_in_the_rules_pass_answer_as_alone(scanners: dict[str, MessageScanner]) -> None:
    """Cover, discussion, refusal and fear ride in the rules' automaton pass; each must say what its own
    phrase set says, on every message of the evaluation set and on the sets' own examples."""
    scanner = scanners["automaton"]
    texts = [m.text for p in sorted(EVAL.glob("*.txt")) for m in load(p).messages]
    for name in (COVER, DISCUSSION, REFUSAL, FEAR):
        lexicons = ROOT / "hotline" / "detect" / "lexicons"
        for path in lexicons.glob(f"*/{name}.json"):
            data = json.loads(path.read_text(encoding="utf-8"))
            texts += data.get("examples", []) + data.get("counterexamples", [])
    assert len(texts) > 1000
    seen = dict.fromkeys((COVER, DISCUSSION, REFUSAL, FEAR), 0)
    for text in texts:
        norm = normalize(text)
        _, talk, said = scanner.scan_talk(Message(index=0, sender="a", text=text), norm)
        assert said is not None
        alone = {name: phrases is not None and phrases.search(norm) is not None
                 for name, phrases in ((COVER, load_cover()), (DISCUSSION, load_discussion()),
                                       (REFUSAL, load_refusal()), (FEAR, load_phrase_set("fear")))}
        assert talk == (COVER if alone[COVER] else DISCUSSION if alone[DISCUSSION] else None), text
        for name in (REFUSAL, FEAR):
            assert scanner.says(name, norm, said) == alone[name], (name, text)
        for name, found in alone.items():
            seen[name] += found
    assert all(n > 5 for n in seen.values()), seen  # each set was found, not only missed


@pytest.mark.parametrize(("source", "expected"), [
    (r"(?<![a-z])(?:abc|de)x+y", [{"abc", "de"}]),
    (r"pay (?:now|today)", [{"pay "}, {"now", "today"}]),
    (r"(?:send|give)+ me", [{"send", "give"}, {" me"}]),
    (r"(?i)secret", []),  # the text may differ in case: nothing certain
    (r"(?i:secret) now", []),
    (r"ab?c", []),  # single characters name nothing
    (r"a|bc", []),  # a branch without a literal: the alternation names nothing
    (r"(?:tell)? mom", [{" mom"}]),  # an optional part names nothing
])
def test_regex_needs(source: str, expected: list[set[str]]) -> None:
    found = [{text for text, _, _ in group} for group in regex_needs(source)]
    assert sorted(map(sorted, found)) == sorted(map(sorted, expected))
    for group in regex_needs(source):  # necessary: every match contains one literal of each group
        for m in re.finditer(source, "abcxy dexxy pay now pay today send me give me mom tell mom"):
            assert any(text in m.group(0) for text, _, _ in group)


def test_phrase_needs_words_macros_and_edges() -> None:
    macros = {"PARENT": "moms?|dad|parents?", "NUM": r"\d+|one"}
    needs = phrase_needs("dont tell {PARENT} ... {NUM}", khmer=False, macros=macros, selective=lambda w: w != "dont")
    assert set(needs) == {
        (("tel", True, True),), (("dont", True, True),),  # normalised, as the text is: "tell" -> "tel"
        (("dad", True, True), ("mom", True, False), ("parent", True, False)),
    }
    assert needs[0][0][0] != "dont"  # the most selective group first
    khmer = phrase_needs("កុំ ប្រាប់", khmer=True, macros={}, selective=lambda w: True)
    assert set(khmer) == {(("កុំ", False, False),), (("ប្រាប់", False, False),)}
    # single letters count only in a phrase of nothing else, as whole words
    assert set(phrase_needs("a s l", khmer=False, macros={}, selective=lambda w: True)) == {
        (("a", True, True),), (("s", True, True),), (("l", True, True),)}
    assert phrase_needs("i miss u", khmer=False, macros={}, selective=lambda w: True) == ((("mis", True, True),),)
    single = re.compile(r"(?<![a-z0-9])(?:a\W+s\W+l)(?![a-z0-9])")
    index = CandidateIndex([("asl", ("s",), (phrase_needs("a s l", khmer=False, macros={}, selective=lambda w: True),), True)])
    for text in ("a/s/l?", "a s l pls", "ok a s l"):
        assert single.search(text) and index.candidates(text) == [("asl", (0,))]
    assert index.candidates("says lol") == []


def test_minimal_stems() -> None:
    assert minimal_stems(["tel", "hotel", "secret", "sec", "", "tel"]) == ["sec", "tel"]


def test_candidate_index_needs_whole_words_and_trigger_stems() -> None:
    index = CandidateIndex([
        ("tell", ("tell",), (((("tell", True, True),),),), True),
        ("hotel", ("hotel",), None, False),
        ("photo", ("pic",), (((("photo", False, False),),),), True),
    ])
    assert index.candidates("please tell me") == [("tell", (0,))]
    assert index.candidates("telling stories") == []  # the stem occurs, the whole word does not
    assert index.candidates("the hotel") == [("hotel", None)]
    assert index.candidates("a photo") == []  # the phrase's word occurs, its trigger stem does not
    assert index.candidates("a pic or a photo") == [("photo", (0,))]
    assert index.any("pic") and not index.any("photo")


def test_phrase_set_searches_only_when_a_word_occurs() -> None:
    regex = re.compile(r"(?<![a-z])no(?![a-z])")
    words = PhraseSet(regex, [((("no", True, True),),)])
    assert words.search("oh no") is not None
    assert words.search("yes") is None and words.pattern == regex.pattern
    assert PhraseSet(regex, [()]).search("no") is not None  # a phrase without words: always searched


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(compiled, "_cache", None)


def test_compiled_regex_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = r"(?<![a-z0-9])(?:send|give)\W+(?:me\W+)?(?P<what>pics?|photos?)(?![a-z0-9])"
    _fresh_cache(monkeypatch, tmp_path)
    first = compiled.compile_regex(source)
    compiled.store("test", {"n": 1})
    compiled.flush()
    assert list(tmp_path.glob("lexicons-*.bin"))
    _fresh_cache(monkeypatch, tmp_path)
    again = compiled.compile_regex(source)
    assert again == re.compile(source) == first  # same program, flags and source
    assert again.search("ok send me pics").group("what") == "pics"  # type: ignore[union-attr]
    assert compiled.record("test") == {"n": 1}
    monkeypatch.setenv("HOTLINE_CACHE_DIR", "")
    monkeypatch.setattr(compiled, "_cache", None)
    assert compiled.cache_path() is None and compiled.compile_regex(source) == first


def _analyze_cli(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HOTLINE_CACHE_DIR=str(cache), PYTHONHASHSEED="random")
    return subprocess.run([sys.executable, "-m", "hotline", "analyze", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_warm_and_damaged_cache_give_the_same_analysis(tmp_path: Path) -> None:
    chat = str(EVAL / "en-001.txt")
    cold = _analyze_cli(chat, "--json", cache=tmp_path)
    assert cold.returncode == 0 and json.loads(cold.stdout)["findings"]
    (cache_file,) = tmp_path.glob("lexicons-*.bin")
    warm = _analyze_cli(chat, "--json", cache=tmp_path)
    assert warm.stdout == cold.stdout
    cache_file.write_bytes(cache_file.read_bytes()[:5000])  # a torn or damaged file: compiled afresh
    damaged = _analyze_cli(chat, "--json", cache=tmp_path)
    assert damaged.returncode == 0 and damaged.stdout == cold.stdout


@pytest.mark.slow
def test_jobs_keep_the_output_and_its_order(tmp_path: Path) -> None:
    folder = tmp_path / "chats"
    folder.mkdir()
    for path in sorted(EVAL.glob("*.txt"))[:16]:
        shutil.copy(path, folder / path.name)
    (folder / "broken.json").write_text("{not json", encoding="utf-8")
    one = _analyze_cli(str(folder), "--json", "--jobs", "1", cache=tmp_path / "cache")
    two = _analyze_cli(str(folder), "--json", "--jobs", "3", cache=tmp_path / "cache")
    assert one.returncode == two.returncode == 2  # the broken file is reported, the others still run
    assert one.stdout == two.stdout
    files = [json.loads(line)["file"] for line in two.stdout.splitlines()]
    assert files == sorted(files) and len(files) == 17
    assert "\r" not in two.stderr  # no progress line when the output is not a terminal
    bad = _analyze_cli(str(folder), "--jobs", "0", cache=tmp_path / "cache")
    assert bad.returncode == 2 and "--jobs" in bad.stderr and "Traceback" not in bad.stderr
