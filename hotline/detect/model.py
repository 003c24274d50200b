"""The engine's data: conversations in, analyses out.

Plain frozen dataclasses so that results are hashable, comparable in tests and JSON-serialisable
(`Analysis.to_dict`). Every conclusion cites the index of the message behind it; `index` counts real
messages (not system events) from 0 in time order.
"""

from __future__ import annotations

import json
from _json import make_encoder
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Final, Literal, cast

#: The writings the engine reads: English, Khmer script, romanised Khmer (each has a lexicon folder).
LANGUAGES: tuple[str, ...] = ("en", "km", "km-Latn")

Signal = Literal["grooming", "sextortion", "sexting", "meeting_request", "secrecy", "personal_info"]
SIGNALS: tuple[str, ...] = ("grooming", "sextortion", "sexting", "meeting_request", "secrecy", "personal_info")

#: Grooming stages in the order they usually unfold (befriend, isolate, desensitise, exploit).
STAGES: tuple[str, ...] = (
    "trust",               # flattery, compliments, "you are mature", building a special relationship
    "personal_questions",  # age, alone at home, parents, where you live, which school
    "isolation",           # secrecy: don't tell your parents, delete our chat
    "platform_move",       # move to another app or a private channel
    "gifts",               # gifts, money, phone top-ups
    "desensitising",       # sexual talk, questions about body and experience
    "image_request",       # requests for photos or video
    "meeting",             # requests to meet in person
    "exploitation",        # threats, demands: sextortion
)

RISK_LEVELS: tuple[str, ...] = ("none", "low", "medium", "high", "critical")
#: Each level's place in `RISK_LEVELS`, for comparing levels.
RISK_RANK: dict[str, int] = {level: i for i, level in enumerate(RISK_LEVELS)}


def risk_rank(level: str | None) -> int:
    """A level's place in `RISK_LEVELS`; -1 for none given or one not known (a label file's typo, say)."""
    return -1 if level is None else RISK_RANK.get(level, -1)

#: What a rule's finding tells the risk beyond its signal and stage (a rule's `tags` in the lexicons):
#: a sign that the other person is a child (asked their age or whether they are alone; talk of their school
#: or of parents watching, which shows a child without being a grooming step), an age gap played down, a
#: meeting to come to alone, secrecy about the relationship itself.
RULE_TAGS: tuple[str, ...] = ("child_question", "child_context", "age_gap", "isolating", "relationship_secrecy")
#: The parts of sextortion (a rule's `part`): a claim to hold images, a threat to share them, a demand, a deadline.
SEXTORTION_PARTS: tuple[str, ...] = ("claim", "threat", "demand", "deadline")

#: `Finding.adjusted` codes: a cue beside its rule's benign context (a surprise party beside "don't tell mom"),
#: and a cue written by someone who talks about the risks within a few messages (a nurse quoting what
#: offenders say: described, not done; it counts for no signal and cannot raise the risk).
BENIGN_CONTEXT_NEARBY: Final = "benign_context_nearby"
DISCUSSION_NEARBY: Final = "discussion_nearby"


def _rebuilt(obj: Any) -> tuple[Any, ...]:
    """`__reduce__` of a frozen dataclass: rebuilt by its constructor from its fields. Compiled, the default
    (`__setstate__` setting each attribute) meets the frozen `__setattr__` and fails."""
    return (type(obj), tuple(getattr(obj, f.name) for f in fields(obj)))


PERSONAL_INFO_TYPES: tuple[str, ...] = (
    "phone", "email", "address", "location", "social_handle", "school", "age", "id_number",
)


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class Message:
    """One real message. `time` is timezone-aware when the export says when it was sent.

    `sender` is None when the text does not say who wrote it (a chat pasted from a phone screen without
    "Name:" lines): a name is never made up for it. `source` says where a message read from an image came
    from ("screenshot 2") and `confidence` (0-1) how sure the text recogniser was; exports leave both None."""

    index: int
    sender: str | None
    text: str
    time: datetime | None = None
    attachments: tuple[str, ...] = ()
    source: str | None = None
    confidence: float | None = None

    def __init__(self, index: int, sender: str | None, text: str, time: datetime | None = None,
                 attachments: tuple[str, ...] = (), source: str | None = None, confidence: float | None = None) -> None:
        # The dataclass's own `__init__`, written out: mypyc compiles a written one (each set a plain store),
        # while the generated one stays interpreted (a parser builds one Message per line); `init=False`
        # spares making that one at every start (the dataclass module compiles its source text).
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "sender", sender)
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "time", time)
        object.__setattr__(self, "attachments", attachments)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "confidence", confidence)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)


