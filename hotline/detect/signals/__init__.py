"""The signal detectors, registered explicitly, and the one cheap pre-filter in front of them all.

`DETECTORS` is the registration tuple (no subclass discovery); names are checked unique. Most chat messages
are harmless small talk: `MessageScanner.scan` first finds, in one pass of one automaton over the message,
the rules whose words occur (`candidates.CandidateIndex`), and only those run their regex.

`MATCHERS` names the candidate stages: "automaton" (the default) and "trigger-regex", the per-rule path it
replaced (one trie regex of trigger stems, then every rule a stem points to), kept as the reference the
tests compare against and the alternative the benchmark measures; `HOTLINE_MATCHER` picks one for a process.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from operator import attrgetter
from typing import Final, cast

from hotline.detect.model import Finding, Message
from hotline.detect.signals.candidates import CandidateIndex, Needs, PhraseSet
from hotline.detect.signals.detector import MAX_MATCH_CHARS, Quoter, RuleDetector
from hotline.detect.signals.grooming import GroomingDetector
from hotline.detect.signals.meeting import MeetingDetector
from hotline.detect.signals.rules import (
    Rule,
    RuleSet,
    TriggerIndex,
    load_cover,
    load_discussion,
    load_phrase_set,
    load_refusal,
    load_ruleset,
)
from hotline.detect.signals.secrecy import SecrecyDetector
from hotline.detect.signals.sexting import SextingDetector
from hotline.detect.signals.sextortion import SextortionDetector
from hotline.detect.text.khmer import has_khmer

__all__ = [
    "COVER", "DETECTORS", "DISCUSSION", "FEAR", "MATCHERS", "REFUSAL", "GroomingDetector", "MeetingDetector", "MessageScanner", "Rule",
    "RuleDetector", "RuleSet", "SecrecyDetector", "SextingDetector", "SextortionDetector", "default_scanner", "enacts",
    "load_ruleset",
]

#: Every rule-based detector, in the order findings are reported for one message.
DETECTORS: tuple[type[RuleDetector], ...] = (
    GroomingDetector, SecrecyDetector, SextingDetector, MeetingDetector, SextortionDetector,
)
#: The candidate stages a scanner can use (see the module's docstring).
MATCHERS: tuple[str, ...] = ("automaton", "trigger-regex")


#: An item of the scanner's candidate index: a rule of a detector, or a phrase of a phrase set (name, position).
#: One tuple type, not a union of two: compiled, its parts are then read straight from the tuple.
_Item = tuple[RuleDetector | str, Rule | int]
#: Per phrase set, the phrases its pass found can occur in a message (`MessageScanner.scan_talk`).
Said = dict[str, list[int]]


class MessageScanner:
    """All detectors behind one candidate index; `scan` is what the analysis calls for every message."""

    def __init__(self, detectors: tuple[RuleDetector, ...], *, matcher: str = "automaton") -> None:
        names = [d.name for d in detectors]
        if len(set(names)) != len(names):
            raise ValueError(f"detector names must be unique: {names}")
        if matcher not in MATCHERS:
            raise ValueError(f"unknown matcher {matcher!r} (one of {', '.join(MATCHERS)})")
        self.detectors = detectors
        self.matcher = matcher
        self._rules: dict[str, Rule] = {r.id: r for d in detectors for r in d.rules.rules}
        #: Per rule with a benign context (`unless_nearby`), that context: what the analysis looks up for each
        #: finding, in one lookup.
        self.contexts: dict[str, re.Pattern[str]] = {
            r.id: r.unless_nearby for r in self._rules.values() if r.unless_nearby is not None}
        #: The phrase sets read alongside the rules: what `talk` reads, and what `says` answers for.
        self._sets: dict[str, PhraseSet | None] = {
            COVER: load_cover(), DISCUSSION: load_discussion(), REFUSAL: load_refusal(), FEAR: load_phrase_set("fear")}
        #: Whether a set has a phrase that names no word (searched in every message): when none has, a message
        #: in which the candidate pass found no phrase of any set (most) says nothing, without a look per set.
        self._always = any(phrases is not None and phrases.always for phrases in self._sets.values())
        self._index: CandidateIndex[_Item] | TriggerIndex[tuple[RuleDetector, Rule]]
        if matcher == "automaton":
            # One pass finds the rules that can match and the phrases of each set that can: (set name, phrase).
            items: list[tuple[_Item, tuple[str, ...], Needs, bool]] = [
                ((d, r), r.triggers, r.needs, bool(r.phrase_regexes)) for d in detectors for r in d.rules.rules]
            searches = [r.phrase_searches for d in detectors for r in d.rules.rules]
            first = len(items)
            for name, phrases in self._sets.items():
                items += phrases.items(name) if phrases is not None and not phrases.always else []
            self._index = CandidateIndex(items, exact=range(first, len(items)), key=self._tables_key(matcher),
                                         searches=searches)
        else:
            self._index = TriggerIndex([((d, r), r.triggers) for d in detectors for r in d.rules.rules])

    def _tables_key(self, matcher: str) -> str | None:
        """What names the candidate index's items (`CandidateIndex(key=...)`): the record keys of the rule
        sets and phrase sets they are made of, in their order (each names its content in the compiled-lexicon
        cache); None when one has none (rules not loaded from the packaged lexicons): then a digest does."""
        keys = [d.rules.key for d in self.detectors]
        keys += [phrases.key if phrases is not None else f"{name}:none" for name, phrases in self._sets.items()]
        found = [key for key in keys if key is not None]
        return f"scanner:{matcher}:" + "|".join(found) if len(found) == len(keys) else None

    def worth_scanning(self, norm: str) -> bool:
        """The pre-filter: does the normalised text contain any trigger stem?"""
        return self._index.any(norm[:MAX_MATCH_CHARS])

    def talk(self, norm: str) -> str | None:
        """`DISCUSSION` when a message talks about the risks (advice, a quoted threat: "if someone asks
        you...", "they will say..."), `COVER` when it uses their words as cover or to silence ("I'm not a
        stranger", "don't report me"; this wins over discussion), else None."""
        return self._talk(norm[:MAX_MATCH_CHARS], None)

    def _talk(self, norm: str, said: Said | None) -> str | None:
        if said is not None and not said and not self._always:  # the pass found no phrase of any set
            return None
        if self._said(COVER, norm, said):
            return COVER
        if self._said(DISCUSSION, norm, said):
            return DISCUSSION
        return None

    def says(self, name: str, norm: str, said: Said | None = None) -> bool:
        """Whether the normalised text holds a phrase of the set `name` (`REFUSAL`, `FEAR`); `said`: the
        phrases of each set that can occur, as `scan_talk` found them in its pass (None: look for yourself)."""
        if len(norm) > MAX_MATCH_CHARS:
            return self._said(name, norm, None)
        if said is not None and not said and not self._always:
            return False
        return self._said(name, norm, said)

    def _said(self, name: str, norm: str, said: Said | None) -> bool:
        phrases = self._sets[name]
        if phrases is None:
            return False
        if said is None:
            return phrases.search(norm) is not None
        return phrases.occurs(norm, said.get(name, ())) if phrases.always or name in said else False

    def scan(self, message: Message, norm: str, lang: str | None = None, *, prefilter: bool = True) -> list[Finding]:
        """Findings of every detector in one message (`norm` = `normalize(message.text)`).

        With `prefilter=False` every rule is tried (the naive approach the benchmark compares against).
        """
        return self.scan_talk(message, norm, lang, prefilter=prefilter)[0]

    def scan_talk(self, message: Message, norm: str, lang: str | None = None, *,
                  prefilter: bool = True) -> tuple[list[Finding], str | None, Said | None]:
        """`scan`, what `talk` says of the message (looked up once for both), and the phrase sets that can
        occur in it, for `says` (None: not known, `says` looks)."""
        del lang
        full = norm
        norm = norm[:MAX_MATCH_CHARS]
        said: Said | None = None
        out: list[Finding] = []  # each match made a finding at once: no list of (detector, rule, match) first
        quoter: Quoter | None = None  # made at the first match (most messages have none)
        khmer: bool | None = None
        if prefilter and isinstance(self._index, CandidateIndex):
            said = {}
            for item, phrases in self._index.candidates(norm):
                first = item[0]
                if isinstance(first, str):  # a phrase of a phrase set: (set name, phrase)
                    found = said.get(first)
                    if found is None:
                        said[first] = [cast(int, item[1])]
                    else:
                        found.append(cast(int, item[1]))
                    continue
                rule = cast(Rule, item[1])
                if rule.language == "km":
                    if khmer is None:
                        khmer = has_khmer(norm)
                    if not khmer:
                        continue
                m = rule.match(norm, phrases)
                if m is not None:
                    if quoter is None:
                        quoter = Quoter(message.text, full)
                    out.append(first.finding(message, rule, m, quoter))
        else:
            # every rule (the naive way the benchmark compares against), or the per-rule candidate stage
            pairs = (cast(TriggerIndex[tuple[RuleDetector, Rule]], self._index).candidates(norm) if prefilter
                     else [(d, cast(Rule, r)) for d, r in self._index.items if not isinstance(d, str)])
            for detector, rule in pairs:
                if rule.language == "km":
                    if khmer is None:
                        khmer = has_khmer(norm)
                    if not khmer:
                        continue
                m = rule.match(norm)
                if m is not None:
                    if quoter is None:
                        quoter = Quoter(message.text, full)
                    out.append(detector.finding(message, rule, m, quoter))
        talk = self._talk(norm, said)
        if not out:
            return out, talk, said
        if talk == DISCUSSION:
            out = [f for f in out if not enacts(f)]
        return (_distinct(out) if len(out) > 1 else out), talk, said

    def rule(self, rule_id: str) -> Rule | None:
        return self._rules.get(rule_id)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(self._rules.values())


#: In a message that talks about the risks (a safety talk), findings of these kinds describe, not enact.
_DESCRIBED_SIGNALS: Final = frozenset({"sextortion", "sexting", "secrecy"})
_DESCRIBED_STAGES: Final = frozenset({"desensitising", "image_request"})


#: What `MessageScanner.talk` says of a message: it talks about the risks, or uses their words as cover.
DISCUSSION: Final = "discussion"
COVER: Final = "cover"
#: The phrase sets `MessageScanner.says` answers for: a refusal or fear ("no", "I'm scared").
REFUSAL: Final = "refusal"
FEAR: Final = "fear"


def enacts(f: Finding) -> bool:
    """A finding that would enact a harm (sextortion, sexting, secrecy, sexual talk, an image request), which
    talk about the risks only describes."""
    return f.signal in _DESCRIBED_SIGNALS or f.stage in _DESCRIBED_STAGES


def _distinct(findings: list[Finding]) -> list[Finding]:
    """One finding per cue: rules of two languages (English and romanised Khmer share Latin script) may
    fire on the same words; keep the heavier of overlapping findings of the same signal and stage (and, for
    sextortion, the same part). Rules of one language are distinct cues and all kept."""
    if not _may_share_a_cue(findings):
        return _by_place(findings)
    kept: list[Finding] = []
    for f in sorted(findings, key=lambda f: -f.weight):
        if not any(k.signal == f.signal and k.stage == f.stage and k.part == f.part and _overlap(k, f)
                   and _language(k) != _language(f) for k in kept):
            kept.append(f)
    return _by_place(kept)


def _may_share_a_cue(findings: list[Finding]) -> bool:
    """Whether two of the findings have the same signal, stage and part (a message's few findings compared
    pair by pair: no tuple a finding and no set to hash them in)."""
    for i in range(1, len(findings)):
        f = findings[i]
        for j in range(i):
            k = findings[j]
            if k.signal == f.signal and k.stage == f.stage and k.part == f.part:
                return True
    return False


def _place(f: Finding) -> tuple[int, str]:
    """Where a finding is reported among the message's: by its place in the text, then its rule."""
    return (f.start or 0, f.rule)


def _by_place(findings: list[Finding]) -> list[Finding]:
    """`sorted(findings, key=_place)`: a rule's findings all have a start, so that the key can be read by
    `attrgetter` (no call a finding), and no sort at all when they came in their order; a message's few
    findings are put in order by insertion (stable, as `sorted`), with no key tuple made for each."""
    ordered = True
    start, rule = -1, ""  # before any place (a sort is never wrong: a false "out of order" costs one)
    for f in findings:
        if f.start is None:
            return sorted(findings, key=_place)
        if ordered and (f.start < start or (f.start == start and f.rule < rule)):
            ordered = False
        start, rule = f.start, f.rule
    if ordered:
        return list(findings)
    if len(findings) > _FEW:
        return sorted(findings, key=_START_RULE)
    out = list(findings)
    for i in range(1, len(out)):
        f = out[i]
        j = i
        while j > 0 and _before(f, out[j - 1]):
            out[j] = out[j - 1]
            j -= 1
        out[j] = f
    return out


#: Findings that `_by_place` puts in order by insertion; more are sorted.
_FEW: Final = 8


def _before(f: Finding, g: Finding) -> bool:
    """`_place(f) < _place(g)` for findings with a start."""
    a, b = f.start or 0, g.start or 0
    return a < b or (a == b and f.rule < g.rule)


_START_RULE: Final = attrgetter("start", "rule")


def _language(f: Finding) -> str:
    return f.rule.split(".", 1)[0]


def _overlap(a: Finding, b: Finding) -> bool:
    return (a.start or 0) < (b.end or 0) and (b.start or 0) < (a.end or 0)


@lru_cache(maxsize=1)
def default_scanner() -> MessageScanner:
    """The scanner over the packaged rules (loaded and validated once per process), with the candidate
    stage `HOTLINE_MATCHER` names (default: the automaton)."""
    return MessageScanner(tuple(cls() for cls in DETECTORS),
                          matcher=os.environ.get("HOTLINE_MATCHER") or MATCHERS[0])

