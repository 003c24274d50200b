"""Findings over time → who is doing what, how far it has gone, and how urgent it is.

Single cues are common in harmless chats (a parent asks "are you home alone?", friends meet at a café,
"don't tell mom" about a surprise party, a couple says "I love you" and plans dinner), so no single word
raises the risk far. The risk grows with *combinations from one sender*: several grooming stages including
a strong one (secrecy, sexual talk, a sexual image request), a sexual image request, or the parts of
sextortion together (a claim to hold images, a threat to share them, a demand). Evidence is kept per
sender, which also names the likely offender (whose messages carry the cues) and the likely victim.

Text without sender names (pasted from a phone screen) is read in overlapping windows of `WINDOW`
consecutive messages, each window one party: the cues must come together within a window as they must
from one sender, and nobody is named (no offender or victim is made up from the text).

`RiskTracker` is incremental: the analysis feeds it messages and findings in order and it records the first
message at which the level reaches `ALERT_LEVEL`, so a long chat costs O(findings), not O(messages²). A
party's level is worked out again only when a finding changed what it rests on (a new stage, rule, part or
secret meeting, a stronger weight; a repeated cue changes nothing, and one like a cue seen before is not
even weighed again), and only those parties are looked at (all of them once, when a sign of a child first
appears): cue-dense chats repeat a few hundred kinds of finding thousands of times.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from hotline.detect.model import DISCUSSION_NEARBY, STAGES, Finding, Participant, PersonalDetail, StageReached
from hotline.detect.model import RISK_RANK as _RANK
from hotline.detect.text.khmer import KHMER_DIGITS

__all__ = ["ALERT_LEVEL", "RiskResult", "RiskTracker", "SenderEvidence", "extorting", "shows_minor"]

#: The level at which an alert is warranted (`first_alert_index` is the first message reaching it).
ALERT_LEVEL = "high"
#: Grooming stages that are strong evidence when a rule of weight ≥ STRONG_WEIGHT fired for them.
STRONG_STAGES: frozenset[str] = frozenset({"isolation", "desensitising", "image_request"})
STRONG_WEIGHT = 0.6
#: Sexting findings at or above this weight are a request for / offer of sexual images.
SEXTING_WEIGHT = 0.75
GROOMING_STAGES: tuple[str, ...] = tuple(s for s in STAGES if s != "exploitation")
#: Relationship-building stages, and the stages they lead to; grooming needs one of each.
BUILDING_STAGES: frozenset[str] = frozenset({"trust", "personal_questions", "isolation", "platform_move", "gifts"})
GOAL_STAGES: frozenset[str] = frozenset({"desensitising", "image_request", "meeting"})
#: `BUILDING_STAGES`, `GOAL_STAGES` and `STRONG_STAGES` among the grooming stages, as tuples (looped over).
_BUILDING: tuple[str, ...] = tuple(s for s in GROOMING_STAGES if s in BUILDING_STAGES)
_GOAL: tuple[str, ...] = tuple(s for s in GROOMING_STAGES if s in GOAL_STAGES)
_STRONG: tuple[str, ...] = tuple(s for s in GROOMING_STAGES if s in STRONG_STAGES)
#: Stages whose strong rules are sexual: without one of them (or sexting, or an isolating meeting) the
#: stages of grooming are also those of ordinary care, and do not raise the risk above medium.
SEXUAL_STAGES: tuple[str, ...] = ("desensitising", "image_request")
#: What the risk reads from a finding's `tags` (the rules' `tags` in the lexicons, `model.RULE_TAGS`):
#: a meeting that isolates the other person (alone, secretly): grooming with it is high without sex;
ISOLATING = "isolating"
#: secrecy about the relationship itself (not "don't tell mom", which a sibling or friend says too);
RELATIONSHIP_SECRECY = "relationship_secrecy"
#: trust-building that plays down an age gap ("mature for your age"): a groomer's words, not a parent's;
AGE_GAP = "age_gap"
#: signs that the other person is (treated as) a child: asking their age or whether the parents are home,
#: "mature for your age"; and talk that only shows a child is involved (school, hiding from the parents):
#: `CHILD_CONTEXT` sets the chat's `minor` flag but is no grooming stage of its own, so a sibling's "don't
#: tell mom I gave you money" does not add a stage to the gift.
CHILD_CONTEXT = "child_context"
MINOR_TAGS: frozenset[str] = frozenset({"child_question", AGE_GAP, CHILD_CONTEXT})
ADULT_AGE = 18
#: Unattributed messages are read in windows this long, starting every `STRIDE` messages (each message
#: is in two windows, so cues near a window's edge still meet).
WINDOW = 40
STRIDE = WINDOW // 2


@dataclass(init=False)  # its `__init__` is written out
class SenderEvidence:
    """Everything one sender's messages have shown so far."""

    name: str
    messages: int = 0
    first_index: int = 0
    #: False for a window of unattributed messages: `name` then only describes where it is.
    named: bool = True
    stages: dict[str, int] = field(default_factory=dict)        # stage → first message index
    stage_weight: dict[str, float] = field(default_factory=dict)  # stage → strongest rule weight
    signals: dict[str, int] = field(default_factory=dict)       # signal → first message index
    parts: dict[str, int] = field(default_factory=dict)         # sextortion part → first index
    rule_weight: dict[str, float] = field(default_factory=dict)  # rule id → weight (counted once)
    tag_weight: dict[str, float] = field(default_factory=dict)  # tag of a rule that fired → strongest weight
    sexting_index: int | None = None
    sexting_count: int = 0
    _sexting_last: int = -1
    #: The other person refused or was afraid after this sender asked for sexual images.
    pressed: bool = False
    #: Messages with strong secrecy, and with a meeting: both in one message is a secret meeting.
    secrecy_at: set[int] = field(default_factory=set)
    meeting_at: set[int] = field(default_factory=set)
    #: The other person was afraid after this sender asked to meet ("I'm scared").
    meeting_feared: bool = False
    personal_details: int = 0
    #: Bumped whenever something `level` reads changes; `level` keeps its last answer per version.
    version: int = field(default=0, repr=False, compare=False)
    _level: tuple[int, bool, str] = field(default=(-1, False, "none"), repr=False, compare=False)
    #: What the findings added so far were (rule, signal, weight, stage, part, tags): another finding like
    #: one of them changes only what depends on its message (secret meetings, sexting per message).
    _shapes: set[tuple[str, str, float, str | None, str | None, tuple[str, ...]]] = field(
        default_factory=set, repr=False, compare=False)
    #: Per rule, the last finding added: the next one of the rule is mostly like it, which a few compares
    #: tell (making and hashing its shape costs more).
    _last: dict[str, Finding] = field(default_factory=dict, repr=False, compare=False)

    def __init__(self, name: str, messages: int = 0, first_index: int = 0, named: bool = True,
                 stages: dict[str, int] | None = None, stage_weight: dict[str, float] | None = None,
                 signals: dict[str, int] | None = None, parts: dict[str, int] | None = None,
                 rule_weight: dict[str, float] | None = None, tag_weight: dict[str, float] | None = None,
                 sexting_index: int | None = None, sexting_count: int = 0, _sexting_last: int = -1,
                 pressed: bool = False, secrecy_at: set[int] | None = None, meeting_at: set[int] | None = None,
                 meeting_feared: bool = False, personal_details: int = 0, version: int = 0,
                 _level: tuple[int, bool, str] = (-1, False, "none"),
                 _shapes: set[tuple[str, str, float, str | None, str | None, tuple[str, ...]]] | None = None,
                 _last: dict[str, Finding] | None = None) -> None:
        # The dataclass's own `__init__` (a field made by a factory: a new one when not given), written out:
        # mypyc compiles it (the generated one stays interpreted: ~11,000 instructions a party), and
        # `init=False` spares making that one at every start.
        self.name = name
        self.messages = messages
        self.first_index = first_index
        self.named = named
        self.stages = {} if stages is None else stages
        self.stage_weight = {} if stage_weight is None else stage_weight
        self.signals = {} if signals is None else signals
        self.parts = {} if parts is None else parts
        self.rule_weight = {} if rule_weight is None else rule_weight
        self.tag_weight = {} if tag_weight is None else tag_weight
        self.sexting_index = sexting_index
        self.sexting_count = sexting_count
        self._sexting_last = _sexting_last
        self.pressed = pressed
        self.secrecy_at = set() if secrecy_at is None else secrecy_at
        self.meeting_at = set() if meeting_at is None else meeting_at
        self.meeting_feared = meeting_feared
        self.personal_details = personal_details
        self.version = version
        self._level = _level
        self._shapes = set() if _shapes is None else _shapes
        self._last = {} if _last is None else _last

    def add(self, finding: Finding) -> bool:
        """Counts a finding; True if something `level` reads changed (`version` moved on)."""
        tags = finding.tags
        if tags and CHILD_CONTEXT in tags:
            return False
        index, weight, signal = finding.index, finding.weight, finding.signal
        last = self._last.get(finding.rule)
        if last is not None and _alike(last, finding):  # its shape is in `_shapes`
            changed = False
        else:
            self._last[finding.rule] = finding
            shape = (finding.rule, signal, weight, finding.stage, finding.part, tags)
            if shape in self._shapes:  # every first index and strongest weight it sets is set already
                changed = False
            else:
                self._shapes.add(shape)
                changed = self._add_new(finding)
        if signal == "secrecy" and weight >= STRONG_WEIGHT:
            changed = changed or (index in self.meeting_at and index not in self.secrecy_at)
            self.secrecy_at.add(index)
        elif signal == "meeting_request":
            changed = changed or (index in self.secrecy_at and index not in self.meeting_at)
            self.meeting_at.add(index)
        if signal == "sexting" and weight >= SEXTING_WEIGHT:
            # Counted per message: two rules firing on one "send a nude pic" are one request, not two.
            if index != self._sexting_last:
                self.sexting_count += 1
                self._sexting_last = index
                changed = changed or self.sexting_count <= 2  # `level` reads only whether it is 2 or more
            if self.sexting_index is None:
                self.sexting_index = index
                changed = True
        if changed:
            self.version += 1
        return changed

    def _add_new(self, finding: Finding) -> bool:
        """What a finding unlike any before sets: first indexes and strongest weights. True if it changed
        something `level` reads."""
        index, weight, signal = finding.index, finding.weight, finding.signal
        changed = False
        if finding.stage:
            if finding.stage not in self.stages:
                self.stages[finding.stage] = index
                changed = True
            before = self.stage_weight.get(finding.stage, 0.0)
            self.stage_weight[finding.stage] = max(before, weight)
            changed = changed or weight > before
        self.signals.setdefault(signal, index)
        before_rule = self.rule_weight.get(finding.rule)
        self.rule_weight[finding.rule] = max(0.0 if before_rule is None else before_rule, weight)
        changed = changed or before_rule is None or weight > before_rule
        for tag in finding.tags:
            self.tag_weight[tag] = max(self.tag_weight.get(tag, 0.0), weight)
        if signal == "sextortion" and finding.part:
            part = finding.part
            if part not in self.parts:
                self.parts[part] = index
                changed = True
        return changed

    @property
    def score(self) -> float:
        return sum(self.rule_weight.values(), 0.0)  # a float when empty too, as compiled code makes it

    @property
    def grooming_stages(self) -> list[str]:
        return [s for s in GROOMING_STAGES if s in self.stages]

    @property
    def strong_stages(self) -> list[str]:
        # in the stages' own order: a set's order changes from one process to the next (PYTHONHASHSEED)
        return [s for s in GROOMING_STAGES if s in STRONG_STAGES and self.stage_weight.get(s, 0.0) >= STRONG_WEIGHT]

    @property
    def sextortion(self) -> bool:
        return extorting(self.parts)

    @property
    def sexting(self) -> bool:
        return self.sexting_index is not None

    def grooming(self, minor: bool) -> bool:
        """Relationship-building in several stages from this sender (flattery, personal questions, secrecy,
        a platform move, gifts), leading to or alongside sexual talk, image requests or a meeting, towards
        someone who appears to be a child. One blunt request with a "keep it secret" is sexting, not
        grooming; so is sextortion on its own. (Counted in loops over the stages' tuples: the sets this was
        written with cost most of a level worked out, at every finding that changed one.)"""
        if not minor:  # adults flirting, planning dinner and a surprise are not grooming
            return False
        stages = self.stages
        building = 0
        for stage in _BUILDING:
            if stage in stages:
                building += 1
        if building != 2:
            return building >= 3
        if self.sexting:
            return True
        return any(stage in stages for stage in _GOAL)

    @property
    def sexual(self) -> bool:
        """Sexual talk, a sexual image request, or sexting from this sender: what sets grooming apart from a
        parent's, teacher's or friend's care (questions, praise, a present, a pick-up, a kept surprise)."""
        return self.sexting or any(self.stage_weight.get(s, 0.0) >= STRONG_WEIGHT for s in SEXUAL_STAGES)

    @property
    def isolating(self) -> bool:
        """A meeting the other person must come to alone ("come alone", "sneak out") or in secret ("don't
        say you are meeting me"), or a meeting beside secrecy about the two of them ("our secret", "delete
        this chat"; not a "don't tell mom" about something else, which a sibling or friend says too)."""
        if ISOLATING in self.tag_weight or self.secrecy_at & self.meeting_at:
            return True
        return self.meeting_feared  # "I'm scared" came after the request to meet

    @property
    def escalating(self) -> bool:
        """What care does not write beside its questions, praise, presents and pick-ups: sexual content,
        an isolating meeting, secrecy about the relationship itself ("our secret", "delete our chat"), or
        "mature for your age" / "age is just a number"."""
        if self.sexual or self.isolating:
            return True
        return self.tag_weight.get(RELATIONSHIP_SECRECY, 0.0) >= STRONG_WEIGHT or AGE_GAP in self.tag_weight

    def level(self, minor: bool = False) -> str:
        version, was_minor, level = self._level
        if version == self.version and was_minor == minor:
            return level
        level = self._work_out_level(minor)
        self._level = (self.version, minor, level)
        return level

    def _work_out_level(self, minor: bool) -> str:
        # `grooming_stages` and `strong_stages` as the lists they are would be made for one membership test
        # or count each: the stages are looked up instead (same answers: `_STRONG`, `_stage_count`).
        if self.sextortion:
            return "critical"
        grooming = self.grooming(minor)
        if grooming and not self.escalating:
            # Relationship-building and a meeting with nothing sexual and no "come alone": what a mother,
            # a coach or a friend also writes. Early grooming looks the same; it stays visible at medium.
            return "medium"
        meeting = "meeting" in self.stages  # a grooming stage: in `grooming_stages` when in `stages`
        if grooming and (self.sexting or meeting or "exploitation" in self.stages):
            return "critical"
        if self.sexting and minor and (self._strong("isolation") or meeting):
            return "critical"
        # Sexting between adults (no sign of a child) stays medium unless pressed on a refusal or repeated.
        if grooming or (self.sexting and (minor or self.pressed or self.sexting_count >= 2)):
            return "high"
        if "threat" in self.parts and "claim" in self.parts:
            return "high"
        if (self.sexting or any(self._strong(s) for s in _STRONG)
                or (self._stage_count() >= 2 and self.score >= 1.0) or "threat" in self.parts):
            return "medium"
        if self.rule_weight:
            return "low"
        return "none"

    def _strong(self, stage: str) -> bool:
        """Whether a stage of `_STRONG` is in `strong_stages`."""
        return self.stage_weight.get(stage, 0.0) >= STRONG_WEIGHT

    def _stage_count(self) -> int:
        """`len(self.grooming_stages)`."""
        count = 0
        stages = self.stages
        for stage in GROOMING_STAGES:
            if stage in stages:
                count += 1
        return count


