"""`hotline export-labels FILE --user NAME`: the analysts' verdicts as labelled conversations (JSON Lines,
format `hotline-labels` v1, without personal details: see `hotline.detect.labels`), for `hotline eval
--labels FILE`. Only a supervisor may export; every export is written to the audit log."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def cmd_export_labels(args: argparse.Namespace) -> int:
    from hotline.cli.site import _environment, _setup

    _environment(args.data_dir)
    _setup()
    from django.db import DatabaseError

    from hotline.detect.errors import HotlineError
    from hotline.web.cases.labels import export

    try:
        count = export(Path(args.file), args.user)
    except DatabaseError as exc:
        raise HotlineError("the site's database is not ready (run `hotline manage migrate`, or name the data "
                           f"folder with --data-dir): {exc}") from exc
    print(f"{count} labelled conversations written to {args.file}")
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("export-labels", help="export analysts' verdicts as labelled conversations",
                            description=__doc__)
    parser.add_argument("file", help="the JSON Lines file to write")
    parser.add_argument("--user", required=True, metavar="NAME", help="the supervisor exporting (audited)")
    parser.add_argument("--data-dir", help="the data folder (default: $HOTLINE_DATA_DIR or ./var)")
    parser.set_defaults(func=cmd_export_labels)
