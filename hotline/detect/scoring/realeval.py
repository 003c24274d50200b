"""Held-back figures of the scorer on real conversations (`hotline eval --real`).

Only the `test` split is scored: offenders and conversations the scorer never saw (fixed by hashes in
`corpora.split_of`), plus the `test` half of each eval-only source, which nobody fits on or chooses a
setting with (`split="calibration"`: the calibration split and the eval-only sources' `dev` halves, where
settings are chosen). Figures, in the order printed:
grooming F0.5 on segments of about 190 words without speaker names and on whole conversations (with
the ratio of grooming to benign behind each), false alarms per benign source, calibration error, and
the two baselines (11 keywords; venue cues only) on the same examples. No message text is printed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt

from hotline.detect.scoring.baselines import VenueModel, keyword_flags, venue_features
from hotline.detect.scoring.conversation import CONVERSATION_THRESHOLD, LENGTH_PENALTY, conversation_logit
from hotline.detect.scoring.corpora import EVAL_SOURCES, TRAIN_SOURCES
from hotline.detect.scoring.examples import Corpus, Example
from hotline.detect.scoring.linear import LinearScorer
from hotline.detect.scoring.training import platt, whole

__all__ = ["RealReport", "evaluate_real", "print_real", "print_risk", "risk_rates"]

FloatArray = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def f_beta(pred: Bools, y: Bools, beta: float = 0.5) -> tuple[float, float, float]:
    """(precision, recall, F-beta)."""
    tp = float(np.sum(pred & y))
    fp = float(np.sum(pred & ~y))
    fn = float(np.sum(~pred & y))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    b2 = beta * beta
    f = (1 + b2) * p * r / (b2 * p + r) if p + r else 0.0
    return p, r, f


def ece(prob: FloatArray, y: Bools, bins: int = 10) -> float:
    """Expected calibration error over equal-width bins."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.sum() / len(prob) * abs(float(prob[m].mean()) - float(y[m].mean()))
    return total


@dataclass
class RealReport:
    segments: dict[str, Any] = field(default_factory=dict)
    conversations: dict[str, Any] = field(default_factory=dict)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    ece: dict[str, float] = field(default_factory=dict)
    baselines: dict[str, dict[str, Any]] = field(default_factory=dict)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)
    matched: dict[str, dict[str, Any]] = field(default_factory=dict)
    split: str = "test"


def _window_probs(scorer: LinearScorer, corpus: Corpus, rows: Sequence[Example]) -> FloatArray:
    per = scorer.messages(corpus.texts)
    starts = np.asarray([e.start for e in rows], dtype=np.int64)
    ends = np.asarray([e.end for e in rows], dtype=np.int64)
    return scorer.probability(scorer.logits(per, starts, ends))


def _fig(pred: Bools, y: Bools) -> dict[str, Any]:
    p, r, f = f_beta(pred, y)
    return {"precision": p, "recall": r, "f05": f, "grooming": int(y.sum()), "benign": int((~y).sum())}


def eval_half(split: str) -> str:
    """The half of the eval-only sources read beside a split of the others: `test` beside `test`, `dev`
    beside the calibration split (both are where settings may be chosen)."""
    return "test" if split == "test" else "dev"


def _held(e: Example, split: str) -> bool:
    return e.split == (eval_half(split) if e.source in EVAL_SOURCES else split)


