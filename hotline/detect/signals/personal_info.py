"""Personal details disclosed in a message: phone, e-mail, address, location, social handle, school, age, ID.

Patterns are data (`lexicons/<lang>/personal_info.json`, validated when loaded); this module holds only
what cannot be data: the anchor scan that skips most rules cheaply, the validators (phone numbers through
`phonenumbers`, coordinate ranges, "is this a pet's age or a price?") and the joining of address parts.

Spans follow the evaluation set's labelling guide (eval/README.md): an age is the number alone ("14"), a
school's name and its grade are two details, an address runs from the house number or village to the last
locality. A rule may name a question list (`"after"`): it then reads only the answer to that question in
the previous message (a bare "14" after "how old are you?", an ID number after "your ID card number?",
a school's bare name after "which school?"; one without a digit is read only in a short message).

Why it is fast: one pass of an Aho–Corasick automaton over the lowercased message (in C where the candidate
stage's extension is built: `Literals`) finds digits, the anchors of the rules that need no digit, and the
words of every question list. Most messages have none:
they end there (a message that neither follows a question nor is short enough to be a bare answer costs
nothing more), and the pass has told the next message that this one asks nothing, so its `previous` is not
searched again. Otherwise the anchors that pass found (or, with a digit there, a second automaton's pass
over every rule's anchors) pick the few rules that can match, as the anchor regexes' `findall` would, and
that choice is kept per set of anchors (a bounded table); a rule's regex opens with a lookahead on the
characters its matches can start with where `re` cannot see them, and an answer rule is tried at the
message's start before its question is looked for in the previous message. Place names and "I live in" cues are read only once a house, street or administrative-unit word is there, and
only in the scripts the message uses. `phonenumbers` only sees candidates that look like an international
number (Cambodian ones are checked against its KH metadata as one regex), and its verdicts are cached;
it is imported at the first phone candidate, so a chat without one starts without it.

Khmer has no spaces between words, so Khmer patterns never rely on `\\b`; Khmer digits (០-៩) are read as
ASCII digits before matching, which keeps every offset, so `value == text[start:end]` on the original.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, Final

import ahocorasick

from hotline.detect.errors import DataError
from hotline.detect.model import (
    LANGUAGES,
    PERSONAL_INFO_TYPES,
    Conversation,
    Finding,
    Message,
    PersonalDetail,
)
from hotline.detect.signals import compiled
from hotline.detect.signals.candidates import _native_module, regex_needs
from hotline.detect.signals.compiled import LazyRegex, compile_regex, record, store
from hotline.detect.text.case import lower
from hotline.detect.text.khmer import KHMER_DIGITS
from hotline.detect.text.segment import KHMER_LETTERS, segment, starts_word

__all__ = ["PersonalInfoDetector", "find_personal_info", "load_lexicons", "preload"]

LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
SCHEMA = "hotline.personal_info/1"

DIGIT_ANCHOR = "<digit>"
#: Address parts. `strong` ones name a street or an administrative unit; `support` ones (a province, a
#: well-known district) only count beside a strong part or after "I live in"; a `cue` is never reported.
STRONG_PARTS = frozenset({"street", "sangkat", "khan", "phum", "khum", "srok"})
SUPPORT_PARTS = frozenset({"province", "district"})
PARTS = STRONG_PARTS | SUPPORT_PARTS | {"house", "street_address", "cue"}
LIST_NAMES = frozenset({
    "third_party", "age_units", "first_person_clause", "handle_context", "phone_reject_before",
    "phone_reject_after", "id_reject_before", "school_generic", "name_stops", "name_generic", "places",
    "age_question", "id_question", "name_breaks", "school_question", "age_conditional", "own_context",
    "address_question",
})
#: Around a detail whose rule names a `context` list, the words looked at: this many characters before it
#: and after it (Khmer: segmented into words, so a short word does not match inside a longer one).
CONTEXT_BEFORE = 30
CONTEXT_AFTER = 20
#: When two details overlap, the more specific type wins (an ID number is also a digit run a phone
#: rule could read; a profile link may hold a phone number).
PRIORITY: dict[str, int] = {
    "id_number": 0, "location": 1, "social_handle": 2, "email": 3, "phone": 4, "address": 5, "school": 6, "age": 7,
}

# The module's own regexes are `LazyRegex`es, compiled at first use through the compiled-form cache (the loader
# asks for each, `_OWN_REGEXES`, so that a cold cache keeps them): `re` compiling the eighteen at import cost
# about 15 M instructions, more than a chat's whole load of the lexicons.
_DIGIT: Final = re.compile(r"[0-9០-៩]")
_KHMER_DIGIT: Final = re.compile(r"[០-៩]")
_FRAGMENT: Final = LazyRegex(r"<<([A-Za-z_]+)>>")
_KHMER: Final = re.compile(r"[\u1780-\u17FF]")
_KHMER_RUN: Final = LazyRegex(f"([{KHMER_LETTERS}]+)")  # what `segment` splits into words
_LATIN: Final = LazyRegex(r"[A-Za-z]")
_TOKEN: Final = LazyRegex(r"[A-Za-z0-9][A-Za-z0-9'’.&-]*")
_NEXT_WORD: Final = LazyRegex(r"[\s\u200b]*([%$៛]|[A-Za-z']+|[\u1780-\u17D3]+)")
_LINK_TAIL = ".,!?;:)]}'\"»…"
_GAP: Final = LazyRegex(r"[\s\u200b,.;:/()\-–—]*(?:(?:in|at|of|near|នៅ|ក្នុង)[\s\u200b,.]*)?", flags=re.IGNORECASE)
_MAX_GAP = 12
_CAMBODIA_LAT = (9.5, 15.0)
_CAMBODIA_LON = (102.0, 108.0)
_LATLON_IN_URL: Final = LazyRegex(r"(?:[@=/]|q=|ll=|loc:)(-?\d{1,2}\.\d{2,8}),\s*(-?\d{1,3}\.\d{2,8})")
_COORD_CONTEXT: Final = LazyRegex(r"(?:location|gps|lat|coordinates|coords|map|here|ទីតាំង|ផែនទី)", flags=re.IGNORECASE)
_HANDLE_LIKE: Final = LazyRegex(r"[A-Za-z_][A-Za-z0-9_.]*[0-9_.][A-Za-z0-9_.]*[A-Za-z0-9_]")
_PHONE_SEPARATORS = " \t.-()\u200b"
# The checks' own patterns, compiled once (`re.search(source, ...)` looks its cache up at every call).
_LINK_PREFIX: Final = LazyRegex(r"^(?:https?://)?(?:www\.|m\.|web\.|mobile\.)?", flags=re.IGNORECASE)
_HANDLE_SAID: Final = LazyRegex(r"(?:id|name|acc|account|handle|:|=|៖)\s*$", flags=re.IGNORECASE)
_HANDLE_CHARS: Final = LazyRegex(r"[0-9_.]")
_SPACE: Final = LazyRegex(r"\s")
_WRITER_FIRST: Final = LazyRegex(r"(?:i|knhom|knyom|nhom|kyom|khnhom|nh)\b", flags=re.IGNORECASE)


class WordSet:
    """A list of words or phrases, searched as whole words for Latin script and as substrings for Khmer."""

    __slots__ = ("_regex", "words")

    def __init__(self, words: Iterable[str]) -> None:
        self.words = frozenset(lower(w) for w in words)
        # The regex's source is kept in the compiled-form cache: making it (`re.escape`, interpreted, for each
        # word) cost a tenth of the lexicons' load at every start.
        source = _kept_source("word-set:" + "\n".join(sorted(self.words)), lambda: _word_set_source(self.words))
        self._regex = compile_regex(source) if source else None

    def search(self, text: str) -> re.Match[str] | None:
        return self._regex.search(lower(text)) if self._regex else None

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and lower(word) in self.words


def _word_set_source(words: frozenset[str]) -> str:
    """A `WordSet`'s regex: Latin words whole (not inside a longer word), Khmer ones not after a coeng."""
    latin = sorted((w for w in words if not _KHMER.search(w)), key=_longest_first)
    khmer = sorted((w for w in words if _KHMER.search(w)), key=_longest_first)
    branches = []
    if latin:
        branches.append(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in latin) + r")(?![a-z0-9])")
    if khmer:
        branches.append(r"(?<!\u17D2)(?:" + "|".join(re.escape(w) for w in khmer) + ")")
    return "|".join(branches)


class Rule:
    """One pattern from a lexicon file: what it finds (`type` or address `part`), when it may run, its check.

    A plain class, never changed once made (not a frozen dataclass: making the dataclasses' methods, `exec`
    of their generated source, was a fifth of this module's import)."""

    __slots__ = ("after", "anchors", "check", "context", "digits", "id", "needs_digit", "part", "regex",
                 "requires", "requires_lower", "type")

    id: str
    regex: re.Pattern[str]
    anchors: tuple[str, ...]
    needs_digit: bool
    type: str | None
    part: str | None
    check: str | None
    after: str | None  # a list that must occur in the previous message (an answer to a question)
    context: str | None  # a list of words one of which must stand around the detail (whose it is)
    #: What every match holds, read from its regex: one string of each group (`_holds`). A text without is not
    #: searched (a coordinates rule needs "." and ",", which most messages with a digit lack; a rule anchored
    #: on "vid" needs "vityealai" or a spelling of it, which "video" is not). A case-insensitive regex's
    #: strings (`requires_lower`) are looked for in the lowercased text (`_lowered`).
    requires: tuple[tuple[str, ...], ...]
    requires_lower: tuple[tuple[str, ...], ...]
    #: The fewest digits a detail its check keeps holds (`_FEWEST_DIGITS`): a text with fewer is not searched
    #: (a phone number has eight; most messages with a digit hold a time or a price).
    digits: int

    def __init__(self, id: str, regex: re.Pattern[str], anchors: tuple[str, ...], needs_digit: bool,
                 type: str | None = None, part: str | None = None, check: str | None = None,
                 after: str | None = None, context: str | None = None,
                 requires: tuple[tuple[str, ...], ...] = (), requires_lower: tuple[tuple[str, ...], ...] = (),
                 digits: int = 0) -> None:
        self.id = id
        self.regex = regex
        self.anchors = anchors
        self.needs_digit = needs_digit
        self.type = type
        self.part = part
        self.check = check
        self.after = after
        self.context = context
        self.requires = requires
        self.requires_lower = requires_lower
        self.digits = digits

    def __repr__(self) -> str:
        return f"Rule({self.id!r})"


