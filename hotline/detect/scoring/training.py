"""`hotline train`: fit the grooming scorer on real conversations, calibrate it, write its weights.

Deterministic: the splits are fixed by hashes (`corpora.split_of`), the vocabulary is sorted, the solver
(L-BFGS, scikit-learn) starts from zero, and the `.npz` is written with fixed zip timestamps; same data,
same bytes. Fitted on the `train` split of the sources the data README allows (`TRAIN_SOURCES`),
calibrated (Platt) on the `calibration` split, never on `test` nor on an eval-only source.
Needs the `train` extra (scikit-learn, scipy) and numpy; scoring needs neither.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from hotline.detect.errors import DataError
from hotline.detect.scoring.conversation import CONVERSATION_THRESHOLD, LENGTH_PENALTY, conversation_logit
from hotline.detect.scoring.corpora import LICENCES, TRAIN_SOURCES, read_chats, split_of
from hotline.detect.scoring.examples import (
    Corpus,
    Example,
    build_corpus,
    example_matrix,
    message_matrix,
    vocabulary,
)
from hotline.detect.scoring.linear import LinearScorer
from hotline.detect.scoring.windows import layout

#: A whole conversation is one a reporter could submit: at least this many messages or words as typed.
MIN_MESSAGES, MIN_WORDS = 10, 50

__all__ = ["Settings", "fit", "train", "write_model"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Settings:
    """What `hotline train` fits; chosen by the grouped cross-validation it prints (see the README's
    scorer section for the candidates measured side by side: C 1-100, alpha 0.3-1, min_groups 2-8,
    binary counts, class weights, rule findings, character 3-5-grams, Naive-Bayes scaling...)."""

    c: float = 10.0             # inverse L2 strength
    alpha: float = 0.5          # window logit = bias + sum(weights) / words ** alpha
    gram: int = 4               # content words also count for their character grams of this length (0: none)
    sizes: tuple[int, ...] = (50, 300)  # also fit on windows of these many words (the run-time 150 and segments too)
    group_weight: float = 0.5   # an example weighs 1 / (examples of its offender or conversation) ** this
    min_groups: int = 3         # a term must occur with this many offenders or conversations
    min_benign: int = 0         # ... and in this many benign messages
    max_terms: int = 60000
    folds: int = 4


def _require_sklearn() -> Any:
    try:
        import sklearn.linear_model
    except ImportError as exc:
        raise DataError("training needs scikit-learn: pip install 'hotline[train]'") from exc
    return sklearn.linear_model


def _fit_lr(x: Any, y: npt.NDArray[np.int64], c: float,
            weight: FloatArray | None = None) -> tuple[FloatArray, float]:
    lm = _require_sklearn()
    model = lm.LogisticRegression(C=c, class_weight="balanced", solver="lbfgs", max_iter=3000, tol=1e-6)
    model.fit(x, y, sample_weight=weight)
    return np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0])


def fitting_rows(corpus: Corpus, settings: Settings, groups: set[str] | None = None) -> list[Example]:
    """What the model is fitted on: the train split's segments and run-time windows, and its windows of
    `settings.sizes` words (a conversation is read at every length from 10 messages to 600 words, and
    short chats are single short windows); `groups` restricts them to these offenders/conversations."""
    rows = [e for e in corpus.examples if e.split == "train" and e.kind in ("segment", "window")]
    for i, chat in enumerate(corpus.chats):
        if corpus.splits[i] != "train" or not chat.texts:
            continue
        lo = corpus.offsets[i]
        counts = [len(w) for w in corpus.words[lo:lo + len(chat.texts)]]
        for size in settings.sizes:
            starts, ends = layout(counts, target=size)
            rows.extend(Example(lo + s, lo + e, chat.label, chat.source, chat.group, "train", f"window{size}", i)
                        for s, e in zip(starts.tolist(), ends.tolist(), strict=True))
    return rows if groups is None else [e for e in rows if f"{e.source}/{e.group}" in groups]


def _group_weights(rows: Sequence[Example], power: float) -> FloatArray:
    """1 / (examples of the same offender or conversation) ** power, scaled so that each class keeps its
    total weight: one prolific offender (or a long chat) no longer outweighs the others."""
    size: dict[str, int] = {}
    for e in rows:
        size[f"{e.source}/{e.group}"] = size.get(f"{e.source}/{e.group}", 0) + 1
    w = np.asarray([size[f"{e.source}/{e.group}"] ** -power for e in rows], dtype=np.float64)
    y = _labels(rows)
    for label in (0, 1):
        mine = y == label
        if mine.any():
            w[mine] *= mine.sum() / w[mine].sum()
    return w


def platt(logits: FloatArray, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt scaling by Newton's method on two parameters, each step halved until the loss falls
    (deterministic, numpy only; without the halving, well-separated classes send the steps off to 1e8)."""
    a, b = 1.0, 0.0
    # Platt's smoothed targets keep the fit finite when the classes separate.
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    t = np.where(y == 1, (n1 + 1.0) / (n1 + 2.0), 1.0 / (n0 + 2.0))

    def loss(a: float, b: float) -> float:
        z = a * logits + b
        return float(np.sum(np.logaddexp(0.0, z) - t * z))

    current = loss(a, b)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -60.0, 60.0)))
        g = np.array([np.sum((p - t) * logits), np.sum(p - t)])
        w = p * (1 - p) + 1e-12
        h = np.array([[np.sum(w * logits * logits), np.sum(w * logits)], [np.sum(w * logits), np.sum(w)]])
        step = np.linalg.solve(h + 1e-9 * np.eye(2), g)
        scale = 1.0
        while scale > 1e-6 and loss(a - scale * float(step[0]), b - scale * float(step[1])) > current:
            scale /= 2
        a, b = a - scale * float(step[0]), b - scale * float(step[1])
        current = loss(a, b)
        if np.abs(scale * step).max() < 1e-10:
            break
    return a, b


