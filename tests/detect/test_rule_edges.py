"""The Latin phrases' word-edge lookbehind moved behind their first letters (`rules._edge_led`, so that `re`
skips to where a match can start) against the plain regex: the same match, span and groups, on varied texts;
and a rule's `requires` and `unless` led by their first characters (`rules._boolean_regex`): a match exactly
where the plain regex has one."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from hotline.detect.chats import load
from hotline.detect.signals import DETECTORS, rules
from hotline.detect.text.normalize import normalize

EVAL = Path(__file__).resolve().parents[2] / "eval" / "chats"
_compiler: Any = __import__("re._compiler", fromlist=["_compiler"])
_parser: Any = __import__("re._parser", fromlist=["_parser"])


def lexicon_files(*, latin_only: bool) -> Iterator[tuple[str, dict[str, str], Path, dict[str, Any]]]:
    """Each lexicon file as the loader reads it: (language, its macros, path, contents); no Khmer ones when
    `latin_only`."""
    for lang in rules.LANGUAGES:
        if latin_only and lang == "km":
            continue
        macros = rules.load_macros(lang)
        for path in sorted(Path(str(rules._lexicon_dir(lang))).glob("*.json")):
            yield lang, macros, path, json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sources() -> list[str]:
    """Every Latin phrase of every lexicon with its word edges (as the rules and phrase sets search them
    one by one), and every Latin pattern."""
    out: list[str] = []
    for _, macros, path, data in lexicon_files(latin_only=True):
        for raw in data.get("rules", []) if "signal" in data else []:  # (not personal_info's own format)
            out += [rules._LATIN_WORD_EDGE_L + "(?:" + rules.compile_phrase(p, khmer=False, macros=macros) + ")"
                    + rules._LATIN_WORD_EDGE_R for p in raw.get("phrases", [])]
            if "pattern" in raw:
                out.append(rules._regex(raw["pattern"], path, raw["id"], "pattern", macros, False).pattern)
        out += [rules._LATIN_WORD_EDGE_L + rules.compile_phrase(p, khmer=False, macros=macros)
                + rules._LATIN_WORD_EDGE_R for p in data.get("phrases", []) if "signal" not in data]
    return list(dict.fromkeys(out))


@pytest.fixture(scope="module")
def conditions() -> list[str]:
    """Every rule's `requires` and `unless` as its lexicon writes it (Khmer too)."""
    out: list[str] = []
    for lang, macros, path, data in lexicon_files(latin_only=False):
        out += [rules._regex(raw[key], path, raw["id"], key, macros, lang == "km").pattern
                for raw in (data.get("rules", []) if "signal" in data else []) for key in ("requires", "unless")
                if key in raw]
    return list(dict.fromkeys(out))


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = [normalize(t) for cls in DETECTORS for r in cls().rules.rules for t in (*r.examples, *r.counterexamples)]
    found += [normalize(m.text) for p in sorted(EVAL.glob("*.txt"))[:40] for m in load(p).messages]
    # words run on into letters and digits around them, and several phrases in one text
    found += [a + t + b for t in found[:500] for a, b in (("x", ""), ("", "s"), ("9", "9"), ("$", " "))]
    found += [a + " " + b for a, b in pairwise(found[:501])]
    return list(dict.fromkeys(found))


def test_most_phrases_are_led_by_letters_that_re_skips_to(sources: list[str]) -> None:
    edged = [s for s in sources if s.startswith(rules._LATIN_WORD_EDGE_L)]
    led = [rules._edge_led(s) for s in edged if rules._edge_led(s) != s]
    assert len(edged) > 1000 and len(led) > 0.95 * len(edged)
    for source in led:
        parsed = _parser.parse(source)
        assert _compiler._get_literal_prefix(parsed, 0)[0] or _compiler._get_charset_prefix(parsed, 0), source


def test_led_phrases_match_as_the_plain_ones(sources: list[str], texts: list[str]) -> None:
    """Phrases and patterns as `Rule.match` searches them (patterns of several alternatives, or led by `\\b`,
    led by their first characters too)."""
    compared = matched = patterns = 0
    for source in sources:
        led = rules._phrase_regex(source).pattern
        if led == source:
            continue
        patterns += not source.startswith(rules._LATIN_WORD_EDGE_L)
        plain, fast = re.compile(source), re.compile(led)
        for text in texts:
            a, b = plain.search(text), fast.search(text)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (source, text)
            compared += 1
            matched += a is not None
    assert compared > 5_000_000 and matched > 2_000 and patterns >= 3, (compared, matched, patterns)


@pytest.mark.parametrize(("source", "texts"), [
    (r"(?<![a-z0-9])(?:(?:send|snd|give|sent)\W+me)(?![a-z0-9])", ["resend me", "snd me", "x sent me", "give me"]),
    (r"(?<![a-z0-9])(?:(?:u|ur|you are) (?:a|b))", ["u a", "ur b", "you are a", "bur a", "yu a"]),
    (r"(?<![a-z0-9])(?:\-|-x|\$ ?\d+)", ["a -x", "-", "x$5", "$ 5"]),  # one character written two ways: one branch
    (r"(?<![a-z0-9])\d+?k", ["12k", "a12k", "5 k"]),
    (r"(?<![a-z0-9])(?:(?:(?:my|the) )?(?:mom|dad) knows)", ["my mom knows", "the dad knows", "mom knows", "amy mom knows",
                                                            "my  mom knows", "xmom knows", "the the mom knows"]),
])
def test_hand_made_openings(source: str, texts: list[str]) -> None:
    led = rules._edge_led(source)
    assert led != source
    for text in texts:
        a, b = re.search(source, text), re.search(led, text)
        assert (a and a.span()) == (b and b.span()), text


