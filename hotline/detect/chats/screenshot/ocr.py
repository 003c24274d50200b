"""Text from a bubble's pixels with Tesseract (Debian's engine and trained data, through tesserocr).

tesserocr keeps one engine per language loaded for the life of the process (loading one costs ~0.1 s;
`bench/bench_screenshots.py` compares it with pytesseract's process per image). Engines are not
thread-safe, so each thread gets its own. A bubble is read once in the language most of the screen's lines
were in so far; any line read with low confidence is read again in the other (Khmer script and Latin
share a screen, rarely a line), and the likelier reading is kept, so the language is chosen per line.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from hotline.detect.errors import HotlineError
from hotline.detect.text.khmer import KHMER_DIGITS

__all__ = ["Line", "OCRUnavailable", "available", "read_lines"]

#: Below this confidence (0-100) an English reading of a line is checked against a Khmer one.
RETRY_BELOW = 88.0
#: The same for a Khmer reading (the Khmer model is less sure of right readings too).
KHMER_RETRY_BELOW = 70.0
_TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                  "/usr/share/tessdata", "/usr/local/share/tessdata")
_KHMER = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
#: Khmer digits count as Latin here: the Khmer model reads Latin digits as them.


class OCRUnavailable(HotlineError):
    """Tesseract (tesserocr, or Debian's tesseract-ocr-eng / -khm data) is not installed."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text in a bubble: what was read, how sure (0-1), where, and in which language."""

    text: str
    confidence: float
    box: tuple[int, int, int, int]
    language: str
    words: tuple[tuple[str, float, tuple[int, int, int, int]], ...] = ()


def _tessdata() -> str | None:
    env = os.environ.get("TESSDATA_PREFIX")
    for d in ((env,) if env else ()) + _TESSDATA_DIRS:
        if d and (Path(d) / "eng.traineddata").is_file():
            return d
    return None


_local = threading.local()


def _engine(lang: str, psm: int) -> Any:
    """This thread's engine for `lang` and page-segmentation mode `psm`, loaded once."""
    engines: dict[tuple[str, int], Any] = _local.__dict__.setdefault("engines", {})
    key = (lang, psm)
    if key not in engines:
        try:
            import tesserocr
        except ImportError as exc:
            raise OCRUnavailable("reading screenshots needs tesserocr (pip install tesserocr)") from exc
        path = _tessdata()
        if path is None or not all((Path(path) / f"{code}.traineddata").is_file() for code in lang.split("+")):
            raise OCRUnavailable(f"reading screenshots needs Tesseract's {lang} data "
                                 "(Debian: apt-get install tesseract-ocr-eng tesseract-ocr-khm)")
        engines[key] = tesserocr.PyTessBaseAPI(path=path, lang=lang, psm=psm, oem=tesserocr.OEM.LSTM_ONLY)
    return engines[key]


def available() -> bool:
    """Whether screenshots can be read here (tesserocr and the English and Khmer data)."""
    try:
        _engine("eng", 6)
        _engine("khm", 7)
    except OCRUnavailable:
        return False
    return True


def _recognise(img: Image.Image, lang: str, psm: int) -> list[Line]:
    import tesserocr

    api = _engine(lang, psm)
    api.SetImage(img)
    api.Recognize()
    lines: list[Line] = []
    it = api.GetIterator()
    level_line, level_word = tesserocr.RIL.TEXTLINE, tesserocr.RIL.WORD
    words: list[tuple[str, float, tuple[int, int, int, int]]] = []
    line_box: tuple[int, int, int, int] | None = None
    line_conf = 0.0
    if it is None:
        return lines
    while True:
        if it.IsAtBeginningOf(level_line):
            if words and line_box is not None:
                lines.append(Line(" ".join(w[0] for w in words), line_conf / 100, line_box, lang, tuple(words)))
            words = []
            box = it.BoundingBox(level_line)
            line_box = tuple(box) if box else None
            line_conf = float(it.Confidence(level_line))
        try:
            text = it.GetUTF8Text(level_word)
        except RuntimeError:  # an empty word box
            text = ""
        if text and text.strip():
            wb = it.BoundingBox(level_word)
            words.append((text.strip(), float(it.Confidence(level_word)) / 100, tuple(wb)))
        if not it.Next(level_word):
            break
    if words and line_box is not None:
        lines.append(Line(" ".join(w[0] for w in words), line_conf / 100, line_box, lang, tuple(words)))
    api.Clear()
    return lines


def _reread(img: Image.Image, ln: Line, lang: str) -> Line | None:
    """Line `ln` of `img` read again, alone, in `lang`."""
    x0, y0, x1, y1 = ln.box
    pad = max(2, (y1 - y0) // 4)
    ox, oy = max(0, x0 - pad), max(0, y0 - pad)
    found = _recognise(img.crop((ox, oy, min(img.width, x1 + pad), min(img.height, y1 + pad))), lang, 7)
    if not found:
        return None
    words = tuple((t, c, (b[0] + ox, b[1] + oy, b[2] + ox, b[3] + oy)) for f in found for t, c, b in f.words)
    conf = sum(f.confidence for f in found) / len(found)
    return Line(" ".join(f.text for f in found), conf, ln.box, lang, words)


def _better(first: Line, second: Line | None) -> Line:
    """The likelier of two readings of one line; a reading in Khmer script wins near-ties."""
    if second is None:
        return first
    khmer = second if second.language == "khm" else first
    other = first if khmer is second else second
    if not _KHMER.search(khmer.text):
        return other if other.confidence >= khmer.confidence - 0.1 else khmer
    return khmer if khmer.confidence >= other.confidence - 0.05 else other


def _latin_words(img: Image.Image, ln: Line) -> Line:
    """A Khmer line's words that are mostly not Khmer letters (a name, an app, a number) read again in English."""
    words = list(ln.words)
    changed = False
    for i, (text, conf, box) in enumerate(words):
        plain = text.translate(KHMER_DIGITS)
        if len(_KHMER.findall(plain)) * 2 >= len(plain):
            continue
        x0, y0, x1, y1 = box
        pad = max(2, (y1 - y0) // 4)
        crop = img.crop((max(0, x0 - pad), max(0, y0 - pad), min(img.width, x1 + pad), min(img.height, y1 + pad)))
        found = _recognise(crop, "eng", 8)
        if found and found[0].confidence >= max(0.6, conf):
            words[i] = (found[0].text, found[0].confidence, box)
            changed = True
    if not changed:
        return ln
    return Line(" ".join(w[0] for w in words), ln.confidence, ln.box, ln.language, tuple(words))


def read_lines(img: Image.Image, *, retry: bool = True, first: str = "eng") -> list[Line]:
    """The lines of text in a bubble image (dark text on light, grayscale), each in its likelier language.

    `first` is the language tried first (the one most lines so far were in); a line it reads with low
    confidence is read again in the other. `retry=False` reads English only (times, dates)."""
    lang = first if retry else "eng"
    other = "khm" if lang == "eng" else "eng"
    threshold = RETRY_BELOW if lang == "eng" else KHMER_RETRY_BELOW
    out: list[Line] = []
    for ln in _recognise(img, lang, 6):
        sure = ln.confidence * 100 >= threshold and (lang == "eng" or bool(_KHMER.search(ln.text)))
        chosen = ln if not retry or sure else _better(ln, _reread(img, ln, other))
        out.append(_latin_words(img, chosen) if retry and chosen.language == "khm" else chosen)
    return [Line(ln.text, ln.confidence, ln.box, "en" if ln.language == "eng" else "km", ln.words) for ln in out]
