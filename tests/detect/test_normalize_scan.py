"""`normalize._scan` (compiled, one loop over a Khmer text) stands for regexes and `unicodedata`'s NFC check,
and `_collapse_runs` (compiled) for the letter-run regex: their answers must be the regexes', on fuzzed text of
every kind, and `normalize` must give the plain way's form with the loops as it does without them."""

from __future__ import annotations

import importlib
import random
import sys
import unicodedata

import pytest

from hotline.detect.text.khmer import SPELLING_MARKS, SPELLING_RE

N = importlib.import_module("hotline.detect.text.normalize")  # the package names the function

PIECES = [
    *"aesxA?,.1 \t", "ផ្ញើ", "រ", "ផ្ញើរ", "ផ្ញើរូប", "ម្ដាយ", "ំុ", "ំំ", "ៗ", "េី", "េា", "ក", "កក", "ទ", "ទូរសព្ទ",
    "អោយ", "ឲ", "១", "០០", "ញើ", "អោ", "សព", "\u17dd\u17d2", "\u17d2\u17dd", "\u17b4", "é", "e\u0301", "😀",
    "\u19e0", "\u19ff", "\u1a00", "\u177f", "\u1800", "\u200b", "\u00a0", "’", "İ", "ﬁ", "\u0344", "សួស្តី",
    "good", "Hellooo", "pleeease", "s3x", "n00dz", "n.u.d.e", "s e x", "s*x", "lol...", "zz", "aAa",
]


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 14))) for _ in range(count)]


@pytest.mark.parametrize("seed", range(3))
def test_scan_tells_what_the_regexes_and_the_nfc_check_find(seed: int) -> None:
    for text in _texts(seed, 20_000):
        facts = N._scan(text)
        assert facts & N._KNOWN
        assert bool(facts & N._PLAIN) == (N._NOT_PLAIN_KHMER.search(text) is None), text
        assert bool(facts & N._THREE) == (N._THREE_ALIKE.search(text) is not None), text
        if SPELLING_RE.search(text) is not None:
            assert facts & N._FOLD, text
        if not facts & N._ASK_NFC:
            assert unicodedata.is_normalized("NFC", text), text


@pytest.mark.parametrize("seed", range(3))
def test_runs_collapse_as_the_regex_collapses_them(seed: int) -> None:
    rnd = random.Random(seed)
    for _ in range(20_000):
        text = "".join(rnd.choice("aabbeo zZ.-1\u1780\u1780é") for _ in range(rnd.randint(0, 14)))
        assert N._collapse_runs(text) == N._REPEAT_LATIN.sub(r"\1", text), text


def test_marks_out_of_order_ask_for_nfc() -> None:
    assert N._scan("\u1780\u17dd\u17d2") & N._ASK_NFC  # classes 230 then 9: NFC reorders them
    assert not N._scan("\u1780\u17d2\u17dd") & N._ASK_NFC
    assert N._scan("e\u0301") & N._ASK_NFC  # outside the ranges


def test_the_ranges_need_no_composition() -> None:
    """Without `_ASK_NFC`, a text is taken as NFC when its combining classes are in order: so no character
    of the ranges may be the second of a canonical decomposition into two (what composes: quick check
    "maybe"), and every class of theirs has a rank."""
    ranged = {c for first, end in N._TABLE_RANGES for c in range(first, end)}
    for cp in range(sys.maxunicode + 1):
        d = unicodedata.decomposition(chr(cp)).split()
        if len(d) == 2 and not d[0].startswith("<"):
            assert int(d[1], 16) not in ranged, hex(cp)
    for c in ranged:
        cc = unicodedata.combining(chr(c))
        assert cc == 0 or cc in N._CLASS_RANKS


def test_every_fold_holds_its_mark() -> None:
    for text in ["ផ្ញើរ", "អោយ", "ទូរសព្ទ", "ម្ដាយ", "ំុ", "ំំ", "េី", "េា", "ឲ"]:
        assert SPELLING_RE.search(text) is not None
        assert any(m in text for m in SPELLING_MARKS)
        assert N._scan(text) & N._FOLD, text


@pytest.mark.parametrize("seed", range(3))
def test_normalize_with_the_scan_gives_the_plain_form(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Interpreted, `normalize` asks the regexes; with the scan's facts (as compiled) it must give the same
    form as every step over the whole text, first and second time a word is seen."""
    monkeypatch.setattr(N, "COMPILED", True)
    monkeypatch.setattr(N, "_WORDS", {})
    for text in _texts(100 + seed, 4000):
        expected = N.normalize_mapped(text)[0]
        assert N.normalize(text) == expected, text
        assert N.normalize(text) == expected, text


@pytest.mark.parametrize("seed", range(3))
def test_ascii_scan_tells_what_the_regexes_find(seed: int) -> None:
    """`_ascii_scan` (compiled, one loop) stands for four regexes of the in-word steps: every answer theirs."""
    rnd = random.Random(200 + seed)
    for _ in range(20_000):
        text = "".join(rnd.choice("abxzAZ0134579@$.-_*#'!? \t\né\u1780") for _ in range(rnd.randint(0, 14)))
        facts = N._ascii_scan(text)
        assert bool(facts & N._NOT_LETTER) == (N._NOT_LETTER_OR_SPACE.search(text) is not None), text
        assert bool(facts & N._BROKEN_MARK) == (N._BROKEN_NEEDS.search(text) is not None), text
        assert bool(facts & N._LEET_MARK) == (N._LEET_NEEDS.search(text) is not None), text
        assert bool(facts & N._LONE) == (N._LONE_LETTER.search(text) is not None), text


@pytest.mark.parametrize("seed", range(3))
def test_snippets_kept_whole_as_the_checks_keep_them(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """`_spaced_plainly`'s loop (compiled) answers as `isprintable` and the three space checks do."""
    monkeypatch.setattr(N, "COMPILED", True)
    rnd = random.Random(300 + seed)
    for _ in range(20_000):
        text = "".join(rnd.choice(["a", "ok", " ", " ", "  ", "\t", "\n", "\x7f", "\x1f", "~", "é", "\xa0", "😀",
                                   "\u2028", "ក"]) for _ in range(rnd.randint(0, 8)))
        assert N._spaced_plainly(text) == (text.isprintable() and "  " not in text and not text.startswith(" ")
                                           and not text.endswith(" ")), repr(text)


@pytest.mark.parametrize("compiled", [False, True])
def test_a_text_first_seen_keeps_the_words_a_second_sight_finds(compiled: bool,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A text's words learned in one go (`_learned_form`) give the form and the kept words (`last_words`)
    that reading them all kept (`_from_kept`) gives, and the plain way's form."""
    monkeypatch.setattr(N, "COMPILED", compiled)
    monkeypatch.setattr(N, "_WORDS", {})
    for text in _texts(400 + compiled, 4000):
        first = N.normalize(text)
        words = N.last_words(first)
        second = N.normalize(text)
        assert first == second == N.normalize_mapped(text)[0], text
        again = N.last_words(second)
        assert (words is None) == (again is None), text
        if words is not None and again is not None:
            assert [id(w) for w in words] == [id(w) for w in again], text
