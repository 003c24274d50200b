"""`hotline train`: rebuild the grooming scorer's weights from the real conversations in ../shared/data.

Prints the cross-validated figures (grouped by offender and conversation), writes `grooming.npz` and
`grooming.json` (by default into the package, where they ship), and the same data gives the same bytes.
Needs the `train` extra: `pip install -e '.[train]'`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hotline.detect.errors import InputError

#: Where the data lives relative to the repository (see ../shared/data/README.md).
DEFAULT_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WEIGHTS = Path(__file__).resolve().parents[1] / "detect" / "scoring" / "weights"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "train", help="train the grooming scorer on real conversations (needs the train extra)",
        description="Fit the learned grooming scorer on the train split of the sources the data README "
                    "allows, calibrate it on the calibration split, print cross-validated figures and write "
                    "its weights. Evaluate the result with `hotline eval-real`.",
    )
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
                   help=f"the shared data folder (default: {DEFAULT_DATA})")
    p.add_argument("--out", type=Path, default=WEIGHTS, metavar="DIR",
                   help="where to write grooming.npz and grooming.json (default: the package's weights)")
    p.add_argument("--no-cv", action="store_true", help="skip the cross-validation (faster)")
    p.add_argument("--c", type=float, default=None, help="inverse regularisation strength (default: as shipped)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hotline.detect.scoring.training import Settings, train

    if not args.data.is_dir():
        raise InputError(f"data folder not found: {args.data} (use --data DIR)")
    settings = Settings() if args.c is None else Settings(c=args.c)
    try:
        train(args.data, args.out, settings, cv=not args.no_cv)
    except OSError as exc:
        raise InputError(f"cannot write the weights to {args.out}: {exc}") from exc
    return 0
