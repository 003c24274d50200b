"""Repairs for what Tesseract's Khmer model commonly misreads, applied to recognised text only.

Measured on generated screenshots (bench/bench_screenshots.py, the tuned themes and fonts): the vowel U
under the independent vowel អ is read as a subscript NGA, so the everyday អូន ("you", to a younger person)
comes out as អ្ងន, អ្ងូន or អ្ងួន. A subscript NGA under អ before a consonant spells no Khmer word (one
word in a 17,000-word list has it, before the vowel AE), so it is put back. Spelling that varies in typed
text too (subscript DA and TA, a doubled nikahit) is folded later by the engine's own normalisation.
"""

from __future__ import annotations

import re

__all__ = ["repair"]

_REPAIRS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile("\u17a2\u17d2\u1784[\u17bc\u17bd]?(?=[\u1780-\u17a2])"), "\u17a2\u17bc"),  # អ្ង(ូ|ួ)ន → អូន
)


def repair(text: str) -> str:
    for pattern, replacement in _REPAIRS:
        text = pattern.sub(replacement, text)
    return text