@dataclass(frozen=True, slots=True)
class Event:
    """A system line (encryption notice, "X added Y", missed call, deleted message), kept typed.

    `after` is the number of real messages that came before it.
    """

    kind: str
    text: str
    time: datetime | None = None
    after: int = 0

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)


@dataclass(frozen=True)
class Conversation:
    """A parsed chat: messages in time order, indexed from 0, plus system events."""

    format: str
    messages: Sequence[Message]
    events: Sequence[Event] = ()
    title: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)

    @property
    def participants(self) -> list[str]:
        """Named senders in order of first appearance (unattributed messages name nobody)."""
        seen: dict[str, None] = {}
        for m in self.messages:
            if m.sender is not None:
                seen.setdefault(m.sender, None)
        return list(seen)

    @property
    def attributed(self) -> bool:
        """Whether any message names its sender; False for text pasted without "Name:" lines."""
        return any(m.sender is not None for m in self.messages)


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class Finding:
    """One detector hit in one message, with the rule that fired and the words that made it fire.

    `sender` is None for a message without a sender name (unattributed text). `part` (sextortion's claim,
    threat, demand, deadline) and `tags` (`RULE_TAGS`) come from the rule, so that the risk reads what a
    finding means, not its rule's name. `adjusted` is a code for why the weight is below the rule's
    (`benign_context_nearby`: a surprise party beside "don't tell mom"; `discussion_nearby`: a threat quoted
    by someone giving safety advice), so that a lowered finding leaves a trace."""

    index: int
    sender: str | None
    signal: str
    rule: str
    excerpt: str
    weight: float = 1.0
    stage: str | None = None
    start: int | None = None
    end: int | None = None
    part: str | None = None
    tags: tuple[str, ...] = ()
    adjusted: str | None = None

    def __init__(self, index: int, sender: str | None, signal: str, rule: str, excerpt: str, weight: float = 1.0,
                 stage: str | None = None, start: int | None = None, end: int | None = None,
                 part: str | None = None, tags: tuple[str, ...] = (), adjusted: str | None = None) -> None:
        # The dataclass's own `__init__`, written out so that mypyc compiles it (see `Message.__init__`).
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "sender", sender)
        object.__setattr__(self, "signal", signal)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "excerpt", excerpt)
        object.__setattr__(self, "weight", weight)
        object.__setattr__(self, "stage", stage)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "part", part)
        object.__setattr__(self, "tags", tags)
        object.__setattr__(self, "adjusted", adjusted)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "index": self.index, "sender": self.sender, "signal": self.signal, "rule": self.rule,
            "excerpt": self.excerpt, "weight": self.weight,
        }
        if self.stage:
            d["stage"] = self.stage
        if self.start is not None:
            d["start"], d["end"] = self.start, self.end
        if self.part:
            d["part"] = self.part
        if self.tags:
            d["tags"] = list(self.tags)
        if self.adjusted:
            d["adjusted"] = self.adjusted
        return d


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class PersonalDetail:
    """A personal detail found in text. `value` is the exact substring `text[start:end]`."""

    type: str
    value: str
    start: int
    end: int
    normalized: str | None = None
    rule: str = ""
    index: int | None = None
    sender: str | None = None

    def __init__(self, type: str, value: str, start: int, end: int, normalized: str | None = None, rule: str = "",
                 index: int | None = None, sender: str | None = None) -> None:
        # The dataclass's own `__init__`, written out so that mypyc compiles it (see `Message.__init__`): the
        # generated one, interpreted, cost 12,000 instructions a detail, made twice or more a detail found.
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "normalized", normalized)
        object.__setattr__(self, "rule", rule)
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "sender", sender)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"type": self.type, "value": self.value, "start": self.start, "end": self.end}
        if self.normalized is not None:
            d["normalized"] = self.normalized
        if self.index is not None:
            d["index"], d["sender"] = self.index, self.sender
        if self.rule:
            d["rule"] = self.rule
        return d


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class Participant:
    name: str
    role: str  # "suspected_offender", "possible_victim", "participant"
    messages: int

    def __init__(self, name: str, role: str, messages: int) -> None:
        # The dataclass's own `__init__`, written out so that mypyc compiles it (see `Message.__init__`).
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "role", role)
        object.__setattr__(self, "messages", messages)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)


@dataclass(frozen=True, slots=True, init=False)  # its `__init__` is written out
class StageReached:
    stage: str
    first_index: int

    def __init__(self, stage: str, first_index: int) -> None:
        # The dataclass's own `__init__`, written out so that mypyc compiles it (see `Message.__init__`).
        object.__setattr__(self, "stage", stage)
        object.__setattr__(self, "first_index", first_index)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)


