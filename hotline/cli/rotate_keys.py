"""`hotline rotate-keys`: new encryption and keyed-hash keys, data re-encrypted while the site serves.

The key file is `HOTLINE_KEY_FILE` (keep it apart from the data folder and its backups)."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_rotate_keys(args: argparse.Namespace) -> int:
    from hotline.cli.site import _environment, _setup

    _environment(args.data_dir)
    _setup()
    from django.core.management import call_command

    options: dict[str, Any] = {"no_new_key": args.no_new_key, "retire": args.retire}
    call_command("rotate_keys", **options)
    return 0


def register(sub: Any) -> None:
    parser = sub.add_parser("rotate-keys", help="rotate the encryption keys and re-encrypt the data",
                            description=__doc__)
    parser.add_argument("--data-dir", help="the data folder (default: $HOTLINE_DATA_DIR or ./var)")
    parser.add_argument("--no-new-key", action="store_true",
                        help="re-encrypt with the newest key without adding one (resume an interrupted run)")
    parser.add_argument("--retire", action="store_true",
                        help="afterwards drop every encryption key but the newest")
    parser.set_defaults(func=cmd_rotate_keys)