def _labels(rows: Sequence[Example]) -> npt.NDArray[np.int64]:
    return np.asarray([e.label for e in rows], dtype=np.int64)


def fit(corpus: Corpus, settings: Settings, log: Callable[[str], None] = print) -> LinearScorer:
    """Vocabulary and weights from the train split, Platt calibration from the calibration split."""
    train_rows = fitting_rows(corpus, settings)
    cal_rows = [e for e in corpus.examples if e.split == "calibration" and e.kind in ("segment", "window")]
    if not any(e.label for e in train_rows) or all(e.label for e in train_rows):
        raise DataError("the train split needs both grooming and benign conversations")
    vocab = vocabulary(corpus, train_rows, min_groups=settings.min_groups, min_benign=settings.min_benign,
                       max_terms=settings.max_terms, gram=settings.gram)
    log(f"vocabulary: {len(vocab)} terms (in >= {settings.min_groups} offenders/conversations of the train split)")
    messages = message_matrix(corpus, vocab, settings.gram)
    x = example_matrix(corpus, messages, train_rows, settings.alpha)
    coef, bias = _fit_lr(x, _labels(train_rows), settings.c, _group_weights(train_rows, settings.group_weight))
    coef32 = coef.astype(np.float32)
    scorer = LinearScorer("grooming", dict(zip(vocab, coef32.astype(np.float64).tolist(), strict=True)),
                          float(np.float32(bias)), settings.alpha, (1.0, 0.0), 0.5, {}, gram=settings.gram)
    ca, cb = 1.0, 0.0
    if cal_rows and any(e.label for e in cal_rows):
        logits = _logits(scorer, corpus, cal_rows)
        a, b = platt(logits, _labels(cal_rows))
        convs = [e for e in corpus.examples if e.split == "calibration" and e.kind == "conversation"
                 and whole(corpus, e)]
        ca, cb = platt(_top_logits(scorer, corpus, convs), _labels(convs))
    else:
        a, b = 1.0, 0.0
    meta = {
        "signal": "grooming", "format": 1, "alpha": settings.alpha,
        "calibration": {"kind": "platt", "a": round(a, 8), "b": round(b, 8),
                        "fitted_on": f"calibration split: {len(cal_rows)} windows and segments"},
        "conversation_calibration": {"kind": "platt", "a": round(ca, 8), "b": round(cb, 8),
                                     "of": f"a whole conversation's logit: its highest window's less {LENGTH_PENALTY} ln(windows)"},
        "char_grams": settings.gram,
        "threshold": 0.5, "settings": {"c": settings.c, "min_groups": settings.min_groups, "min_benign": settings.min_benign,
                                       "max_terms": settings.max_terms, "sizes": list(settings.sizes),
                                       "group_weight": settings.group_weight},
        "trained_on": {s: LICENCES[s] for s in sorted({e.source for e in train_rows})},
        "examples": {"train": len(train_rows), "train_positive": int(_labels(train_rows).sum())},
        "language": "en",
    }
    return LinearScorer("grooming", scorer.weights, scorer.bias, settings.alpha, (round(a, 8), round(b, 8)),
                        0.5, {**meta, "terms": vocab, "weights": coef32}, (round(ca, 8), round(cb, 8)),
                        gram=settings.gram)