def extorting(parts: Collection[str]) -> bool:
    """Sextortion's parts together: a threat beside a claim or a demand, or a claim beside a demand."""
    return ("threat" in parts and ("claim" in parts or "demand" in parts)) or ("claim" in parts and "demand" in parts)


def shows_minor(detail: PersonalDetail) -> bool:
    """An age under 18, or a school or grade, disclosed in the chat."""
    if detail.type == "school":
        return True
    if detail.type == "age":
        digits = "".join(ch for ch in (detail.normalized or detail.value) if ch.isdigit())
        digits = digits.translate(KHMER_DIGITS)
        return digits.isdigit() and 0 < int(digits) < ADULT_AGE
    return False



@dataclass(frozen=True, init=False)  # its `__init__` is written out
class RiskResult:
    risk: str
    score: float
    first_alert_index: int | None
    signals: dict[str, bool]
    participants: list[Participant]
    stages: list[StageReached]
    offender: str | None
    victim: str | None
    explanation: list[str]

    def __init__(self, risk: str, score: float, first_alert_index: int | None, signals: dict[str, bool],
                 participants: list[Participant], stages: list[StageReached], offender: str | None,
                 victim: str | None, explanation: list[str]) -> None:
        # The dataclass's own `__init__`, written out (see `SenderEvidence.__init__`; frozen: set as
        # `model.Message.__init__` sets them).
        object.__setattr__(self, "risk", risk)
        object.__setattr__(self, "score", score)
        object.__setattr__(self, "first_alert_index", first_alert_index)
        object.__setattr__(self, "signals", signals)
        object.__setattr__(self, "participants", participants)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "offender", offender)
        object.__setattr__(self, "victim", victim)
        object.__setattr__(self, "explanation", explanation)


