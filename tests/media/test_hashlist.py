"""Hash lists: CSV and JSON round trips, bad rows rejected with their line numbers, a threshold per
list, low-quality entries never matched, and a store that persists its index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hotline.detect.errors import InputError
from hotline.detect.media import (
    FaissPdqIndex,
    HashList,
    HashListEntry,
    HashListStore,
    NumpyPdqIndex,
    PdqHash,
    parse_csv,
    parse_file,
    parse_json,
    to_csv,
    to_json,
)

H1, H2, H3 = "0f" * 32, "f0" * 32, "a5" * 32
NEAR_H1 = "0f" * 31 + "00"  # 4 bits from H1
FAR_H1 = "0f" * 28 + "00" * 4  # 16 bits from H1

ENTRIES = [
    HashListEntry(H1, "case 17", "hotline-kh"),
    HashListEntry(H2, "ត្រូវបានរាយការណ៍", "partner, Inc."),  # Khmer label, comma in source
    HashListEntry(H3, "", "", quality=80),
]


def test_csv_round_trip() -> None:
    assert parse_csv(to_csv(ENTRIES)) == ENTRIES


def test_json_round_trip() -> None:
    hl = HashList("partner", "partner, Inc.", 20, list(ENTRIES))
    settings, entries = parse_json(to_json(hl))
    assert entries == ENTRIES
    assert settings == {"name": "partner", "source": "partner, Inc.", "threshold": 20}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{H1}\n{H2},second\n", [HashListEntry(H1), HashListEntry(H2, "second")]),
        (f"hash,label\n{H1.upper()},x\n", [HashListEntry(H1, "x")]),
        (f"label,pdq\nx,{H1}\n", [HashListEntry(H1, "x")]),
        (f"# exported 2024\n\npdq\n{H1}\n", [HashListEntry(H1)]),
        (f"\ufeffpdq,label\n{H1},x\n".encode(), [HashListEntry(H1, "x")]),
    ],
    ids=["no-header", "hash-header-upper", "other-column-order", "comments-blank-lines", "utf8-bom"],
)
def test_csv_variants(text: str | bytes, expected: list[HashListEntry]) -> None:
    assert parse_csv(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"pdq,label\n{H1},ok\nnot-a-hash,bad\n{H2},ok\n{H3[:-1]},short\n", r"2 bad rows: line 3: .*; line 5: "),
        (f"pdq,label,source,quality\n{H1},x,y,high\n", "line 2: quality"),
        (f"pdq,label,source,quality\n{H1},x,y,101\n", "line 2: quality"),
        (f"pdq,label\n{H1},{'x' * 300}\n", "line 2: the label is longer"),
        ("label,source\nx,y\n", "no 'pdq' column"),
        (b"pdq\n\xff\xfe", "not UTF-8"),
    ],
    ids=["bad-hashes", "quality-word", "quality-range", "long-label", "no-pdq-column", "not-utf8"],
)
def test_bad_csv_rows_are_rejected_with_line_numbers(text: str | bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_csv(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (json.dumps({"entries": [{"pdq": H1}, {"pdq": "xyz"}, 5]}), r"2 bad entries: entries\[1\]: .*entries\[2\]"),
        ('{"entries": {"pdq": "x"}}', "must be a list"),
        ('{"entries": [', "malformed"),
        ('[{"label": "no hash"}]', r"entries\[0\]: the PDQ hash is missing"),
    ],
)
def test_bad_json_is_rejected_with_positions(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_json(text)


def test_parse_file_picks_the_format() -> None:
    assert parse_file(f"[\"{H1}\"]")[1] == [HashListEntry(H1)]
    assert parse_file(f"{H1}\n", filename="x.csv")[1] == [HashListEntry(H1)]
    assert parse_file(f"{H1}\n", default_source="ncmec")[1] == [HashListEntry(H1, "", "ncmec")]


@pytest.mark.parametrize("index_class", [FaissPdqIndex, NumpyPdqIndex])
def test_store_matches_with_each_lists_threshold(tmp_path: Path, index_class: type) -> None:
    store = HashListStore(tmp_path, index_class)
    store.import_entries("strict", [HashListEntry(H1, "strict one")], threshold=8)
    store.import_entries("default", [HashListEntry(H1, "default one"), HashListEntry(H2, "low", quality=10)])
    assert store.get("default").threshold == PdqHash.MATCH_THRESHOLD

    near = store.match(NEAR_H1)
    assert [(m.list_name, m.distance) for m in near] == [("default", 4), ("strict", 4)]
    far = store.match(FAR_H1)
    assert [(m.list_name, m.distance) for m in far] == [("default", 16)]  # beyond strict's 8
    assert store.match(H2) == []  # quality 10 < 50: kept in the list, never matched
    assert store.match(NEAR_H1, ["strict"])[0].label == "strict one"


def test_store_persists_index_and_skips_duplicates(tmp_path: Path) -> None:
    store = HashListStore(tmp_path)
    _, added = store.import_entries("bank", ENTRIES, source="hotline-kh")
    assert added == 3
    _, added = store.import_entries("bank", ENTRIES[:2])
    assert added == 0
    assert (tmp_path / "bank.index.faiss").is_file() and (tmp_path / "bank.index.ids.npy").is_file()
    doc = json.loads((tmp_path / "bank.json").read_text())
    assert doc["revision"] == 2 and len(doc["entries"]) == 3
    # A fresh store (another process) loads the persisted index and matches.
    assert HashListStore(tmp_path).match(H3)[0].distance == 0
    # A stale index (the list changed behind its back) is rebuilt, not trusted.
    (tmp_path / "bank.index.revision").write_text("1")
    assert HashListStore(tmp_path).match(H3)[0].label == ""


@pytest.mark.parametrize("name", ["", "Bad Name", "../escape", "a" * 65, "-dash"])
def test_bad_list_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="hash list name"):
        HashListStore(tmp_path).import_entries(name, ENTRIES)


@pytest.mark.parametrize("threshold", [-1, 64, 1000])
def test_bad_thresholds(tmp_path: Path, threshold: int) -> None:
    with pytest.raises(InputError, match="threshold"):
        HashListStore(tmp_path).import_entries("x", ENTRIES, threshold=threshold)


def test_unknown_list(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no hash list named 'nope'"):
        HashListStore(tmp_path).get("nope")
