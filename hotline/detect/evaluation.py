"""Scoring the engine against the labelled evaluation set (`eval/`): precision, recall and F0.5.

F0.5 weighs precision twice as much as recall: a hotline that cries wolf on every parent asking "are you
home alone?" loses the trust of the people it serves, so false alarms cost more than misses here. The
set is read from `labels.json` (written by `eval/build.py`); every export file is parsed by the real
parsers and analysed by the real engine, so the figures cover the whole path a user's file takes.

Personal details are matched on (message index, type, value) exactly, and also "relaxed": same index and
type with overlapping spans, which separates boundary disagreements (where an address ends) from misses.

Nothing here prints or logs message content; misses name the conversation, the signal and the message
index only.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hotline.detect.errors import DataError, HotlineError, InputError
from hotline.detect.model import (
    LANGUAGES,
    PERSONAL_INFO_TYPES,
    RISK_LEVELS,
    SIGNALS,
    Analysis,
    Conversation,
    risk_rank,
)

__all__ = [
    "BETA", "TARGET_F", "TARGET_PI", "TARGET_SIGNALS", "Counts", "EngineUnavailable", "EvalReport",
    "EvaluationSetError", "Miss", "PIScore", "Target", "binary", "evaluate", "f_beta", "load_labels",
    "match_details", "precision", "recall",
]

#: The F-measure's beta: below 1 favours precision (see the module docstring).
BETA = 0.5
#: Harmful-content signals with an F0.5 target, and the target itself.
TARGET_SIGNALS: tuple[str, ...] = ("grooming", "sextortion", "sexting")
TARGET_F = 0.9
TARGET_PI = 0.9
#: A benign chat must never be rated at or above this level.
BENIGN_CEILING = "high"
SPLITS: tuple[str, ...] = ("dev", "holdout", "blind", "blind2", "blind3")
#: Splits scored only when asked for by name: the blind look-alikes (and blind2 and blind3, harmful and benign
#: chats) are written without reading the lexicons and nobody tunes on them, so they are reported apart,
#: never folded into the whole-set figure.
APART: frozenset[str] = frozenset({"blind", "blind2", "blind3"})

Analyzer = Callable[[Conversation], Analysis]
Loader = Callable[[Path], Conversation]


class EvaluationSetError(InputError):
    """The evaluation set (its labels file) is missing or does not follow the schema."""


class EngineUnavailable(HotlineError):
    """The parsers or the analysis engine cannot be imported, so nothing can be scored."""


# --- metrics -----------------------------------------------------------------------------------------


def precision(tp: int, fp: int, fn: int = 0) -> float:
    """tp / (tp + fp). With nothing predicted: 1.0 if there was also nothing to find, else 0.0."""
    if tp + fp:
        return tp / (tp + fp)
    return 1.0 if fn == 0 else 0.0


def recall(tp: int, fn: int) -> float:
    """tp / (tp + fn). With nothing to find, nothing was missed: 1.0."""
    return tp / (tp + fn) if tp + fn else 1.0


def f_beta(p: float, r: float, beta: float = BETA) -> float:
    """(1 + b²)·P·R / (b²·P + R); 0.0 when both are 0."""
    b2 = beta * beta
    denom = b2 * p + r
    return (1 + b2) * p * r / denom if denom else 0.0


@dataclass(frozen=True, slots=True)
class Counts:
    """A confusion count and the scores derived from it."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def precision(self) -> float:
        return precision(self.tp, self.fp, self.fn)

    @property
    def recall(self) -> float:
        return recall(self.tp, self.fn)

    @property
    def f05(self) -> float:
        return f_beta(self.precision, self.recall)

    @property
    def support(self) -> int:
        """How many true positives there were to find."""
        return self.tp + self.fn

    def to_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f0.5": round(self.f05, 4)}


def binary(expected: bool, got: bool) -> Counts:
    """The count one yes/no decision contributes."""
    if expected:
        return Counts(tp=1) if got else Counts(fn=1)
    return Counts(fp=1) if got else Counts(tn=1)


