"""The segmenter's own reading of khmercut's CRF model (`segment._Model`: the file's hash tables, weights and
crfsuite's Viterbi) against pycrfsuite's tagger on the same model: the same tags on every run."""

from __future__ import annotations

import random
import struct
from importlib import resources

import khmercut

from hotline.detect.text import segment
from hotline.detect.text.segment import _KCC, _MODEL, _RUN, _crf, _features, _model

LETTERS = [chr(c) for c in range(0x1780, 0x17D4)] + ["\u17dd"]


def _real_runs() -> list[str]:
    """Runs of Khmer letters from the packaged Khmer lexicons (words and phrases as people write them)."""
    runs: list[str] = []
    folder = resources.files("hotline.detect") / "lexicons" / "km"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith((".txt", ".json")):
            runs.extend(_RUN.findall(entry.read_text(encoding="utf-8")))
    joined = ["".join(runs[i:i + 5]) for i in range(0, len(runs), 5)]  # longer runs too
    return runs + joined


def _random_runs(count: int, longest: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(LETTERS) for _ in range(rnd.randint(1, longest))) for _ in range(count)]


def _pycrfsuite_starts(kccs: list[str]) -> list[bool]:
    return [tag == "1" for tag in khmercut.load().tag(_features(kccs))]


def test_model_is_read() -> None:
    assert _model() is not None


def test_tags_are_pycrfsuites_on_real_runs() -> None:
    model = _model()
    assert model is not None
    runs = _real_runs()
    assert len(runs) > 500
    for run in runs:
        kccs = _KCC.findall(run)
        assert model.starts(_features(kccs)) == _pycrfsuite_starts(kccs), run


def test_tags_are_pycrfsuites_on_random_runs() -> None:
    model = _model()
    assert model is not None
    for run in _random_runs(1500, 12, 1) + _random_runs(300, 90, 2):
        kccs = _KCC.findall(run)
        assert model.starts(_features(kccs)) == _pycrfsuite_starts(kccs), run


def test_words_are_khmercuts_on_other_text() -> None:
    for text in ["ខ្ញុំ១២៣ក", "ខ្ញុំ ok", "ម៉ោង៧ព្រឹក។", "abc", "ក\x00ខ", "ខ្លួន\x00ឯង"]:
        assert _crf(text) == [w for w in khmercut.tokenize(text) if w], text


def test_attribute_numbers_are_the_files() -> None:
    """The lookup3 hash and the open-addressed tables find every attribute the file lists (one in 53) by its
    name, and no name the model does not hold."""
    model = _model()
    assert model is not None
    data = model.data
    size, offset = struct.unpack_from("<II", data, model.attrs + 16)
    assert size > 100_000
    for aid in range(0, size, 53):
        at = model.attrs + struct.unpack_from("<I", data, model.attrs + offset + 4 * aid)[0]
        length = struct.unpack_from("<I", data, at + 4)[0]
        assert model._aid(bytes(data[at + 8:at + 7 + length])) == aid
    for name in [b"", b"kcc:", b"no such attribute", "kcc:\u17a0\u17a0\u17a0\u17a0\u17a0".encode() * 3]:
        assert model._aid(name) == -1


def test_pycrfsuite_when_the_model_cannot_be_read() -> None:
    """With no model of its own (a file laid out otherwise), the segmenter tags with pycrfsuite: same words."""
    runs = _random_runs(100, 30, 3)
    expected = [_crf(run) for run in runs]
    kept = _MODEL[:]
    try:
        _MODEL[:] = [None]
        assert segment._model() is None
        assert [_crf(run) for run in runs] == expected
    finally:
        _MODEL[:] = kept