#: The rules a message's anchors open: its details' rules, its address parts' rules.
Plan = tuple[tuple[Rule, ...], tuple[Rule, ...]]


class Lexicons:
    """All three languages merged: rules in file order, one anchor scan, word lists joined by name.

    `anchor_rules` maps each anchor the scan can return to the rules (by position in `all_rules`) that
    it opens, including the rules of every shorter anchor it starts with ("street" opens the "st" rules).
    A plain class, never changed once made but for `plans` (see `Rule`: not a dataclass).
    """

    rules: tuple[Rule, ...]
    parts: tuple[Rule, ...]
    answers: tuple[Rule, ...]
    questions: WordSet  # every question an answer rule follows: one search decides whether any can apply
    anchors: re.Pattern[str]
    plain_anchors: re.Pattern[str]
    gate: re.Pattern[str]
    #: The gate's literals (digits, `plain_anchors`' anchors, question words) with the word edges it checks.
    gate_automaton: Literals
    #: Every anchor `anchors` finds, with its word edges: a message with a digit is read by it.
    anchor_automaton: Literals
    anchor_rules: dict[str, frozenset[int]]
    digit_rules: frozenset[int]
    support_khmer: tuple[Rule, ...]
    support_latin: tuple[Rule, ...]
    lists: dict[str, WordSet]
    khmer_stops: re.Pattern[str]
    khmer_cuts: re.Pattern[str]
    contexts: dict[str, str]  # rule id -> its context list
    #: `_plan`'s table: by the anchors found, for a message without a digit and for one with.
    plans: tuple[dict[frozenset[str], Plan], dict[frozenset[str], Plan]]
    #: Answer rules that need no digit: a message the gate drops is read only if one matches at its start.
    plain_answer_rules: tuple[Rule, ...]
    #: Each of the checks' fewest digits (ascending) with its `_at_least_source` regex (`_most_digits`).
    at_least: tuple[tuple[int, re.Pattern[str]], ...]

    def __init__(self, *, rules: tuple[Rule, ...], parts: tuple[Rule, ...], answers: tuple[Rule, ...],
                 questions: WordSet, anchors: re.Pattern[str], plain_anchors: re.Pattern[str],
                 gate: re.Pattern[str], gate_automaton: Literals, anchor_automaton: Literals,
                 anchor_rules: dict[str, frozenset[int]], digit_rules: frozenset[int],
                 support_khmer: tuple[Rule, ...], support_latin: tuple[Rule, ...], lists: dict[str, WordSet],
                 khmer_stops: re.Pattern[str], khmer_cuts: re.Pattern[str], contexts: dict[str, str] | None = None,
                 plain_answer_rules: tuple[Rule, ...] = (),
                 at_least: tuple[tuple[int, re.Pattern[str]], ...] = ()) -> None:
        self.rules = rules
        self.parts = parts
        self.answers = answers
        self.questions = questions
        self.anchors = anchors
        self.plain_anchors = plain_anchors
        self.gate = gate
        self.gate_automaton = gate_automaton
        self.anchor_automaton = anchor_automaton
        self.anchor_rules = anchor_rules
        self.digit_rules = digit_rules
        self.support_khmer = support_khmer
        self.support_latin = support_latin
        self.lists = lists
        self.khmer_stops = khmer_stops
        self.khmer_cuts = khmer_cuts
        self.contexts = {} if contexts is None else contexts
        self.plans = ({}, {})
        self.plain_answer_rules = plain_answer_rules
        self.at_least = at_least

    @property
    def all_rules(self) -> tuple[Rule, ...]:
        return self.rules + self.parts


# ---------------------------------------------------------------- loading and validation

def _longest_first(word: str) -> tuple[int, str]:
    """Longest first, then alphabetical: the same regex source in every process (a set's order is not),
    so the compiled-form cache finds it."""
    return -len(word), word


def _fail(path: Path, message: str) -> DataError:
    return DataError(f"{path.parent.name}/{path.name}: {message}")


def _trie_regex(words: Iterable[str]) -> str:
    """An alternation built as a trie, so the keyword gate costs one pass however long the list grows."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return emit(trie)


def _expand(pattern: str, fragments: dict[str, str], path: Path, rule_id: str) -> str:
    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in fragments:
            raise _fail(path, f"rule {rule_id}: unknown fragment <<{name}>>")
        return fragments[name]

    return _FRAGMENT.pattern().sub(sub, pattern)


def _fragments(raw: object, path: Path) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise _fail(path, "'fragments' must be an object")
    out: dict[str, str] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            out[name] = value
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[name] = _list_fragment(value)
        else:
            raise _fail(path, f"fragment {name!r} must be a string or a non-empty list of strings")
    return out


def _list_fragment(words: list[str]) -> str:
    """A list fragment's regex: its alternatives longest first. A list of plain words without case (Khmer place
    names) is written as a trie, which tries the words that fit at a place in the same order, longest first,
    but reads each character once, not once for every word (the Khmer place-name rules searched a third faster).
    Kept in the compiled-form cache (making it at every start cost more than it saves a chat)."""
    return _kept_source("list-fragment/1:" + "\n".join(words), lambda: _list_fragment_source(words))


def _list_fragment_source(words: list[str]) -> str:
    if all(w and re.escape(w) == w and all(ch.lower() == ch == ch.upper() for ch in w) for w in words):
        return "(?:" + _trie_regex(words) + ")"
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_sre: Any = importlib.import_module("re._constants")
_sre_parser: Any = importlib.import_module("re._parser")
_CLASS_ESCAPES: dict[Any, str] = {
    _sre.CATEGORY_DIGIT: r"\d", _sre.CATEGORY_NOT_DIGIT: r"\D", _sre.CATEGORY_SPACE: r"\s",
    _sre.CATEGORY_NOT_SPACE: r"\S", _sre.CATEGORY_WORD: r"\w", _sre.CATEGORY_NOT_WORD: r"\W",
}
_GLOBAL_FLAGS: Final = LazyRegex(r"\(\?[aiLmsux]+\)")


def _first_items(items: Any) -> tuple[list[str], bool] | None:
    """The class items (as regex source) that a match of this parsed sequence can start with, and whether
    it can match the empty string; None when anything could come first."""
    found: list[str] = []
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # zero width: the next item comes first
        if op is _sre.LITERAL:
            return [*found, re.escape(chr(av))], False
        if op is _sre.IN:
            for item_op, item in av:
                if item_op is _sre.LITERAL:
                    found.append(re.escape(chr(item)))
                elif item_op is _sre.RANGE:
                    found.append(re.escape(chr(item[0])) + "-" + re.escape(chr(item[1])))
                elif item_op is _sre.CATEGORY and item in _CLASS_ESCAPES:
                    found.append(_CLASS_ESCAPES[item])
                else:
                    return None
            return found, False
        if op is _sre.BRANCH:
            inner: tuple[list[str], bool] | None = ([], False)
            for alternative in av[1]:
                branch = _first_items(alternative)
                if branch is None or inner is None:
                    return None
                inner = (inner[0] + branch[0], inner[1] or branch[1])
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
            inner = _first_items(av[2])
            if inner is not None and av[0] == 0:
                inner = (inner[0], True)
        elif op is _sre.SUBPATTERN and not av[1] and not av[2]:  # a group that sets no flags
            inner = _first_items(av[3])
        elif op is _sre.ATOMIC_GROUP:
            inner = _first_items(av)
        else:
            return None
        if inner is None:
            return None
        found += inner[0]
        if not inner[1]:
            return found, False
    return found, True


def _with_first_class(source: str, flags: int) -> str:
    """`source` led by a lookahead on the characters its matches can start with, when the regex engine
    cannot see them itself (it does for a leading literal, class or branch of literals; not past a
    lookbehind or a group): positions that cannot start a match are then left at once. Same matches and
    groups; the rules' scans run a tenth faster on chat text. Kept in the compiled-form cache: parsing the
    rules' regexes again at every start cost a fifth of a small chat's start-up."""
    return _kept_source(f"first-class:{flags}:{source}", lambda: _led(source, flags))


def _kept_source(key: str, make: Callable[[], str]) -> str:
    """`make()`, kept in the compiled-form cache under `key` (made again only when the lexicons change)."""
    known = record(key)
    if isinstance(known, str):
        return known
    made = make()
    store(key, made)
    return made


def _led(source: str, flags: int) -> str:
    if _GLOBAL_FLAGS.pattern().match(source):
        return source
    try:
        data = _sre_parser.parse(source, flags).data
    except re.error:
        return source  # compile_regex reports it
    lead = data
    while lead and lead[0][0] is _sre.SUBPATTERN:
        lead = lead[0][1][3]
    if lead and (lead[0][0] in (_sre.LITERAL, _sre.IN, _sre.ASSERT) or (lead[0][0] is _sre.BRANCH and all(
            alternative and alternative[0][0] is _sre.LITERAL for alternative in lead[0][1][1]))):
        return source  # the engine, or the pattern's own lookahead, already skips to where a match can start
    first = _first_items(data)
    if first is None or first[1] or not first[0]:
        return source
    return "(?=[" + "".join(dict.fromkeys(first[0])) + "])(?:" + source + ")"


def _rule(raw: object, path: Path, lang: str, fragments: dict[str, str], *, is_part: bool) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(path, "each rule must be an object")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.startswith(lang + "."):
        raise _fail(path, f"rule id {rule_id!r} must be a string starting with '{lang}.'")
    after = raw.get("after")
    if after is not None and after not in LIST_NAMES:
        raise _fail(path, f"rule {rule_id}: 'after' must name a list, one of {sorted(LIST_NAMES)}")
    context = raw.get("context")
    if context is not None and context not in LIST_NAMES:
        raise _fail(path, f"rule {rule_id}: 'context' must name a list, one of {sorted(LIST_NAMES)}")
    anchors = raw.get("anchors", [] if after else None)
    if not isinstance(anchors, list) or not (anchors or after) or not all(isinstance(a, str) and a for a in anchors):
        raise _fail(path, f"rule {rule_id}: 'anchors' must be a non-empty list of strings")
    if any(a != lower(a) for a in anchors):
        raise _fail(path, f"rule {rule_id}: anchors are matched on lowercased text, so write them lowercase")
    needs = raw.get("needs", [])
    if needs not in ([], ["digit"]):
        raise _fail(path, f"rule {rule_id}: 'needs' may only be [\"digit\"]")
    check = raw.get("check")
    if check is not None and check not in CHECKS:
        raise _fail(path, f"rule {rule_id}: unknown check {check!r}")
    flags = raw.get("flags", [])
    if not isinstance(flags, list) or not set(flags) <= {"i"}:
        raise _fail(path, f"rule {rule_id}: 'flags' may only hold 'i'")
    pattern = raw.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise _fail(path, f"rule {rule_id}: 'pattern' must be a non-empty string")
    try:
        flag = re.IGNORECASE if "i" in flags else 0
        regex = compile_regex(_with_first_class(_expand(pattern, fragments, path, rule_id), flag), flag)
    except re.error as exc:
        raise _fail(path, f"rule {rule_id}: bad pattern: {exc}") from exc
    if is_part:
        part = raw.get("part")
        if part not in PARTS:
            raise _fail(path, f"rule {rule_id}: 'part' must be one of {sorted(PARTS)}")
        return Rule(rule_id, regex, tuple(anchors), bool(needs), part=part, check=check, context=context,
                    requires=_requires(regex, False), requires_lower=_requires(regex, True),
                    digits=_FEWEST_DIGITS.get(check or "", 0))
    kind = raw.get("type")
    if kind not in PERSONAL_INFO_TYPES:
        raise _fail(path, f"rule {rule_id}: 'type' must be one of {PERSONAL_INFO_TYPES}")
    return Rule(rule_id, regex, tuple(anchors), bool(needs), type=kind, check=check, after=after, context=context,
                requires=_requires(regex, False), requires_lower=_requires(regex, True),
                digits=_FEWEST_DIGITS.get(check or "", 0))


#: A group of more strings than this is left out of a rule's `requires`: looking for each costs more than
#: the regex's own search (a list of place names).
_MAX_REQUIRED = 8


def _requires(regex: re.Pattern[str], lowered: bool) -> tuple[tuple[str, ...], ...]:
    """A rule's `requires` (`lowered`: `requires_lower`; none for the other kind of regex): the strings every match of its regex holds, one of each group
    (`candidates.regex_needs`: the candidate stage's reading of a regex's parse tree), lowercased for a
    case-insensitive regex, where a group holding a letter with other cases than ASCII's is left out. Kept in
    the compiled-form cache: parsing every rule's regex at each start would cost a few milliseconds."""
    folded = bool(regex.flags & re.IGNORECASE)
    if folded != lowered:
        return ()
    key = f"requires/1:{int(folded)}:{regex.pattern}"
    found = record(key)
    if not isinstance(found, tuple):
        groups = (tuple(text for text, _, _ in literals) for literals in regex_needs(regex.pattern, signs=True))
        found = tuple(group for group in ((tuple(lower(t) for t in g) if folded else g) for g in groups)
                      if len(group) <= _MAX_REQUIRED and not (folded and any(
                          not ch.isascii() and ch.lower() + ch.upper() != ch + ch for t in group for ch in t)))
        store(key, found)
    return found