@dataclass(frozen=True, slots=True)
class PIScore:
    """Personal-detail matching for one type: exact (index, type, value) and relaxed (overlap)."""

    exact: Counts = Counts()
    relaxed: Counts = Counts()

    def __add__(self, other: PIScore) -> PIScore:
        return PIScore(self.exact + other.exact, self.relaxed + other.relaxed)

    def to_dict(self) -> dict[str, Any]:
        return {"gold": self.exact.support, "exact": self.exact.to_dict(), "relaxed": self.relaxed.to_dict()}


Item = tuple[int, str, str]  # (message index, type, value)
Span = tuple[int, int]


def match_details(
    gold: Iterable[Item], found: Iterable[Item], spans: Mapping[Item, Span] | None = None,
    gold_spans: Mapping[Item, Span] | None = None,
) -> dict[str, PIScore]:
    """Score found personal details against gold ones, per type.

    Exact: the same (index, type, value), counted as multisets. Relaxed: the same index and type, and the
    spans overlap (`spans`/`gold_spans` give them; without a span, values overlap when one contains the
    other). Each gold item is matched at most once.
    """
    gold_l, found_l = list(gold), list(found)
    types = {t for _, t, _ in gold_l} | {t for _, t, _ in found_l}
    out: dict[str, PIScore] = {}
    for t in sorted(types):
        g = Counter(i for i in gold_l if i[1] == t)
        f = Counter(i for i in found_l if i[1] == t)
        tp = sum((g & f).values())
        exact = Counts(tp=tp, fp=sum(f.values()) - tp, fn=sum(g.values()) - tp)
        unmatched = [i for i in gold_l if i[1] == t]
        rtp = 0
        for item in (i for i in found_l if i[1] == t):
            for k, cand in enumerate(unmatched):
                if cand[0] == item[0] and _overlap(cand, item, gold_spans, spans):
                    del unmatched[k]
                    rtp += 1
                    break
        relaxed = Counts(tp=rtp, fp=sum(f.values()) - rtp, fn=sum(g.values()) - rtp)
        out[t] = PIScore(exact, relaxed)
    return out


def _overlap(a: Item, b: Item, a_spans: Mapping[Item, Span] | None, b_spans: Mapping[Item, Span] | None) -> bool:
    sa = (a_spans or {}).get(a)
    sb = (b_spans or {}).get(b)
    if sa is not None and sb is not None:
        return sa[0] < sb[1] and sb[0] < sa[1]
    return a[2] in b[2] or b[2] in a[2]


# --- the labels ----------------------------------------------------------------------------------------


def load_labels(set_dir: Path) -> dict[str, dict[str, Any]]:
    """Read and check `labels.json`; EvaluationSetError (with where=) when it cannot be used."""
    path = set_dir / "labels.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvaluationSetError(f"no labels.json in {set_dir} (build it: python eval/build.py)",
                                 where=str(path)) from None
    except (OSError, UnicodeError, json.JSONDecodeError) as exc:
        raise EvaluationSetError(f"labels.json cannot be read: {exc}", where=str(path)) from exc
    convs = doc.get("conversations") if isinstance(doc, dict) else None
    if not isinstance(convs, dict) or not convs:
        raise EvaluationSetError("labels.json has no conversations", where=str(path))
    for cid, e in convs.items():
        where = f"{path.name}: conversations.{cid}"
        try:
            _check_entry(e)
        except (KeyError, TypeError, ValueError) as exc:
            raise EvaluationSetError(f"bad label entry: {exc}", where=where) from None
    return convs


