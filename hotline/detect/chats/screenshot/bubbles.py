"""Where the bubbles are on a chat screenshot, from colour alone.

Chat apps draw each message as a flat-coloured bubble on a flat (or faintly patterned) background, the
other person's against the left edge and the phone owner's against the right, and stack them one above
the other. So: the few colours that cover large areas are candidate bubble fills; for each, the pixels
close to it are cut into boxes by rows and then by columns (recursive XY cut: bubbles never sit side by
side); a box that is mostly fill, wide enough and not the whole width (title and input bars are) is a
bubble. Its side is the edge it hugs; a box in the middle is a date or system chip. A box that
touches the top or bottom of the chat area is cut off by the screen edge and is marked `partial`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["Box", "chat_area", "find_boxes"]

#: A pixel belongs to a fill colour when every channel is within this distance (JPEG noise included).
TOLERANCE = 14
#: A colour is a candidate fill when it covers at least this share of the picture.
MIN_SHARE = 0.002
#: A bubble is at least this share of the picture's width wide and this many times the width tall ...
MIN_WIDTH = 0.07
MIN_HEIGHT = 0.025
#: ... and at least this share of its box is fill (text, even light text on dark, leaves most of it).
MIN_FILL = 0.45
#: A bubble starts within this share of the width from its edge (after the avatar, where the app draws one).
SIDE_GAP = 0.15
#: The background at the screen's edges, which tells the chat from the title and input bars, is this exact.
EDGE_TOLERANCE = 6
#: A box at least this share of the width wide is a bar (title, input), not a bubble.
BAR_WIDTH = 0.96


@dataclass(frozen=True, slots=True)
class Box:
    """A bubble or chip: pixel box (x0, y0, x1, y1), exclusive ends; its fill colour; where it sits."""

    x0: int
    y0: int
    x1: int
    y1: int
    fill: tuple[int, int, int]
    kind: str  # "left", "right" or "chip"
    partial: bool = False

    @property
    def height(self) -> int:
        return self.y1 - self.y0


def _runs(profile: NDArray[np.bool_], min_gap: int = 1) -> list[tuple[int, int]]:
    """(start, end) of the runs of True, joining runs separated by fewer than `min_gap` False."""
    idx = np.flatnonzero(np.diff(np.concatenate(([0], profile.astype(np.int8), [0]))))
    runs = [(int(a), int(b)) for a, b in zip(idx[::2], idx[1::2], strict=True)]
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] < min_gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _quantised(rgb: NDArray[np.uint8]) -> NDArray[np.int32]:
    q = (rgb >> 3).astype(np.int32)
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def _centre(code: int) -> tuple[int, int, int]:
    return (((code >> 10) & 31) * 8 + 4, ((code >> 5) & 31) * 8 + 4, (code & 31) * 8 + 4)


def _near(a: tuple[int, int, int], b: tuple[int, int, int], tol: int = TOLERANCE) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) <= tol


def _candidate_colours(codes: NDArray[np.int32], exclude: tuple[int, int, int]) -> list[tuple[int, int, int]]:
    """Colours covering large areas, most common first (coarse histogram bins), the background left out."""
    counts = np.bincount(codes.ravel(), minlength=1 << 15)
    out: list[tuple[int, int, int]] = []
    for code in np.argsort(counts)[::-1][:10]:
        if counts[code] < MIN_SHARE * codes.size:
            break
        centre = _centre(int(code))
        if _near(centre, exclude) or any(_near(centre, c) for c in out):
            continue
        out.append(centre)
    return out


def _cut(mask: NDArray[np.bool_], x0: int, y0: int, depth: int, min_w: int, min_h: int,
         out: list[tuple[int, int, int, int]]) -> None:
    """Recursive XY cut of `mask` (a window at x0, y0) into boxes of fill."""
    rows = mask.sum(axis=1) >= max(3, min_w // 3)
    for ra, rb in _runs(rows):
        if rb - ra < min_h:
            continue
        band = mask[ra:rb]
        cols = band.sum(axis=0) >= max(2, (rb - ra) // 3)
        col_runs = [(a, b) for a, b in _runs(cols, min_gap=3) if b - a >= min_w]
        if len(col_runs) == 1 and depth > 0:
            ca, cb = col_runs[0]
            sub = band[:, ca:cb]
            inner_rows = sub.sum(axis=1) >= max(3, (cb - ca) // 3)
            if len(_runs(inner_rows)) == 1:
                out.append((x0 + ca, y0 + ra, x0 + cb, y0 + rb))
                continue
        for ca, cb in col_runs:
            if depth >= 3:
                out.append((x0 + ca, y0 + ra, x0 + cb, y0 + rb))
            else:
                _cut(band[:, ca:cb], x0 + ca, y0 + ra, depth + 1, min_w, min_h, out)


def chat_area(rgb: NDArray[np.uint8], codes: NDArray[np.int32] | None = None) -> tuple[tuple[int, int, int], int, int]:
    """The background colour and the rows (top, bottom) between the app's title bar and input bar.

    Bubbles keep off the screen's edges, so the background shows in the edge columns of every chat row;
    the longest run of rows whose edges are (nearly exactly) background is the chat.
    """
    if codes is None:
        codes = _quantised(rgb)
    h, w = codes.shape
    edge = max(2, w // 70)
    margins = np.concatenate((codes[:, :edge], codes[:, -edge:]), axis=1)
    pixels = np.concatenate((rgb[:, :edge], rgb[:, -edge:]), axis=1)
    mode = int(np.argmax(np.bincount(margins.ravel(), minlength=1 << 15)))
    bg_arr = pixels[margins == mode].mean(axis=0)
    bg = (int(bg_arr[0]), int(bg_arr[1]), int(bg_arr[2]))
    near = (np.abs(pixels.astype(np.int16) - bg_arr.astype(np.int16)) <= EDGE_TOLERANCE).all(axis=2)
    rows = near.mean(axis=1) >= 0.9
    runs = _runs(rows, min_gap=max(2, h // 200))
    if not runs:
        return bg, 0, h
    top, bottom = max(runs, key=lambda r: r[1] - r[0])
    return bg, top, bottom


def _inked(rgb: NDArray[np.uint8], box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> bool:
    """Whether the middle of a box holds something other than its fill (text); avatars and icons do not."""
    x0, y0, x1, y1 = box
    dx, dy = (x1 - x0) // 5, (y1 - y0) // 5
    inner = rgb[y0 + dy:y1 - dy, x0 + dx:x1 - dx].astype(np.int16)
    if inner.size == 0:
        return False
    far = (np.abs(inner - np.array(fill, dtype=np.int16)) > 3 * TOLERANCE).any(axis=2)
    return bool(far.mean() >= 0.01)


def find_boxes(rgb: NDArray[np.uint8]) -> list[Box]:
    """Bubbles and chips on an RGB screenshot (H x W x 3, uint8), top to bottom."""
    _h, w = rgb.shape[:2]
    min_w, min_h = max(8, round(MIN_WIDTH * w)), max(8, round(MIN_HEIGHT * w))
    codes = _quantised(rgb)
    bg, top, bottom = chat_area(rgb, codes)
    area = rgb[top:bottom]
    planes = [area[..., i].astype(np.int16) for i in range(3)]
    found: list[tuple[int, int, int, int, tuple[int, int, int]]] = []
    for colour in _candidate_colours(codes[top:bottom], bg):
        mask = np.abs(planes[0] - colour[0]) <= TOLERANCE
        mask &= np.abs(planes[1] - colour[1]) <= TOLERANCE
        mask &= np.abs(planes[2] - colour[2]) <= TOLERANCE
        boxes: list[tuple[int, int, int, int]] = []
        _cut(mask, 0, 0, 0, min_w, min_h, boxes)
        for x0, y0, x1, y1 in boxes:
            if x1 - x0 >= BAR_WIDTH * w or mask[y0:y1, x0:x1].mean() < MIN_FILL:
                continue
            if any(_overlap((x0, y0 + top, x1, y1 + top), f[:4]) > 0.5 for f in found):
                continue
            if not _inked(area, (x0, y0, x1, y1), colour):
                continue
            found.append((x0, y0 + top, x1, y1 + top, colour))
    result: list[Box] = []
    for x0, y0, x1, y1, colour in sorted(found, key=lambda b: (b[1], b[0])):
        left, right = x0 / w, (w - x1) / w
        kind = ("left" if left < SIDE_GAP and left + 0.02 < right
                else "right" if right < SIDE_GAP and right + 0.02 < left else "chip")
        partial = y0 <= top + 2 or y1 >= bottom - 2
        result.append(Box(x0, y0, x1, y1, colour, kind, partial))
    return result


def _overlap(a: tuple[int, int, int, int], b: tuple[int, ...]) -> float:
    """Intersection over the smaller box."""
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return ix * iy / small if small else 0.0