def whole(corpus: Corpus, e: Example) -> bool:
    """A whole conversation a reporter could submit: at least MIN_MESSAGES messages or MIN_WORDS words."""
    return e.end - e.start >= MIN_MESSAGES or int(corpus.raw_words[e.start:e.end].sum()) >= MIN_WORDS


def _top_logits(scorer: LinearScorer, corpus: Corpus, convs: Sequence[Example]) -> FloatArray:
    """Each conversation's logit (`conversation.conversation_logit` of its windows, laid out as at run time)."""
    per = scorer.messages(corpus.texts)
    out = np.empty(len(convs))
    for i, e in enumerate(convs):
        starts, ends = layout(per.words[e.start:e.end])
        out[i] = (conversation_logit(scorer.logits(per, starts + e.start, ends + e.start).tolist()) if len(starts)
                  else -np.inf)
    return out


def _logits(scorer: LinearScorer, corpus: Corpus, rows: Sequence[Example]) -> FloatArray:
    """Logits of examples, read exactly as at run time (per-message weights, cumulative sums)."""
    per = scorer.messages(corpus.texts)
    starts = np.asarray([e.start for e in rows], dtype=np.int64)
    ends = np.asarray([e.end for e in rows], dtype=np.int64)
    return scorer.logits(per, starts, ends)