def _check_entry(e: dict[str, Any]) -> None:
    if not isinstance(e["file"], str) or not isinstance(e["harmful"], bool):
        raise ValueError("file must be a string and harmful a boolean")
    if set(e["signals"]) != set(SIGNALS) or not all(isinstance(v, bool) for v in e["signals"].values()):
        raise ValueError(f"signals must be booleans for exactly {', '.join(SIGNALS)}")
    risk_key = "min_risk" if e["harmful"] else "max_risk"
    if e.get(risk_key) not in RISK_LEVELS:
        raise ValueError(f"{risk_key} must be one of {', '.join(RISK_LEVELS)}")
    if e.get("split") not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}")
    for p in e["personal_info"]:
        if p["type"] not in PERSONAL_INFO_TYPES or not isinstance(p["index"], int) or p["index"] < 0:
            raise ValueError("personal_info items need a known type and a non-negative index")
        if not isinstance(p["value"], str) or not p["value"]:
            raise ValueError("personal_info values must be non-empty strings")


# --- the report ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Miss:
    """One disagreement with the labels. `expected`/`got` are labels, levels or indexes, never text."""

    conversation: str
    signal: str
    expected: str
    got: str

    def to_dict(self) -> dict[str, str]:
        return {"conversation": self.conversation, "signal": self.signal, "expected": self.expected,
                "got": self.got}


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    value: float
    threshold: float
    passed: bool
    #: "ge": value must be at least threshold; "le": at most.
    op: str = "ge"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": round(self.value, 4), "threshold": self.threshold,
                "op": self.op, "passed": self.passed}


@dataclass
class EvalReport:
    """Everything `hotline eval` prints; `to_dict` is its `--json` shape."""

    set_dir: str
    split: str | None
    #: Sender names were dropped before the analysis (see `evaluate`).
    unattributed: bool = False
    conversations: int = 0
    harmful: int = 0
    benign: int = 0
    messages: int = 0
    seconds: float = 0.0
    signals: dict[str, Counts] = field(default_factory=dict)
    by_language: dict[str, dict[str, Counts]] = field(default_factory=dict)
    personal_info: dict[str, PIScore] = field(default_factory=dict)
    benign_high: list[tuple[str, str]] = field(default_factory=list)
    benign_above_max: list[tuple[str, str]] = field(default_factory=list)
    harmful_below_min: list[tuple[str, str]] = field(default_factory=list)
    risk_levels: dict[str, dict[str, int]] = field(default_factory=dict)
    formats: dict[tuple[str, str], int] = field(default_factory=dict)
    offender_found: Counts = Counts()
    languages_matched: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    misses: list[Miss] = field(default_factory=list)

    @property
    def personal_info_all(self) -> PIScore:
        total = PIScore()
        for s in self.personal_info.values():
            total = total + s
        return total

    @property
    def format_errors(self) -> int:
        return sum(n for (want, got), n in self.formats.items() if want != got)

    @property
    def targets(self) -> list[Target]:
        out = [Target(f"{s} F0.5", self.signals.get(s, Counts()).f05, TARGET_F,
                      self.signals.get(s, Counts()).f05 >= TARGET_F) for s in TARGET_SIGNALS]
        pi = self.personal_info_all.exact
        out.append(Target("personal-info precision", pi.precision, TARGET_PI, pi.precision >= TARGET_PI))
        out.append(Target("personal-info recall", pi.recall, TARGET_PI, pi.recall >= TARGET_PI))
        out.append(Target("benign rated high/critical", len(self.benign_high), 0,
                          not self.benign_high, op="le"))
        return out

    @property
    def passed(self) -> bool:
        return all(t.passed for t in self.targets) and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {
            "set": self.set_dir, "split": self.split or "all", "unattributed": self.unattributed,
            "conversations": self.conversations, "harmful": self.harmful, "benign": self.benign,
            "messages": self.messages, "seconds": round(self.seconds, 3),
            "signals": {s: c.to_dict() for s, c in self.signals.items()},
            "by_language": {lang: {s: c.to_dict() for s, c in sig.items()}
                            for lang, sig in self.by_language.items()},
            "personal_info": {"all": self.personal_info_all.to_dict(),
                              "types": {t: s.to_dict() for t, s in self.personal_info.items()}},
            "risk": {
                "levels": self.risk_levels,
                "benign_high_or_critical": [{"conversation": c, "risk": r} for c, r in self.benign_high],
                "benign_above_max": [{"conversation": c, "risk": r} for c, r in self.benign_above_max],
                "harmful_below_min": [{"conversation": c, "risk": r} for c, r in self.harmful_below_min],
            },
            "formats": [{"expected": w, "detected": g, "count": n}
                        for (w, g), n in sorted(self.formats.items())],
            "offender": self.offender_found.to_dict(),
            "languages_matched": self.languages_matched,
            "errors": [{"conversation": c, "error": e} for c, e in self.errors],
            "misses": [m.to_dict() for m in self.misses],
            "targets": [t.to_dict() for t in self.targets],
            "passed": self.passed,
        }