@pytest.fixture(scope="module")
def wholes() -> list[str]:
    """Every Latin rule's whole regex as its phrases and pattern make it (`Rule.match` searches it when the
    candidate stage names no phrases)."""
    out: list[str] = []
    for _, macros, path, data in lexicon_files(latin_only=True):
        for raw in data.get("rules", []) if "signal" in data else []:
            ways = [rules.compile_phrase(p, khmer=False, macros=macros) for p in raw.get("phrases", [])]
            alternatives = [rules._LATIN_WORD_EDGE_L + "(?:" + "|".join(ways) + ")" + rules._LATIN_WORD_EDGE_R] if ways else []
            if "pattern" in raw:
                alternatives.append(rules._regex(raw["pattern"], path, raw["id"], "pattern", macros, False).pattern)
            out.append("|".join(f"(?:{a})" for a in alternatives))
    return out


def test_whole_regexes_match_as_the_plain_ones(wholes: list[str], texts: list[str]) -> None:
    """Led by their first characters (or, with a way led by a digit, by their one check of the character before)."""
    led = [(re.compile(w), rules._phrase_regex(w)) for w in wholes if rules._phrase_regex(w).pattern != w]
    assert len(wholes) > 100 and len(led) > 0.8 * len(wholes), (len(wholes), len(led))
    assert sum(fast.pattern.startswith("(?<![a-z0-9])(?:") for _, fast in led) >= 3  # (the digits' form)
    matched = 0
    for plain, fast in led:
        for text in texts[:2500]:
            a, b = plain.search(text), fast.search(text)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (plain.pattern, text)
            matched += a is not None
    assert matched > 1_000


@pytest.mark.parametrize(("source", "texts"), [
    (r"(?:(?<![a-z0-9])(?:send\W+me|\d+\W+more|(?:your )?mom)(?![a-z0-9]))",
     ["send me", "5 more", "a5 more", "your mom", "yourmom", "x your mom", "mom", "12 more pics", "resend me", "١٢ more"]),
    (r"(?:(?<![a-z0-9])(?:pay|\d+k))|(?:(?<![a-z0-9])cash)", ["pay", "5k", "x5k", "5cash", "xcash", "repay 5k"]),
])
def test_hand_made_wholes(source: str, texts: list[str]) -> None:
    led = rules._phrase_regex(source).pattern
    assert led != source
    for text in texts:
        a, b = re.search(source, text), re.search(led, text)
        assert (a and a.span()) == (b and b.span()), text


@pytest.mark.parametrize("source", [
    r"(?:(?<![a-z0-9])(?:1 more|\d+ les))",  # a digit and `\d`: both can match at the same place
    r"(?:(?<![a-z0-9])(?:pay|\d+k))|(?:\bcash)",  # ways led by a digit, checks of two kinds: tried as they are
])
def test_wholes_left_as_they_are(source: str) -> None:
    assert rules._phrase_regex(source).pattern == source


@pytest.mark.parametrize("source", [
    r"(?<![a-z0-9])(?:a|b)|c",  # the lookbehind is the first alternative's only
    r"(?<![a-z0-9])(?:s?ab)",  # a quantified first letter
    r"(?<![a-z0-9])(?:(a)b|c\1)",  # a group that copying would renumber
    r"(?<![a-z0-9])(?:[ab]c|d)",  # a class
    r"(?:ab)",
])
def test_left_as_it_is(source: str) -> None:
    assert rules._edge_led(source) == source


def test_conditions_match_where_the_plain_ones_do(conditions: list[str], texts: list[str]) -> None:
    led = [(re.compile(c), re.compile(rules._boolean_regex(c))) for c in conditions if rules._boolean_regex(c) != c]
    assert len(conditions) > 80 and len(led) > 0.8 * len(conditions)
    matched = 0
    for plain, fast in led:
        for text in texts:
            found = plain.search(text) is not None
            assert (fast.search(text) is not None) == found, (plain.pattern, text)
            matched += found
    assert matched > 2_000


@pytest.mark.parametrize(("source", "texts"), [
    (r"(?<![a-z])(?:rent|bil)(?![a-z]) .{0,9}\$|\$\d|cash", ["rent is $", "parent is $", "$5", "ca sh", "cash"]),
    (r"\b(?:i have|ive got)\b.*nude|no clothes", ["i have a nude", "hi have a nude", "no clothes", "ive gotten nude"]),
    (r"\d ?k\b|pay", ["5 k", "5kg", "repay"]),
])
def test_hand_made_conditions(source: str, texts: list[str]) -> None:
    led = rules._boolean_regex(source)
    assert led != source
    for text in texts:
        assert (re.search(source, text) is None) == (re.search(led, text) is None), text


@pytest.mark.parametrize("source", [r"(?i)ab|cd", r"(a)b|c\1", r"\b(?:\$5|cash)"])
def test_conditions_left_as_they_are(source: str) -> None:
    assert rules._boolean_regex(source) == source