#: Characters a case-insensitive regex reads as ASCII letters that lowercasing keeps apart ("ſ" is "s"):
#: in a text holding one, a rule's `requires_lower` is not looked for.
_FOLDS_TO_ASCII: Final = "\u017f\u0131\u212a\u0130"


def _lowered(text: str) -> str | None:
    """`text` lowercased, where a case-insensitive regex's match holds its strings lowercased; else None.
    Four `in` tests, not a regex's search: none of the four fits in a Latin-1 text's bytes, where `in`
    answers at once (a regex's search cost five times the lowercasing)."""
    if not text.isascii():
        for ch in _FOLDS_TO_ASCII:
            if ch in text:
                return None
    return lower(text)


#: The fewest digits (`str.isdigit`) of the text a detail kept by these checks holds, whatever the rule's
#: regex: `_phone_digits` counts eight or more in the span it keeps, `_check_id_number` nine.
_FEWEST_DIGITS: Final[dict[str, int]] = {"phone": 8, "id_number": 9}
_ASCII_DIGITS: Final = b"0123456789"


#: What can be a digit (`str.isdigit`): any character but ASCII's others, Khmer's letters and signs (not its
#: numerals ០-៩, nor the block's unassigned places) and the zero-width spaces (`_NOT_DIGITS`, the tests check
#: that none of these is a digit).
_NOT_DIGITS: Final = "\x00-/:-\x7f\u1780-\u17dd\u17f0-\u17f9\u200b-\u200d"
_MAYBE_DIGIT: Final = f"[^{_NOT_DIGITS}]"


def _at_least_source(fewest: int) -> str:
    """Whether a text holds `fewest` characters that can be digits, matched at its start: one pass (a possessive
    run of the others between them). Compiled with the lexicons (`Lexicons.at_least`), from the compiled-form
    cache: `re` compiling its classes at every import cost more than the pass saved on an English chat."""
    return f"(?:[{_NOT_DIGITS}]*+[^{_NOT_DIGITS}]){{{fewest}}}"


def _most_digits(text: str, at_least: Sequence[tuple[int, re.Pattern[str]]] | None = None) -> int:
    """At least as many as the digits (`str.isdigit`) in `text`: their count in an ASCII text, where only 0-9
    are (one C pass over its bytes, a third of a phone regex's search); elsewhere one less than the first of
    the checks' fewest digits (`at_least`: the lexicons') that the characters that can be digits do not reach
    (a Khmer message's numerals are ASCII ones by now; a third of a phone regex's search, half of counting
    them), else the text's length."""
    if text.isascii():
        return len(text) - len(text.encode().translate(None, _ASCII_DIGITS))
    for fewest, regex in _lexicons().at_least if at_least is None else at_least:
        if regex.match(text) is None:
            return fewest - 1
    return len(text)


def _holds(text: str, requires: tuple[tuple[str, ...], ...]) -> bool:
    """Whether `text` holds one string of each group of a rule's `requires`."""
    for group in requires:
        for literal in group:
            if literal in text:
                break
        else:
            return False
    return True


def _anchor_scan(anchors: Iterable[str]) -> re.Pattern[str]:
    """One regex that finds every anchor: Latin ones start a word ("ig" not inside "big") and short ones
    are whole words ("st" not in "stop"); Khmer ones may start anywhere.

    Each branch opens with a lookahead on the characters its anchors start with, which lets `re` skip
    most positions cheaply (the scan runs 1.7 times faster than without it). The source is kept in the
    compiled-form cache (making its tries cost a sixth of the lexicons' load at every start).
    """
    chosen = sorted(set(anchors))
    return compile_regex(_kept_source("anchor-scan:" + "\n".join(chosen), lambda: _anchor_scan_source(chosen)))


def _anchor_scan_source(anchors: list[str]) -> str:
    words = sorted(a for a in anchors if a[0].isalpha() and a[0].isascii())
    longer = [a for a in words if len(a) > 2]
    short = [a for a in words if len(a) <= 2]
    others = sorted(a for a in anchors if not (a[0].isalpha() and a[0].isascii()))
    scans = []
    if words:
        latin = "|".join(([_trie_regex(longer)] if longer else []) + ([_trie_regex(short) + "(?![a-z])"] if short else []))
        scans.append(_starts(words) + r"(?<![a-z])(?:" + latin + ")")
    if others:
        scans.append(_starts(others) + "(?:" + _trie_regex(others) + ")")
    return "|".join(f"(?:{scan})" for scan in scans) or r"(?!)"


#: Letters by how often chat text holds them (English, then Khmer; counted on eval/chats).
_COMMON_LETTERS = "etaoinsrhldcumfpgwybvkxjqz" "្ានរបកមងសុល់តយទើេអូិចីញំខគ៉វណដហពៅែផោថជួះឹធៀភឯៃឱ័ឡឬ៎៊ឆឃ"
#: What a literal of the gate's automaton tells: a digit or an anchor is there (a rule may open), which
#: of the two, a question word may be there.
_OPENS: Final = 1
_ANCHOR: Final = 2
_DIGITS: Final = 4
_ASKS: Final = 8
#: Each Khmer numeral's own bit (`KHMER_DIGITS`: ០-៩, and ៰-៹, which tell nothing else): the scan says which
#: numerals a message holds, so they are made ASCII without looking for each of twenty in its text.
_NUMERAL_BITS: Final = tuple((16 << i, chr(code), digit) for i, (code, digit) in enumerate(KHMER_DIGITS.items()))
_ANY_NUMERAL_BITS: Final = sum(bit for bit, _, _ in _NUMERAL_BITS)
#: The bits of ០-៩ (`_KHMER_DIGIT`): the numerals that make a message's digits be read as ASCII ones.
_KHMER_DIGIT_BITS: Final = sum(bit for bit, numeral, _ in _NUMERAL_BITS if _KHMER_DIGIT.match(numeral))


