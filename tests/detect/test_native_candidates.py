"""The candidate stage in C (`signals/_automaton.c`) against its Python reference (`CandidateIndex(native=False)`):
the same answers on every message of the evaluation chats, the benchmark corpora, strings built from the
literals themselves and made-up indexes; and the build and record that decide whether it runs."""

from __future__ import annotations

import random
import shutil
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from hotline.detect import compilation
from hotline.detect.chats import load
from hotline.detect.signals import compiled, default_scanner
from hotline.detect.signals.candidates import (
    _TABLES_FORM,
    _TABLES_KEPT,
    _TABLES_RECORD,
    CandidateIndex,
    Literal,
    Needs,
    PhraseSet,
    _native_module,
)
from hotline.detect.signals.detector import MAX_MATCH_CHARS
from hotline.detect.signals.rules import load_cover, load_discussion, load_phrase_set, load_refusal
from hotline.detect.text.normalize import normalize
from tests.detect.literal_fuzz import fuzz
from tests.detect.test_compilation import _build, _installed, _loaded, _probe_package, needs_a_compiler
from tests.detect.test_compiled_cache import _fresh_cache

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "eval" / "chats"
BENCH = ROOT / "bench"
built = pytest.mark.skipif(
    _native_module() is None,
    reason="the candidate stage's C extension is not in use here (not built: no C compiler or "
           "HOTLINE_PURE_PYTHON=1 at install; or built from another _automaton.c): `make install` builds it")
Item = tuple[Any, tuple[str, ...], Needs, bool]


@pytest.fixture(scope="module")
def both() -> tuple[CandidateIndex[Any], CandidateIndex[Any]]:
    """The scanner's own index (its rules, then its phrase sets' phrases as `exact` items), both ways."""
    if _native_module() is None:
        pytest.skip("the C extension is not in use here")
    index = default_scanner()._index
    assert isinstance(index, CandidateIndex)
    return index.twin(native=False), index.twin(native=True)


def _differences(python: CandidateIndex[Any], native: CandidateIndex[Any], texts: Sequence[str]) -> list[str]:
    assert not python.native and native.native
    return [text for text in texts
            if native.candidates(text) != python.candidates(text) or native.any(text) != python.any(text)]


@built
def test_the_scanner_uses_the_extension(both: tuple[CandidateIndex[Any], CandidateIndex[Any]]) -> None:
    index = default_scanner()._index
    assert isinstance(index, CandidateIndex) and index.native
    assert both[0].items == both[1].items == index.items
    assert len({type(item[0]) for item in index.items}) > 1  # rules and phrase-set phrases in one index


@built
def test_same_answers_on_every_message_of_the_evaluation_chats(both: tuple[CandidateIndex[Any], CandidateIndex[Any]]) -> None:
    texts = []
    for path in sorted(p for p in EVAL.iterdir() if not p.name.startswith(".")):
        for message in load(path).messages:
            norm = normalize(message.text)
            texts += [norm, norm[:MAX_MATCH_CHARS]]
    assert len(texts) > 5000
    assert _differences(*both, texts) == []
    # the comparison covers rules found and phrase tuples, not only empty answers
    answers = [both[1].candidates(t) for t in texts]
    assert sum(1 for a in answers if a) > 1000
    assert any(phrases is not None for a in answers for _, phrases in a)


@built
def test_same_answers_on_the_benchmark_corpora(both: tuple[CandidateIndex[Any], CandidateIndex[Any]]) -> None:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_analyze
    finally:
        sys.path.pop(0)
    for kind, make in bench_analyze.CORPORA.items():
        texts = [normalize(text)[:MAX_MATCH_CHARS] for _, _, text in make(3000)]
        assert _differences(*both, texts) == [], kind


_EDGES = ["", " ", "  ", "a", "z", "0", "9", "_", "-", ".", "'", "é", "\u00a0", "\u17d2", "\u17b6", "ក", "ស",
          "😀", "\U0001f600x", "\n", "x1", "s"]


def _fuzz(literals: Sequence[str], rng: random.Random, count: int) -> Iterator[str]:
    return fuzz(literals, rng, count, _EDGES)


