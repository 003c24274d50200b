"""A bubble's pixels made ready for the recogniser: dark text on white, the small grey time set apart.

Every app draws text in one strong colour and the time (and delivery ticks) in a weaker one, so each
pixel's distance from the bubble's fill colour is its "ink". Outside the rounded corners lies background,
which is not ink. Glyphs whose strongest pixel is clearly weaker than the bubble's text are the meta line:
they are removed from the body image and returned as their own image, where the time is read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage

__all__ = ["BubbleInk", "gutter_ink", "separate"]

RGB = tuple[int, int, int]
#: Share of the text's ink strength below which a glyph is meta (time, ticks).
META_BELOW = 0.72
#: Line height (pixels) the recogniser reads best and fastest at; text is scaled to it (at most 2x up).
TARGET_LINE = 44
#: The same for the meta line's image (padding included): small grey digits are read better enlarged.
TARGET_META = 56


@dataclass(frozen=True, slots=True)
class BubbleInk:
    body: Image.Image | None
    meta: Image.Image | None
    scale: float


def _gray(ink: NDArray[np.float32], strength: float) -> Image.Image:
    g = np.clip(255 - ink * (255 / max(strength, 1.0)) * 1.2, 0, 255).astype(np.uint8)
    return Image.fromarray(g)


def _line_height(mask: NDArray[np.bool_]) -> int:
    """The usual height of a text line; Khmer vowels and subscripts above and below a line leave small
    gaps of empty rows, which are closed first (so a line is not taken for three thin ones)."""
    rows = mask.any(axis=1)
    idx = np.flatnonzero(np.diff(np.concatenate(([0], rows.astype(np.int8), [0]))))
    runs = [(int(a), int(b)) for a, b in zip(idx[::2], idx[1::2], strict=True)]
    if not runs:
        return 0
    gap = 0.4 * max(b - a for a, b in runs)
    merged: list[tuple[int, int]] = []
    for a, b in runs:
        if merged and a - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    heights = [b - a for a, b in merged if b - a >= 4]
    return int(np.median(heights)) if heights else 0


def _scaled(img: Image.Image, scale: float) -> Image.Image:
    if abs(scale - 1) < 0.05:
        return img
    return img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.Resampling.BILINEAR)


def separate(rgb: NDArray[np.uint8], box: tuple[int, int, int, int], fill: RGB, background: RGB,
             *, meta: bool = True) -> BubbleInk:
    """The body text and the meta line (None where there is none) of the bubble at `box`."""
    x0, y0, x1, y1 = box
    crop = rgb[y0:y1, x0:x1].astype(np.int16)
    ink = np.abs(crop - np.array(fill, dtype=np.int16)).max(axis=2).astype(np.float32)
    gap = max(abs(a - b) for a, b in zip(fill, background, strict=True))
    near_bg = np.abs(crop - np.array(background, dtype=np.int16)).max(axis=2) < max(4, min(40, gap // 2))
    labels, _ = ndimage.label(near_bg)
    border = np.unique(np.concatenate((labels[0], labels[-1], labels[:, 0], labels[:, -1])))
    outside = ndimage.binary_dilation(np.isin(labels, border[border > 0]), iterations=2)
    ink[outside] = 0
    ink[:3], ink[-3:], ink[:, :3], ink[:, -3:] = 0, 0, 0, 0
    strength = float(np.percentile(ink[ink > 20], 95)) if (ink > 20).sum() > 20 else 0.0
    if strength < 40:
        return BubbleInk(None, None, 1.0)
    marks = ink > strength * 0.35
    meta_img = None
    if meta:
        glyphs, n = ndimage.label(marks, structure=np.ones((3, 3)))
        if n:
            peaks = np.asarray(ndimage.maximum(ink, glyphs, index=np.arange(1, n + 1)))
            weak = np.flatnonzero(peaks < strength * META_BELOW) + 1
            if weak.size:
                weak_mask = np.isin(glyphs, weak)
                ys, xs = np.nonzero(weak_mask)
                # Only the bottom of the bubble holds the time; weak marks elsewhere are anti-aliasing.
                low = ys >= (ys.max() - (y1 - y0) * 0.35)
                if low.sum() > 10:
                    my0, my1 = int(ys[low].min()), int(ys[low].max()) + 1
                    mx0, mx1 = int(xs[low].min()), int(xs[low].max()) + 1
                    region = np.zeros_like(weak_mask)
                    region[my0:my1, mx0:mx1] = True
                    meta_mask = weak_mask & region
                    strong = marks & ~weak_mask
                    pad = max(4, (my1 - my0) // 2)
                    ry0, rx0 = max(0, my0 - pad), max(0, mx0 - pad)
                    sub = ink[ry0:my1 + pad, rx0:mx1 + pad].copy()
                    sub[ndimage.binary_dilation(strong, iterations=2)[ry0:my1 + pad, rx0:mx1 + pad]] = 0
                    mstrength = float(sub.max()) if sub.size else 0.0
                    if mstrength > 0:
                        meta_img = _gray(sub, mstrength)
                    ink = np.where(ndimage.binary_dilation(meta_mask, iterations=2), 0, ink)
                    marks &= ~meta_mask
    if marks.sum() < 10:
        return BubbleInk(None, meta_img, 1.0)
    height = _line_height(marks)
    scale = min(2.0, max(0.5, TARGET_LINE / height)) if height else 1.0
    body = _scaled(_gray(ink, strength), scale)
    if meta_img is not None:
        meta_img = _scaled(meta_img, min(3.0, max(1.0, TARGET_META / max(1, meta_img.height))))
    return BubbleInk(body, meta_img, scale)


def gutter_ink(rgb: NDArray[np.uint8], box: tuple[int, int, int, int], background: RGB) -> Image.Image | None:
    """Text drawn on the background in `box` (LINE writes the time beside the bubble), or None."""
    x0, y0, x1, y1 = box
    if x1 - x0 < 8 or y1 - y0 < 8:
        return None
    crop = rgb[y0:y1, x0:x1].astype(np.int16)
    ink = np.abs(crop - np.array(background, dtype=np.int16)).max(axis=2).astype(np.float32)
    marks = ink > 40
    if marks.sum() < 15:
        return None
    ys, xs = np.nonzero(marks)
    pad = 4
    sub = ink[max(0, ys.min() - pad):ys.max() + pad + 1, max(0, xs.min() - pad):xs.max() + pad + 1]
    return _gray(sub, float(sub.max()))