def cross_validate(corpus: Corpus, settings: Settings, log: Callable[[str], None] = print) -> dict[str, float]:
    """Grouped k-fold on the train split (an offender or a conversation is never on both sides).

    Per fold: average precision and ROC AUC of the raw logits (segments and windows together); each fold's
    model calibrated on the calibration split as `fit` calibrates, then F0.5 of the held-out fold's ~190-word
    segments at 0.5 and of its whole conversations as the engine rates them (`conversation_logit`, called
    at `CONVERSATION_THRESHOLD`), pooled over the folds."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    rows = [e for e in corpus.examples if e.split == "train" and e.kind in ("segment", "window")]
    y = _labels(rows)
    groups = np.asarray([f"{e.source}/{e.group}" for e in rows])
    cal_rows = [e for e in corpus.examples if e.split == "calibration" and e.kind in ("segment", "window")]
    windows = [e for e in corpus.examples if e.kind == "window" and e.split in ("train", "calibration")]
    convs = [e for e in corpus.examples if e.kind == "conversation" and e.split in ("train", "calibration")
             and whole(corpus, e)]
    words = np.asarray([len(w) for w in corpus.words], dtype=np.float64)
    aps, aucs = [], []
    seg_y: list[npt.NDArray[np.bool_]] = []
    seg_pred: list[npt.NDArray[np.bool_]] = []
    conv_y: list[bool] = []
    conv_p: list[float] = []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=settings.folds).split(np.zeros(len(rows)), y, groups)):
        tr_rows = fitting_rows(corpus, settings, set(groups[tr]))
        vocab = vocabulary(corpus, tr_rows, min_groups=settings.min_groups, min_benign=settings.min_benign,
                           max_terms=settings.max_terms, gram=settings.gram)
        messages = message_matrix(corpus, vocab, settings.gram)
        coef, bias = _fit_lr(example_matrix(corpus, messages, tr_rows, settings.alpha), _labels(tr_rows), settings.c,
                             _group_weights(tr_rows, settings.group_weight))
        per_message = np.asarray(messages @ coef)  # type: ignore[operator]
        te_rows = [rows[i] for i in te]
        z = _range_logits(per_message, words, te_rows, bias, settings.alpha)
        if not 0 < y[te].sum() < len(te):
            continue
        aps.append(float(average_precision_score(y[te], z)))
        aucs.append(float(roc_auc_score(y[te], z)))
        log(f"  fold {k + 1}: {int(y[te].sum())} grooming : {int(len(te) - y[te].sum())} benign, "
            f"average precision {aps[-1]:.3f}, ROC AUC {aucs[-1]:.3f}")
        if not cal_rows or not any(e.label for e in cal_rows):
            continue
        a, b = platt(_range_logits(per_message, words, cal_rows, bias, settings.alpha), _labels(cal_rows))
        seg = np.asarray([e.kind == "segment" for e in te_rows])
        seg_y.append(y[te][seg] == 1)
        seg_pred.append(a * z[seg] + b >= 0.0)
        held = set(groups[te])
        mine = [e for e in windows if e.split == "calibration" or f"{e.source}/{e.group}" in held]
        per_chat: dict[int, list[float]] = {}
        for e, v in zip(mine, _range_logits(per_message, words, mine, bias, settings.alpha).tolist(), strict=True):
            per_chat.setdefault(e.chat, []).append(v)
        cal = [e for e in convs if e.split == "calibration" and e.chat in per_chat]
        ca, cb = platt(np.asarray([conversation_logit(per_chat[e.chat]) for e in cal]), _labels(cal))
        for e in convs:
            if e.split == "train" and f"{e.source}/{e.group}" in held and e.chat in per_chat:
                conv_y.append(e.label == 1)
                conv_p.append(1.0 / (1.0 + np.exp(-np.clip(ca * conversation_logit(per_chat[e.chat]) + cb, -60, 60))))
    out = {"average_precision": float(np.mean(aps)) if aps else 0.0,
           "average_precision_sd": float(np.std(aps)) if aps else 0.0,
           "roc_auc": float(np.mean(aucs)) if aucs else 0.0}
    if seg_y:
        sy, sp = np.concatenate(seg_y), np.concatenate(seg_pred)
        cy, cp = np.asarray(conv_y), np.asarray(conv_p)
        out["segments_f05"] = _f05(sp, sy)
        out["conversations_f05"] = _f05(cp >= CONVERSATION_THRESHOLD, cy)
        out["conversations_average_precision"] = float(average_precision_score(cy, cp)) if cy.any() else 0.0
        log(f"  pooled: segments F0.5 {out['segments_f05']:.3f} ({int(sy.sum())} grooming : {int((~sy).sum())} "
            f"benign), whole conversations F0.5 {out['conversations_f05']:.3f} at p >= {CONVERSATION_THRESHOLD} "
            f"({int(cy.sum())} : {int((~cy).sum())}; average precision {out['conversations_average_precision']:.3f})")
    return out


def _range_logits(per_message: FloatArray, words: FloatArray, rows: Sequence[Example], bias: float,
                  alpha: float) -> FloatArray:
    """Logits of message ranges from per-message weights, as `LinearScorer.logits` reads a window."""
    wcum = np.concatenate(([0.0], np.cumsum(per_message)))
    ncum = np.concatenate(([0.0], np.cumsum(words)))
    starts = np.asarray([e.start for e in rows], dtype=np.int64)
    ends = np.asarray([e.end for e in rows], dtype=np.int64)
    return bias + (wcum[ends] - wcum[starts]) / np.maximum(ncum[ends] - ncum[starts], 1.0) ** alpha  # type: ignore[no-any-return]


def _f05(pred: npt.NDArray[np.bool_], y: npt.NDArray[np.bool_]) -> float:
    tp, fp, fn = float(np.sum(pred & y)), float(np.sum(pred & ~y)), float(np.sum(~pred & y))
    return 1.25 * tp / (1.25 * tp + 0.25 * fn + fp) if tp else 0.0


def _npz_bytes(arrays: dict[str, npt.NDArray[Any]]) -> bytes:
    """An `.npz` with fixed timestamps and order, so the same weights give the same bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            body = io.BytesIO()
            np.lib.format.write_array(body, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, body.getvalue())
    return buf.getvalue()


