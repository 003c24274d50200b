"""HTML export benchmarks: parsing speed, and what the depth check saves on a hostile page.

    python bench/bench_html_exports.py [--messages 10000] [--depth 40000]

Each figure is printed beside a named alternative measured in the same run:
- messages per second from Telegram Desktop's HTML pages (1,000 messages each) versus the same chat as
  Telegram's JSON export (result.json);
- the same for Facebook's message_1.html (2025 layout) versus Facebook's JSON (message_1.json);
- a page nested `--depth` elements deep: refused by the linear depth check, versus handed to the HTML
  parser unchecked (whose time grows with the square of the depth).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from selectolax.lexbor import LexborHTMLParser

from hotline.detect import chats
from hotline.detect.chats import synthetic, synthetic_html
from hotline.detect.errors import MalformedExport
from tests.detect.chats.factory import PP, chat


def _seconds(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _best(function: Callable[[], object], runs: int = 3) -> float:
    return min(_seconds(function) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000, help="messages in the generated chat")
    parser.add_argument("--depth", type=int, default=40_000, help="nesting of the hostile page")
    args = parser.parse_args()

    base = chat()
    t0 = datetime(2025, 1, 1, 8, 0, tzinfo=PP)
    items = [(s, t0 + timedelta(minutes=7 * i), x) for i, (s, _, x) in
             enumerate(base[i % len(base)] for i in range(args.messages))]
    pages = synthetic_html.telegram_pages(items, title="Dara")
    zipped = synthetic_html.zip_of({("messages.html" if n == 1 else f"messages{n}.html"): p
                                    for n, p in enumerate(pages, start=1)})
    as_json = synthetic.render("telegram", items)
    n = args.messages
    html_s = _best(lambda: chats.parse(zipped))
    json_s = _best(lambda: chats.parse(as_json))
    print(f"Telegram, {n} messages in {len(pages)} HTML pages: {n / html_s:,.0f} messages/s "
          f"({html_s * 1000:.0f} ms); the same chat as result.json: {n / json_s:,.0f} messages/s "
          f"({json_s * 1000:.0f} ms)")

    fb_html = synthetic_html.facebook(items, title="Dara", layout="2025")
    fb_json = synthetic.render("messenger", items)
    html_s = _best(lambda: chats.parse(fb_html, "message_1.html"))
    json_s = _best(lambda: chats.parse(fb_json))
    print(f"Facebook, {n} messages in message_1.html: {n / html_s:,.0f} messages/s ({html_s * 1000:.0f} ms); "
          f"message_1.json: {n / json_s:,.0f} messages/s ({json_s * 1000:.0f} ms)")

    page = pages[0].decode()
    hostile = page.replace('<div class="text">', '<div class="text">' + "<div>" * args.depth, 1)

    def refused() -> None:
        try:
            chats.parse(hostile.encode(), "messages.html")
        except MalformedExport:
            return
        raise AssertionError("the hostile page was not refused")

    checked = _best(refused)
    unchecked = _seconds(lambda: LexborHTMLParser(hostile))
    print(f"A page nested {args.depth:,} deep ({len(hostile) >> 10} KiB): refused in {checked * 1000:.0f} ms; "
          f"parsing it unchecked takes {unchecked:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
