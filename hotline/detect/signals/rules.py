"""Rules as data: load, validate and match the pattern files in `hotline/detect/lexicons/<lang>/<name>.json`.

A file holds the rules of one signal in one language:

    {"signal": "secrecy", "stage": "isolation",
     "triggers": ["tell", "secret"],
     "rules": [{"id": "en.secrecy.parents", "weight": 0.8,
                "phrases": ["dont tell {PARENT}"], "pattern": "optional regex",
                "requires": "optional regex", "unless": "optional regex", "unless_nearby": "optional regex",
                "stage": "optional, overrides the file's", "part": "optional sub-kind (claim, threat, ...)",
                "tags": ["optional: what the risk reads from it (model.RULE_TAGS)"],
                "examples": ["Don't tell your mom"], "counterexamples": ["tell mom I said hi"]}]}

Patterns are written in plain lower-case words against *normalised* text (see `text.normalize`); the loader
folds them the same way, expands `{MACROS}` from `macros.json`, and turns phrases into regexes (Latin:
whole words, `...` = a gap of a few words, `#` = a number; Khmer: words in sequence, spaces optional, and the
match and every joint between its words on word edges found by `text.segment`). `triggers` are
literal stems; one combined regex of all triggers is the cheap pre-filter that lets most messages skip the
rules. Loading fails with `DataError` on any defect: duplicate or misnamed id, a regex that does not
compile, a weight outside (0, 1], an unknown stage, or an example that the rule (and pre-filter) misses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any, Generic, TypeVar

from hotline.detect.errors import DataError
from hotline.detect.model import LANGUAGES, RULE_TAGS, SEXTORTION_PARTS, STAGES
from hotline.detect.signals import compiled
from hotline.detect.signals.candidates import (
    MAX_PHRASE_SEARCHES,
    Needs,
    PhraseNeeds,
    PhraseSet,
    _native_module,
    phrase_needs,
    ranked,
    regex_needs,
)
from hotline.detect.signals.compiled import LazyRegex, compile_regex
from hotline.detect.text.khmer import has_khmer
from hotline.detect.text.normalize import fold_pattern, normalize
from hotline.detect.text.segment import aligned_match, joint, match_aligned, misnamed_words

__all__ = ["LANGUAGES", "Rule", "RuleSet", "TriggerIndex", "WholeRegex", "compile_phrase", "load_cover", "load_discussion", "load_macros", "load_phrase_set", "load_refusal", "load_ruleset", "trigger_regex"]

#: Khmer-script rules run on Khmer text, the others (`LANGUAGES`' lexicon folders) on Latin text.
T = TypeVar("T")
_MACRO = re.compile(r"\{([A-Z][A-Z_0-9]*)\}")
_LATIN_WORD_EDGE_L = r"(?<![a-z0-9])"
_LATIN_WORD_EDGE_R = r"(?![a-z0-9])"
_LATIN_GAP = r"(?:\W+[a-z0-9$៛]+){0,4}?\W+"
_KHMER_GAP = r".{0,15}?"
_RULE_KEYS = frozenset({
    "id", "weight", "phrases", "pattern", "requires", "unless", "unless_nearby", "stage", "part", "tags",
    "examples", "counterexamples", "note",
})


#: A whole regex this long (characters of source) is searched only when more than `_MOST_SEARCHES` of the
#: rule's phrases can match (`Rule.phrase_searches`).
_HUGE_REGEX = 20_000
_MOST_SEARCHES = 12

#: A rule's whole regex, compiled when first searched: the candidate stage mostly names the phrases to
#: search one by one, so many rules never need it, and the whole regexes are the longest of all (led by
#: first characters: half a million characters, a tenth of a start's loading as programs).
WholeRegex = LazyRegex


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule; `regex` runs on normalised text."""

    id: str
    signal: str
    language: str
    whole: WholeRegex
    weight: float
    stage: str | None = None
    part: str | None = None
    tags: tuple[str, ...] = ()
    requires: re.Pattern[str] | None = None
    unless: re.Pattern[str] | None = None
    unless_nearby: re.Pattern[str] | None = None
    examples: tuple[str, ...] = ()
    counterexamples: tuple[str, ...] = ()
    note: str = ""
    triggers: tuple[str, ...] = ()
    needs_file_triggers: bool = False
    #: What the candidate stage's automaton looks for, per phrase (`candidates.phrase_needs`), then the pattern.
    needs: Needs = None
    #: The phrases one by one (Latin ones with their word edges), then the pattern, in the order of `needs`,
    #: for `match(norm, phrases)`; each compiled when first searched (a chat searches few of them).
    phrase_regexes: tuple[LazyRegex, ...] = ()
    #: Per phrase, its place among the alternatives of `regex` (which wins a tie), when not its own
    #: position: Khmer alternatives run longest first.
    phrase_ranks: tuple[int, ...] = ()
    #: Per alternative of `unless`, the groups of literals it needs (one of each group occurs in its every
    #: match; `_unless_needs`); empty: no gate, `unless` is always searched.
    unless_needs: tuple[tuple[tuple[str, ...], ...], ...] = ()
    #: The gate made of `unless_needs` (`_literal_gate`, at its first call): one C pass tells which groups occur, and `unless`
    #: is searched only if every group of one alternative does. Its regexes run on nearly every match and
    #: mostly fail, slowly: `x[^.\n]{0,40}y` runs to the end of the text and back from each `x`.
    unless_scan: Callable[[str], tuple[int, Any]] | None = field(default=None, compare=False, repr=False)
    unless_masks: tuple[int, ...] = field(default=(), compare=False, repr=False)
    #: Per phrase asked about, whether its needs alone make `requires` match (`_assures`), found when first asked.
    assured: dict[int, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def khmer(self) -> bool:
        return self.language == "km"

    @property
    def phrase_searches(self) -> int:
        """The most phrases the candidate stage has searched one by one, more meaning the whole regex
        (`CandidateIndex(searches=...)`). A huge whole regex (the rules of many phrases led by first characters: 20,000 to
        80,000 characters) costs milliseconds to compile and microseconds a search, where a phrase's own costs
        a fraction of one: searched by phrase up to `_MOST_SEARCHES`, its whole regex is mostly never made."""
        return _MOST_SEARCHES if len(self.whole.source) >= _HUGE_REGEX else MAX_PHRASE_SEARCHES

    @property
    def regex(self) -> re.Pattern[str]:
        """The whole rule (all phrases, then the pattern) as one regex."""
        return self.whole.pattern()

    def match(self, norm: str, phrases: Sequence[int] | None = None) -> re.Match[str] | None:
        """The rule's match in normalised text, honouring `requires` and `unless`.

        `phrases`: the only phrases that can match (ascending; the candidate stage knows), each searched
        alone: the leftmost match, the earlier alternative on a tie, as the rule's regex finds it. A literal
        of every group of each one's `needs` occurs in `norm` (the candidate stage names no other): a phrase
        with a group of literals that each hold a match of `requires` makes searching `requires` needless."""
        if phrases is None:
            m = self.regex.search(norm)
        elif len(phrases) == 1:
            m = self.phrase_regexes[phrases[0]].search(norm)
        else:
            m = self._first(norm, phrases)
        if m is None:
            return None
        # `requires` and `unless` look at the whole text, not at where the match is: asked before the Khmer
        # word edges below, which segment the letters around the match (most of a Khmer rule's cost)
        requires = self.requires
        if requires is not None and not (phrases is not None and self._assured(phrases)) and requires.search(norm) is None:
            return None
        if self.unless is not None and self._may_be_unless(norm) and self.unless.search(norm) is not None:
            return None
        if self.language == "km":  # whole words, not parts of longer ones
            while not match_aligned(m):
                if phrases is None:
                    m = aligned_match(self.regex, norm, m.start()) or self.regex.search(norm, m.start() + 1)
                else:
                    m = (aligned_match(self._in_order(phrases), norm, m.start())
                         or self._first(norm, phrases, m.start() + 1))
                if m is None:
                    return None
        return m

    def _assured(self, phrases: Sequence[int]) -> bool:
        """Whether the needs of one of `phrases` (each found in the text) make `requires` match."""
        known = self.assured
        for i in phrases:
            found = known.get(i)
            if found is None:
                found = known[i] = _assures(self.requires, self.needs[i] if self.needs is not None else ())
            if found:
                return True
        return False

    def _may_be_unless(self, norm: str) -> bool:
        """False when the gate shows that `unless` cannot match `norm` (no gate: True)."""
        scan = self.unless_scan
        if scan is None:
            return True
        found: int = scan(norm)[0]
        return any(found & mask == mask for mask in self.unless_masks)

    def _first(self, norm: str, phrases: Sequence[int], pos: int = 0) -> re.Match[str] | None:
        """What `regex.search(norm, pos)` finds, when only `phrases` can match."""
        best: re.Match[str] | None = None
        best_start = best_rank = 0
        ranks = self.phrase_ranks
        regexes = self.phrase_regexes
        for i in phrases:
            m = regexes[i].search(norm, pos)
            if m is None:
                continue
            start = m.start()
            rank = ranks[i] if ranks else i
            if best is None or start < best_start or (start == best_start and rank < best_rank):
                best = m
                best_start = start
                best_rank = rank
                if start == pos and not ranks:  # (no later phrase, of a later rank, can start before it)
                    break
        return best

    def _in_order(self, phrases: Sequence[int]) -> list[re.Pattern[str]]:
        """The regexes of `phrases` in the order they stand in `regex`."""
        ranks = self.phrase_ranks
        ordered = sorted(phrases, key=ranks.__getitem__) if ranks else phrases
        return [self.phrase_regexes[i].pattern() for i in ordered]


class TriggerIndex(Generic[T]):
    """Which items (rules) might match a text, from the trigger stems it contains.

    One trie-shaped regex finds every stem in the text (overlapping, via a lookahead), and a table maps
    each stem to the items whose triggers contain it. Most messages contain no stem and cost one regex
    search; the others run only the few rules their words point to, not every rule.
    """

    def __init__(self, items: Sequence[tuple[T, tuple[str, ...]]]) -> None:
        self.items = [item for item, _ in items]
        stems = trigger_regex(t for _, triggers in items for t in triggers)
        self.regex = stems
        self._finder = compile_regex(f"(?=({stems.pattern}))") if stems is not None else None
        table: dict[str, set[int]] = {}
        for i, (_, triggers) in enumerate(items):
            for trigger in triggers:
                for stem in self.stems_in(trigger):
                    table.setdefault(stem, set()).add(i)
        self._table = {stem: tuple(sorted(ids)) for stem, ids in table.items()}

    def stems_in(self, text: str) -> set[str]:
        return set(self._finder.findall(text)) if self._finder is not None else set()

    def any(self, text: str) -> bool:
        return self.regex is not None and self.regex.search(text) is not None

    def candidates(self, text: str) -> list[T]:
        if self.regex is None or self.regex.search(text) is None:  # the common case: one cheap search
            return []
        ids: set[int] = set()
        for stem in self.stems_in(text):
            ids.update(self._table.get(stem, ()))
        return [self.items[i] for i in sorted(ids)]


@dataclass(frozen=True)
class RuleSet:
    """The rules of one signal over all languages, indexed by their trigger stems."""

    name: str
    signal: str
    rules: tuple[Rule, ...]
    #: The key of the compiled-lexicon cache's record of these rules (`load_ruleset`; None for other rules):
    #: names their content, for the tables the scanner keeps of them.
    key: str | None = field(default=None, compare=False)

    @cached_property
    def index(self) -> TriggerIndex[Rule]:
        """Built when first used: the scanner has its own index over every signal."""
        return TriggerIndex([(r, r.triggers) for r in self.rules])

    def matches(self, norm: str) -> list[tuple[Rule, re.Match[str]]]:
        """Every rule that matches `norm` (once per rule); only rules whose triggers occur are tried."""
        out: list[tuple[Rule, re.Match[str]]] = []
        khmer = has_khmer(norm)
        for rule in self.index.candidates(norm):
            if rule.khmer and not khmer:
                continue
            m = rule.match(norm)
            if m is not None:
                out.append((rule, m))
        return out


def _phrase_regex(source: str) -> re.Pattern[str]:
    """One phrase's regex (or a pattern), compiled so that `re` can skip to where a match can start."""
    led = _edge_led(source)
    if led == source:  # a pattern of several alternatives, or one led by `\b`: led by first characters if all are
        by_character, others = _by_character(source)
        led = by_character if by_character and not others else source
    return compile_regex(led)


def _edge_led(source: str) -> str:
    """`source` with its opening word-edge lookbehind moved behind the first letter of each way a match can
    start: `(?<![a-z0-9])(?:send|snd|give)\\W+me` becomes `(?:s(?<![a-z0-9]s)(?:end|nd)|g(?<![a-z0-9]g)ive)\\W+me`
    (a single way keeps its whole first word: `pay(?<![a-z0-9]pay)`). A regex that opens with a lookbehind
    is tried at every position (it has no literal or character-set prefix); led by letters, `re` skips to
    where one of them stands, and checks the edge once there. The same matches and groups: the ways are
    kept in their order (ways with different first letters cannot match at the same place). Left as it is
    when a way opens otherwise (a class, a repeat, a lookaround)."""
    if not source.startswith(_LATIN_WORD_EDGE_L) or _CAPTURES.search(source):
        return source
    rest = source[len(_LATIN_WORD_EDGE_L):]
    if len(_alternatives(rest)) > 1:  # the lookbehind belongs to the first alternative only
        return source
    led = _led(rest)
    return source if led is None or len(led) > 2 * len(source) + 200 else led


#: A group that may capture, or a backreference: a way's tail copied into each of its first letters would
#: renumber it (an escaped parenthesis counts too: kept as it is, never wrong).
_CAPTURES = re.compile(r"\((?!\?(?:[:=!]|<[=!]))|\\[1-9]")
_SPECIAL = frozenset("\\.^$*+?{}[]|()")
_QUANTIFIERS = frozenset("?*+{")


def _led(seq: str) -> str | None:
    """`seq` (a regex of one alternative or several) led by letters with the word-edge check behind them,
    or None when some way of it cannot be."""
    alternatives = _alternatives(seq)
    if len(alternatives) == 1 and _optional_opening(seq) is None:
        if seq.startswith("(?:"):
            group = _opening_group(seq)
            inner = None if group is None else _led(group[0])
            return None if group is None or inner is None else "(?:" + inner + ")" + group[1]
        if seq.startswith(r"\d+"):  # a number: led by its first digit
            return r"\d(?<![a-z0-9]\d)\d*" + seq[3:]
        word = _first_word(seq)
        return None if not word else word + f"(?<![a-z0-9]{word})" + seq[len(word):]
    by_first = _merged([_by_first(alternative) for alternative in alternatives])
    return None if by_first is None else "|".join(
        atom + f"(?<![a-z0-9]{atom})" + rest for atom, rest in by_first.items())


def _by_first(alternative: str) -> dict[str, str] | None:
    """Per character an alternative can start with (in its order; as a regex: `_first_atom`), what follows
    the character as a regex; None when it can start otherwise. An opening group's tail is copied once per
    character, not per alternative of the group; an optional one is spelled out (`(?:x)?y` is `xy|y`)."""
    optional = _optional_opening(alternative)
    if optional is not None:
        return _merged([_by_first("(?:" + optional[0] + ")" + optional[1]), _by_first(optional[1])])
    if alternative.startswith("(?:"):
        group = _opening_group(alternative)
        if group is None:
            return None
        inside, after = group
        inner = _merged([_by_first(a) for a in _alternatives(inside)])
        return None if inner is None else {ch: rest + after for ch, rest in inner.items()}
    first = _first_atom(alternative, digits=False)  # (a way led by `\\d` would cost `re` its skipping)
    return None if first is None else {first[0]: first[1]}


def _merged(alternatives: list[dict[str, str] | None]) -> dict[str, str] | None:
    """Alternatives' `_by_first` as one: per character, what follows it in each, in the alternatives' order
    (alternatives that start with different characters never match at the same place)."""
    rests: dict[str, list[str]] = {}
    for by_first in alternatives:
        if by_first is None:
            return None
        for ch, rest in by_first.items():
            rests.setdefault(ch, []).append(rest)
    if _digits_twice(rests):
        return None
    return {ch: found[0] if len(found) == 1 else "(?:" + "|".join(found) + ")" for ch, found in rests.items()}


#: A lookbehind on one class that opens an alternative (`(?<![a-z])`), and a flag set for the whole regex.
_OPENING_LOOKBEHIND = re.compile(r"\(\?<!(\[[^\]\\]*\])\)")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_WORD_CHARACTER = re.compile(r"\w")


def _boolean_regex(source: str) -> str:
    """A regex that matches somewhere in a text exactly when `source` does, for a `requires` or `unless` (only
    ever asked whether it matches): the alternatives in any order, each led by its first character (an
    opening group's alternatives spelled out, an opening `\\b` or lookbehind checked behind the character),
    those of one character behind it once. `re` then skips to where such a character stands and tries there
    only the alternatives that start with it, not every one at every position. Alternatives that open
    otherwise (a class, a repeat) come last as they are."""
    by_character, others = _by_character(source)
    return "|".join([by_character, *others]) if by_character else source


def _assures(requires: re.Pattern[str] | None, needs: PhraseNeeds) -> bool:
    """Whether a text holding a literal of every group of `needs` must hold a match of `requires`: some group
    has a match of it inside each of its literals, and `requires` looks at nothing around what it matches
    (no anchor, word edge, lookaround or backreference), so a match inside a literal is one in any text."""
    if requires is None or not _context_free(requires.pattern):
        return False
    return any(all(requires.search(text) is not None for text, _, _ in group) for group in needs)


def _context_free(source: str) -> bool:
    """Whether a regex's matches depend only on the characters matched (a conservative reading of its
    source: escaped characters aside, no `^`, `$`, lookaround or named backreference; no `\\b`, `\\B`, `\\A`,
    `\\Z` or numbered backreference)."""
    if _CONTEXT_ESCAPE.search(source):
        return False
    bare = _ESCAPED.sub("", source)
    return not any(mark in bare for mark in ("^", "$", "(?=", "(?!", "(?<", "(?P="))


_ESCAPED = re.compile(r"\\.", re.DOTALL)
_CONTEXT_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[bBAZ0-9g]")


def _unless_needs(source: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Per top-level alternative of an `unless` regex, the groups of literals every match of it holds
    (`candidates.regex_needs`); () when some alternative names none (nothing can rule a text out) or the
    groups are too many for one gate's bits."""
    needs = tuple(tuple(tuple(sorted({text for text, _, _ in group})) for group in regex_needs(alternative, signs=True)
                        if not any(text.isspace() for text, _, _ in group))  # (a space tells nothing)
                  for alternative in _alternatives(source))
    if not all(needs) or len({group for alternative in needs for group in alternative}) > _GATE_BITS:
        return ()
    return needs


#: Groups one gate tells apart: the bits of the C scan's answer (an unsigned long).
_GATE_BITS = 63


def _literal_gate(needs: tuple[tuple[tuple[str, ...], ...], ...]) -> tuple[Callable[[str], tuple[int, Any]] | None,
                                                                          tuple[int, ...]]:
    """The C scan of `needs`' literals (each tells the bits of the groups holding it) and, per alternative,
    the bits of its groups; (None, ()) without needs or without the candidate stage's C extension."""
    made = _literals_type() if needs else None
    if made is None:
        return None, ()
    tells, masks = _gate_bits(needs)
    scan: Callable[[str], tuple[int, Any]] = made([(text, False, False, tell) for text, tell in tells.items()], 0,
                                                  "abcdefghijklmnopqrstuvwxyz0123456789").scan
    return scan, masks


def _gate_bits(needs: tuple[tuple[tuple[str, ...], ...], ...]) -> tuple[dict[str, int], tuple[int, ...]]:
    """Per literal of `needs`, the bits of the groups holding it; per alternative, the bits of its groups."""
    bits: dict[tuple[str, ...], int] = {}
    tells: dict[str, int] = {}
    masks = []
    for alternative in needs:
        mask = 0
        for group in alternative:
            bit = bits.setdefault(group, 1 << len(bits))
            mask |= bit
            for text in group:
                tells[text] = tells.get(text, 0) | bit
        masks.append(mask)
    return tells, tuple(masks)


class _LazyGate:
    """`_literal_gate(needs)`'s scan, made at its first call: a start loads a hundred gated rules (their C
    automata were a tenth of loading the rules), a chat reaches the `unless` of few of them."""

    def __init__(self, needs: tuple[tuple[tuple[str, ...], ...], ...]) -> None:
        self.needs = needs
        self._scan: Callable[[str], tuple[int, Any]] | None = None

    def __call__(self, text: str) -> tuple[int, Any]:
        scan = self._scan
        if scan is None:
            scan = self._scan = _literal_gate(self.needs)[0]
            assert scan is not None  # (made only where `_literals_type` is)
        return scan(text)


def _lazy_gate(needs: tuple[tuple[tuple[str, ...], ...], ...]) -> tuple[Callable[[str], tuple[int, Any]] | None,
                                                                      tuple[int, ...]]:
    """`_literal_gate(needs)`, its scan made when first called."""
    if not needs or _literals_type() is None:
        return None, ()
    return _LazyGate(needs), _gate_bits(needs)[1]


@lru_cache(maxsize=1)
def _literals_type() -> Any:
    """The C extension's `Literals`, or None (looked up once: finding whether the extension is current reads
    its source's digest)."""
    return getattr(_native_module(), "Literals", None)


def _by_character(source: str) -> tuple[str, list[str]]:
    """The alternatives of `source` that open with a character (after a `\\b` or a lookbehind on one class,
    checked behind it; an opening group spelled out), grouped behind their first character in their order
    (so the same matches: alternatives with different first characters never match at the same place), and
    the alternatives that open otherwise; ("", []) when that cannot be written (a group that may capture,
    global flags) or would grow too long.

    A way led by a digit (`\\d`) leaves `re` no first characters to skip to: it tries every place. Then, when
    every way checks the same class behind it, that check leads the ways once (`re` leaves most places
    inside words after it), instead of following each first character."""
    if _CAPTURES.search(source) or _GLOBAL_FLAGS.search(source):
        return "", []
    by_first: dict[str, list[tuple[str, str]]] = {}
    others: list[str] = []
    for alternative in _alternatives(source):
        found = _checked_ways(alternative, "")
        if found is None:
            others.append(alternative)
        for atom, before, rest in found or ():
            by_first.setdefault(atom, []).append((before, rest))
    befores = {before for ways in by_first.values() for before, _ in ways}
    hoisted = befores.pop() if r"\d" in by_first and len(befores) == 1 and not _digits_twice(by_first) else ""
    if r"\d" in by_first and not hoisted:  # tried at every place anyway: as they are, after the others
        others += [r"\d" + (rf"(?<!{before}\d)" if before else "") + rest for before, rest in by_first.pop(r"\d")]
    led = []
    for atom, ways in by_first.items():
        checks = {f"(?<!{before}{atom})" if before and not hoisted else "" for before, _ in ways}
        common = checks.pop() if len(checks) == 1 else ""  # checked once for them all
        rests = [rest if common or hoisted or not before else f"(?<!{before}{atom})" + rest for before, rest in ways]
        led.append(atom + common + (rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"))
    out = f"(?<!{hoisted})(?:" + "|".join(led) + ")" if hoisted else "|".join(led)
    return (out, others) if len(out) <= 8 * len(source) + 2000 else ("", [])


def _checked_ways(alternative: str, before: str) -> list[tuple[str, str, str]] | None:
    """The ways an alternative can start: (its first character as a regex, `_first_atom`; the class the
    character before it must not be in, "" for none; the rest); `before`: that class, from an enclosing
    opening (\\w for `\\b`). An optional opening group is spelled out (`(?:x)?y` is `xy|y`)."""
    if alternative.startswith(r"\b") or _OPENING_LOOKBEHIND.match(alternative):
        if before:
            return None
        lookbehind = _OPENING_LOOKBEHIND.match(alternative)
        before = lookbehind.group(1) if lookbehind is not None else r"\w"
        alternative = alternative[lookbehind.end() if lookbehind is not None else 2:]
    optional = _optional_opening(alternative)
    if optional is not None:
        taken = _checked_ways("(?:" + optional[0] + ")" + optional[1], before)
        skipped = _checked_ways(optional[1], before)
        return None if taken is None or skipped is None else taken + skipped
    if alternative.startswith("(?:"):
        group = _opening_group(alternative)
        if group is None:
            return None
        inside, after = group
        out: list[tuple[str, str, str]] = []
        for inner in _alternatives(inside):
            found = _checked_ways(inner, before)
            if found is None:
                return None
            out += found
        return [(atom, check, rest + after) for atom, check, rest in _joined(out)]
    first = _first_atom(alternative, digits=True)
    if first is None or (before == r"\w" and first[0] != r"\d" and not _WORD_CHARACTER.match(first[0][-1])):
        return None  # (`\\b` before a character of no word means the opposite)
    atom, rest = first
    return [(atom, before, rest)]


def _joined(ways: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """`_checked_ways`' ways with one first character as one way (their rests as alternatives, in their order),
    so that an opening group's tail is copied once per character, not once per way; as they are when ways of
    one character check different classes behind it (their order would change)."""
    befores: dict[str, set[str]] = {}
    for atom, before, _ in ways:
        befores.setdefault(atom, set()).add(before)
    if any(len(found) > 1 for found in befores.values()):
        return ways
    rests: dict[tuple[str, str], list[str]] = {}
    for atom, before, rest in ways:
        rests.setdefault((atom, before), []).append(rest)
    return [(atom, before, found[0] if len(found) == 1 else "(?:" + "|".join(found) + ")")
            for (atom, before), found in rests.items()]


def _first_atom(seq: str, *, digits: bool) -> tuple[str, str] | None:
    """The character a way of `seq` opens with, as a regex (escaped, or with `digits` `\\d` for a digit), and
    the regex of what follows it (`\\d+x`: `\\d`, `\\d*x`); None when it opens otherwise (a class, a group,
    a repeated character)."""
    if digits and seq.startswith(r"\d"):
        if seq[2:3] == "+" and seq[3:4] not in ("?", "+"):
            return r"\d", r"\d*" + seq[3:]
        return None if seq[2:3] in _QUANTIFIERS else (r"\d", seq[2:])
    first = _first_word(seq, 1)
    return (re.escape(first[-1]), seq[len(first):]) if first else None  # (`\-` and `-` are one character)


def _digits_twice(by_first: dict[str, Any]) -> bool:
    """Whether ways led by `\\d` and ways led by a digit are both there: they can match at the same place, so
    grouping them by their first character could change which way wins."""
    return r"\d" in by_first and any(len(atom) == 1 and atom.isdigit() for atom in by_first)


def _optional_opening(seq: str) -> tuple[str, str] | None:
    """The inside of the non-capturing group that opens `seq` and what follows it, when a plain `?` makes
    the group optional (not lazy, not possessive); else None."""
    if not seq.startswith("(?:"):
        return None
    end = next((i for i, ch, depth in _marks(seq) if ch == ")" and depth == 0), -1)
    if end < 0 or seq[end + 1:end + 2] != "?" or seq[end + 2:end + 3] in ("?", "+"):
        return None
    return seq[3:end], seq[end + 2:]


def _first_word(seq: str, most: int = 1_000) -> str:
    """The literal characters `seq` opens with (at most `most`; a plain character or an escaped sign), not
    counting one a quantifier follows."""
    units: list[str] = []
    i = 0
    while i < len(seq) and len(units) < most:
        ch = seq[i]
        if ch == "\\":
            if i + 1 >= len(seq) or seq[i + 1].isalnum() or seq[i + 1].isspace():
                break
            units.append(seq[i:i + 2])
        elif ch in _SPECIAL or (ch.isspace() and ch != " "):
            break
        else:
            units.append(ch)
        i += len(units[-1])
    if i < len(seq) and seq[i] in _QUANTIFIERS and units:
        units.pop()
    return "".join(units)


def _marks(seq: str) -> Iterator[tuple[int, str, int]]:
    """The parentheses and bars of regex source (not escaped, not in a class), each with its place and the
    depth of groups after it."""
    depth = 0
    i = 0
    in_class = False
    while i < len(seq):
        ch = seq[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()|":
            depth += 1 if ch == "(" else -1 if ch == ")" else 0
            yield i, ch, depth
        i += 1


def _opening_group(seq: str) -> tuple[str, str] | None:
    """The inside of the non-capturing group that opens `seq`, and what follows it; None when the group is
    unbalanced or repeated (a quantifier follows it)."""
    end = next((i for i, ch, depth in _marks(seq) if ch == ")" and depth == 0), -1)
    if end < 0 or seq[end + 1:end + 2] in _QUANTIFIERS:
        return None
    return seq[3:end], seq[end + 1:]


def _alternatives(seq: str) -> list[str]:
    """`seq`'s top-level alternatives."""
    bars = [i for i, ch, depth in _marks(seq) if ch == "|" and depth == 0]
    return [seq[a + 1:b] for a, b in zip([-1, *bars], [*bars, len(seq)], strict=True)]


def trigger_regex(triggers: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any trigger stem, built as a trie so each position tries few branches.

    A flat alternation of hundreds of words tries every word at every position; the trie form
    (`a(?:ge|lone)|...`) dispatches on one character at a time, which keeps the pre-filter cheap.
    Stems are substrings, so a stem that contains a shorter stem is redundant and dropped.
    """
    unique = sorted({t for t in triggers if t}, key=len)
    if not unique:
        return None
    minimal: list[str] = []
    for t in unique:  # shortest first: keep t unless a kept shorter stem occurs inside it
        if not any(m in t for m in minimal):
            minimal.append(t)
    trie: dict[str, Any] = {}
    for word in minimal:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}
    return compile_regex(_trie_source(trie))


def _trie_source(node: dict[str, Any]) -> str:
    if "" in node:  # a whole stem ends here: the shorter stem suffices
        return ""
    branches = [re.escape(ch) + _trie_source(child) for ch, child in sorted(node.items())]
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


def _packaged_lexicon_dir(lang: str) -> Any:
    return resources.files("hotline.detect") / "lexicons" / lang


_PACKAGED_LEXICON_DIR = _packaged_lexicon_dir
#: Where a language's lexicons are read. A variable, not a def: a test's replacement of it is then called by
#: this module compiled too (mypyc calls a module's own functions directly, not through the module).
_lexicon_dir: Callable[[str], Any] = _packaged_lexicon_dir


def _cache_key(key: str) -> str | None:
    """The compiled-form cache is keyed by the packaged lexicons: a redirected folder (a test's, a site's
    own) is loaded and validated afresh, never served from records of another folder."""
    return key if _lexicon_dir is _PACKAGED_LEXICON_DIR else None


@lru_cache(maxsize=8)
def load_macros(lang: str) -> dict[str, str]:
    """`{NAME}` → regex fragment for one language (folded), from `lexicons/<lang>/macros.json`."""
    path = _lexicon_dir(lang) / "macros.json"
    if not path.is_file():
        return {}
    data = _read_json(path)
    macros = data.get("macros")
    if not isinstance(macros, dict):
        raise DataError(f"{path}: 'macros' must be an object of NAME: regex")
    out: dict[str, str] = {}
    for name, value in macros.items():
        if not _MACRO.fullmatch("{" + str(name) + "}") or not isinstance(value, str):
            raise DataError(f"{path}: bad macro {name!r}")
        out[name] = fold_pattern(value)
    for name, value in out.items():  # macros may use macros defined earlier in the file
        out[name] = _expand(value, out, path, name)
        try:
            compile_regex(out[name])
        except re.error as exc:
            raise DataError(f"{path}: macro {name} does not compile: {exc}") from exc
    return out


def _expand(source: str, macros: dict[str, str], path: Any, rule_id: str) -> str:
    def sub(m: re.Match[str]) -> str:
        try:
            return "(?:" + macros[m.group(1)] + ")"
        except KeyError:
            raise DataError(f"{path}: {rule_id}: unknown macro {m.group(0)}") from None
    return _MACRO.sub(sub, source)


#: Words too common to stand in the pre-filter: a phrase's trigger is its most selective part.
_COMMON = frozenset(["a", "al", "am", "an", "and", "any", "are", "as", "at", "be", "by", "can", "come", "could", "did", "do", "dont", "for", "from", "get", "go", "got", "has", "have", "hav", "how", "i", "if", "im", "in", "is", "it", "its", "just", "let", "like", "lok", "me", "more", "my", "new", "no", "not", "now", "of", "ok", "on", "one", "or", "our", "out", "say", "se", "sen", "so", "that", "the", "there", "this", "to", "up", "us", "want", "was", "we", "what", "when", "where", "wil", "wih", "with", "would", "ya", "yes", "you", "your", "ur", "u", "r", "ad", "il", "id", "ima", "ive", "use", "own", "who", "lot", "two", "had", "big", "eat", "fel", "top", "cal", "tel", "wel", "off", "ned", "ask", "put", "run",
    "time", "night", "later", "today", "tomorow", "wait", "work", "home", "much", "good", "god", "take", "make",
    "know", "then", "than", "here", "them", "they", "will", "been", "some", "back", "tonight",
    # romanised Khmer words in nearly every message
    "nov", "nv", "bong", "bang", "oun", "own", "mok", "mk", "tov", "tv", "nis", "nas", "te", "hz", "jam", "cham", "oy",
    "aoy", "ban", "min", "ot", "pel", "tae", "ke", "na", "ey", "knhom", "nh", "kjom", "dak", "ning", "neng", "ng"])
#: Two-letter stems that rarely occur inside other words, so they may stand in the pre-filter.
_SHORT_OK = frozenset({"bf", "gf", "fb", "bj", "tg", "dm", "69", "$", "៛"})
#: A common word stands in the pre-filter only if it is at least this long ("want", not "to"); phrases
#: with nothing better fall back to the file's triggers.
_FALLBACK_LENGTH = 4
_SIMPLE_ALTERNATIVE = re.compile(r"[a-z0-9 $]+s?\??")


def _selective(word: str) -> bool:
    """Rare enough to pick a phrase out: not a common word, not a tiny one."""
    return word in _SHORT_OK or (word not in _COMMON and len(word) >= 3)


def phrase_trigger(phrase: str, macros: dict[str, str] | None = None) -> tuple[str, ...]:
    """Stems of which every match of the phrase contains at least one, for the pre-filter.

    Picks the most selective part of the phrase: its longest uncommon literal word, or a macro whose
    alternatives are all plain uncommon words (then all of them); failing both, its longest plain word,
    common or not (slower, never wrong). Empty only for a phrase of macros that are not plain word lists.
    """
    def quality(word: str) -> int:
        if word in _COMMON or (len(word) < 3 and word not in _SHORT_OK):
            return 0
        return len(word)

    best: tuple[int, tuple[str, ...]] = (0, ())
    fallback: tuple[str, ...] | None = None
    for token in re.split(r"(\{[A-Z][A-Z_0-9]*\})|\.\.\.|\s+", phrase):
        if not token or not token.strip():
            continue
        if _MACRO.fullmatch(token):
            value = (macros or {}).get(token[1:-1], "")
            alternatives = value.split("|")
            if not value or not all(_SIMPLE_ALTERNATIVE.fullmatch(a) for a in alternatives):
                continue
            stems = tuple(a.rstrip("?").removesuffix("s" if a.endswith("s?") else "") for a in alternatives)
            score = min(quality(stem) for stem in stems)
        else:
            stems = (normalize(token),)
            score = quality(stems[0])
        if score > best[0]:
            best = (score, stems)
        if (stems and not _MACRO.fullmatch(token) and len(stems[0]) >= _FALLBACK_LENGTH
                and (fallback is None or len(stems[0]) > len(fallback[0]))):
            fallback = stems
    if best[1]:
        return best[1]
    # nothing selective: a longest plain word (not a tiny one like "to") still lets every match through
    return fallback or ()


def compile_phrase(phrase: str, *, khmer: bool, macros: dict[str, str]) -> str:
    """Regex source for one phrase: literal words, `{MACRO}`s, `...` gaps, `#` a number."""
    if khmer and (misnamed := misnamed_words(phrase)):  # a Khmer phrase names the words the segmenter finds
        raise DataError(f"phrase {phrase!r}: write the words as "
                        + "; ".join(f"{b!r} (not {a!r})" for a, b in misnamed))
    parts: list[str] = []
    for token in re.split(r"(\{[A-Z][A-Z_0-9]*\}|\.\.\.|\s+)", phrase.strip()):
        if not token:
            continue
        if token == "...":
            parts.append(joint() + _KHMER_GAP + joint() if khmer else _LATIN_GAP)
        elif token == "#":
            parts.append(r"\d+")
        elif token.isspace():
            parts.append(joint() + r"\s*" if khmer else r"\W+")  # Khmer: words meet on a word edge
        elif _MACRO.fullmatch(token):
            name = token[1:-1]
            if name not in macros:
                raise DataError(f"unknown macro {token} in phrase {phrase!r}")
            parts.append("(?:" + macros[name] + ")")
        else:
            parts.append(re.escape(normalize(token)))
    # a gap next to a space would demand two separators: let the gap absorb them
    source = "".join(parts)
    for gap in (_LATIN_GAP, _KHMER_GAP):
        sep = r"\s*" if gap is _KHMER_GAP else r"\W+"
        source = source.replace(sep + gap + sep, gap).replace(sep + gap, gap).replace(gap + sep, gap)
    return source


def _read_json(path: Any) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read pattern file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected a JSON object")
    return data


def _regex(source: Any, path: Any, rid: str, key: str, macros: dict[str, str], khmer: bool) -> re.Pattern[str]:
    if not isinstance(source, str) or not source:
        raise DataError(f"{path}: {rid}: '{key}' must be a non-empty regex string")
    expanded = _expand(fold_pattern(source), macros, path, rid)
    try:
        return compile_regex(expanded)
    except re.error as exc:
        raise DataError(f"{path}: {rid}: '{key}' does not compile: {exc}") from exc


def _strings(value: Any, path: Any, rid: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise DataError(f"{path}: {rid}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _compile_rule(raw: Any, *, name: str, signal: str, lang: str, default_stage: str | None,
                  macros: dict[str, str], path: Any) -> Rule:
    if not isinstance(raw, dict):
        raise DataError(f"{path}: every rule must be an object")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.startswith(f"{lang}.{name}.") or not re.fullmatch(r"[\w.\-]+", rid):
        raise DataError(f"{path}: rule id {rid!r} must look like '{lang}.{name}.<what>'")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise DataError(f"{path}: {rid}: unknown keys {sorted(unknown)}")
    weight = raw.get("weight", 0.5)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not 0 < weight <= 1:
        raise DataError(f"{path}: {rid}: weight must be a number in (0, 1], got {weight!r}")
    stage = raw.get("stage", default_stage)
    if stage is not None and stage not in STAGES:
        raise DataError(f"{path}: {rid}: unknown stage {stage!r} (one of {', '.join(STAGES)})")
    khmer = lang == "km"
    alternatives: list[str] = []
    phrases = _strings(raw.get("phrases"), path, rid, "phrases")
    per_phrase = [phrase_trigger(phrase, macros) for phrase in phrases]
    triggers = tuple(t for found in per_phrase for t in found)
    needs_file_triggers = "pattern" in raw or any(not found for found in per_phrase)
    # Khmer: longest first, so that the longest of the words that start at a place is tried first
    order = sorted(range(len(phrases)), key=lambda i: len(phrases[i]), reverse=True) if khmer else range(len(phrases))
    for i in order:
        try:
            alternatives.append(compile_phrase(phrases[i], khmer=khmer, macros=macros))
        except DataError as exc:
            raise DataError(f"{path}: {rid}: {exc}") from None
    ranks = {i: rank for rank, i in enumerate(order)}
    phrase_ranks = tuple(ranks[i] for i in range(len(phrases))) if khmer else ()
    phrase_regexes = tuple(compile_regex(alternatives[ranks[i]]) for i in range(len(phrases))) if khmer else tuple(
        _phrase_regex(_LATIN_WORD_EDGE_L + "(?:" + a + ")" + _LATIN_WORD_EDGE_R) for a in alternatives)
    if alternatives and not khmer:  # whole words: one edge check for all phrases, not one per phrase
        alternatives = [_LATIN_WORD_EDGE_L + "(?:" + "|".join(alternatives) + ")" + _LATIN_WORD_EDGE_R]
    if "pattern" in raw:  # searched alone too, after the phrases (it is the regex's last alternative)
        pattern = _regex(raw["pattern"], path, rid, "pattern", macros, khmer)
        alternatives.append(pattern.pattern)
        phrase_regexes += (_phrase_regex(pattern.pattern),)
        phrase_ranks += (len(phrases),) if khmer else ()
    if not alternatives:
        raise DataError(f"{path}: {rid}: needs 'phrases' or 'pattern'")
    try:  # Latin: led by first characters where every way can be (the same matches), as the phrases are
        whole = "|".join(f"(?:{a})" for a in alternatives)
        regex = compile_regex(whole) if khmer else _phrase_regex(whole)
    except re.error as exc:
        raise DataError(f"{path}: {rid}: does not compile: {exc}") from exc
    optional = {
        key: _regex(raw[key], path, rid, key, macros, khmer) if key in raw else None
        for key in ("requires", "unless", "unless_nearby")
    }
    # every match also needs its `requires`: its literals narrow the candidates of each phrase
    required = regex_needs(optional["requires"].pattern, signs=True) if optional["requires"] is not None else ()
    unless_needs = _unless_needs(optional["unless"].pattern) if optional["unless"] is not None else ()
    unless_scan, unless_masks = _lazy_gate(unless_needs)
    for key in ("requires", "unless"):  # only asked whether they match
        given = optional[key]
        optional[key] = compile_regex(_boolean_regex(given.pattern)) if given is not None else None
    part = raw.get("part")
    if part is not None and not (isinstance(part, str) and part.isidentifier()):
        raise DataError(f"{path}: {rid}: 'part' must be an identifier")
    if signal == "sextortion" and part not in SEXTORTION_PARTS:
        raise DataError(f"{path}: {rid}: a sextortion rule needs a 'part', one of {', '.join(SEXTORTION_PARTS)}")
    tags = _strings(raw.get("tags"), path, rid, "tags")
    if set(tags) - set(RULE_TAGS):
        raise DataError(f"{path}: {rid}: unknown tags {sorted(set(tags) - set(RULE_TAGS))} "
                        f"(one of {', '.join(RULE_TAGS)})")
    return Rule(
        id=rid, signal=signal, language=lang, whole=WholeRegex(regex.pattern, regex), weight=float(weight), stage=stage,
        part=part, tags=tags,
        requires=optional["requires"], unless=optional["unless"], unless_nearby=optional["unless_nearby"],
        examples=_strings(raw.get("examples"), path, rid, "examples"),
        counterexamples=_strings(raw.get("counterexamples"), path, rid, "counterexamples"),
        note=str(raw.get("note", "")), triggers=triggers, needs_file_triggers=needs_file_triggers,
        needs=tuple(ranked((*phrase, *required), _selective) for phrase in (
            *(phrase_needs(phrase, khmer=khmer, macros=macros, selective=_selective) for phrase in phrases),
            *((regex_needs(alternatives[-1]),) if "pattern" in raw else ()))),
        phrase_regexes=tuple(LazyRegex(p.pattern, p) for p in phrase_regexes), phrase_ranks=phrase_ranks,
        unless_needs=unless_needs,
        unless_scan=unless_scan, unless_masks=unless_masks,
    )


@lru_cache(maxsize=16)
def load_ruleset(name: str, signal: str, languages: Sequence[str] = LANGUAGES) -> RuleSet:
    """Load and validate `lexicons/<lang>/<name>.json` for every language that has it (or read what an
    earlier run loaded and validated from the same lexicons, `compiled.record`)."""
    key = _cache_key(f"ruleset{_RECORD_FORM}:{name}:{signal}:{','.join(languages)}")
    records = compiled.record(key) if key is not None else None
    if records is not None:
        with suppress(KeyError, TypeError, ValueError, IndexError, re.error):
            return RuleSet(name=name, signal=signal, rules=tuple(_rule_from_record(r) for r in records), key=key)
    rules: list[Rule] = []
    for lang in languages:
        path = _lexicon_dir(lang) / f"{name}.json"
        if not path.is_file():
            continue
        data = _read_json(path)
        if data.get("signal") != signal:
            raise DataError(f"{path}: 'signal' must be {signal!r}")
        default_stage = data.get("stage")
        macros = load_macros(lang)
        file_triggers = tuple(
            normalize(t) for t in _strings(data.get("triggers"), path, "file", "triggers")
        )
        raw_rules = data.get("rules")
        if not isinstance(raw_rules, list) or not raw_rules:
            raise DataError(f"{path}: 'rules' must be a non-empty list")
        for raw in raw_rules:
            rule = _compile_rule(raw, name=name, signal=signal, lang=lang, default_stage=default_stage,
                                 macros=macros, path=path)
            if rule.needs_file_triggers:
                rule = replace(rule, triggers=rule.triggers + file_triggers)
            if not rule.triggers:
                raise DataError(f"{path}: {rule.id}: no trigger stems (add plain words or file 'triggers')")
            rules.append(rule)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise DataError(f"duplicate rule id {rule.id}")
        seen.add(rule.id)
    ruleset = RuleSet(name=name, signal=signal, rules=tuple(rules), key=key)
    _check_examples(ruleset)
    if key is not None:
        compiled.store(key, [_rule_record(r) for r in rules])
    compiled.flush()
    return ruleset


#: The form of a rule's record (`_rule_record`): part of its cache key, so a record of another form is never read.
_RECORD_FORM = 8


def _rule_record(rule: Rule) -> dict[str, Any]:
    """A validated rule as JSON (regexes by source), for the compiled-form cache."""
    def source(p: re.Pattern[str] | None) -> str | None:
        return p.pattern if p is not None else None

    return {
        "id": rule.id, "signal": rule.signal, "language": rule.language, "regex": rule.whole.source,
        "weight": rule.weight, "stage": rule.stage, "part": rule.part, "tags": rule.tags, "requires": source(rule.requires),
        "unless": source(rule.unless), "unless_nearby": source(rule.unless_nearby),
        "examples": rule.examples, "counterexamples": rule.counterexamples, "note": rule.note,
        "triggers": rule.triggers, "needs_file_triggers": rule.needs_file_triggers, "needs": rule.needs,
        "phrases": [p.source for p in rule.phrase_regexes], "phrase_ranks": rule.phrase_ranks,
        "unless_needs": rule.unless_needs,
    }


def _rule_from_record(r: dict[str, Any]) -> Rule:
    def regex(key: str) -> re.Pattern[str] | None:
        return compile_regex(r[key]) if r[key] is not None else None

    unless_scan, unless_masks = _lazy_gate(r["unless_needs"])
    return Rule(
        id=r["id"], signal=r["signal"], language=r["language"], whole=WholeRegex(r["regex"]),
        weight=r["weight"], stage=r["stage"], part=r["part"], tags=tuple(r["tags"]), requires=regex("requires"), unless=regex("unless"),
        unless_nearby=regex("unless_nearby"), examples=tuple(r["examples"]),
        counterexamples=tuple(r["counterexamples"]), note=r["note"], triggers=tuple(r["triggers"]),
        needs_file_triggers=r["needs_file_triggers"],
        needs=r["needs"],  # tuples, as `_rule_record` stored them (the cache gives back what it was given)
        phrase_regexes=tuple(map(LazyRegex, r["phrases"])), phrase_ranks=tuple(r["phrase_ranks"]),
        unless_needs=r["unless_needs"], unless_scan=unless_scan, unless_masks=unless_masks,
    )


@lru_cache(maxsize=8)
def load_phrase_set(name: str, languages: Sequence[str] = LANGUAGES) -> PhraseSet | None:
    """One regex from `lexicons/<lang>/<name>.json` {"phrases": [...], "patterns": [...], "examples": [...],
    "counterexamples": [...]} over all languages: small word lists that are not signals of their own."""
    key = _cache_key(f"phrases:{name}:{','.join(languages)}")
    cached = compiled.record(key) if key is not None else None
    if cached is not None:
        with suppress(KeyError, TypeError, ValueError, IndexError, re.error):
            return _phrase_set(cached["sources"], cached["needs"], key)
    sources: list[str] = []
    needs: list[PhraseNeeds] = []  # per phrase or pattern, for the automaton in front of the regex
    for lang in languages:
        path = _lexicon_dir(lang) / f"{name}.json"
        if not path.is_file():
            continue
        data = _read_json(path)
        macros = load_macros(lang)
        khmer = lang == "km"
        own: list[str] = []
        for phrase in _strings(data.get("phrases"), path, name, "phrases"):
            core = compile_phrase(phrase, khmer=khmer, macros=macros)
            own.append(core if khmer else _LATIN_WORD_EDGE_L + core + _LATIN_WORD_EDGE_R)
            needs.append(phrase_needs(phrase, khmer=khmer, macros=macros, selective=_selective))
        for pattern in _strings(data.get("patterns"), path, name, "patterns"):
            own.append(_regex(pattern, path, name, "patterns", macros, khmer).pattern)
            needs.append(regex_needs(own[-1]))
        for example in _strings(data.get("examples"), path, name, "examples"):
            if not any(re.search(src, normalize(example)) for src in own):
                raise DataError(f"{path}: no phrase matches the example {example!r}")
        for counter in _strings(data.get("counterexamples"), path, name, "counterexamples"):
            if any(re.search(src, normalize(counter)) for src in own):
                raise DataError(f"{path}: a phrase matches the counterexample {counter!r}")
        sources.extend(own)
    if key is not None:
        compiled.store(key, {"sources": sources, "needs": needs})
    result = _phrase_set(sources, needs, key)
    compiled.flush()
    return result


def _phrase_set(sources: list[str], needs: Sequence[Any], key: str | None = None) -> PhraseSet | None:
    if not sources:
        return None
    return PhraseSet(compile_regex("|".join(f"(?:{s})" for s in sources)),
                     [tuple(tuple((t, left, right) for t, left, right in group) for group in phrase) for phrase in needs],
                     sources, _phrase_regex, key)


def load_discussion() -> PhraseSet | None:
    """Talk *about* the risks (a safety talk, sex education, "if someone asks you for photos, tell an
    adult"): in such a message, findings that would enact a harm are dropped."""
    return load_phrase_set("discussion")


def load_cover() -> PhraseSet | None:
    """Awareness words used as cover or to silence ("your teacher means strangers, I'm not a stranger",
    "don't report me or I post it"): such a message is no talk about the risks, and its sender's cues are
    never read as advice."""
    return load_phrase_set("cover")


def load_refusal() -> PhraseSet | None:
    """A refusal or fear ("no", "I'm scared", "អត់ទេ", "ot te"): asking again after it is pressure."""
    return load_phrase_set("refusal")


def _check_examples(ruleset: RuleSet) -> None:
    """Each rule's examples must fire it (through the pre-filter); its counterexamples must not."""
    for rule in ruleset.rules:
        for example in rule.examples:
            norm = normalize(example)
            if rule.match(norm) is None:
                raise DataError(f"rule {rule.id} does not match its example {example!r} (normalised {norm!r})")
            if not any(r.id == rule.id for r, _ in ruleset.matches(norm)):
                raise DataError(f"the pre-filter of {ruleset.name} misses {example!r} ({rule.id}): add a trigger")
        for counter in rule.counterexamples:
            if rule.match(normalize(counter)) is not None:
                raise DataError(f"rule {rule.id} matches its counterexample {counter!r}")