def _automaton(keys: dict[str, tuple[int, bool, bool, int]]) -> Any:
    """An Aho–Corasick automaton of `keys` (pyahocorasick: `Literals`' Python path). Keys go in commonest
    first letter first: a node looks its children up one by one, in the order they were added, and the root
    is looked at for nearly every character (a tenth to a sixth faster on chat). Placeholder keys for common
    characters that start no key (so that the root finds them at once) were tried: fewer instructions on
    English, a sixth slower on Khmer."""
    rank = {ch: i for i, ch in enumerate(_COMMON_LETTERS)}
    automaton = ahocorasick.Automaton()
    for key in sorted(keys, key=lambda k: (rank.get(k[0], len(rank)), k)):
        automaton.add_word(key, keys[key])
    automaton.make_automaton()
    return automaton


#: What continues a word where a Latin anchor must start or end one (the anchor regexes' `(?<![a-z])`).
_WORD_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"
_NO_ANCHORS: Final[frozenset[str]] = frozenset()
#: The one character whose lowercase is longer (two characters): a text holding it is lowercased first.
LENGTHENS: Final = "\u0130"
#: Lowercase letters `str.lower` gives by context (a final sigma): a literal holding one is found in the
#: lowercased text, not by the C scan's lowercasing as it reads.
_BY_CONTEXT: Final = frozenset("σς")
Scan = Callable[[str], tuple[int, frozenset[str] | None]]


class Literals:
    """An automaton's literals, each valued (length, must start a word, must end a word, what it tells), and
    what one pass over a lowercased text finds of them: `scan(lower)` gives the OR of what the literals there
    tell (word edges checked) and the `_ANCHOR` ones `_found` keeps (None for none); `scan_lower(text)` gives
    `scan(lower(text))` for a text without `LENGTHENS`, lowercasing as it reads where it runs in C.

    In C when the candidate stage's extension is in use (`_automaton.Literals`: pyahocorasick's iterator, the
    loop over its hits and lowercasing the message were 5-8 % of a compiled run), else pyahocorasick and the
    loop below, the reference (`tests/detect/test_personal_info_native.py` compares the two). Both scans are
    attributes, the extension's own methods where it runs: a call costs no Python frame."""

    def __init__(self, keys: dict[str, tuple[int, bool, bool, int]], *, native: bool | None = None) -> None:
        """`native`: answer with the C extension (None: when it is usable; True: it must be; False: Python)."""
        self.keys = keys
        module = _native_module() if native is None or native else None
        made = getattr(module, "Literals", None)  # (None from an extension built before it had them)
        if native and made is None:
            raise RuntimeError("the C extension is not built (or is stale, or HOTLINE_PURE_PYTHON=1)")
        self._native: Any = None
        self._automaton: Any = None
        self.scan: Scan = self._scan
        self.scan_lower: Scan = self._scan_lower
        if made is not None:
            self._native = made([(k, v[1], v[2], v[3]) for k, v in keys.items()], _ANCHOR, _WORD_LETTERS)
            self.scan = self._native.scan
            if not any(ch in _BY_CONTEXT for k in keys for ch in k):
                self.scan_lower = self._native.scan_lower
        elif keys:
            self._automaton = _automaton(keys)

    @property
    def native(self) -> bool:
        return self._native is not None

    def twin(self, *, native: bool) -> Literals:
        """The same literals answering in C or in Python (what the tests compare)."""
        return Literals(self.keys, native=native)

    def _scan_lower(self, text: str) -> tuple[int, frozenset[str] | None]:
        return self.scan(lower(text))

    def _scan(self, lower: str) -> tuple[int, frozenset[str] | None]:
        tells = 0
        anchors: list[tuple[int, int]] | None = None
        if self._automaton is None:
            return tells, None
        for end, (size, word_start, word_end, kind) in self._automaton.iter(lower):
            start = end - size + 1
            if word_start and start and "a" <= lower[start - 1] <= "z":
                continue
            if word_end and "a" <= lower[end + 1:end + 2] <= "z":
                continue
            tells |= kind
            if kind & _ANCHOR:
                if anchors is None:
                    anchors = []
                anchors.append((start, size))
        return tells, (_found(lower, anchors) if anchors else None)


def _anchor_key(anchor: str) -> tuple[int, bool, bool, int]:
    """An anchor's value in the automata: its length and word edges as `_anchor_scan` reads it (a Latin
    anchor starts a word; one of one or two letters is a whole word)."""
    latin = anchor[0].isalpha() and anchor[0].isascii()
    return len(anchor), latin, latin and len(anchor) <= 2, _OPENS | _ANCHOR


def _gate_automaton(anchors: Iterable[str], questions: Iterable[str]) -> Literals:
    """The regex gate's literals in one automaton: each digit, and each anchor with its word edges. The
    question lists' words ride along (telling `_ASKS`): the same pass tells the next message whether this
    one can be a question."""
    keys: dict[str, tuple[int, bool, bool, int]] = {}
    for anchor in anchors:
        keys[anchor] = _anchor_key(anchor)
    for digit in "0123456789":  # `_DIGIT`, with the Khmer numerals below
        keys[digit] = (1, False, False, _OPENS | _DIGITS)
    for bit, numeral, _ in _NUMERAL_BITS:
        keys[numeral] = (1, False, False, _OPENS | _DIGITS | bit if _KHMER_DIGIT.match(numeral) else bit)
    for question in questions:
        keys.setdefault(question, (len(question), False, False, _ASKS))
    return Literals(keys)


def _scan(lex: Lexicons, lower: str) -> tuple[bool, bool]:
    """(whether `lex.gate.search(lower)` finds something, whether a question list's word may be there)."""
    tells, _ = lex.gate_automaton.scan(lower)
    return bool(tells & _OPENS), bool(tells & _ASKS)


def _found(lower: str, places: list[tuple[int, int]]) -> frozenset[str]:
    """The anchors `findall` of the anchor regex returns, from where they are: left to right, the longest
    one starting at a place, the next one only after it ends (the regex is a trie of the same anchors
    with the same word edges, so at each place it matches the longest)."""
    found: set[str] = set()
    after = 0
    for start, size in sorted(places, key=_longest_at):
        if start >= after:
            found.add(lower[start:start + size])
            after = start + size
    return frozenset(found)


def _longest_at(place: tuple[int, int]) -> tuple[int, int]:
    return place[0], -place[1]


def _starts(words: Iterable[str]) -> str:
    return "(?=[" + "".join(re.escape(ch) for ch in sorted({w[0] for w in words})) + "])"


def _khmer_words(words: Sequence[str]) -> re.Pattern[str]:
    """Where one of the Khmer `words` starts (not after a coeng): a trie led by their first characters. Only
    whether and where one starts is read (a name's stop words and place names), which the alternation of
    the words gave too, at four times the cost: `re` tried each of the hundred words at every position.
    The source is kept in the compiled-form cache (making the trie again cost 1.5 ms of every start)."""
    return compile_regex(_kept_source("khmer-words:" + "|".join(words), lambda: _khmer_words_source(words)))


def _khmer_words_source(words: Sequence[str]) -> str:
    body = r"(?<!\u17D2)(?:" + _trie_regex(words) + ")"
    return _starts(words) + body if words else body


def load_lexicons(directory: Path = LEXICON_DIR) -> Lexicons:
    """Read and validate `<lang>/personal_info.json` for every language; bad data raises DataError."""
    rules: list[Rule] = []
    parts: list[Rule] = []
    lists: dict[str, set[str]] = {name: set() for name in LIST_NAMES}
    seen: set[str] = set()
    for lang in LANGUAGES:
        path = directory / lang / "personal_info.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise _fail(path, f"cannot be read: {exc}") from exc
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or data.get("language") != lang:
            raise _fail(path, f"must be an object with schema {SCHEMA!r} and language {lang!r}")
        fragments = _fragments(data.get("fragments", {}), path)
        for key, target, is_part in (("rules", rules, False), ("address_parts", parts, True)):
            raw_rules = data.get(key, [])
            if not isinstance(raw_rules, list):
                raise _fail(path, f"'{key}' must be a list")
            for raw in raw_rules:
                rule = _rule(raw, path, lang, fragments, is_part=is_part)
                if rule.id in seen:
                    raise _fail(path, f"rule id {rule.id} is not unique")
                seen.add(rule.id)
                target.append(rule)
        raw_lists = data.get("lists", {})
        if not isinstance(raw_lists, dict):
            raise _fail(path, "'lists' must be an object")
        for name, values in raw_lists.items():
            if name not in LIST_NAMES:
                raise _fail(path, f"unknown list {name!r}")
            if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                raise _fail(path, f"list {name!r} must hold non-empty strings")
            lists[name].update(values)
    answers = [r for r in rules if r.after]
    rules = [r for r in rules if not r.after]
    every = rules + parts
    # A cue ("I live in") or a province or district name never makes an address alone: those parts are
    # read only once a house, street or administrative-unit part is there, so they open no rules.
    secondary = frozenset(i for i, rule in enumerate(every) if rule.part == "cue" or rule.part in SUPPORT_PARTS)
    by_anchor: dict[str, set[int]] = {}
    plain: set[str] = set()  # anchors of rules that can match text without a digit
    for i, rule in enumerate(every):
        if i in secondary:
            continue
        for anchor in rule.anchors:
            by_anchor.setdefault(anchor, set()).add(i)
            if not rule.needs_digit:
                plain.add(anchor)
    digit_rules = frozenset(by_anchor.pop(DIGIT_ANCHOR, set()))
    plain.discard(DIGIT_ANCHOR)
    # Each anchor's own rules and those of every anchor it starts with: its prefixes looked up (comparing
    # every pair of the 200 anchors cost a fifth of the load).
    anchor_rules = {
        a: frozenset().union(*(by_anchor[a[:n]] for n in range(1, len(a) + 1) if a[:n] in by_anchor))
        for a in by_anchor
    }
    # Every list the previous message is searched for (`find_personal_info`): its questions.
    asking = sorted({r.after for r in answers if r.after} | {"address_question"})
    stops = sorted((w for w in lists["name_stops"] if _KHMER.search(w)), key=_longest_first)
    cuts = sorted(set(stops) | {w for w in lists["places"] if _KHMER.search(w)}, key=_longest_first)
    plain_anchors = _anchor_scan(plain)
    lexicons = Lexicons(
        rules=tuple(rules),
        parts=tuple(parts),
        answers=tuple(answers),
        questions=WordSet(w for name in {r.after for r in answers if r.after} for w in lists[name]),
        anchors=_anchor_scan(by_anchor),
        plain_anchors=plain_anchors,
        gate=compile_regex(_DIGIT.pattern + "|" + plain_anchors.pattern),
        gate_automaton=_gate_automaton(plain, (lower(w) for name in asking for w in lists[name])),
        anchor_automaton=Literals({anchor: _anchor_key(anchor) for anchor in by_anchor}),
        anchor_rules=anchor_rules,
        digit_rules=digit_rules,
        support_khmer=tuple(every[i] for i in sorted(secondary) if every[i].id.startswith("km.")),
        support_latin=tuple(every[i] for i in sorted(secondary) if not every[i].id.startswith("km.")),
        lists={name: WordSet(values) for name, values in lists.items()},
        khmer_stops=_khmer_words(stops),
        khmer_cuts=_khmer_words(cuts),
        contexts={r.id: r.context for r in every + answers if r.context},
        plain_answer_rules=tuple(r for r in answers if r.after and not r.needs_digit),
        at_least=tuple((n, compile_regex(_at_least_source(n))) for n in sorted(set(_FEWEST_DIGITS.values()))),
    )
    for regex in _OWN_REGEXES:
        regex.pattern()  # (from the cache; compiled and kept in it when cold)
    compiled.flush()  # the regexes compiled above, for the next start
    return lexicons


