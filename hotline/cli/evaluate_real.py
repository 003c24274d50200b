"""`hotline eval-real`: the grooming scorer on held-back real conversations (../shared/data).

Prints the held-back figures first (F0.5 on ~190-word segments without speaker names and on whole
conversations, each with its grooming:benign ratio), then false alarms per benign source, calibration
error and the keyword and venue baselines on the same examples. The test split is fixed by hashes
(`hotline.detect.scoring.corpora.split_of`); nobody tunes on it. No message text is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hotline.cli.train import DEFAULT_DATA
from hotline.detect.errors import InputError


def register(sub: Any) -> None:
    p = sub.add_parser(
        "eval-real", help="measure the grooming scorer on held-back real conversations",
        description="Score the shipped grooming scorer on the held-back split of the real conversations "
                    "(offenders and conversations training never saw) and on the eval-only sources.",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
                   help=f"the shared data folder (default: {DEFAULT_DATA})")
    p.add_argument("--weights", type=Path, default=None, metavar="DIR",
                   help="score weights from this folder instead of the shipped ones")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--split", choices=("test", "calibration"), default="test",
                   help="test (default): the held-back test split, with the test half of each eval-only source; "
                        "calibration: the calibration split with the eval-only sources' dev halves, where "
                        "settings are chosen")
    p.add_argument("--risk", action="store_true",
                   help="also run the whole engine (rules + model, and rules alone) on every held-back segment "
                        "and count risk high or critical per source (slower)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hotline.detect.scoring.corpora import EVAL_SOURCES, TRAIN_SOURCES
    from hotline.detect.scoring.linear import load_model, read_model
    from hotline.detect.scoring.realeval import evaluate_real, print_real, print_risk, risk_rates
    from hotline.detect.scoring.training import load_corpus

    if not args.data.is_dir():
        raise InputError(f"data folder not found: {args.data} (use --data DIR)")
    if args.weights is not None:
        try:
            meta = json.loads((args.weights / "grooming.json").read_text("utf-8"))
            with (args.weights / "grooming.npz").open("rb") as fh:
                scorer = read_model(fh, meta)
        except (OSError, ValueError, KeyError) as exc:
            raise InputError(f"cannot read weights from {args.weights}: {exc}") from exc
    else:
        scorer = load_model("grooming")
    present = tuple(s for s in EVAL_SOURCES if (args.data / "chats-benign" / s).is_dir())
    missing = [s for s in EVAL_SOURCES if s not in present]
    if missing:
        print(f"eval-only sources not found under {args.data}, left out: {', '.join(missing)}", file=sys.stderr)
    corpus = load_corpus(args.data, TRAIN_SOURCES + present)
    report = evaluate_real(corpus, scorer, args.split)
    risk = risk_rates(corpus, args.split) if args.risk else None
    if args.json:
        print(json.dumps({**report.__dict__, "risk": risk}, indent=1))
    else:
        print_real(report, sys.stdout, args.data)
        if risk is not None:
            print_risk(risk, sys.stdout, args.split)
    return 0