def evaluate_real(corpus: Corpus, scorer: LinearScorer, split: str = "test") -> RealReport:
    """Score the test split (and the eval-only sources' test halves) with `scorer`; fit the venue baseline
    on train. `split="calibration"` scores the calibration split and the eval-only sources' dev halves
    instead, for choosing settings without the test."""
    report = RealReport(split=split)
    ex = corpus.examples
    windows = [e for e in ex if e.kind == "window"]
    wprob = _window_probs(scorer, corpus, windows)
    # A whole conversation is rated from its windows as the engine rates it (`conversation_logit`).
    wlogit = scorer.logits(scorer.messages(corpus.texts), np.asarray([e.start for e in windows], dtype=np.int64),
                           np.asarray([e.end for e in windows], dtype=np.int64))
    top: dict[int, list[float]] = defaultdict(list)
    for e, z in zip(windows, wlogit.tolist(), strict=True):
        top[e.chat].append(z)
    conv_max = {chat: scorer.conversation_probability(conversation_logit(zs)) for chat, zs in top.items()}
    segs = [e for e in ex if e.kind == "segment" and _held(e, split)]
    sprob = _window_probs(scorer, corpus, segs)
    main = np.asarray([e.source in TRAIN_SOURCES for e in segs])
    y_seg = np.asarray([e.label == 1 for e in segs])
    report.segments = _fig(sprob[main] >= scorer.threshold, y_seg[main])
    convs = [e for e in ex if e.kind == "conversation" and e.split == split and e.source in TRAIN_SOURCES
             and whole(corpus, e)]
    y_conv = np.asarray([e.label == 1 for e in convs])
    cprob = np.asarray([conv_max[e.chat] for e in convs])
    report.conversations = _fig(cprob >= CONVERSATION_THRESHOLD, y_conv)
    # False alarms per benign source: segments, run-time windows, whole conversations.
    test_windows = np.asarray([_held(e, split) for e in windows])
    for source in (*TRAIN_SOURCES[1:], *EVAL_SOURCES):
        sm = np.asarray([e.source == source for e in segs])
        wm = test_windows & np.asarray([e.source == source for e in windows])
        cm = [conv_max[e.chat] for e in ex if e.kind == "conversation" and e.source == source
              and _held(e, split) and whole(corpus, e)]
        if not sm.any() and not wm.any():
            continue
        report.false_alarms.append({
            "source": source, "use": "train" if source in TRAIN_SOURCES else "eval",
            "segments": int(sm.sum()), "segments_flagged": int((sprob[sm] >= 0.5).sum()),
            "windows": int(wm.sum()), "windows_flagged": int((wprob[wm] >= 0.5).sum()),
            "conversations": len(cm), "conversations_flagged": int(sum(p >= CONVERSATION_THRESHOLD for p in cm)),
        })
    rooms: dict[str, list[float]] = defaultdict(list)
    for e, p in zip(windows, wprob.tolist(), strict=True):
        if e.source == "nps-chat" and _held(e, split):
            rooms[corpus.chats[e.chat].room].append(p)
    report.rooms = {r: {"windows": len(ps), "flagged": sum(p >= 0.5 for p in ps)} for r, ps in sorted(rooms.items())}
    # Calibration error on held-back segments and windows of the sources the model may learn from.
    wm_main = test_windows & np.asarray([e.source in TRAIN_SOURCES for e in windows])
    y_win = np.asarray([e.label == 1 for e in windows])
    report.ece = {"segments": ece(sprob[main], y_seg[main]), "windows": ece(wprob[wm_main], y_win[wm_main]),
                  "both": ece(np.concatenate([sprob[main], wprob[wm_main]]),
                              np.concatenate([y_seg[main], y_win[wm_main]]))}
    # Baselines on the same held-back segments and conversations.
    seg_texts = [corpus.texts[e.start:e.end] for e in segs]
    conv_texts = [corpus.texts[e.start:e.end] for e in convs]
    report.baselines["keywords"] = {
        "segments": _fig(keyword_flags(seg_texts)[main], y_seg[main]),
        "conversations": _fig(keyword_flags(conv_texts), y_conv),
    }
    venue = _venue(corpus)
    vseg = venue(segs)
    report.baselines["venue"] = {"segments": _fig(vseg[main] >= 0.5, y_seg[main]),
                                 "conversations": _fig(venue(convs) >= 0.5, y_conv)}
    # Same era and venue on both sides: groomer segments against the 2006 chat rooms (eval-only).
    matched = y_seg | np.asarray([e.source == "nps-chat" for e in segs])
    report.matched = {"scorer": _fig(sprob[matched] >= scorer.threshold, y_seg[matched]),
                      "venue": _fig(vseg[matched] >= 0.5, y_seg[matched]),
                      "keywords": _fig(keyword_flags(seg_texts)[matched], y_seg[matched])}
    return report


def risk_rates(corpus: Corpus, split: str = "test") -> list[dict[str, Any]]:
    """Risk high or critical from the whole engine (rules + model, and rules alone) on the held-back
    ~190-word segments, sender names removed, per source (`split` as in `evaluate_real`)."""
    from hotline.detect.analysis import analyze
    from hotline.detect.model import Conversation, Message

    high = ("high", "critical")
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for e in corpus.examples:
        if e.kind != "segment" or not _held(e, split):
            continue
        conv = Conversation("plain", [Message(i, None, t) for i, t in enumerate(corpus.texts[e.start:e.end])])
        c = counts[e.source]
        c[0] += 1
        both = analyze(conv)
        c[1] += both.risk in high
        c[2] += analyze(conv, model=False).risk in high
        c[3] += both.signals["grooming"]
    return [{"source": k, "segments": v[0], "with_model": v[1], "rules_only": v[2], "grooming_found": v[3]}
            for k, v in counts.items()]


def _which(split: str) -> str:
    return (f"the {split} split; eval-only sources: their {eval_half(split)} halves (by hash of the nps-chat "
            f"session, formspring profile, Friends episode, MySpace thread)")


def print_risk(rows: list[dict[str, Any]], out: TextIO, split: str = "test") -> None:
    out.write(f"\nRisk high or critical on held-back segments (~190 words, no names; {_which(split)}), "
              "rules + model / rules alone:\n")
    for r in rows:
        n = r["segments"]
        out.write(f"  {r['source']:<18} {r['with_model']:>5}/{n:<5} {_pct(r['with_model'], n):>7}   "
                  f"{r['rules_only']:>5}/{n:<5} {_pct(r['rules_only'], n):>7}   "
                  f"grooming found {r['grooming_found']:>5}/{n:<5} {_pct(r['grooming_found'], n):>7}\n")