def write_model(scorer: LinearScorer, folder: Path, figures: dict[str, Any] | None = None) -> tuple[Path, Path]:
    """Write `<signal>.npz` and `<signal>.json` into `folder`."""
    meta = dict(scorer.meta)
    weights = np.asarray(meta.pop("weights"), dtype=np.float32)
    blob = _npz_bytes({"weights": weights, "bias": np.asarray([scorer.bias], dtype=np.float64)})
    meta["npz_sha256"] = hashlib.sha256(blob).hexdigest()
    if figures:
        meta["figures"] = figures
    terms = meta.pop("terms")
    folder.mkdir(parents=True, exist_ok=True)
    npz, js = folder / f"{scorer.signal}.npz", folder / f"{scorer.signal}.json"
    npz.write_bytes(blob)
    js.write_text(json.dumps({**meta, "terms": terms}, ensure_ascii=False, indent=0, sort_keys=False) + "\n",
                  encoding="utf-8")
    return npz, js


def load_corpus(data: Path, sources: tuple[str, ...] = TRAIN_SOURCES) -> Corpus:
    if not data.is_dir():
        raise DataError(f"data folder not found: {data}")
    chats = read_chats(data, sources)
    return build_corpus(chats, split_of(chats))


def train(data: Path, out: Path, settings: Settings, *, cv: bool = True,
          log: Callable[[str], None] = print) -> LinearScorer:
    """The whole command: read, cross-validate, fit, calibrate, write."""
    corpus = load_corpus(data)
    counts: dict[tuple[str, str], int] = {}
    for e in corpus.examples:
        if e.kind == "conversation":
            counts[(e.split, "grooming" if e.label else "benign")] = counts.get(
                (e.split, "grooming" if e.label else "benign"), 0) + 1
    log("conversations per split: " + ", ".join(f"{s} {lab} {n}" for (s, lab), n in sorted(counts.items())))
    figures: dict[str, Any] = {}
    if cv:
        log(f"cross-validation on the train split ({settings.folds} folds grouped by offender/conversation):")
        figures["cross_validation"] = cross_validate(corpus, settings, log)
        cvf = figures["cross_validation"]
        log(f"cross-validated average precision {cvf['average_precision']:.3f} "
            f"(sd {cvf['average_precision_sd']:.3f}), ROC AUC {cvf['roc_auc']:.3f}"
            + (f"; F0.5 segments {cvf['segments_f05']:.3f}, whole conversations {cvf['conversations_f05']:.3f}"
               if "segments_f05" in cvf else ""))
    scorer = fit(corpus, settings, log)
    npz, js = write_model(scorer, out, figures)
    log(f"wrote {npz} ({npz.stat().st_size:,} bytes) and {js} ({js.stat().st_size:,} bytes)")
    return scorer
