"""`hotline check-post TEXT [--json] [--lang en|km]`: which personal details a post gives away, and what to do.

TEXT `-` reads the post from standard input. Without `--json` the report is for a person: the post with
the details highlighted (coloured on a terminal, «marked» otherwise), a list of them, then the advice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, TextIO

from hotline.detect.errors import InputError
from hotline.detect.post import ADVICE_LANGUAGES, MAX_POST_CHARS, PostCheck, check_post

_HIGHLIGHT = "\033[1;33m"
_DIM = "\033[2m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "check-post",
        help="check a post for personal details before sharing it",
        description="Find the personal details (phone, email, address, location, accounts, school, age, "
                    "ID number) in a post, in Khmer or English, and say what to do about them.",
    )
    parser.add_argument("text", metavar="TEXT", help="the post's text; '-' reads it from standard input")
    parser.add_argument("--json", action="store_true", help="print JSON: {personal_info: [...], advice: [...]}")
    parser.add_argument("--lang", choices=ADVICE_LANGUAGES, default="en", help="language of the advice (default en)")
    parser.add_argument("--no-color", action="store_true", help="never colour the output")
    parser.set_defaults(func=run)


def _read(arg: str) -> str:
    if arg != "-":
        return arg
    text = sys.stdin.read(MAX_POST_CHARS + 1)
    if len(text) > MAX_POST_CHARS:
        raise InputError(f"the text on standard input is longer than {MAX_POST_CHARS} characters", where="stdin")
    return text


def _use_colour(stream: TextIO, disabled: bool) -> bool:
    return not disabled and "NO_COLOR" not in os.environ and hasattr(stream, "isatty") and stream.isatty()


def _marked(text: str, result: PostCheck, colour: bool) -> str:
    out: list[str] = []
    pos = 0
    for d in result.personal_info:
        out.append(text[pos:d.start])
        out.append(f"{_HIGHLIGHT}{d.value}{_RESET}" if colour else f"«{d.value}»")
        pos = d.end
    out.append(text[pos:])
    return "".join(out)


def render(text: str, result: PostCheck, *, colour: bool) -> str:
    """The readable report: summary, the post with details marked, the details, then what to do."""
    bold, dim, reset = (_BOLD, _DIM, _RESET) if colour else ("", "", "")
    lines = [f"{bold}{result.summary}{reset}"]
    if result.personal_info:
        lines.append("")
        lines.extend("  " + line for line in _marked(text, result, colour).splitlines() or [""])
        lines.append("")
        width = max(len(result.labels.get(d.type, d.type)) for d in result.personal_info)
        for d in result.personal_info:
            label = result.labels.get(d.type, d.type)
            lines.append(f"  - {label:<{width}}  {d.value}  {dim}({d.start}-{d.end}){reset}")
    lines.append("")
    lines.append(f"{bold}{result.heading}{reset}")
    lines.extend(f"  * {line}" for line in result.advice)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    text = _read(args.text)
    result = check_post(text, args.lang)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(text, result, colour=_use_colour(sys.stdout, args.no_color)))
    return 0
