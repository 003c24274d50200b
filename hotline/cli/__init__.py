"""The `hotline` command: one entry point, one module per subcommand.

Each module in `COMMANDS` exposes `register(subparsers)`, which adds its parser and sets
`func(args) -> int`. Registration is explicit (no discovery) and names are checked unique.
Errors derived from `HotlineError` become one clear line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

#: Subcommand modules, in the order `hotline --help` lists them.
COMMANDS: tuple[str, ...] = (
    "hotline.cli.analyze",
    "hotline.cli.check_post",
    "hotline.cli.check_photo",
    "hotline.cli.hashing",
    "hotline.cli.evaluate",
    "hotline.cli.evaluate_real",
    "hotline.cli.train",
    "hotline.cli.site",
    "hotline.cli.backup",
    "hotline.cli.rotate_keys",
    "hotline.cli.export_labels",
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or only of `command` when a module is named for it (`analyze`:
    `hotline.cli.analyze`), so that a quick command does not import what the others need (numpy, Django)."""
    parser = argparse.ArgumentParser(
        prog="hotline",
        description="Hotline: check chats, posts and photos for online risks to children; run the hotline site.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    wanted = command.replace("-", "_") if command else None
    for name in [m for m in COMMANDS if m.rsplit(".", 1)[-1] == wanted] or COMMANDS:
        importlib.import_module(name).register(sub)
    return parser


#: Container allocations between young garbage collections while the command's modules load (Python's
#: default: 700). They allocate some 100,000 objects that live to the end, and no cycles to free: collecting
#: every 700 allocations walked them again and again (3 % of a small chat's start).
_LOADING_YOUNG = 1_000_000


def _loaded_parser(command: str | None) -> argparse.ArgumentParser:
    """`build_parser(command)` with few collections; what it loaded is then made old at once (`freeze` +
    `unfreeze`), so that the next young collection does not walk it either."""
    before = gc.get_threshold()
    if 0 < before[0] < _LOADING_YOUNG:  # 0: collection switched off, left so
        gc.set_threshold(_LOADING_YOUNG, *before[1:])
    try:
        return build_parser(command)
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.set_threshold(*before)


#: Commands whose process may end without Python's finalization (`_end_process`).
_ENDS_AT_ONCE = frozenset({"analyze"})


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    parser = _loaded_parser(words[0] if words and not words[0].startswith("-") else None)
    # imported after the loading above, which brings the engine's package with it
    from hotline.detect.errors import HotlineError

    args = parser.parse_args(words)
    try:
        status = int(args.func(args) or 0)
    except HotlineError as exc:
        print(f"hotline {args.command}: error: {exc}", file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    if argv is None and args.command in _ENDS_AT_ONCE:
        _end_process(status)
    return status


def _end_process(status: int) -> None:
    """End the process now with `status`, when `main` is the process's command (`hotline ...`,
    `python -m hotline ...`: no arguments given) and nothing traces or profiles it: the exit functions run
    and the output is flushed, then Python's finalization is skipped. It freed, one by one, every object
    the command left (the rules, the model, the caches): 3 % of a small chat's run, more after a long one.
    Returns (the process then ends as usual) when the output cannot be flushed."""
    if sys.gettrace() is not None or sys.getprofile() is not None:
        return  # a profiler or coverage writes its results at finalization
    import atexit
    import os

    atexit._run_exitfuncs()  # (and forgets them: the usual end would not run them twice)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


if __name__ == "__main__":
    raise SystemExit(main())
