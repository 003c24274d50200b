"""The segmenter's own ways to khmercut's CRF input (clusters by one regex, attributes built from per-cluster
tables) against khmercut's own functions, on varied runs of Khmer letters."""

from __future__ import annotations

import random

import khmercut

from hotline.detect.text.segment import _KCC, REACH, _clusters, _crf, _features, default_segmenter, word_ends

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


def test_cluster_loop_is_the_regex() -> None:
    """`_clusters` (a compiled loop) cuts every run as `_KCC` does: coengs, stacked and leading, included."""
    for run in RUNS + _random_runs(3000, 14) + ["្", "្្", "ក្", "្ក្ក", "ា្ក", "ក្ក្ក្ក"]:
        assert _clusters(run) == _KCC.findall(run), run


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


def _plain_word_ends(text: str, start: int, reach: int = REACH) -> list[int]:
    """The definition, character by character: every place around a character that is not a Khmer letter,
    and the word edges of each run of letters segmented from its start (a run cut by the reach loses its
    last edge)."""
    def letter(ch: str) -> bool:
        return "\u1780" <= ch <= "\u17d3" or ch == "\u17dd"

    stop = min(len(text), start + reach)
    ends: set[int] = set()
    pos = start
    while pos < stop:
        if not letter(text[pos]):
            ends.update((pos, pos + 1))
            pos += 1
            continue
        end = pos
        while end < stop and letter(text[end]):
            end += 1
        cut = end == stop and end < len(text) and letter(text[end])
        edges, n = [0], 0
        for word in default_segmenter().split(text[pos:end]):
            n += len(word)
            edges.append(n)
        ends.update(pos + e for e in (edges[:-1] if cut else edges))
        pos = end
    return sorted(e for e in ends if e > start)


def test_word_ends_are_the_plain_walk() -> None:
    rnd = random.Random(5)
    pieces = [*RUNS, " ", "ok ", "123", "។", "\u200b", "ៗ", "\u00a0", "?!"]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8))) for _ in range(150)]
    for text in texts:
        for start in range(0, len(text) + 1, 3):
            for reach in (5, 17, REACH):
                assert word_ends(text, start, reach) == _plain_word_ends(text, start, reach), (text, start, reach)


def test_segment_cuts_runs_at_their_kept_word_edges_as_the_segmenter_splits_them() -> None:
    from hotline.detect.text.segment import segment

    rnd = random.Random(11)
    pieces = [*RUNS, "នៅក្នុង", "ខ្លួនឯង", " ", "ok ", "123", "។", "ៗ", "\u00a0", "?!", "១២"]
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 6))) for _ in range(120)]
    for text in texts + _random_runs(60, 30):
        want = default_segmenter().segment(text)
        assert segment(text) == want, text
        assert segment(text) == want, text  # the second time from the runs' kept edges
