"""Labelled conversations from analysts' verdicts: the export format, how it is written and read, and
the engine's score on it. In time the only source of real Khmer labels, so the format is plain and versioned.

Format `hotline-labels`, version 1: JSON Lines (UTF-8), one conversation per line::

    {"format": "hotline-labels", "version": 1, "id": "L0001",
     "language": "km", "languages": ["km", "en"], "source": "whatsapp",
     "messages": [{"index": 0, "sender": "suspected_offender", "text": "..."}, ...],
     "risk": {"engine": "high", "analyst": "medium"},          # null when the risk was not marked
     "findings": [{"index": 3, "signal": "grooming", "rule": "km.grooming.trust.1", "stage": "trust",
                   "correct": true}, ...]}                    # the findings an analyst marked

`sender` is a role the engine gave the participant (`suspected_offender`, `possible_victim`,
`participant`; a second one of a role gets `_2`), or null for text without sender names. `text` is the
message as analysed with personal details replaced by a bracketed type (`[phone]`, `[email]`, `[name]`,
`[link]`, ...): names of participants and details the web side knows about the report (contact,
offender account, links, tracking code) wherever they occur, and whatever the personal-details
detector finds. Because of that the `personal_info` signal cannot be re-scored on an export (its
evidence is gone); its marks still count in `marked`. Times, file names and titles are not exported.

`score` re-runs the engine on the messages and compares (per language, the export's `language`):
per signal, the engine's findings now against the analysts' marks (a finding matches a mark with the
same message, signal and rule): `tp` (marked right), `fp` (marked wrong), `unmarked`, `lost` (marked right
but no longer found); and the risk against the analyst's risk (exact, and within one level).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.detect.errors import InputError
from hotline.detect.model import RISK_LEVELS, SIGNALS, Analysis, Conversation, Message, risk_rank
from hotline.detect.signals.personal_info import find_personal_info

FORMAT = "hotline-labels"
VERSION = 1
#: Detail types kept in the text: an age ("I am 13") identifies nobody and is what grooming asks for.
KEPT_DETAILS = frozenset({"age"})
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_ROLES = ("suspected_offender", "possible_victim", "participant")
#: Shorter name parts ("An", "Bo") are too common as words to replace everywhere.
_MIN_NAME_PART = 3


# ---------------------------------------------------------------- writing (called by the web side)


def pseudonyms(participants: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Participant name → role pseudonym, in the analysis's order ("possible_victim", "participant_2")."""
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for p in participants:
        name, role = str(p.get("name") or ""), str(p.get("role") or "participant")
        if not name or name in names:
            continue
        role = role if role in _ROLES else "participant"
        seen[role] = seen.get(role, 0) + 1
        names[name] = role if seen[role] == 1 else f"{role}_{seen[role]}"
    return names


def _name_pattern(names: Iterable[str], known: Iterable[str]) -> re.Pattern[str] | None:
    """Whole names, their longer parts, and known details, longest first, as one pattern."""
    words: set[str] = set()
    for name in names:
        words.add(name.strip())
        words.update(part for part in re.split(r"[\s._-]+", name) if len(part) >= _MIN_NAME_PART)
    words.update(k.strip() for k in known)
    words = {w for w in words if len(w) >= _MIN_NAME_PART}
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def redact(text: str, *, names: re.Pattern[str] | None, previous: str | None = None) -> str:
    """The text with personal details, links and known names replaced by a bracketed type."""
    spans = [(d.start, d.end, d.type) for d in find_personal_info(text, previous) if d.type not in KEPT_DETAILS]
    spans += [(m.start(), m.end(), "link") for m in _URL.finditer(text)]
    if names is not None:
        spans += [(m.start(), m.end(), "name") for m in names.finditer(text)]
    out, at = [], 0
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < at:  # inside a span already replaced
            continue
        out.append(text[at:start])
        out.append(f"[{kind}]")
        at = end
    out.append(text[at:])
    return "".join(out)


@dataclass(frozen=True)
class Mark:
    """An analyst's verdict on one finding of a stored analysis (`position` in its findings list)."""

    position: int
    correct: bool