def _venue(corpus: Corpus) -> Callable[[Sequence[Example]], FloatArray]:
    """The venue baseline, fitted on the train split and calibrated on the calibration split."""

    def feats(rows: Sequence[Example]) -> FloatArray:
        return np.asarray([venue_features(corpus.texts[e.start:e.end], corpus.times[e.start:e.end])
                           for e in rows], dtype=np.float64)

    fit_rows = [e for e in corpus.examples if e.split == "train" and e.kind != "conversation"
                and e.source in TRAIN_SOURCES]
    cal_rows = [e for e in corpus.examples if e.split == "calibration" and e.kind != "conversation"
                and e.source in TRAIN_SOURCES]
    model = VenueModel.fit(feats(fit_rows), np.asarray([e.label for e in fit_rows], dtype=np.int64))
    a, b = platt(model.logits(feats(cal_rows)), np.asarray([e.label for e in cal_rows], dtype=np.int64))

    def prob(rows: Sequence[Example]) -> FloatArray:
        return 1 / (1 + np.exp(-(a * model.logits(feats(rows)) + b)))

    return prob


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.2f} %" if d else "-"


def print_real(report: RealReport, out: TextIO, data: Path) -> None:
    w = out.write
    s, c = report.segments, report.conversations
    w(f"Grooming scorer on held-back real conversations ({data}; offenders and conversations never seen "
      f"in training; {_which(report.split)})\n")
    w(f"  segments of ~190 words, no speaker names: F0.5 {s['f05']:.3f} (precision {s['precision']:.3f}, "
      f"recall {s['recall']:.3f}; grooming:benign = {s['grooming']}:{s['benign']})\n")
    w(f"  whole conversations:                     F0.5 {c['f05']:.3f} (precision {c['precision']:.3f}, "
      f"recall {c['recall']:.3f}; grooming:benign = {c['grooming']}:{c['benign']}; highest window less "
      f"{LENGTH_PENALTY} ln(windows), called at p >= {CONVERSATION_THRESHOLD})\n")
    w("  targets: segments >= 0.90 " + ("PASS" if s["f05"] >= 0.9 else "FAIL")
      + ", conversations >= 0.95 " + ("PASS" if c["f05"] >= 0.95 else "FAIL") + "\n")
    w("\nFalse alarms (probability >= 0.5), per benign source (target <= 0.5 %):\n")
    w(f"  {'source':<18} {'use':<6} {'segments':>16} {'windows':>18} {'conversations':>18}\n")
    for fa in report.false_alarms:
        w(f"  {fa['source']:<18} {fa['use']:<6} "
          f"{fa['segments_flagged']:>5}/{fa['segments']:<5} {_pct(fa['segments_flagged'], fa['segments']):>7}"
          f" {fa['windows_flagged']:>5}/{fa['windows']:<6} {_pct(fa['windows_flagged'], fa['windows']):>7}"
          f" {fa['conversations_flagged']:>5}/{fa['conversations']:<5} "
          f"{_pct(fa['conversations_flagged'], fa['conversations']):>7}\n")
    if report.rooms:
        w("  nps-chat windows by room: " + ", ".join(
            f"{r} {v['flagged']}/{v['windows']}" for r, v in report.rooms.items())
          + " (teen rooms hold some real 'asl / pm me' approaches: a flag there is not necessarily false)\n")
    e = report.ece
    w(f"\nExpected calibration error (10 bins, held-back): segments {e['segments']:.3f}, windows "
      f"{e['windows']:.3f}, both {e['both']:.3f} (target <= 0.05)\n")
    w("\nSide by side on the same held-back examples (F0.5; grooming:benign as above):\n")
    w(f"  {'model':<34} {'segments':>9} {'conversations':>14}\n")
    w(f"  {'learned scorer':<34} {s['f05']:>9.3f} {c['f05']:>14.3f}\n")
    for name, label in (("keywords", "11-keyword list (any word)"), ("venue", "venue cues only (length, slang...)")):
        b = report.baselines[name]
        w(f"  {label:<34} {b['segments']['f05']:>9.3f} {b['conversations']['f05']:>14.3f}\n")
    margin = s["f05"] - report.baselines["venue"]["segments"]["f05"]
    w(f"  margin over the venue baseline on segments: {margin:+.3f} (target >= +0.2) "
      + ("PASS" if margin >= 0.2 else "FAIL") + "\n")
    m = report.matched
    if m:
        sc = m["scorer"]
        w(f"\nSame era and venue (groomer segments against the 2006 nps-chat rooms, eval-only; "
          f"grooming:benign = {sc['grooming']}:{sc['benign']}): F0.5 scorer {sc['f05']:.3f}, venue cues "
          f"{m['venue']['f05']:.3f}, keywords {m['keywords']['f05']:.3f}; margin over venue "
          f"{sc['f05'] - m['venue']['f05']:+.3f} " + ("PASS" if sc["f05"] - m["venue"]["f05"] >= 0.2 else "FAIL") + "\n")
