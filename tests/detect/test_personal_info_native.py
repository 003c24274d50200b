"""The personal-details pass's literal scans in C (`_automaton.Literals`, through `personal_info.Literals`)
against their Python reference (pyahocorasick and a loop over the lowercased text, `native=False`): the same
answers on every message of the evaluation chats, the benchmark corpora, strings made of the literals and the
characters around word edges, every code point lowercased as it is read, made-up literal sets; clear errors
for bad tables; no references kept or lost."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hotline.detect.chats import load
from hotline.detect.signals.candidates import _native_module
from hotline.detect.signals.personal_info import (
    _ANCHOR,
    _ASKS,
    _DIGITS,
    _OPENS,
    LENGTHENS,
    Literals,
    _lexicons,
)
from hotline.detect.text.case import lower
from tests.detect.literal_fuzz import fuzz

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval" / "chats"
BENCH = ROOT / "bench"
Keys = dict[str, tuple[int, bool, bool, int]]


def _extension() -> Any:
    module = _native_module()
    return getattr(module, "Literals", None) and module


built = pytest.mark.skipif(
    _extension() is None,
    reason="the C extension is not in use here (not built: no C compiler or HOTLINE_PURE_PYTHON=1 at install; "
           "or built from another _automaton.c): `make install` builds it")


def _both(keys: Keys) -> tuple[Literals, Literals]:
    return Literals(keys, native=False), Literals(keys, native=True)


def _lexicon_scans() -> list[tuple[Literals, Literals]]:
    lex = _lexicons()
    return [_both(lex.gate_automaton.keys), _both(lex.anchor_automaton.keys)]


def _differences(pairs: Sequence[tuple[Literals, Literals]], texts: Sequence[str]) -> list[str]:
    """The texts on which C answers otherwise than Python: `scan` of the lowercased text, and `scan_lower` of
    the text itself (which lowercases as it reads) where lowercasing keeps its length."""
    for python, native in pairs:
        assert not python.native and native.native
    differ = []
    for text in texts:
        low = lower(text)
        for python, native in pairs:
            want = python.scan(low)
            if native.scan(low) != want or (LENGTHENS not in text and (
                    native.scan_lower(text) != want or python.scan_lower(text) != want)):
                differ.append(text)
    return differ


@built
def test_the_lexicons_scan_in_c() -> None:
    lex = _lexicons()
    assert lex.gate_automaton.native and lex.anchor_automaton.native
    assert not lex.gate_automaton.twin(native=False).native


@built
def test_same_answers_on_every_message_of_the_evaluation_chats() -> None:
    texts = [m.text for path in sorted(p for p in EVAL.iterdir() if not p.name.startswith("."))
             for m in load(path).messages]
    assert len(texts) > 2500
    pairs = _lexicon_scans()
    assert _differences(pairs, texts) == []
    answers = [pairs[0][1].scan_lower(t) for t in texts]  # the comparison covers every kind of answer
    assert sum(1 for tells, _ in answers if tells & _DIGITS) > 500
    assert sum(1 for tells, _ in answers if tells & _ASKS) > 100
    assert sum(1 for _, chosen in answers if chosen) > 100
    assert any(chosen and len(chosen) > 1 for _, chosen in answers)


@built
def test_same_answers_on_the_benchmark_corpora() -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_analyze
    finally:
        sys.path.pop(0)
    pairs = _lexicon_scans()
    for kind, make in bench_analyze.CORPORA.items():
        texts = [text for _, _, text in make(3000)]
        assert _differences(pairs, texts) == [], kind


_EDGES = ["", " ", "a", "z", "A", "0", "9", "_", "-", ".", "'", "é", "\u00a0", "\u17d2", "\u17b6", "ក", "៣",
          "😀", "\U0001f600x", "\n", "x1", "s", "\u212a", "İ"]


def _fuzz(literals: Sequence[str], rng: random.Random, count: int) -> Iterator[str]:
    return fuzz(literals, rng, count, _EDGES, capitals=True)


@built
def test_same_answers_on_strings_made_of_the_literals() -> None:
    pairs = _lexicon_scans()
    literals = sorted({*pairs[0][0].keys, *pairs[1][0].keys})
    rng = random.Random(20261206)
    texts = list(_fuzz(literals, rng, 20_000))
    texts += ["", " ", "a", "0", "ក", "😀", "\x00", "a" * 5000, "1" * 5000]
    long = " ".join(rng.choices(literals, k=4000))  # thousands of places: past the scan's own room for them
    texts += [long, long + "😀", "ក" + long, long.replace(" ", "")]
    kinds = {max(map(ord, t), default=0).bit_length() for t in texts}
    assert any(k <= 8 for k in kinds) and any(8 < k <= 16 for k in kinds) and any(k > 16 for k in kinds)
    assert _differences(pairs, texts) == []
    assert sum(1 for t in texts if pairs[1][1].scan(t)[1]) > 5000
    assert sum(1 for t in texts if LENGTHENS in t) > 100 and sum(1 for t in texts if "\u212a" in t) > 100


@built
def test_every_character_is_read_as_its_lowercase() -> None:
    """`scan_lower` reads each character as `str.lower` turns it (but U+0130, which the caller lowercases
    first): every code point, beside the literals' own letters, Latin ones at word edges."""
    pairs = _lexicon_scans()
    letters = "abcdefghijklmnopqrstuvwxyzéßıǆⅰក"
    pairs.append(_both({ch: (1, i % 3 == 0, i % 4 == 0, 1 << i) for i, ch in enumerate(letters)}))
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000 and chr(c) != LENGTHENS]
    texts = ["".join(points[k:k + 40]) for k in range(0, len(points), 40)]
    texts += [f"{a}{b}line{c}" for a, b, c in zip(points[::997], points[1::997], points[2::997], strict=False)]
    assert _differences(pairs, texts) == []