# --- the runner ----------------------------------------------------------------------------------------


def _default_engine() -> tuple[Loader, Analyzer]:
    try:
        from hotline.detect import chats
        from hotline.detect.analysis import analyze
    except ImportError as exc:
        raise EngineUnavailable(f"the engine cannot be loaded ({exc}); nothing to evaluate") from exc
    return chats.load, analyze


def evaluate(
    set_dir: Path, *, split: str | None = None, analyzer: Analyzer | None = None,
    loader: Loader | None = None, unattributed: bool = False,
) -> EvalReport:
    """Parse and analyse every labelled conversation in `set_dir` (optionally one split) and score it.

    Without `split`, every split but those in `APART` (the blind splits) is scored. `unattributed`
    drops every sender name before the analysis (a chat pasted from a phone screen), so the risk reads
    windows of messages; the offender is then not looked for.

    `analyzer`/`loader` default to `hotline.detect.analysis.analyze` and `hotline.detect.chats.load`.
    A file that fails to load or analyse is recorded in `errors` and scored as "found nothing"; a
    `DataError` (the engine's packaged patterns are invalid) stops the run, since no file could be scored.
    """
    if split is not None and split not in SPLITS:
        raise EvaluationSetError(f"unknown split {split!r}; choose {' or '.join(SPLITS)}")
    set_dir = Path(set_dir)
    labels = load_labels(set_dir)
    if loader is None or analyzer is None:
        default_load, default_analyze = _default_engine()
        loader = loader or default_load
        analyzer = analyzer or default_analyze
    report = EvalReport(set_dir=str(set_dir), split=split, unattributed=unattributed)
    signals = {s: Counts() for s in SIGNALS}
    by_lang: dict[str, dict[str, Counts]] = {lang: {s: Counts() for s in SIGNALS} for lang in LANGUAGES}
    pi: dict[str, PIScore] = {t: PIScore() for t in PERSONAL_INFO_TYPES}
    formats: Counter[tuple[str, str]] = Counter()
    levels: dict[str, Counter[str]] = {"harmful": Counter(), "benign": Counter()}
    started = time.perf_counter()
    for cid, e in sorted(labels.items()):
        if e["split"] != split if split is not None else e["split"] in APART:
            continue
        report.conversations += 1
        report.harmful += e["harmful"]
        report.benign += not e["harmful"]
        gold = [(p["index"], p["type"], p["value"]) for p in e["personal_info"]]
        try:
            conv = loader(set_dir / e["file"])
            if unattributed:
                conv = replace(conv, messages=[replace(m, sender=None) for m in conv.messages])
            analysis = analyzer(conv)
        except DataError:
            raise  # the engine's own data is broken: no file can be scored, so stop with that one error
        except HotlineError as exc:
            report.errors.append((cid, str(exc)))
            conv, analysis = None, None
        except Exception as exc:  # an engine bug must not hide the other 120 results
            report.errors.append((cid, f"{type(exc).__name__} in the engine"))
            conv, analysis = None, None
        got_signals = dict(analysis.signals) if analysis else {}
        for s in SIGNALS:
            c = binary(bool(e["signals"][s]), bool(got_signals.get(s, False)))
            signals[s] = signals[s] + c
            for lang in e["languages"]:
                if lang in by_lang:
                    by_lang[lang][s] = by_lang[lang][s] + c
            if c.fp or c.fn:
                report.misses.append(Miss(cid, s, str(bool(e["signals"][s])).lower(),
                                          str(bool(got_signals.get(s, False))).lower()))
        if conv is None or analysis is None:
            for t, score in match_details(gold, []).items():
                pi[t] = pi[t] + score
            for idx, t, _ in gold:
                report.misses.append(Miss(cid, f"personal_info.{t}", f"message {idx}", "unreadable"))
            continue
        report.messages += len(conv.messages)
        formats[(e["format"], conv.format)] += 1
        found: list[Item] = []
        spans: dict[Item, Span] = {}
        for d in analysis.personal_info:
            if d.index is None:
                continue
            item = (d.index, d.type, d.value)
            found.append(item)
            spans[item] = (d.start, d.end)
        gold_spans = {}
        for item in gold:
            idx, _, value = item
            if idx < len(conv.messages):
                pos = conv.messages[idx].text.find(value)
                if pos >= 0:
                    gold_spans[item] = (pos, pos + len(value))
        for t, score in match_details(gold, found, spans, gold_spans).items():
            pi[t] = pi.get(t, PIScore()) + score
        _detail_misses(report, cid, gold, found)
        risk = analysis.risk
        levels["harmful" if e["harmful"] else "benign"][risk] += 1
        if e["harmful"]:
            if risk_rank(risk) < risk_rank(e["min_risk"]):
                report.harmful_below_min.append((cid, risk))
                report.misses.append(Miss(cid, "risk", f">= {e['min_risk']}", risk))
            if e.get("offender") and not unattributed:
                named = {p.name for p in analysis.participants if p.role == "suspected_offender"}
                report.offender_found = report.offender_found + binary(True, e["offender"] in named)
                if e["offender"] not in named:
                    report.misses.append(Miss(cid, "offender", "labelled sender",
                                              "other or none" if named else "none"))
        else:
            # Two separate checks: a chat rated high/critical above a max_risk of medium is both (the
            # report once counted it only as the former and said "above their max_risk: 0").
            high = risk_rank(risk) >= risk_rank(BENIGN_CEILING)
            above = risk_rank(risk) > risk_rank(e["max_risk"])
            if high:
                report.benign_high.append((cid, risk))
            if above:
                report.benign_above_max.append((cid, risk))
            if high or above:
                report.misses.append(Miss(cid, "risk", f"<= {e['max_risk']}", risk))
        if set(analysis.languages) == set(e["languages"]):
            report.languages_matched += 1
    report.seconds = time.perf_counter() - started
    report.signals = signals
    report.by_language = {lang: sig for lang, sig in by_lang.items()
                          if any(c.tp + c.fp + c.fn + c.tn for c in sig.values())}
    report.personal_info = {t: s for t, s in pi.items() if s.exact.tp + s.exact.fp + s.exact.fn}
    report.formats = dict(formats)
    report.risk_levels = {k: {lvl: v[lvl] for lvl in RISK_LEVELS if v[lvl]} for k, v in levels.items()}
    if report.conversations == 0:
        raise EvaluationSetError(f"no conversations in split {split!r}", where=str(set_dir / "labels.json"))
    return report


def _detail_misses(report: EvalReport, cid: str, gold: list[Item], found: list[Item]) -> None:
    """Name each missed or unexpected detail by message index and type (its value is message text)."""
    g, f = Counter(gold), Counter(found)
    for idx, t, _ in sorted((g - f).elements()):
        report.misses.append(Miss(cid, f"personal_info.{t}", f"message {idx}", "not found exactly"))
    for idx, t, _ in sorted((f - g).elements()):
        report.misses.append(Miss(cid, f"personal_info.{t}", "nothing labelled", f"message {idx}"))