@built
def test_same_answers_on_strings_made_of_the_literals(both: tuple[CandidateIndex[Any], CandidateIndex[Any]]) -> None:
    keys, confirm = both[0].literals
    literals = sorted({*keys, *confirm, *both[0]._whole})
    rng = random.Random(20261205)
    texts = list(_fuzz(literals, rng, 20_000))
    texts += ["", " ", "a", "0", "ក", "😀", "\x00", "a" * (MAX_MATCH_CHARS + 50)]
    long = " ".join(rng.choices(literals, k=4000))
    texts += [long, long[:MAX_MATCH_CHARS], long + "😀", "ក" + long]
    assert len(long) > MAX_MATCH_CHARS
    assert {len(t.encode("utf-32-le")) // 4 == len(t) for t in texts} == {True}
    kinds = {max(map(ord, t), default=0).bit_length() for t in texts}
    assert any(k <= 8 for k in kinds) and any(8 < k <= 16 for k in kinds) and any(k > 16 for k in kinds)
    assert _differences(*both, texts) == []
    assert sum(1 for t in texts if both[1].candidates(t)) > 1000


def _made_up_items(rng: random.Random, vocabulary: Sequence[str], n: int) -> list[Item]:
    """Items of every kind the index tells apart: not narrowed (needs None), phrases with nothing to look for,
    searched by phrase or not, many phrases (past one 64-bit word), more than 64 items."""
    def literal() -> Literal:
        return rng.choice(vocabulary), rng.random() < 0.4, rng.random() < 0.4

    items: list[Item] = []
    for i in range(n):
        triggers = tuple(rng.sample(vocabulary, rng.randint(0, 3)))
        needs: Needs
        if rng.random() < 0.1:
            needs = None
        else:
            phrases = []
            for _ in range(rng.choice((0, 1, 2, 3, 5, 8, 70, 140)) if i % 7 else 2):
                if rng.random() < 0.05:
                    phrases.append(())
                    continue
                groups = [tuple(sorted({literal() for _ in range(rng.randint(1, 3))})) for _ in range(rng.randint(1, 3))]
                phrases.append(tuple(groups))
            needs = tuple(phrases)
        items.append(((f"item{i}",), triggers, needs, rng.random() < 0.7))
    return items


@built
def test_same_answers_for_made_up_indexes() -> None:
    rng = random.Random(7)
    latin = ["ab", "abc", "bc", "cd", "send", "sen", "end", "pic", "pics", "me", "meet", "12", "123", "x9"]
    khmer = ["ផ្ញើ", "រូប", "ផ្ញើរូប", "ជួប", "គ្នា", "ញ"]
    vocabulary = latin + khmer + ["😀x", "€5"]
    texts = [*_fuzz(vocabulary, random.Random(8), 4000), "", "ab", " abc ", "send pics", "ផ្ញើរូប"]
    checked = 0
    for n in (0, 1, 5, 63, 64, 65, 200):
        for exact in ((), range(n // 2, n)):
            items = _made_up_items(rng, vocabulary, n)
            python = CandidateIndex(items, exact=exact, native=False)
            native = CandidateIndex(items, exact=exact, native=True)
            assert _differences(python, native, texts) == [], (n, exact)
            checked += sum(1 for t in texts for _, phrases in native.candidates(t) if phrases is not None)
    assert checked > 1000  # phrase tuples were compared, not only items and Nones


@built
def test_same_answers_with_an_automaton_past_16384_states() -> None:
    """Past 16,384 states the extension's table has cells of 32 bits, not 16 (the state and its flags: a literal
    or a stem ends there); literals that end inside others (chains of outputs at one place), Latin and Khmer."""
    rng = random.Random(16385)
    letters = "abcdefghijklmnopqrstuvwxyz0123456789"
    vocabulary = sorted({"".join(rng.choices(letters, k=rng.randint(6, 14))) for _ in range(3500)}
                        | {"ផ្ញើរូបភាព", "រូបភាព", "ភាព", "pictures", "ctures", "tures", "res", "es"})
    items = _made_up_items(rng, vocabulary, 300)
    items += [((f"stem{k}",), (word,), None, False) for k, word in enumerate(vocabulary)]
    python, native = CandidateIndex(items, native=False), CandidateIndex(items, native=True)
    keys, confirm = python.literals
    literals = {*keys, *confirm, *python._whole}
    assert len({text[:end] for text in literals for end in range(1, len(text) + 1)}) > 16384  # the trie's states
    texts = [*_fuzz(vocabulary, random.Random(9), 3000), "", "pictures", "ផ្ញើរូបភាព", " ".join(vocabulary)]
    texts += ["ក" + " ".join(rng.choices(vocabulary, k=3000)) + "😀"]
    assert _differences(python, native, texts) == []
    assert sum(1 for t in texts if native.candidates(t)) > 1000
    assert all(native.any(w) for w in vocabulary)


@built
def test_same_answers_for_latin1_literals_in_1_byte_and_wider_texts() -> None:
    """A 1-byte text walks a table of the symbols below U+0100 only (its other columns are never read): literals
    with Latin-1 letters, found in a 1-byte text and in the same text made 2- or 4-byte by one character more."""
    vocabulary = ["café", "ñandú", "ÿ2", "\u00a0x", "é", "ab", "abc", "naïve", "ផ្ញើ", "€5", "😀x"]
    items = _made_up_items(random.Random(256), vocabulary, 90)
    python, native = CandidateIndex(items, native=False), CandidateIndex(items, native=True)
    latin1 = [t for t in _fuzz(vocabulary, random.Random(257), 3000) if t.isascii() or max(map(ord, t)) < 256]
    texts = latin1 + [t + "ក" for t in latin1] + [t + "😀" for t in latin1] + ["", "CAFÉ café", "ÿ" * 300]
    assert sum(1 for t in latin1 if not t.isascii()) > 300
    assert _differences(python, native, texts) == []
    assert sum(1 for t in texts if native.candidates(t)) > 1000


@built
def test_a_phrase_set_index_answers_the_same() -> None:
    texts = []
    for path in sorted(EVAL.glob("*.txt"))[:80]:
        texts += [normalize(m.text)[:MAX_MATCH_CHARS] for m in load(path).messages]
    sets = [s for s in (load_cover(), load_discussion(), load_refusal(), load_phrase_set("fear")) if s is not None]
    assert sets
    for phrases in sets:
        assert isinstance(phrases, PhraseSet)
        python = CandidateIndex(phrases.items(0), native=False)
        native = CandidateIndex(phrases.items(0), native=True)
        assert _differences(python, native, texts) == []


@built
def test_the_tables_come_back_from_the_cache_and_a_damaged_entry_is_made_afresh(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vocabulary = ["ab", "abc", "send", "pics", "me", "ផ្ញើ", "រូប"]
    texts = [*_fuzz(vocabulary, random.Random(12), 2000), "", "send pics", "ផ្ញើរូប"]
    items = _made_up_items(random.Random(11), vocabulary, 70)
    python = CandidateIndex(items, native=False)
    _fresh_cache(monkeypatch, tmp_path)
    made = CandidateIndex(items, native=True)  # no tables kept yet: made, and kept
    assert made._built and _differences(python, made, texts) == []
    _fresh_cache(monkeypatch, tmp_path)
    kept = compiled.record(_TABLES_RECORD)
    assert list(kept.values()) == [{"form": _TABLES_FORM, **made._native_tables()}]
    again = CandidateIndex(items, native=True)
    assert not again._built  # answered from the kept tables
    assert _differences(python, again, texts) == []
    # other items, other tables; a damaged entry is made afresh; only the latest few indexes are kept
    other = CandidateIndex(_made_up_items(random.Random(13), vocabulary, 70), native=True)
    assert other._built and len(compiled.record(_TABLES_RECORD)) == 2
    digest = next(iter(kept))
    compiled.store(_TABLES_RECORD, {digest: {**kept[digest], "literals": [("ab", (), 0, 0, 0, 10**6)]}})
    damaged = CandidateIndex(items, native=True)
    assert damaged._built and _differences(python, damaged, texts) == []
    for seed in range(20):
        CandidateIndex(_made_up_items(random.Random(seed), vocabulary, 5), native=True)
    assert len(compiled.record(_TABLES_RECORD)) == _TABLES_KEPT


@built
def test_same_answers_past_the_kept_pairs() -> None:
    """More distinct (item, phrases) answers than the extension keeps made: the rest are made afresh."""
    rng = random.Random(5)
    vocabulary = [f"w{k}" for k in range(40)]
    items: list[Item] = [((f"item{i}",), (f"w{i % 40}",),
                          tuple(((( rng.choice(vocabulary), False, False),),) for _ in range(6)), True)
                         for i in range(400)]
    texts = [" ".join(rng.sample(vocabulary, rng.randint(1, 12))) for _ in range(6000)]
    python, native = CandidateIndex(items, native=False), CandidateIndex(items, native=True)
    assert _differences(python, native, texts) == []
    pairs = {(item, phrases) for t in texts for item, phrases in native.candidates(t) if phrases is not None}
    assert len(pairs) > 2048

def test_the_extension_runs_only_while_built_from_this_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTLINE_PURE_PYTHON", raising=False)
    source = tmp_path / compilation.NATIVE
    source.parent.mkdir()
    shutil.copy(ROOT / "hotline" / "detect" / compilation.NATIVE, source)
    assert not compilation.native_current(tmp_path)
    compilation.record_native(tmp_path, tmp_path)
    assert not compilation.native_current(tmp_path)  # recorded, but no extension there
    source.with_name("_automaton" + sysconfig.get_config_var("EXT_SUFFIX")).write_bytes(b"")
    assert compilation.native_current(tmp_path)
    assert compilation.status(tmp_path).endswith("; the candidate stage runs in C")
    monkeypatch.setenv("HOTLINE_PURE_PYTHON", "1")
    assert not compilation.native_current(tmp_path)
    monkeypatch.delenv("HOTLINE_PURE_PYTHON")
    with source.open("a", encoding="utf-8") as fh:
        fh.write("/* edited after the build */\n")
    assert not compilation.native_current(tmp_path)
    assert "its C source changed after it was built" in compilation.status(tmp_path)
    source.unlink()  # an installed wheel carries the extension and its record, not the source
    assert compilation.native_current(tmp_path)


def test_asking_for_the_extension_where_it_is_not_in_use_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_PURE_PYTHON", "1")
    items: list[Item] = [("a", ("ab",), None, False)]
    assert not CandidateIndex(items).native
    with pytest.raises(RuntimeError, match="not built"):
        CandidateIndex(items, native=True)


@pytest.mark.slow
@needs_a_compiler
def test_the_build_makes_the_extension_beside_mypycs_and_survives_its_failure(tmp_path: Path) -> None:
    detect = _probe_package(tmp_path)
    (detect / "signals").mkdir()
    (detect / "signals" / "__init__.py").write_text("")
    source = detect / compilation.NATIVE
    shutil.copy(ROOT / "hotline" / "detect" / compilation.NATIVE, source)
    build = _build(tmp_path, HOTLINE_PURE_PYTHON="0")
    assert "built the candidate stage in C" in build.stderr and "compiled 1 of the engine's 1" in build.stderr
    extension = [p for p in _installed(tmp_path) if p.parent == source.parent]
    assert len(extension) == 1 and (detect / compilation.NATIVE_RECORD).is_file()
    assert _loaded(tmp_path)[1] == "the engine runs compiled with mypyc (1 of 1 hot modules); the candidate stage runs in C"
    assert "up to date" in _build(tmp_path, HOTLINE_PURE_PYTHON="0").stderr

    with source.open("a", encoding="utf-8") as fh:
        fh.write("/* edited after the build */\n")
    assert _loaded(tmp_path)[1].endswith("its C source changed after it was built")
    assert "up to date" not in _build(tmp_path, HOTLINE_PURE_PYTHON="0").stderr  # built again from the edited source
    assert _loaded(tmp_path)[1].endswith("; the candidate stage runs in C")

    with source.open("a", encoding="utf-8") as fh:
        fh.write("this is not C\n")
    build = _build(tmp_path, HOTLINE_PURE_PYTHON="0")
    assert "the candidate stage stays Python" in build.stderr and "compiled 1 of the engine's 1" in build.stderr
    assert not [p for p in _installed(tmp_path) if p.parent == source.parent]
    assert not (detect / compilation.NATIVE_RECORD).exists()
    assert _loaded(tmp_path)[1].endswith("; the candidate stage runs as Python")

    _build(tmp_path, HOTLINE_PURE_PYTHON="1")
    assert not _installed(tmp_path) and not (detect / compilation.NATIVE_RECORD).exists()
