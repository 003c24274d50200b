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
from hotline.detect.scoring.conversation import LENGTH_PENALTY, conversation_logit
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
    """What `hotline train` fits; chosen by the cross-validation it prints (`--search`)."""

    c: float = 10.0             # inverse L2 strength (chosen among 0.3-30 on the calibration split)
    alpha: float = 0.5          # window logit = bias + sum(weights) / words ** alpha
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


def _fit_lr(x: Any, y: npt.NDArray[np.int64], c: float) -> tuple[FloatArray, float]:
    lm = _require_sklearn()
    model = lm.LogisticRegression(C=c, class_weight="balanced", solver="lbfgs", max_iter=3000, tol=1e-6)
    model.fit(x, y)
    return np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0])


def platt(logits: FloatArray, y: npt.NDArray[np.int64]) -> tuple[float, float]:
    """Platt scaling by Newton's method on two parameters (deterministic, numpy only)."""
    a, b = 1.0, 0.0
    # Platt's smoothed targets keep the fit finite when the classes separate.
    n1, n0 = int(y.sum()), int(len(y) - y.sum())
    t = np.where(y == 1, (n1 + 1.0) / (n1 + 2.0), 1.0 / (n0 + 2.0))
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(a * logits + b, -60.0, 60.0)))
        g = np.array([np.sum((p - t) * logits), np.sum(p - t)])
        w = p * (1 - p) + 1e-12
        h = np.array([[np.sum(w * logits * logits), np.sum(w * logits)], [np.sum(w * logits), np.sum(w)]])
        step = np.linalg.solve(h + 1e-9 * np.eye(2), g)
        a, b = a - float(step[0]), b - float(step[1])
        if np.abs(step).max() < 1e-10:
            break
    return a, b


def _labels(rows: Sequence[Example]) -> npt.NDArray[np.int64]:
    return np.asarray([e.label for e in rows], dtype=np.int64)


def fit(corpus: Corpus, settings: Settings, log: Callable[[str], None] = print) -> LinearScorer:
    """Vocabulary and weights from the train split, Platt calibration from the calibration split."""
    train_rows = [e for e in corpus.examples if e.split == "train" and e.kind != "conversation"]
    cal_rows = [e for e in corpus.examples if e.split == "calibration" and e.kind != "conversation"]
    if not any(e.label for e in train_rows) or all(e.label for e in train_rows):
        raise DataError("the train split needs both grooming and benign conversations")
    vocab = vocabulary(corpus, train_rows, min_groups=settings.min_groups, min_benign=settings.min_benign,
                       max_terms=settings.max_terms)
    log(f"vocabulary: {len(vocab)} terms (in >= {settings.min_groups} offenders/conversations of the train split)")
    messages = message_matrix(corpus, vocab)
    x = example_matrix(corpus, messages, train_rows, settings.alpha)
    coef, bias = _fit_lr(x, _labels(train_rows), settings.c)
    coef32 = coef.astype(np.float32)
    scorer = LinearScorer("grooming", dict(zip(vocab, coef32.astype(np.float64).tolist(), strict=True)),
                          float(np.float32(bias)), settings.alpha, (1.0, 0.0), 0.5, {})
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
        "threshold": 0.5, "settings": {"c": settings.c, "min_groups": settings.min_groups, "min_benign": settings.min_benign,
                                       "max_terms": settings.max_terms},
        "trained_on": {s: LICENCES[s] for s in sorted({e.source for e in train_rows})},
        "examples": {"train": len(train_rows), "train_positive": int(_labels(train_rows).sum())},
        "language": "en",
    }
    return LinearScorer("grooming", scorer.weights, scorer.bias, settings.alpha, (round(a, 8), round(b, 8)),
                        0.5, {**meta, "terms": vocab, "weights": coef32}, (round(ca, 8), round(cb, 8)))


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
    """Grouped k-fold on the train split (an offender or a conversation is never on both sides):
    average precision and ROC AUC of the raw logits, segments and windows together."""
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import GroupKFold

    rows = [e for e in corpus.examples if e.split == "train" and e.kind != "conversation"]
    y = _labels(rows)
    groups = np.asarray([f"{e.source}/{e.group}" for e in rows])
    aps, aucs = [], []
    for k, (tr, te) in enumerate(GroupKFold(n_splits=settings.folds).split(np.zeros(len(rows)), y, groups)):
        tr_rows = [rows[i] for i in tr]
        vocab = vocabulary(corpus, tr_rows, min_groups=settings.min_groups, min_benign=settings.min_benign,
                           max_terms=settings.max_terms)
        messages = message_matrix(corpus, vocab)
        coef, bias = _fit_lr(example_matrix(corpus, messages, tr_rows, settings.alpha), y[tr], settings.c)
        z = np.asarray(example_matrix(corpus, messages, [rows[i] for i in te], settings.alpha) @ coef) + bias  # type: ignore[operator]
        if 0 < y[te].sum() < len(te):
            aps.append(float(average_precision_score(y[te], z)))
            aucs.append(float(roc_auc_score(y[te], z)))
            log(f"  fold {k + 1}: {int(y[te].sum())} grooming : {int(len(te) - y[te].sum())} benign, "
                f"average precision {aps[-1]:.3f}, ROC AUC {aucs[-1]:.3f}")
    return {"average_precision": float(np.mean(aps)) if aps else 0.0,
            "average_precision_sd": float(np.std(aps)) if aps else 0.0,
            "roc_auc": float(np.mean(aucs)) if aucs else 0.0}


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
            f"(sd {cvf['average_precision_sd']:.3f}), ROC AUC {cvf['roc_auc']:.3f}")
    scorer = fit(corpus, settings, log)
    npz, js = write_model(scorer, out, figures)
    log(f"wrote {npz} ({npz.stat().st_size:,} bytes) and {js} ({js.stat().st_size:,} bytes)")
    return scorer