@built
def test_a_literal_lowercased_by_context_is_found_in_the_lowercased_text() -> None:
    """A final capital sigma lowercases to "ς", another to "σ": the C scan cannot tell as it reads, so a
    literal holding either is looked for in the text `lower` gives."""
    python, native = _both({"σα": (2, False, False, _OPENS), "ας": (2, False, False, _ASKS)})
    assert native.scan_lower is not native._native.scan_lower
    for text in ("ΣΑ", "ΑΣ", "ΑΣ ΣΑ", "ΑΣΑ", "σα", "ας"):
        assert native.scan_lower(text) == python.scan(lower(text)) == python.scan_lower(text), text
    assert native.scan_lower("ΑΣ") == (_ASKS, None) and native.scan_lower("ΣΑ") == (_OPENS, None)


@built
def test_same_answers_for_made_up_literal_sets() -> None:
    """Literals of every kind: word edges or not, tags with and without `_ANCHOR`, some inside others; sets
    with no literal, one, and more than 65,536 automaton states."""
    rng = random.Random(5)
    vocabulary = ["ab", "abc", "bc", "b", "cd", "a", "x9", "9", "ផ្ញើ", "ញ", "ផ្ញើរូប", "😀x", "€5", "é"]
    texts = [*_fuzz(vocabulary, random.Random(6), 3000), "", "ab", " abc ", "ផ្ញើរូប"]
    tags = [_OPENS, _OPENS | _ANCHOR, _ASKS, _OPENS | _DIGITS, 0, _ANCHOR, 1 << 40]
    for n in (0, 1, 3, len(vocabulary)):
        for _ in range(6):
            keys: Keys = {w: (len(w), rng.random() < 0.5, rng.random() < 0.5, rng.choice(tags))
                          for w in rng.sample(vocabulary, n)}
            assert _differences([_both(keys)], texts) == [], keys
    many: Keys = {f"w{i:05d}zyxwv": (11, True, True, _OPENS | _ANCHOR) for i in range(12_000)}  # 73,335 states: 32-bit transitions
    words = sorted(many)
    texts = [" ".join(rng.choices(words, k=20)) for _ in range(200)] + [" ".join(words[:300]).replace(" ", "")]
    assert _differences([_both(many)], texts) == []


@built
def test_bad_tables_and_texts_are_clear_errors() -> None:
    made = _extension().Literals
    for literals, error in [
        ([("", False, False, 1)], ValueError), ([("a", False, False, -1)], ValueError),
        ([("a", False, False, 1), ("a", True, False, 2)], ValueError), ([("a", 1)], TypeError), ([1], TypeError),
        ([(b"a", False, False, 1)], TypeError), ([("a", False, False, 1 << 70)], OverflowError),
    ]:
        with pytest.raises(error):
            made(literals, _ANCHOR, "abc")
    with pytest.raises(ValueError, match="ASCII"):
        made([], _ANCHOR, "é")
    with pytest.raises(TypeError):
        made(("a", False, False, 1), _ANCHOR, "abc")
    empty = made([], _ANCHOR, "")
    assert empty.scan("abc") == (0, None) and empty.scan("") == (0, None)
    with pytest.raises(TypeError, match="str"):
        _lexicons().gate_automaton.scan(b"012")  # type: ignore[arg-type]


@built
def test_no_reference_kept_or_lost() -> None:
    """Each scan returns new answers and leaves the literals' reference counts as they were."""
    words = ["x" + "ab", "ab" + "cd", "ផ្ញើ" + "រូប", "😀" + "x"]
    scan = Literals({w: (len(w), i % 2 == 0, i % 3 == 0, _OPENS | _ANCHOR) for i, w in enumerate(words)}, native=True)
    texts = [*_fuzz(words, random.Random(9), 2000), " ".join(words * 500)]
    before = [sys.getrefcount(w) for w in words]
    answers = [scan.scan(t) for t in texts]
    assert sum(1 for _, chosen in answers if chosen) > 500
    del answers
    assert [sys.getrefcount(w) for w in words] == before
