"""Charts of the statistics as inline SVG: drawn on the server, readable without JavaScript, printable.

    {% bar_chart rows section %}    rows: (label, count) pairs; a count may be "<5" or "5+" (suppressed)

Sections by month are columns in time order; the others are horizontal bars, largest first. Suppressed
cells are drawn as an outline at the threshold with their published text, never as a guessed value.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

CHRONOLOGICAL = ("month", "removals_by_month")
WIDTH = 640
ROW = 22
LABEL_WIDTH = 200
COLUMN_HEIGHT = 160
SUPPRESSED_AT = 5
#: Drawing attributes inside the SVG, so that the public and staff pages need no stylesheet for it.
BAR = 'fill="#1f5f8b"'
SUPPRESSED = 'fill="none" stroke="#1f5f8b" stroke-dasharray="3 2"'
TEXT = 'font-size="12" fill="#333"'


def _value(count: Any) -> tuple[int, bool]:
    """(height to draw, exact?) of a published count."""
    if isinstance(count, int):
        return count, True
    return SUPPRESSED_AT, False


def _bars(rows: list[tuple[str, Any]], top: int) -> SafeString:
    span = WIDTH - LABEL_WIDTH - 60
    parts = []
    for i, (label, count) in enumerate(rows):
        value, exact = _value(count)
        y = i * ROW
        w = max(1, round(span * value / top)) if value else 0
        parts.append(format_html(
            '<text x="{}" y="{}" text-anchor="end" {}>{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" {}/>'
            '<text x="{}" y="{}" {}>{}</text>',
            LABEL_WIDTH - 6, y + 15, SafeString(TEXT), str(label)[:40], LABEL_WIDTH, y + 3, w, ROW - 6,
            SafeString(BAR if exact else SUPPRESSED), LABEL_WIDTH + w + 4, y + 15, SafeString(TEXT), count))
    height = max(ROW, len(rows) * ROW)
    return format_html('<svg viewBox="0 0 {} {}" width="100%" class="chart" role="img" aria-hidden="true" '
                       'focusable="false" preserveAspectRatio="xMinYMin meet">{}</svg>', WIDTH, height,
                       format_html_join("", "{}", ((p,) for p in parts)))


def _columns(rows: list[tuple[str, Any]], top: int) -> SafeString:
    n = max(1, len(rows))
    step = (WIDTH - 20) / n
    parts = []
    for i, (label, count) in enumerate(rows):
        value, exact = _value(count)
        h = round(COLUMN_HEIGHT * value / top) if value else 0
        x = 10 + i * step
        parts.append(format_html(
            '<rect x="{}" y="{}" width="{}" height="{}" {}><title>{}: {}</title></rect>',
            f"{x + 1:.1f}", COLUMN_HEIGHT - h + 4, f"{max(1.0, step - 2):.1f}", h,
            SafeString(BAR if exact else SUPPRESSED), label, count))
    # First, middle and last month under the axis, so that the time span reads at a glance.
    marks = {0, n // 2, n - 1} if rows else set()
    for i in sorted(marks):
        parts.append(format_html('<text x="{}" y="{}" text-anchor="middle" {}>{}</text>',
                                 f"{10 + (i + 0.5) * step:.1f}", COLUMN_HEIGHT + 22, SafeString(TEXT), rows[i][0]))
    return format_html('<svg viewBox="0 0 {} {}" width="100%" class="chart" role="img" aria-hidden="true" '
                       'focusable="false">{}</svg>', WIDTH, COLUMN_HEIGHT + 30,
                       format_html_join("", "{}", ((p,) for p in parts)))


@register.simple_tag
def bar_chart(rows: Any, section: str) -> SafeString:
    """The chart of one statistics section (empty when it has no rows). The table beside it carries the
    same numbers for screen readers, so the picture is hidden from them."""
    cells = [(str(label), count) for label, count in rows or []]
    if not cells:
        return SafeString("")
    top = max(max(_value(c)[0] for _l, c in cells), 1)
    return _columns(cells, top) if section in CHRONOLOGICAL else _bars(cells, top)