def labelled_conversation(
    label_id: str, messages: Sequence[Message], analysis: Mapping[str, Any], *,
    analyst_risk: str | None, marks: Iterable[Mark], known: Iterable[str] = (),
) -> dict[str, Any]:
    """One line of an export: the messages as analysed without personal details, the analyst's risk and
    the marked findings. `known`: details the caller knows about the people (contact, account names)."""
    roles = pseudonyms(analysis.get("participants") or [])
    pattern = _name_pattern([*roles, *(m.sender for m in messages if m.sender)], known)
    out_messages = []
    previous: str | None = None
    for m in messages:
        sender = roles.get(m.sender, "participant") if m.sender is not None else None
        out_messages.append({"index": m.index, "sender": sender, "text": redact(m.text, names=pattern, previous=previous)})
        previous = m.text
    findings = list(analysis.get("findings") or [])
    marked = []
    for mark in sorted(marks, key=lambda k: k.position):
        if 0 <= mark.position < len(findings):
            f = findings[mark.position]
            marked.append({"index": int(f.get("index", 0)), "signal": str(f.get("signal", "")),
                           "rule": str(f.get("rule", "")), "stage": f.get("stage"), "correct": mark.correct})
    languages = [str(x) for x in analysis.get("languages") or []]
    return {
        "format": FORMAT, "version": VERSION, "id": label_id,
        "language": languages[0] if languages else "und", "languages": languages,
        "source": str(analysis.get("format") or ""),
        "messages": out_messages,
        "risk": ({"engine": str(analysis.get("risk") or ""), "analyst": analyst_risk} if analyst_risk else None),
        "findings": marked,
    }


def write_jsonl(records: Iterable[Mapping[str, Any]], path: Path) -> int:
    """Write the records, one a line; returns how many. Written to a temporary name, then renamed."""
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write the labels file {path}: {exc.strerror}") from exc
    return count


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class LabelledFinding:
    index: int
    signal: str
    rule: str
    correct: bool


@dataclass(frozen=True)
class LabelledConversation:
    id: str
    language: str
    conversation: Conversation
    engine_risk: str | None
    analyst_risk: str | None
    findings: tuple[LabelledFinding, ...]


def _require(ok: bool, message: str, where: str) -> None:
    if not ok:
        raise InputError(message, where=where)


def _parse_line(doc: Any, where: str) -> LabelledConversation:
    _require(isinstance(doc, dict), "a line must be a JSON object", where)
    _require(doc.get("format") == FORMAT, f"not a {FORMAT} line (format: {doc.get('format')!r})", where)
    _require(doc.get("version") == VERSION,
             f"version {doc.get('version')!r} of the labels format is not supported (this reads {VERSION})", where)
    items = doc.get("messages")
    _require(isinstance(items, list) and bool(items), "'messages' must be a non-empty list", where)
    messages = []
    for i, m in enumerate(items):
        ok = isinstance(m, dict) and isinstance(m.get("text"), str) and isinstance(m.get("index"), int) \
            and (m.get("sender") is None or isinstance(m.get("sender"), str))
        _require(ok, f"messages[{i}] needs an integer index, a text and a sender (text or null)", where)
        messages.append(Message(index=i, sender=m.get("sender"), text=m["text"]))
    _require([m["index"] for m in items] == list(range(len(items))), "message indexes must count from 0", where)
    risk = doc.get("risk")
    engine_risk = analyst_risk = None
    if risk is not None:
        _require(isinstance(risk, dict) and risk.get("analyst") in RISK_LEVELS,
                 f"'risk' must be null or have an analyst level among {', '.join(RISK_LEVELS)}", where)
        analyst_risk = str(risk["analyst"])
        engine_risk = risk.get("engine") if risk.get("engine") in RISK_LEVELS else None
    found = doc.get("findings", [])
    _require(isinstance(found, list), "'findings' must be a list", where)
    findings = []
    for i, f in enumerate(found):
        ok = isinstance(f, dict) and isinstance(f.get("index"), int) and 0 <= f["index"] < len(messages) \
            and f.get("signal") in SIGNALS and isinstance(f.get("correct"), bool)
        _require(ok, f"findings[{i}] needs a message index, a known signal and correct: true or false", where)
        findings.append(LabelledFinding(f["index"], f["signal"], str(f.get("rule") or ""), f["correct"]))
    return LabelledConversation(
        id=str(doc.get("id") or where), language=str(doc.get("language") or "und"),
        conversation=Conversation(format=str(doc.get("source") or "labels"), messages=messages),
        engine_risk=engine_risk, analyst_risk=analyst_risk, findings=tuple(findings))


