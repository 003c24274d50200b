"""The segmenter's own ways to khmercut's CRF input (clusters by one regex, attributes built from per-cluster
tables) against khmercut's own functions, on varied runs of Khmer letters."""

from __future__ import annotations

import random

import khmercut

from hotline.detect.text.segment import _KCC, _crf, _features

#: Khmer letters as the segmenter's runs hold them (U+1780-U+17D3 and U+17DD).
LETTERS = [chr(c) for c in range(0x1780, 0x17D4)] + ["\u17dd"]
RUNS = ["ខ្ញុំស្រលាញ់ខ្លួនឯង", "បងចង់ឃើញខ្លួនអូនស្អាតណាស់កុំប្រាប់ម៉ាក់ប៉ាណា", "ក", "្ក", "ា", "ក្្ក", "អាកាសធាតុអំណោយផល",
        "ក្រសួងអប់រំយុវជននិងកីឡាបានប្រកាសលទ្ធផលប្រឡងសញ្ញាបត្រមធ្យមសិក្សាទុតិយភូមិ", "ឥឡូវ", "ឪពុក", "ស្ត្រី"]


def _random_runs(count: int, longest: int) -> list[str]:
    rnd = random.Random(20261205)
    return [
        "".join(rnd.choice(LETTERS) for _ in range(rnd.randint(1, longest))) for _ in range(count)
    ]


def _khmercut_attributes(kccs: list[str]) -> list[list[bytes]]:
    """What the tagger reads from khmercut's own feature dicts: "name:value" for a text value, the name
    for a true flag, nothing for a false one (it would add weight times 0)."""
    out = []
    for i in range(len(kccs)):
        item = []
        for name, value in khmercut.kcc_to_features(kccs, i).items():
            if isinstance(value, str):
                item.append(f"{name}:{value}".encode())
            elif value:
                item.append(name.encode())
        out.append(item)
    return out


def test_clusters_are_khmercuts() -> None:
    for run in RUNS + _random_runs(3000, 14):
        assert _KCC.findall(run) == khmercut.seg_kcc(run), run


def test_attributes_are_khmercuts_in_order() -> None:
    for run in RUNS + _random_runs(300, 20):
        kccs = khmercut.seg_kcc(run)
        assert _features(kccs) == _khmercut_attributes(kccs), run


def test_words_are_khmercuts_on_random_runs() -> None:
    for run in _random_runs(200, 24):
        assert _crf(run) == [w for w in khmercut.tokenize(run) if w], run


def test_text_other_than_letters_is_cut_as_khmercut_cuts_it() -> None:
    for text in ["ខ្ញុំ១២៣ក", "ខ្ញុំ ok", "ម៉ោង៧ព្រឹក។"]:
        assert _crf(text) == [w for w in khmercut.tokenize(text) if w], text