# ---------------------------------------------------------------- checks (the one hook a rule may name)

Check = Callable[["Lexicons", Rule, re.Match[str], str], "PersonalDetail | None"]


def _detail(rule: Rule, text: str, start: int, end: int, normalized: str | None = None,
            kind: str | None = None) -> PersonalDetail | None:
    while end > start and text[end - 1] in " \t\u200b\n":
        end -= 1
    if end <= start:
        return None
    return PersonalDetail(type=kind or rule.type or "address", value=text[start:end], start=start, end=end,
                          normalized=normalized, rule=rule.id)


def _span(m: re.Match[str]) -> tuple[int, int]:
    if "v" in m.re.groupindex and m.group("v") is not None:
        return m.span("v")
    return m.span()


def _next_word(text: str, end: int) -> str:
    m = _NEXT_WORD.pattern().match(text, end)
    return lower(m.group(1)) if m else ""


def _check_email(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span()
    return _detail(rule, text, s, e, lower(text[s:e]))


_SPELLED: Final = LazyRegex(r"\s*(?:\[at\]|\(at\)|\s+at\s+)\s*|\s*(?:\[dot\]|\(dot\)|\s+dot\s+|\.)\s*", flags=re.IGNORECASE)


def _check_email_spelled(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span()
    pieces = _SPELLED.pattern().split(text[s:e])
    if len(pieces) < 3:
        return None
    local, domain = ".".join(pieces[:-2]), ".".join(pieces[-2:])
    return _detail(rule, text, s, e, lower(f"{local}@{domain}"))


def _strip_link(text: str, s: int, e: int) -> int:
    while e > s and text[e - 1] in _LINK_TAIL:
        e -= 1
    return e


def _check_link(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span()
    e = _strip_link(text, s, e)
    value = text[s:e]
    norm = _LINK_PREFIX.pattern().sub("", value)
    if "/" not in norm or (norm.endswith("/") and norm.count("/") == 1):
        return None
    return _detail(rule, text, s, e, lower(norm))


def _check_map_link(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span()
    e = _strip_link(text, s, e)
    value = text[s:e]
    if "/" not in value.split("//", 1)[-1] and "?" not in value:
        return None
    coords = _LATLON_IN_URL.pattern().search(value)
    norm = None
    if coords and abs(float(coords.group(1))) <= 90 and abs(float(coords.group(2))) <= 180:
        norm = f"{float(coords.group(1))},{float(coords.group(2))}"
    return _detail(rule, text, s, e, norm)


def _check_coordinates(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    lat_s, lon_s = m.group("lat"), m.group("lon")
    lat, lon = float(lat_s), float(lon_s)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    decimals = min(len(lat_s.split(".")[1]), len(lon_s.split(".")[1]))
    in_cambodia = _CAMBODIA_LAT[0] <= lat <= _CAMBODIA_LAT[1] and _CAMBODIA_LON[0] <= lon <= _CAMBODIA_LON[1]
    context = rule.id.startswith("km.") or _COORD_CONTEXT.pattern().search(text, max(0, m.start() - 30), m.start())
    if not (decimals >= 4 or in_cambodia or context):
        return None
    s = m.start("lat") if rule.id.startswith("km.") else m.start()
    return _detail(rule, text, s, m.end(), f"{lat},{lon}")


def _dms_to_float(deg: str, minutes: str, seconds: str, hemisphere: str) -> float:
    value = float(deg) + float(minutes) / 60 + float(seconds) / 3600
    return -value if hemisphere in "SW" else value


_DMS_PART: Final = LazyRegex(r"(\d{1,3})°\s?(\d{1,2})['′]\s?(\d{1,2}(?:\.\d+)?)(?:\"|″|'')\s?([NSEW])")


def _check_dms(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    parts = _DMS_PART.pattern().findall(m.group())
    if len(parts) != 2:
        return None
    lat, lon = (_dms_to_float(*p) for p in parts)
    return _detail(rule, text, m.start(), m.end(), f"{lat:.6f},{lon:.6f}")


def _check_handle_context(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span()
    while e > s and text[e - 1] == ".":
        e -= 1
    if e - s < 3:
        return None
    # "@sokha_99" names an account by itself; "@Dara" alone is a mention in a group chat.
    if not _HANDLE_LIKE.pattern().fullmatch(text, s + 1, e) and not lex.lists["handle_context"].search(text[max(0, s - 30):s]):
        return None
    return _detail(rule, text, s, e, lower(text[s:e]))


def _check_handle_token(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span("v")
    while e > s and text[e - 1] == ".":
        e -= 1
    value = text[s:e]
    explicit = _HANDLE_SAID.pattern().search(text[m.start():s])
    looks_like_handle = value.startswith("@") or _HANDLE_CHARS.pattern().search(value)
    if not (explicit or looks_like_handle) or lower(value) in lex.lists["school_generic"]:
        return None
    if value.isdigit():
        return None  # a number after "line:" is a phone or a count, not a handle
    return _detail(rule, text, s, e, lower(value).lstrip("@"))


_KH_PATTERN: Final[list[re.Pattern[str]]] = []


def _cambodian_pattern() -> re.Pattern[str]:
    """Valid Cambodian national numbers, straight from phonenumbers' own metadata for KH.

    Matching this pattern gives the same verdict as `phonenumbers.is_valid_number` for a KH number (the
    tests check that) at a fraction of the cost of `parse`, which matters because most phones in
    Hotline's chats are Cambodian. Its source is kept in the compiled-form cache under the content of
    phonenumbers' KH metadata file, found without importing phonenumbers: importing it cost about as much
    as the whole personal-details pass over 20,000 messages, at the first phone number of every run (and in
    `preload`, before workers fork)."""
    if not _KH_PATTERN:
        _KH_PATTERN.append(compile_regex(_kept_cambodian_source()))
    return _KH_PATTERN[0]


def _kept_cambodian_source() -> str:
    """`_cambodian_source()`, from the compiled-form cache when it holds it for this KH metadata; made and
    stored otherwise (the cache file written then, and only then: a run that merely read it writes nothing)."""
    key = _kh_metadata_key()
    kept = record(key) if key is not None else None
    if isinstance(kept, str):
        return kept
    source = _cambodian_source()
    if key is not None:
        store(key, source)
        compile_regex(source)  # its program too
        compiled.flush()
    return source


def _kh_metadata_key() -> str | None:
    """The cache key of the KH pattern: a digest of the file phonenumbers reads KH's metadata from, found as
    the import system would find it but without importing it (None: not found as a readable file)."""
    try:
        spec = importlib.util.find_spec("phonenumbers")
        folders = spec.submodule_search_locations if spec is not None else None
        if not folders:
            return None
        with open(os.path.join(next(iter(folders)), "data", "region_KH.py"), "rb") as fh:
            data = fh.read()
    except (ImportError, OSError, ValueError):
        return None
    return "kh-phone-pattern/1:" + hashlib.sha256(data).hexdigest()


def _cambodian_source() -> str:
    """The KH pattern's source, read from phonenumbers' metadata (importing phonenumbers)."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region("KH")
    if meta is None:  # pragma: no cover - phonenumbers always ships KH
        raise DataError("phonenumbers has no metadata for Cambodia (KH)")
    descs = [meta.fixed_line, meta.mobile, meta.toll_free, meta.premium_rate, meta.shared_cost, meta.voip,
             meta.personal_number, meta.uan, meta.pager, meta.voicemail]
    patterns = [d.national_number_pattern for d in descs if d is not None and d.national_number_pattern]
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _parse_phone(candidate: str) -> str | None:
    """E.164 form of a candidate ("+4479..." or a Cambodian national "0xx..."), or None if not valid."""
    if candidate.startswith("0"):
        national = candidate[1:]
    elif candidate.startswith("+855"):
        national = candidate[4:]
    else:
        return _parse_international(candidate)
    return "+855" + national if _cambodian_pattern().fullmatch(national) else None


@lru_cache(maxsize=4096)
def _parse_international(candidate: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(candidate, "KH")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _phone_digits(text: str, s: int, e: int) -> str | None:
    """The candidate as phonenumbers should see it, or None if it cannot be a phone number at all."""
    plus = (s > 0 and text[s - 1] == "+") or text[s] == "+"
    digits = "".join(ch for ch in text[s:e] if ch.isdigit())
    if plus:
        return "+" + digits if 8 <= len(digits) <= 15 else None
    if digits.startswith("00") and len(digits) >= 10 and digits[2] != "0":
        return "+" + digits[2:] if len(digits) <= 17 else None
    if digits.startswith("855") and 11 <= len(digits) <= 12:
        return "+" + digits
    if digits.startswith("0") and 9 <= len(digits) <= 10:
        return digits
    return None


def _digit_groups(text: str, s: int, e: int) -> list[tuple[int, int]]:
    groups: list[tuple[int, int]] = []
    i = s
    while i < e:
        if text[i].isdigit():
            j = i
            while j < e and text[j].isdigit():
                j += 1
            groups.append((i, j))
            i = j
        else:
            i += 1
    return groups


def _phone_context_ok(lex: Lexicons, text: str, s: int, e: int) -> bool:
    if lex.lists["phone_reject_before"].search(text[max(0, s - 14):s]):
        return False
    following = _next_word(text, e)
    return not (following and following in lex.lists["phone_reject_after"])


def _balanced(text: str, s: int, e: int) -> tuple[int, int]:
    """Widen or trim a phone span so its brackets pair up: "(+855) 12 345 678", not "+855) 12 345 678"."""
    value = text[s:e]
    if value.count(")") > value.count("(") and s > 0 and text[s - 1] == "(":
        s -= 1
    elif value.count("(") > value.count(")") and value.startswith("("):
        s += 1
    return s, e


def _check_phone(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> list[PersonalDetail]:
    s, e = m.span()
    while s < e and text[s] in " \t(":
        s += 1
    found: list[PersonalDetail] = []
    candidate = _phone_digits(text, s, e)
    norm = _parse_phone(candidate) if candidate else None
    if norm:
        start = s - 1 if s > 0 and text[s - 1] == "+" and text[s] != "+" else s
        if _phone_context_ok(lex, text, start, e):
            start, e = _balanced(text, start, e)
            d = _detail(rule, text, start, e, norm)
            return [d] if d else []
        return []
    groups = _digit_groups(text, s, e)
    i = 0
    while i < len(groups):
        for j in range(len(groups), i, -1):
            gs, ge = groups[i][0], groups[j - 1][1]
            if text[gs - 1:gs] == "(":
                gs -= 1
            if gs > s and text[gs - 1] == "+":
                gs -= 1
            sub = _phone_digits(text, gs, ge)
            norm = _parse_phone(sub) if sub else None
            if norm and _phone_context_ok(lex, text, gs, ge):
                d = _detail(rule, text, *_balanced(text, gs, ge), norm)
                if d:
                    found.append(d)
                i = j - 1
                break
        i += 1
    return found


def _check_id_number(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span("v")
    digits = "".join(ch for ch in text[s:e] if ch.isdigit())
    if not 9 <= len(digits) <= 12:
        return None
    if lex.lists["id_reject_before"].search(text[max(0, m.start() - 12):m.start() + 3]):
        return None
    return _detail(rule, text, s, e, digits)


def _check_passport(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    s, e = m.span("v")
    return _detail(rule, text, s, e, _SPACE.pattern().sub("", text[s:e]).upper())


def _age_value(lex: Lexicons, m: re.Match[str], text: str, group: str = "age") -> int | None:
    """The age in `group`, or None when the number is a count, a time, a price or out of range."""
    end = m.end(group)
    age = int(m.group(group))
    if not 5 <= age <= 99:
        return None
    following = _next_word(text, end)
    if following and following in lex.lists["age_units"]:
        return None
    after = text[end:end + 2]
    if after[:1] in {"+", "%", "$", ":", "x", "៛"} or (after[:1] in ".,/-" and after[1:].isdigit()):
        return None
    return age


def _age(rule: Rule, m: re.Match[str], text: str, age: int, group: str = "age") -> PersonalDetail | None:
    """The labelling convention: an age is the number alone ("14", "១៤"), not "I'm 14"."""
    return _detail(rule, text, m.start(group), m.end(group), str(age))


def _check_age(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    age = _age_value(lex, m, text)
    if age is None:
        return None
    if lex.lists["third_party"].search(text[max(0, m.start() - 12):m.start()]) and not _WRITER_FIRST.pattern().match(m.group()):
        return None
    return _age(rule, m, text, age)


def _check_age_writer(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    """A bare "13 years old" counts as a disclosed age only when nothing says it is a pet's, a sibling's
    or a thing's (or asks a question: "are you 13 years old?")."""
    age = _age_value(lex, m, text)
    if age is None:
        return None
    clause_start = max(text.rfind(mark, 0, m.start()) for mark in ".!?\n;") + 1
    clause = text[clause_start:m.start()].strip(" ,:-\t")
    if clause:
        if lex.lists["third_party"].search(clause):
            return None
        if not lex.lists["first_person_clause"].search(clause) and len(clause.split()) > 2:
            return None
    return _age(rule, m, text, age)


def _check_age_km(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    age = _age_value(lex, m, text)
    if age is None or lex.lists["third_party"].search(text[max(0, m.start() - 15):m.start()]):
        return None
    return _age(rule, m, text, age)


def _check_age_turns(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    """"she turns 12", "គាត់គ្រប់១២ឆ្នាំ", "kat krob 12 chnam": a person reaching an age, told by anyone
    (a parent gives a daughter's age away too), but not a condition ("wait until you turn 18")."""
    age = _age_value(lex, m, text)
    if age is None:
        return None
    clause_start = max(text.rfind(mark, 0, m.start()) for mark in ".!?\n;។៕") + 1
    if lex.lists["age_conditional"].search(text[max(clause_start, m.start() - 25):m.start()]):
        return None
    return _age(rule, m, text, age)


def _check_age_pair(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> list[PersonalDetail]:
    """"bong 17 oun 15", "បង១៧ អូន១៥": two people's ages side by side, each its own detail."""
    found: list[PersonalDetail] = []
    for group in ("age", "age2"):
        age = _age_value(lex, m, text, group)
        if age is None:
            return []
        d = _age(rule, m, text, age, group)
        if d:
            found.append(d)
    return found


def _check_grade(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    grade = int(m.group("grade"))
    if not 1 <= grade <= 12:
        return None
    following = _next_word(text, m.end())
    if following and following in lex.lists["age_units"]:
        return None
    return _detail(rule, text, *_span(m))


def _check_school_name(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    """Keep a school only when its name says which school ("Sisowath High School", not "my school")."""
    generic = lex.lists["school_generic"]
    tokens = list(_TOKEN.pattern().finditer(text, m.start("name"), m.end("name")))
    first = next((t for t in tokens if lower(t.group()).rstrip(".") not in generic), None)
    if first is None:
        return None
    start = first.start()
    if rule.id.endswith("study_at_name"):
        while tokens and lower(tokens[-1].group()) in generic:
            tokens.pop()
        if not tokens or tokens[-1].end() <= start:
            return None
        return _detail(rule, text, start, tokens[-1].end())
    return _detail(rule, text, start, m.end())


def _check_school_answer(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    """A bare name answering "which school?" ("Chea Sim Samaki, grade 9"): kept only when no word of it is
    a chat or generic word ("Why?", "Same as you", "In Phnom Penh") and, in Khmer, no stop word cuts it."""
    ns, ne = m.span("name")
    name = text[ns:ne]
    if _KHMER.match(name):
        if lex.khmer_stops.match(name) or lex.khmer_cuts.search(name, 1) or name in lex.lists["name_generic"]:
            return None
        return _detail(rule, text, ns, ne)
    words = [lower(t.group()).rstrip(".") for t in _TOKEN.pattern().finditer(name)]
    generic = lex.lists["school_generic"]
    if not words or any(w in generic for w in words):
        return None
    if len(words) == 1 and (words[0] in lex.lists["name_stops"] or words[0] in lex.lists["name_generic"]):
        return None
    return _detail(rule, text, ns, ns + len(name.rstrip(".")))


_ROMAN = frozenset({"I", "II", "III", "IV"})
_LOWER_WORD_NEXT: Final = LazyRegex(r"[ \t]+[a-z]")


def _trimmed_latin_name(lex: Lexicons, m: re.Match[str], text: str) -> int | None:
    """End of a romanised place or school name: up to four words, stopping at a stop word.

    A name written with capitals ("Khan Sen Sok kbae vort") ends at the first lowercase word; a
    capital roman numeral is part of it ("Sangkat Toul Tompoung I").
    """
    stops = lex.lists["name_stops"]
    breaks = lex.lists["name_breaks"]
    end = None
    capitalised = False
    for count, token in enumerate(_TOKEN.pattern().finditer(text, m.start("name"), m.end("name"))):
        raw = token.group()
        word = lower(raw).rstrip(".")
        if count and raw.rstrip(".") in _ROMAN:  # "Toul Tompoung I, Khan ...", not "Chamkarmon I think"
            return end if _LOWER_WORD_NEXT.pattern().match(text, token.end()) else token.end()
        # In a capitalised name ("Khan Mean Chey") a capitalised word is part of it unless it opens the
        # next part ("Sangkat", "Street"); chat words end a lowercase one ("khan sen sok mean ...").
        if count == 0:
            capitalised = raw[0].isupper()
        elif capitalised and raw[0].islower():
            break
        if count >= 4 or (word in breaks if capitalised else word in stops):
            break
        if count == 0 and word in lex.lists["name_generic"]:
            return None
        end = token.end()
        if word.isdigit():
            break
    return end


def _check_latin_name(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    end = _trimmed_latin_name(lex, m, text)
    if end is None:
        return None
    start = m.start("v") if "v" in m.re.groupindex else m.start()
    return _detail(rule, text, start, end)


def _check_khmer_name(lex: Lexicons, rule: Rule, m: re.Match[str], text: str) -> PersonalDetail | None:
    ns, ne = m.span("name")
    name = text[ns:ne]
    if not _KHMER.match(name):  # a Latin school name after a Khmer keyword
        return _detail(rule, text, m.start(), m.end())
    if lex.khmer_stops.match(name):
        return None
    stop = lex.khmer_cuts.search(name, 1)
    end = m.end()
    if stop:
        name = name[:stop.start()]
        end = ns + stop.start()
    name = name.rstrip("\u200b\u200c")
    if len(name) < 2 or name in lex.lists["name_generic"]:
        return None
    return _detail(rule, text, m.start(), end)


CHECKS: Final[dict[str, Callable[..., Any]]] = {
    "email": _check_email, "email_spelled": _check_email_spelled, "link": _check_link,
    "map_link": _check_map_link, "coordinates": _check_coordinates, "dms": _check_dms,
    "handle_context": _check_handle_context, "handle_token": _check_handle_token, "phone": _check_phone,
    "id_number": _check_id_number, "passport": _check_passport, "age": _check_age,
    "age_writer": _check_age_writer, "age_km": _check_age_km, "age_pair": _check_age_pair,
    "age_turns": _check_age_turns, "school_answer": _check_school_answer, "grade": _check_grade,
    "school_name": _check_school_name, "latin_name": _check_latin_name, "khmer_name": _check_khmer_name,
}


# ---------------------------------------------------------------- addresses: parts joined into spans

class _Part:
    """An address part found: where, which kind, by which rule (a plain class: see `Rule`)."""

    __slots__ = ("end", "kind", "rule", "start")

    start: int
    end: int
    kind: str
    rule: str

    def __init__(self, start: int, end: int, kind: str, rule: str) -> None:
        self.start = start
        self.end = end
        self.kind = kind
        self.rule = rule


def _address_parts(lex: Lexicons, text: str, selected: Sequence[Rule]) -> list[_Part]:
    """Parts that can stand in an address; provinces and district names are only read once a street,
    an administrative unit or an "I live in" cue is there, since alone they never make an address."""
    primary: list[_Part] = []
    low = _lowered(text) if any(rule.requires_lower for rule in selected) else None
    for rule in selected:
        if rule.part != "cue" and rule.part not in SUPPORT_PARTS:
            primary.extend(_part_matches(lex, rule, text, low))
    if not primary:  # cues and support parts alone never make an address (`_is_address`): not looked for
        return []
    cues: list[_Part] = []
    support: list[_Part] = []
    for rule in selected:
        if rule.part == "cue":
            cues.extend(_part_matches(lex, rule, text, low))
        elif rule.part in SUPPORT_PARTS:
            support.extend(_part_matches(lex, rule, text, low))
    return primary + cues + support


def _part_matches(lex: Lexicons, rule: Rule, text: str, low: str | None = None) -> list[_Part]:
    """The parts `rule` finds in `text` (`low`: `_lowered(text)`, for its `requires_lower`)."""
    assert rule.part is not None
    found: list[_Part] = []
    if (rule.requires and not _holds(text, rule.requires)) or (
            low is not None and rule.requires_lower and not _holds(low, rule.requires_lower)):
        return found
    first = rule.regex.search(text)
    if first is None:
        return found
    for m in _every(rule.regex, text, first):
        if rule.check:
            d = CHECKS[rule.check](lex, rule, m, text)
            if d is not None:
                found.append(_Part(d.start, d.end, rule.part, rule.id))
            continue
        s, e = m.span()
        while e > s and text[e - 1] in " \t\u200b":
            e -= 1
        if e > s:
            found.append(_Part(s, e, rule.part, rule.id))
    return found


def _every(regex: re.Pattern[str], text: str, first: re.Match[str]) -> Iterable[re.Match[str]]:
    """`regex.finditer(text)` given its first match (`regex.search(text)`): the search goes on where it ended
    (with `pos`, `^` and lookbehinds still see the text before), or from the start after an empty match."""
    if first.end() == first.start():
        return regex.finditer(text)
    return chain((first,), regex.finditer(text, first.end()))


def _gap_ok(text: str, a: int, b: int) -> bool:
    if b <= a:
        return True
    return b - a <= _MAX_GAP and _GAP.pattern().fullmatch(text, a, b) is not None


def _is_address(kinds: set[str], cued: bool) -> bool:
    strong = kinds & STRONG_PARTS
    if "street_address" in kinds or len(strong) >= 2:
        return True
    if strong and ("house" in kinds or kinds & SUPPORT_PARTS):
        return True
    # "I live in Sangkat Tonle Bassac" is an address; "I live in Toul Kork" or "on Street 136" is not
    # (a district or a street alone, as the labelling guide has it).
    return cued and bool(strong - {"street"} or "house" in kinds)


def _units_only(cluster: list[_Part]) -> bool:
    """Khmer village, commune, district names with no house or street: a place in the news ("ភូមិ... ឃុំ...")
    unless someone says it is where they live (a cue: ផ្ទះខ្ញុំនៅ, ខ្ញុំរស់នៅ, មកផ្ទះ) or answers "where do you live?"."""
    return all(p.rule.startswith("km.") for p in cluster) and not any(
        p.kind in ("house", "street", "street_address") for p in cluster)


def _in_context(lex: Lexicons, d: PersonalDetail, text: str) -> bool:
    """Whether a detail whose rule names a context list is someone's own: one of the list's words stands
    within CONTEXT_BEFORE characters before it or CONTEXT_AFTER after it ("ខ្ញុំរៀននៅ វិទ្យាល័យ...", not
    "សាលាឧទ្ធរណ៍" in a court notice). Khmer is segmented, and the detail must start a word."""
    words = lex.lists[lex.contexts[d.rule]]
    around = text[max(0, d.start - CONTEXT_BEFORE):d.start] + " " + text[d.end:d.end + CONTEXT_AFTER]
    # Segmenting costs a CRF pass; a segmented word is a piece of `around`, so without one of the list's
    # words anywhere in it (lowercased piecewise: no "Σ", whose lowercase depends on what follows) none is.
    if "Σ" not in around:
        low = lower(around)
        if not any(w in low for w in words.words):
            return False
    # `segment` splits each run of Khmer letters by itself: a run without one of the words is left out.
    pieces = _KHMER_RUN.pattern().split(around)  # odd places: the runs
    if not any(lower(w) in words for i, piece in enumerate(pieces)
               if piece and (not i % 2 or any(x in piece for x in words.words)) for w in segment(piece)):
        return False
    # Last: whether the detail starts a word segments the whole stretch of Khmer around it, and the words
    # around are missing three times in four.
    return not _KHMER.match(text, d.start) or starts_word(text, d.start)


def _addresses(lex: Lexicons, text: str, parts: list[_Part], asked: bool = False) -> list[PersonalDetail]:
    parts.sort(key=lambda p: (p.start, -p.end))
    kept: list[_Part] = []
    for p in parts:  # drop parts inside another (a district name inside "Sangkat Boeung Keng Kang 1")
        if kept and p.end <= kept[-1].end and p.kind != "cue":
            continue
        kept.append(p)
    out: list[PersonalDetail] = []
    cluster: list[_Part] = []
    cued = False
    cue_end = -1

    def flush() -> None:
        if cluster and _is_address({p.kind for p in cluster}, cued) and (
                cued or asked or not _units_only(cluster)):
            rule = next((p.rule for p in cluster if p.kind in STRONG_PARTS), cluster[0].rule)
            start, end = cluster[0].start, max(p.end for p in cluster)
            out.append(PersonalDetail("address", text[start:end], start, end, None, rule))

    for p in kept:
        if p.kind == "cue":
            flush()
            cluster, cued, cue_end = [], False, p.end
            continue
        if cluster and _gap_ok(text, max(q.end for q in cluster), p.start):
            cluster.append(p)
            continue
        flush()
        cued = cue_end >= 0 and _gap_ok(text, cue_end, p.start)
        cluster = [p]
    flush()
    return out


# ---------------------------------------------------------------- the pass

_LOADED: Final[list[Lexicons]] = []


def _lexicons() -> Lexicons:
    """The lexicons, loaded at the first call (a list, not `lru_cache`: its wrapper cost 4 % of a compiled
    run's personal-details pass, which asks for every message)."""
    if not _LOADED:
        _LOADED.append(load_lexicons())
    return _LOADED[0]


def preload() -> None:
    """Load now what the pass loads at its first use (the lexicons, the phone checks), e.g. before forking
    workers that should share them."""
    _lexicons()
    _cambodian_pattern()


def _resolve(details: list[PersonalDetail]) -> list[PersonalDetail]:
    """Keep the most specific detail where two overlap, then order by position. A school's name and its
    grade stay two details ("Chbar Ampov High School", "grade 9"), as the labelling guide counts them."""
    details.sort(key=lambda d: (PRIORITY[d.type], d.start - d.end, d.start))
    kept: list[PersonalDetail] = []
    for d in details:
        if all(d.end <= k.start or d.start >= k.end for k in kept):
            kept.append(d)
    kept.sort(key=lambda d: d.start)
    return kept


_PLAN_CACHE_SIZE: Final = 4096


def _plan(lex: Lexicons, found: frozenset[str], has_digit: bool) -> Plan:
    """The rules to run (details, then address parts) for the anchors found; the same few anchor sets
    recur in every chat, so the plan is kept (a bounded table, cleared when full; keyed by the set alone,
    not a pair made a message)."""
    plans = lex.plans[1] if has_digit else lex.plans[0]
    plan = plans.get(found)
    if plan is not None:
        return plan
    chosen: set[int] = set(lex.digit_rules) if has_digit else set()
    for anchor in found:
        chosen.update(lex.anchor_rules[anchor])
    every = lex.all_rules
    ordered = [every[i] for i in sorted(chosen) if has_digit or not every[i].needs_digit]
    plan = (tuple(r for r in ordered if r.part is None), tuple(r for r in ordered if r.part is not None))
    if len(plans) >= _PLAN_CACHE_SIZE:
        plans.clear()
    plans[found] = plan
    return plan


#: An answer without a digit ("Chea Sim Samaki" after "which school?") is looked for only in a short message.
_MAX_PLAIN_ANSWER: Final = 80


def _asked(lex: Lexicons, previous: str | None, text: str, has_digit: bool) -> bool:
    """Whether the previous message asks a question that an answer rule fit for this message follows
    ("how old are you?", "អាយុប៉ុន្មាន?"); a detail in the answer is the writer's own."""
    if not previous or not (has_digit or len(text) <= _MAX_PLAIN_ANSWER) or not lex.questions.search(previous):
        return False
    return any(r.after and lex.lists[r.after].search(previous)
               for r in (lex.answers if has_digit else lex.plain_answer_rules))


def _answers(lex: Lexicons, rules: Sequence[Rule], norm: str, previous: str) -> list[PersonalDetail]:
    """What the answer rules read at the start of the message, each only if the previous message asks its
    question. The start is matched first: it rarely fits, and the question is then not looked for."""
    details: list[PersonalDetail] = []
    for rule in rules:
        answer = rule.regex.match(norm)
        if answer is None or not rule.after or not lex.lists[rule.after].search(previous):
            continue
        result = (CHECKS[rule.check](lex, rule, answer, norm) if rule.check
                  else _detail(rule, norm, *_span(answer)))
        if isinstance(result, list):
            details.extend(result)
        elif result is not None:
            details.append(result)
    return details


#: Every `LazyRegex` of the module, compiled by the loader (`load_lexicons`).
_OWN_REGEXES: Final = (
    _FRAGMENT, _KHMER_RUN, _LATIN, _TOKEN, _NEXT_WORD, _GAP, _LATLON_IN_URL, _COORD_CONTEXT, _HANDLE_LIKE,
    _LINK_PREFIX, _HANDLE_SAID, _HANDLE_CHARS, _SPACE, _WRITER_FIRST, _GLOBAL_FLAGS, _SPELLED, _DMS_PART,
    _LOWER_WORD_NEXT,
)


_NUMERALS = tuple((chr(code), digit) for code, digit in KHMER_DIGITS.items())


def _ascii_digits(text: str) -> str:
    """`text.translate(KHMER_DIGITS)`, a C-level scan per numeral: four times faster on Khmer text."""
    for numeral, digit in _NUMERALS:
        if numeral in text:
            text = text.replace(numeral, digit)
    return text


def _told_ascii(text: str, tells: int) -> str:
    """`_ascii_digits(text)` where the gate's scan of `text` told `tells`: only the numerals it saw, and no
    look at the others once those are done (most messages hold the first few: ០, ១, ២)."""
    left = tells & _ANY_NUMERAL_BITS
    for bit, numeral, digit in _NUMERAL_BITS:
        if left & bit:
            text = text.replace(numeral, digit)
            left ^= bit
            if not left:
                break
    return text


#: The last text scanned if no question list's word can be in it (`_scan`), else None: when the next
#: message's `previous` is that very string, it is not searched again. One message only, recognised by
#: identity, never by content; one reference, replaced at once (no pair made a message).
_last_quiet: Final[list[str | None]] = [None]


def find_personal_info(text: str, previous: str | None = None) -> list[PersonalDetail]:
    """Every personal detail in `text`, sorted by start, none overlapping; `value == text[start:end]`.

    `previous` is the message before it, if known: a bare "14" is an age only as the answer to
    "how old are you?".
    """
    if not text:
        return []
    lex = _lexicons()
    lengthens = LENGTHENS in text  # (rare) lowercasing it shifts offsets: its anchors are read from `low` below
    tells, chosen = lex.gate_automaton.scan(lower(text)) if lengthens else lex.gate_automaton.scan_lower(text)
    hit, asks = bool(tells & _OPENS), bool(tells & _ASKS)
    if previous is not None and previous is _last_quiet[0]:
        previous = None  # the previous message, just scanned, holds no question word: as good as none
    _last_quiet[0] = None if asks else text
    if not hit:  # most messages: no digit, no anchor; only a short bare answer can be here
        if not previous or len(text) > _MAX_PLAIN_ANSWER:
            return []
        answered = _answers(lex, lex.plain_answer_rules, text, previous)
        return _resolve(answered) if answered else []
    if not lengthens:  # the scan's digits are the text's; its anchors are the plain ones
        has_digit = bool(tells & _DIGITS)
        if has_digit:  # every anchor counts, not only the plain ones
            chosen = lex.anchor_automaton.scan_lower(text)[1]
        found = chosen if chosen is not None else _NO_ANCHORS
    else:  # lowercasing lengthened it ("İ"): digits looked for from the gate's offset in `low`, as before
        low = lower(text)
        first = lex.gate.search(low)
        has_digit = first is not None and _DIGIT.search(text, first.start()) is not None
        found = frozenset((lex.anchors if has_digit else lex.plain_anchors).findall(low))
    rules, part_rules = _plan(lex, found, has_digit)
    if part_rules:  # an address part may be there: cues and place names matter, in the scripts present
        part_rules += (lex.support_khmer if _KHMER.search(text) else ()) + (
            lex.support_latin if _LATIN.pattern().search(text) else ())
    norm = _told_ascii(text, tells) if has_digit and tells & _KHMER_DIGIT_BITS else text
    details: list[PersonalDetail] = []
    norm_low: str | None = None  # `_lowered(norm)`, once a rule asks
    lowered = False
    digits = -1  # `_most_digits(norm)`, once a rule asks
    for rule in rules:
        if rule.digits:
            if digits < 0:
                digits = _most_digits(norm, lex.at_least)
            if digits < rule.digits:
                continue
        if rule.requires and not _holds(norm, rule.requires):
            continue
        if rule.requires_lower:
            if not lowered:
                norm_low, lowered = _lowered(norm), True
            if norm_low is not None and not _holds(norm_low, rule.requires_lower):
                continue
        first = rule.regex.search(norm)
        if first is None:  # most rules run find nothing: one search, no iterator
            continue
        check = CHECKS[rule.check] if rule.check else None
        for m in _every(rule.regex, norm, first):
            if check is None:
                s, e = _span(m)
                d = _detail(rule, norm, s, e)
                if d:
                    details.append(d)
                continue
            result = check(lex, rule, m, norm)
            if isinstance(result, list):
                details.extend(result)
            elif result is not None:
                details.append(result)
    if part_rules:
        parts = _address_parts(lex, norm, part_rules)
        if parts:
            asked = previous is not None and lex.lists["address_question"].search(previous) is not None
            details.extend(_addresses(lex, norm, parts, asked))
    if previous and (has_digit or len(text) <= _MAX_PLAIN_ANSWER):
        details.extend(_answers(lex, lex.answers if has_digit else lex.plain_answer_rules, norm, previous))
    # A detail whose rule names a context list must be the writer's own, unless it answers a question.
    if details and lex.contexts and any(d.rule in lex.contexts for d in details) and not _asked(
            lex, previous, text, has_digit):
        details = [d for d in details if d.rule not in lex.contexts or _in_context(lex, d, norm)]
    if not details:
        return []
    resolved = _resolve(details)
    if norm == text:
        return resolved
    return [PersonalDetail(d.type, text[d.start:d.end], d.start, d.end, d.normalized, d.rule) for d in resolved]


#: `threading.get_ident` held in a Final name: a compiled call reads it without looking it up in the
#: `threading` module at every message (that lookup cost more than the call).
_thread_ident: Final = threading.get_ident


class PersonalInfoDetector:
    """The personal-details signal: which messages disclose what, citing each message.

    `details(message)` remembers the last message it was given (per thread, one message only), so that a
    bare "14" right after "how old are you?" is read as an age when messages come in order, as they do in
    `analyze`. A caller that knows the previous message can pass it (`previous=`).

    The thread that made the detector keeps that message in an attribute (setting a `threading.local`'s
    cost a tenth of the pass, at every message), any other thread in a `threading.local`. Should the
    maker's thread end and a new one get its identity, that one is told no earlier message.
    """

    name = "personal_info"

    def __init__(self) -> None:
        self._maker = threading.current_thread()
        self._maker_id: int = _thread_ident()
        self._message: Message | None = None  # the last message given in the maker's thread
        self._last = threading.local()  # ... in any other thread

    def details(self, message: Message, previous: str | None = None) -> list[PersonalDetail]:
        mine = _thread_ident() == self._maker_id
        if previous is None:
            last: Message | None = (self._message if self._maker.is_alive() else None) if mine else getattr(
                self._last, "message", None)
            if last is not None and last.index == message.index - 1:
                previous = last.text
        if mine:
            self._message = message
        else:
            self._last.message = message
        found = find_personal_info(message.text, previous)
        if not found:
            return found
        # Made by the class itself, not `dataclasses.replace` (interpreted Python: ten times the cost a detail).
        index, sender = message.index, message.sender
        return [PersonalDetail(d.type, d.value, d.start, d.end, d.normalized, d.rule, index, sender) for d in found]

    def detect(self, conversation: Conversation) -> list[Finding]:
        findings: list[Finding] = []
        previous: str | None = None
        for message in conversation.messages:
            for d in self.details(message, previous):
                findings.append(Finding(
                    index=message.index, sender=message.sender, signal=self.name, rule=d.rule,
                    excerpt=d.value, weight=1.0, start=d.start, end=d.end,
                ))
            previous = message.text
        return findings
