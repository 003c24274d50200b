"""Khmer script facts the matcher needs: the script range, digits, and spelling that varies but means the same.

Khmer is written without spaces between words, so patterns match Khmer at character level on the normalised
string. Two things make the same word look different in chats: a subscript DA and subscript TA are drawn
alike (ម្ដាយ / ម្តាយ "mother") and people type either; and the vowel U and the nikahit are often typed in
the wrong order (ុំ / ំុ); and a few words are commonly misspelt (ផ្ញើរ, អោយ). Normalisation folds these so
one pattern covers every spelling.
"""

from __future__ import annotations

import re

#: Khmer letters, signs and digits (U+1780..U+17FF) and Khmer symbols (U+19E0..U+19FF).
KHMER_CHAR = "\u1780-\u17ff\u19e0-\u19ff"
KHMER_RE = re.compile(f"[{KHMER_CHAR}]")

#: ០..៩ → 0..9 (also the Lek Attak numerals used for lunar dates, U+17F0..U+17F9).
KHMER_DIGITS: dict[int, str] = {0x17E0 + i: str(i) for i in range(10)} | {0x17F0 + i: str(i) for i in range(10)}

COENG = "\u17d2"
_SPELLING_FOLDS: tuple[tuple[str, str], ...] = (
    (COENG + "\u178a", COENG + "\u178f"),  # subscript DA → subscript TA (ម្ដាយ → ម្តាយ)
    ("\u17c6\u17bb", "\u17bb\u17c6"),      # nikahit typed before vowel U (ំុ → ុំ)
    ("\u17c6\u17c6", "\u17c6"),            # doubled nikahit
    ("\u17c1\u17b8", "\u17be"),            # េ + ី typed for ើ (ផ្ញេី → ផ្ញើ)
    ("\u17c1\u17b6", "\u17c4"),            # េ + ា typed for ោ
    ("\u17b2", "\u17b1"),                  # ឲ (QOO type two) → ឱ: both spell ឱ្យ "give / let"
)
#: ផ្ញើរ: "send" misspelt with a stray RO. Not when the RO carries a vowel (the next syllable, ផ្ញើរូប), and
#: `normalize` keeps it where the RO starts the next word (ផ្ញើ + របស់ "send yours"); `fold_spelling` folds
#: single words and does not look.
SEND_MISSPELT = "\u1795\u17d2\u1789\u17be\u179a"
#: Common misspellings of whole words: ផ្ញើរ "send" (see above), អោយ for ឱ្យ, ទូរសព្ទ for ទូរស័ព្ទ "phone".
_WORD_FOLDS: tuple[tuple[str, str, str], ...] = (
    (SEND_MISSPELT, "(?![\u17b6-\u17d3])", "\u1795\u17d2\u1789\u17be"),
    ("\u17a2\u17c4\u1799", "", "\u17b1\u17d2\u1799"),
    ("\u1791\u17bc\u179a\u179f\u1796\u17d2\u1791", "", "\u1791\u17bc\u179a\u179f\u17d0\u1796\u17d2\u1791"),
)
#: Per alternative of `SPELLING_RE`, one or two characters in a row that every match of it holds: a text without
#: one of these has nothing to fold. The rarest pair of a word (in Khmer text: ផ្ញើ "send" is common, ញើ in it
#: less so than ផ្; អោ is the misspelling itself; ស then ព, without the ័ between them).
SPELLING_MARKS: tuple[str, ...] = (
    "\u1789\u17be", "\u17a2\u17c4", "\u179f\u1796", *(a[:2] for a, _ in _SPELLING_FOLDS))
if any(m not in w for m, w in zip(SPELLING_MARKS, [w for w, _, _ in _WORD_FOLDS] + [a for a, _ in _SPELLING_FOLDS],
                                  strict=True)):  # pragma: no cover - guards the marks
    raise RuntimeError("each spelling fold needs a mark that its words hold")
SPELLING_RE = re.compile("|".join(
    [re.escape(w) + guard for w, guard, _ in _WORD_FOLDS] + [re.escape(a) for a, _ in _SPELLING_FOLDS]
))
SPELLING_MAP: dict[str, str] = dict(_SPELLING_FOLDS) | {w: r for w, _, r in _WORD_FOLDS}
#: The folds that lengthen what they replace (ទូរសព្ទ → ទូរស័ព្ទ): normalised text containing none of these
#: was not lengthened by a fold (see `normalize.maps_in_place`).
LENGTHENED: tuple[str, ...] = tuple(r for w, r in SPELLING_MAP.items() if len(r) > len(w))

#: Khmer characters that carry no sound or are invisible (inherent vowels AQ/AA, deprecated).
INVISIBLE: str = "\u17b4\u17b5"


def has_khmer(text: str) -> bool:
    """True when the text contains any Khmer character (ASCII text, most of it, answered without a search)."""
    return not text.isascii() and KHMER_RE.search(text) is not None


def fold_spelling(text: str) -> str:
    """Fold Khmer spelling variants that look identical on screen (see module docstring)."""
    return SPELLING_RE.sub(lambda m: SPELLING_MAP[m.group(0)], text)
