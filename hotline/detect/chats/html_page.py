"""An export's HTML page, parsed only after its size and nesting are checked (the zips' idea, for markup).

Telegram Desktop and Facebook write flat pages: a few hundred KiB per thousand messages, nested about
fifteen elements deep. The HTML parser (selectolax's Lexbor) takes time that grows with the square of the
nesting, so a page of 200,000 nested `<div>`s would hold a worker for minutes; the page is therefore
scanned first, in one linear pass over its tags, and refused with `MalformedExport` when it is larger,
deeper or has more elements than any real export. Text comes out with `<br>` as a line break.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

from hotline.detect.errors import MalformedExport

__all__ = ["PageLimits", "classes", "read_page", "text_of"]


@dataclass(frozen=True, slots=True)
class PageLimits:
    """Bounds for one HTML page. Real exports: ~1 MiB, ~30,000 elements, depth ~15 per 1,000 messages."""

    max_chars: int = 64 << 20
    max_depth: int = 256
    max_elements: int = 2_000_000


#: A start or end tag's opening: "<div", "</div". In HTML "<div/>" opens a div like "<div>" does, so the
#: tag's name is all the depth count needs.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})


def _check(text: str, what: str, limits: PageLimits) -> None:
    if len(text) > limits.max_chars:
        raise MalformedExport(f"the {what} page is {len(text) >> 20} MiB; at most {limits.max_chars >> 20} MiB "
                              "per page is accepted")
    depth = elements = 0
    deepest = limits.max_depth
    for closing, name in _TAG.findall(text):
        if closing:
            if depth:
                depth -= 1
            continue
        elements += 1
        if name.lower() in _VOID:
            continue
        depth += 1
        if depth > deepest:
            raise MalformedExport(f"the {what} page nests its elements more than {deepest} deep; "
                                  "no real export does")
    if elements > limits.max_elements:
        raise MalformedExport(f"the {what} page has {elements} elements; at most {limits.max_elements} are "
                              "accepted per page")


def read_page(text: str, what: str, limits: PageLimits | None = None) -> LexborHTMLParser:
    """Parse one page of an export after checking it against `limits` (MalformedExport when over)."""
    _check(text, what, limits or PageLimits())
    return LexborHTMLParser(text)


def classes(node: LexborNode) -> frozenset[str]:
    return frozenset((node.attributes.get("class") or "").split())


def text_of(node: LexborNode, *, skip: frozenset[str] = frozenset(), blocks: frozenset[str] = frozenset()) -> str:
    """The visible text under `node`: `<br>` as a newline, elements whose tag is in `skip` left out, a line
    break before an element whose tag is in `blocks` when text comes before it, surrounding whitespace
    (the exporter's indentation) trimmed."""
    parts: list[str] = []
    skipped: list[LexborNode] = []
    written = False  # any text other than whitespace yet
    for n in node.traverse(include_text=True):
        if skipped and _inside(n, skipped[-1], node):
            continue
        tag = n.tag
        if tag == "-text":
            text = n.text_content or ""
            parts.append(text)
            written = written or not text.isspace()
        elif tag == "br":
            parts.append("\n")
        elif tag in skip:
            skipped.append(n)
        elif tag in blocks and written and not parts[-1].endswith("\n"):
            parts.append("\n")
    return "".join(parts).strip()


def _inside(n: LexborNode, ancestor: LexborNode, root: LexborNode) -> bool:
    """Whether `n` lies under `ancestor` (walking up no further than `root`)."""
    p = n.parent
    while p is not None and p != root:
        if p == ancestor:
            return True
        p = p.parent
    return False