@dataclass(frozen=True)
class Analysis:
    """What the engine concludes about one conversation; every conclusion cites message indexes."""

    format: str
    message_count: int
    risk: str
    first_alert_index: int | None
    signals: dict[str, bool]
    participants: list[Participant]
    stages: list[StageReached]
    findings: list[Finding]
    personal_info: list[PersonalDetail]
    languages: list[str] = field(default_factory=list)
    score: float = 0.0
    explanation: list[str] = field(default_factory=list)
    #: Calibrated 0-1 per signal: grooming from the learned scorer, sexting and sextortion rule-based
    #: estimates (`hotline.detect.scoring.verdict.signal_scores`).
    scores: dict[str, float] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt(self)

    def to_dict(self) -> dict[str, Any]:
        return self._fields([f.to_dict() for f in self.findings])

    def to_json(self, head: Mapping[str, Any] | None = None) -> str:
        """`json.dumps({**head, **self.to_dict()}, ensure_ascii=False)`, byte for byte. The findings, most of a
        long chat's output, are written from pieces made once per distinct rule and weight (only the index,
        sender, excerpt and span differ from one to the next) instead of dict by dict."""
        start, end = self._json_ends(head)
        chunks = _findings_json(self.findings)
        if not chunks:
            return start + end
        chunks[0] = start + chunks[0]  # one join copies the whole text once: a long chat's runs to megabytes
        chunks[-1] += end
        return ", ".join(chunks)

    def json_parts(self, head: Mapping[str, Any] | None = None) -> Iterator[str]:
        """`to_json(head)` in parts of up to `JSON_BATCH` findings, to be written one after the other: a long
        chat's output is never built whole (the text of 100,000 findings copied into one string, then encoded
        at once, took twice as long as writing it in parts that stay in the processor's cache). A part holds
        findings written in ASCII only or findings that are not: one Khmer excerpt in a part of English ones
        would widen all its text to two bytes a character, and every character would then be encoded, where
        an ASCII part is written as it is."""
        start, end = self._json_ends(head)
        chunks = _findings_json(self.findings)
        yield start
        n = len(chunks)
        at = 0
        while at < n:
            ascii = chunks[at].isascii()
            stop = min(n, at + JSON_BATCH)
            upto = at + 1
            while upto < stop and chunks[upto].isascii() == ascii:
                upto += 1
            if at:
                yield ", "
            yield ", ".join(chunks[at:upto])
            at = upto
        yield end

    def _json_ends(self, head: Mapping[str, Any] | None) -> tuple[str, str]:
        """The JSON before the findings' first `{` and after their last `}`."""
        whole = {**(head or {}), **self._fields([])}
        items = list(whole.items())
        at = list(whole).index("findings")
        start = "{" + (_inner(dict(items[:at])) + ", " if at else "") + '"findings": ['
        end = "]" + (", " + _inner(dict(items[at + 1:])) if at + 1 < len(items) else "") + "}"
        return start, end

    def _fields(self, findings: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "format": self.format,
            "languages": list(self.languages),
            "message_count": self.message_count,
            "risk": self.risk,
            "score": round(self.score, 3),
            "scores": dict(self.scores),
            "first_alert_index": self.first_alert_index,
            "signals": dict(self.signals),
            "participants": [
                {"name": p.name, "role": p.role, "messages": p.messages} for p in self.participants
            ],
            "stages": [{"stage": s.stage, "first_index": s.first_index} for s in self.stages],
            "findings": findings,
            "personal_info": [p.to_dict() for p in self.personal_info],
            "explanation": list(self.explanation),
        }


#: Findings per part of `Analysis.json_parts`.
JSON_BATCH: Final = 256


#: The C encoder `json.dumps(..., ensure_ascii=False)` makes and calls, made once: `json.dumps` makes a
#: `JSONEncoder` and this encoder at each call (interpreted, ~27,000 instructions: more than encoding a small
#: dict). Without the circular check (`markers` None): nothing written here refers to itself.
_ENCODE: Final = make_encoder(None, json.JSONEncoder().default, json.encoder.encode_basestring, None, ": ", ", ",
                              False, False, True)


def _inner(d: Mapping[str, Any]) -> str:
    """A non-empty dict's JSON without its braces: `"a": 1, "b": 2` (`json.dumps(d, ensure_ascii=False)`'s)."""
    return "".join(_ENCODE(d, 0))[1:-1]


#: What a finding's JSON pieces depend on besides its index, sender, excerpt and span.
_Shape = tuple[str, str, float, str | None, str | None, tuple[str, ...], str | None, bool]
#: The keys a finding's JSON spells out per finding; the rest come from the pieces.
_OWN_KEYS: Final = frozenset({"index", "sender", "excerpt", "start", "end"})