def read_labels(path: Path) -> list[LabelledConversation]:
    """Every conversation of an export; InputError naming the line of the first bad one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"no labels file at {path}") from exc
    except UnicodeDecodeError as exc:
        raise InputError("the labels file is not UTF-8 text", where=f"byte {exc.start}") from exc
    except OSError as exc:
        raise InputError(f"the labels file cannot be read: {exc.strerror}") from exc
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            doc = json.loads(line)
        except (ValueError, RecursionError) as exc:
            raise InputError("not valid JSON", where=f"line {number}") from exc
        out.append(_parse_line(doc, f"line {number}"))
    if not out:
        raise InputError(f"the labels file {path} holds no conversations")
    return out


# ---------------------------------------------------------------- scoring


@dataclass
class SignalScore:
    """The engine now against the marks; `marked_right/wrong` is how the engine did when analysts looked."""

    tp: int = 0
    fp: int = 0
    unmarked: int = 0
    lost: int = 0
    marked_right: int = 0
    marked_wrong: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def marked_precision(self) -> float | None:
        total = self.marked_right + self.marked_wrong
        return self.marked_right / total if total else None

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "unmarked": self.unmarked, "lost": self.lost,
                "precision": self.precision, "marked_right": self.marked_right,
                "marked_wrong": self.marked_wrong, "marked_precision": self.marked_precision}


@dataclass
class RiskScore:
    marked: int = 0
    agree: int = 0
    within_one: int = 0
    #: How often the engine's risk at export time agreed with the analyst.
    agreed_at_export: int = 0

    def to_dict(self) -> dict[str, Any]:
        def rate(n: int) -> float | None:
            return n / self.marked if self.marked else None

        return {"marked": self.marked, "agree": self.agree, "agreement": rate(self.agree),
                "within_one": self.within_one, "within_one_rate": rate(self.within_one),
                "agreed_at_export": self.agreed_at_export, "agreement_at_export": rate(self.agreed_at_export)}


@dataclass
class LanguageScore:
    conversations: int = 0
    messages: int = 0
    signals: dict[str, SignalScore] = field(default_factory=dict)
    risk: RiskScore = field(default_factory=RiskScore)

    def to_dict(self) -> dict[str, Any]:
        return {"conversations": self.conversations, "messages": self.messages,
                "signals": {k: v.to_dict() for k, v in sorted(self.signals.items())}, "risk": self.risk.to_dict()}


@dataclass
class LabelsReport:
    """Scores by language, and `all` over every language."""

    by_language: dict[str, LanguageScore]

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION,
                "languages": {k: v.to_dict() for k, v in sorted(self.by_language.items())}}


Analyzer = Callable[[Conversation], Analysis]


def score(labelled: Iterable[LabelledConversation], analyze: Analyzer | None = None) -> LabelsReport:
    """Re-run the engine on each conversation and compare with the marks (see the module docstring)."""
    if analyze is None:
        from hotline.detect.analysis import analyze as default_analyze

        analyze = default_analyze
    by_language: dict[str, LanguageScore] = {"all": LanguageScore()}
    for item in labelled:
        result = analyze(item.conversation)
        now = {(f.index, f.signal, f.rule) for f in result.findings}
        marks: dict[tuple[int, str, str], bool] = {}
        for f in item.findings:  # the same finding marked right once counts as right
            key = (f.index, f.signal, f.rule)
            marks[key] = marks.get(key, False) or f.correct
        for scope in ("all", item.language):
            s = by_language.setdefault(scope, LanguageScore())
            s.conversations += 1
            s.messages += len(item.conversation.messages)
            for f in item.findings:
                sig = s.signals.setdefault(f.signal, SignalScore())
                if f.correct:
                    sig.marked_right += 1
                else:
                    sig.marked_wrong += 1
            for key in now:
                sig = s.signals.setdefault(key[1], SignalScore())
                mark = marks.get(key)
                if mark is None:
                    sig.unmarked += 1
                elif mark:
                    sig.tp += 1
                else:
                    sig.fp += 1
            for key, right in marks.items():
                if right and key not in now:
                    s.signals.setdefault(key[1], SignalScore()).lost += 1
            if item.analyst_risk is not None:
                s.risk.marked += 1
                s.risk.agree += result.risk == item.analyst_risk
                s.risk.within_one += abs(risk_rank(result.risk) - risk_rank(item.analyst_risk)) <= 1
                s.risk.agreed_at_export += item.engine_risk == item.analyst_risk
    return LabelsReport(by_language)