def _alike(a: Finding, b: Finding) -> bool:
    """Whether two findings of one rule have the same shape (`SenderEvidence._shapes`), compared as the
    shapes' tuples would be (findings of one rule mostly share its strings and tags: identity first)."""
    return ((a.signal is b.signal or a.signal == b.signal) and a.weight == b.weight
            and (a.stage is b.stage or a.stage == b.stage) and (a.part is b.part or a.part == b.part)
            and (a.tags is b.tags or a.tags == b.tags))


def _touch(touched: list[SenderEvidence], party: SenderEvidence) -> None:
    """Add a party to those a message's findings changed, once (by identity: evidence compares by value)."""
    for seen in touched:
        if seen is party:
            return
    touched.append(party)


class RiskTracker:
    """Incremental risk over a conversation (see the module docstring)."""

    def __init__(self) -> None:
        self.senders: dict[str, SenderEvidence] = {}
        #: Windows of unattributed messages by number (window k covers messages k·STRIDE … k·STRIDE+WINDOW-1).
        self.windows: dict[int, SenderEvidence] = {}
        self.level = "none"
        self.first_alert_index: int | None = None
        self._max_index = -1
        self._asked = False
        self.secrecy = False
        self.meeting = False
        self.personal_info = False
        #: Something in the chat shows a child is involved (an age under 18, a school or grade, the
        #: offender asking a child's grade or whether the parents are home; not "how old are you", which
        #: adults ask each other too: the answer tells). Grooming needs it (or secrecy).
        self.minor = False
        #: Text without names: a refusal came after an image request in its window. Who refused whom cannot
        #: be told (in a chat room it may answer someone else), so it does not press by itself; the verdict
        #: may take it with the learned scorer's reading (`scoring.verdict.combine`).
        self.unplaced_refusal = False

    def _sender(self, name: str, index: int) -> SenderEvidence:
        ev = self.senders.get(name)
        if ev is None:
            ev = self.senders[name] = SenderEvidence(name=name, first_index=index)
        return ev

    def _window(self, k: int) -> SenderEvidence:
        ev = self.windows.get(k)
        if ev is None:
            start = k * STRIDE
            ev = self.windows[k] = SenderEvidence(
                name=f"messages {start}-{start + WINDOW - 1}", first_index=start, named=False)
        return ev

    def _parties(self, sender: str | None, index: int) -> list[SenderEvidence]:
        """Whose evidence a message counts for: its sender's, or the windows it falls in when unnamed."""
        if sender is not None:
            return [self._sender(sender, index)]
        k = index // STRIDE
        return [self._window(w) for w in (k - 1, k) if w >= 0]

    def _all(self) -> list[SenderEvidence]:
        return [*self.senders.values(), *self.windows.values()]

    def message(self, sender: str | None, index: int) -> None:
        if sender is not None:  # windows are made when something is found in them, not per message
            ev = self.senders.get(sender)
            if ev is None:
                ev = self._sender(sender, index)
            ev.messages += 1

    def personal_detail(self, sender: str | None, index: int, detail: PersonalDetail | None = None) -> None:
        for ev in self._parties(sender, index):
            ev.personal_details += 1
        self.personal_info = True
        if detail is not None and not self.minor and shows_minor(detail):
            self.minor = True
            self._evaluate(self._all(), index)
        if self.level == "none":
            self.level = "low"

    def add(self, findings: list[Finding]) -> None:
        """Findings of one message (or late-committed ones); re-evaluates the level once."""
        if not findings:
            return
        touched: list[SenderEvidence] = []  # a party or two: a list, searched by identity
        first_minor = False
        senders = self.senders
        for f in findings:
            adjusted = f.adjusted
            if adjusted is not None and adjusted == DISCUSSION_NEARBY:  # described in safety advice, not
                continue  # done: counts for nothing
            sender, index, signal = f.sender, f.index, f.signal
            known = senders.get(sender) if sender is not None else None
            if known is not None:  # the common case, without a list of one
                if known.add(f):  # else nothing its level reads changed: its level is counted already
                    _touch(touched, known)
                    self._asked = self._asked or known.sexting_index is not None
            else:
                for ev in self._parties(sender, index):
                    if ev.add(f):
                        _touch(touched, ev)
                        self._asked = self._asked or ev.sexting_index is not None
            if index > self._max_index:
                self._max_index = index
            if signal == "secrecy":
                self.secrecy = True
            elif signal == "meeting_request":
                self.meeting = True
            if not self.minor and f.tags and not MINOR_TAGS.isdisjoint(f.tags):
                self.minor = first_minor = True
        # Once the chat shows a child, every party is read again with it; after that an untouched party's
        # level stands (nothing it rests on changed), so only the changed ones can raise the chat's level.
        if first_minor:
            self._evaluate(self._all(), self._max_index)
        elif touched:
            self._evaluate(touched, self._max_index)

    def _evaluate(self, parties: list[SenderEvidence], index: int) -> None:
        if not parties:
            return
        if len(parties) == 1:
            level = parties[0].level(self.minor)
        else:
            level = max((e.level(self.minor) for e in parties), key=_RANK.__getitem__)
        if _RANK[level] > _RANK[self.level]:
            self.level = level
        if self.first_alert_index is None and _RANK[self.level] >= _RANK[ALERT_LEVEL]:
            self.first_alert_index = max(index, 0)

    @property
    def asked_for_images(self) -> bool:
        """Someone has asked for (or offered) sexual images so far: refusals are worth looking for."""
        return self._asked

    def refusal(self, sender: str | None, index: int) -> None:
        """`sender` refused or showed fear at message `index`: every other sender who had asked for sexual
        images before is pressing a reluctant person. Unattributed, where someone asked before in the windows
        holding the refusal, it is only noted (`unplaced_refusal`): who asked and who refused cannot be told
        apart, and asking again after it counts anyway (a repeated request)."""
        asked = [e for e in self._others(sender, index)
                 if e.sexting_index is not None and e.sexting_index < index and not e.pressed]
        if sender is None:
            self.unplaced_refusal = self.unplaced_refusal or bool(asked)
            return
        for ev in asked:
            ev.pressed = True
            ev.version += 1
        if asked:
            self._evaluate(asked, index)

    def fear(self, sender: str | None, index: int) -> None:
        """`sender` was afraid at message `index` ("I'm scared"): every other sender who asked to meet before
        is pressing a meeting on a frightened person (unattributed: the windows holding the fear)."""
        feared = [e for e in self._others(sender, index)
                  if not e.meeting_feared and e.meeting_at and min(e.meeting_at) < index]
        for ev in feared:
            ev.meeting_feared = True
            ev.version += 1
        if feared:
            self._evaluate(feared, index)

    def _others(self, sender: str | None, index: int) -> list[SenderEvidence]:
        """The parties a reply from `sender` at `index` answers: every other sender, or for an unattributed
        reply the windows it falls in (who asked and who answered cannot be told apart)."""
        if sender is None:
            k = index // STRIDE
            return [self.windows[w] for w in (k - 1, k) if w in self.windows]
        return [e for e in self._all() if e.name != sender or not e.named]

    def offender(self) -> SenderEvidence | None:
        """The sender whose messages carry the cues, when the chat is at least medium risk."""
        ranked = sorted(self._all(), key=lambda e: (_RANK[e.level(self.minor)], e.score), reverse=True)
        if not ranked or _RANK[ranked[0].level(self.minor)] < _RANK["medium"]:
            return None
        return ranked[0]

    def result(self) -> RiskResult:
        offender = self.offender()
        victim: SenderEvidence | None = None
        if offender is not None and offender.named:
            others = [e for e in self.senders.values() if e is not offender]
            if others:
                victim = max(others, key=lambda e: (e.messages, -e.score))
        roles = {}
        if offender is not None and offender.named:
            roles[offender.name] = "suspected_offender"
        if victim is not None:
            roles[victim.name] = "possible_victim"
        participants = [
            Participant(name=e.name, role=roles.get(e.name, "participant"), messages=e.messages)
            for e in sorted(self.senders.values(), key=lambda e: e.first_index)
        ]
        source = [offender] if offender is not None else self._all()
        first: dict[str, int] = {}
        for ev in source:
            for stage, idx in ev.stages.items():
                first[stage] = min(idx, first.get(stage, idx))
        stages = [StageReached(stage=s, first_index=i) for s, i in sorted(first.items(), key=lambda x: (x[1], STAGES.index(x[0])))]
        signals = {
            "grooming": any(e.grooming(self.minor) for e in self._all()),
            "sextortion": any(e.sextortion for e in self._all()),
            "sexting": any(e.sexting for e in self._all()),
            "meeting_request": self.meeting,
            "secrecy": self.secrecy,
            "personal_info": self.personal_info,
        }
        score = max((e.score for e in self._all()), default=0.0)
        return RiskResult(
            risk=self.level, score=score, first_alert_index=self.first_alert_index, signals=signals,
            participants=participants, stages=stages,
            offender=offender.name if offender is not None and offender.named else None,
            victim=victim.name if victim else None,
            explanation=self._explain(offender, victim, stages, signals),
        )

    def _explain(self, offender: SenderEvidence | None, victim: SenderEvidence | None,
                 stages: list[StageReached], signals: dict[str, bool]) -> list[str]:
        lines = [f"Risk: {self.level}."]
        if offender is not None:
            if offender.named:
                who = f"{offender.name} (suspected offender)"
                if victim is not None:
                    who += f" towards {victim.name}"
                lines.append(f"The cues come from {who}.")
            else:
                cited = [*offender.signals.values(), *offender.stages.values(), *offender.parts.values()]
                lines.append(f"The text names no senders; the cues come together in messages {min(cited)}"
                             f"-{max(cited)}." if cited else "The text names no senders.")
            if offender.sextortion:
                parts = ", ".join(f"{p} (message {i})" for p, i in sorted(offender.parts.items(), key=lambda x: x[1]))
                lines.append(f"Sextortion: {parts}.")
            if offender.sexting and offender.sexting_index is not None:
                lines.append(f"Asked for or offered sexual images (message {offender.sexting_index}).")
            if offender.grooming(self.minor):
                lines.append(f"Grooming: {len(offender.grooming_stages)} stages, including "
                             f"{', '.join(offender.strong_stages) or 'none of the strongest'}.")
        if stages:
            lines.append("Stages reached: " + ", ".join(f"{s.stage} ({s.first_index})" for s in stages) + ".")
        if self.first_alert_index is not None:
            lines.append(f"An alert is warranted from message {self.first_alert_index}.")
        elif self.level in ("low", "medium"):
            lines.append("Single cues only: they also occur in harmless chats, so no alert is raised.")
        found = [name for name, on in signals.items() if on]
        if found:
            lines.append("Signals: " + ", ".join(found) + ".")
        return lines