def _pieces(f: Finding) -> tuple[str, str, str]:
    """`Finding.to_dict`'s JSON around the excerpt's string and the span: `, "signal": .., "rule": ..,
    "excerpt": `, `, "weight": ..[, "stage": ..][, "start": ]` (up to the start's value, for a finding with
    a span) and `[, "part": ..][, "tags": ..][, "adjusted": ..]}`."""
    d = f.to_dict()
    keys = list(d)
    cut = keys.index("excerpt")
    span = keys.index("start") if "start" in d else len(keys)
    before = [k for k in keys[:cut] if k not in _OWN_KEYS]
    middle = [k for k in keys[cut + 1:span] if k not in _OWN_KEYS]
    tail = [k for k in keys[span:] if k not in _OWN_KEYS]
    spanned = ', "start": ' if f.start is not None else ""
    return (_more(d, before) + ', "excerpt": ', _more(d, middle) + spanned, _more(d, tail) + "}")


def _more(d: dict[str, Any], keys: list[str]) -> str:
    """`, "k": v, ...` for `keys` of `d` ("" for none)."""
    return ", " + _inner({k: d[k] for k in keys}) if keys else ""


#: The decimal text of the numbers a span's ends mostly are (a message's first characters): read, not
#: worked out for each finding.
_NUMBERS: Final = tuple(map(str, range(1024)))


def _number(n: int) -> str:
    """`str(n)` for a span's end."""
    return _NUMBERS[n] if 0 <= n < len(_NUMBERS) else str(n)


#: Each shape's pieces (`_pieces`), kept from chat to chat: a folder's chats share most rules, and making
#: them (three small dicts encoded) cost more than a short chat's findings. Up to `_KEPT_PIECES` shapes.
_PIECES: Final[dict[_Shape, tuple[str, str, str]]] = {}
_KEPT_PIECES: Final = 20_000


def _findings_json(findings: Sequence[Finding]) -> list[str]:
    """Each finding's `json.dumps(f.to_dict(), ensure_ascii=False)`."""
    string = json.encoder.encode_basestring  # what json.dumps uses for strings with ensure_ascii=False
    pieces = _PIECES
    #: Per rule, the last finding of it and its pieces: the next one is mostly of the same shape, which a few
    #: compares tell (hashing the whole shape costs more).
    last: dict[str, tuple[Finding, tuple[str, str, str]]] = {}
    senders: dict[str | None, str] = {}  # `, "sender": ..` per sender
    quoted: dict[str, str] = {}  # each excerpt's JSON string
    out: list[str] = []  # `out.append`, not a bound `add`: compiled, a list's append is a direct call
    last_name: str | None = None
    last_sender = ', "sender": null'
    for f in findings:
        index, start, end, weight = f.index, f.start, f.end, f.weight
        if (type(index) is not int or type(weight) is not float or not weight
                or (start is not None and (type(start) is not int or type(end) is not int))):
            # not what the hints say, or a weight whose equals are written differently (1 and 1.0, 0.0 and -0.0)
            out.append(json.dumps(f.to_dict(), ensure_ascii=False))
            continue
        known = last.get(f.rule)
        if known is not None and _same_shape(known[0], f):
            got = known[1]
        else:
            shape = (f.rule, f.signal, weight, f.stage, f.part, f.tags, f.adjusted, start is None)
            made = pieces.get(shape)
            if made is None:
                made = _pieces(f)
                if len(pieces) < _KEPT_PIECES:
                    pieces[shape] = made
            last[f.rule] = (f, made)
            got = made
        before, middle, tail = got
        name = f.sender
        if name is not last_name:  # a message's findings share its sender: no lookup each
            sender = senders.get(name)
            if sender is None:
                sender = senders[name] = ', "sender": ' + ("null" if name is None else string(name))
            last_name, last_sender = name, sender
        else:
            sender = last_sender
        # the excerpt as json.dumps writes it, quotes included, once per distinct excerpt: a rule's few
        # phrasings come back message after message (a lookup costs a fifth of writing it again)
        excerpt = f.excerpt
        quote = quoted.get(excerpt)
        if quote is None:
            quote = quoted[excerpt] = string(excerpt)
        # the fewer the pieces, the less work to join them (`middle` ends in `, "start": ` for a span)
        if start is None:
            out.append(f'{{"index": {index}{sender}{before}{quote}{middle}{tail}')
        else:
            out.append(f'{{"index": {index}{sender}{before}{quote}{middle}{_number(start)}, "end": '
                       f'{_number(cast(int, end))}{tail}')
    return out


def _same_shape(a: Finding, b: Finding) -> bool:
    """Whether two findings of one rule have the same `_Shape` (each part compared as the tuples would)."""
    return (a.signal == b.signal and a.weight == b.weight and a.stage == b.stage and a.part == b.part
            and a.tags == b.tags and a.adjusted == b.adjusted and (a.start is None) == (b.start is None))
