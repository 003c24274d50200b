"""The FAISS index and the NumPy reference give the same answers, before and after adds, removals
and a save/load round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotline.detect.errors import DataError
from hotline.detect.media import FaissPdqIndex, IndexHit, NumpyPdqIndex, PdqHash

RNG = np.random.default_rng(20240501)


def _random_hashes(n: int) -> list[bytes]:
    return [bytes(row) for row in RNG.integers(0, 256, (n, 32), dtype=np.uint8)]


def _flip_bits(code: bytes, count: int, rng: np.random.Generator) -> bytes:
    bits = np.unpackbits(np.frombuffer(code, dtype=np.uint8))
    bits[rng.choice(256, count, replace=False)] ^= 1
    return np.packbits(bits).tobytes()


STORED = _random_hashes(5000)
# Queries near stored entries at known distances, straddling the threshold, plus unrelated ones.
QUERIES = [(_flip_bits(STORED[i], d, RNG), i, d) for i, d in enumerate((0, 1, 15, 30, 31, 32, 40))]


@pytest.fixture(params=[FaissPdqIndex, NumpyPdqIndex], ids=["faiss", "numpy"])
def index_class(request: pytest.FixtureRequest) -> type:
    return request.param


@pytest.mark.parametrize(("query", "target", "distance"), QUERIES)
def test_threshold_is_inclusive(index_class: type, query: bytes, target: int, distance: int) -> None:
    index = index_class.build(STORED)
    hits = index.query(query, PdqHash.MATCH_THRESHOLD)
    if distance <= PdqHash.MATCH_THRESHOLD:
        assert hits[0] == IndexHit(distance, target)
    else:
        assert all(h.id != target for h in hits)


@pytest.mark.parametrize("max_distance", [0, 10, 31, 90, 110])
def test_faiss_and_numpy_agree(max_distance: int) -> None:
    ids = list(range(1000, 1000 + len(STORED)))
    faiss_index, numpy_index = FaissPdqIndex.build(STORED, ids), NumpyPdqIndex.build(STORED, ids)
    queries = [q for q, _, _ in QUERIES] + _random_hashes(5)
    assert faiss_index.query_many(queries, max_distance) == numpy_index.query_many(queries, max_distance)
    hits = faiss_index.query(queries[0], max_distance)
    assert hits == sorted(hits)  # nearest first


def test_incremental_add_and_remove(index_class: type) -> None:
    index = index_class.build(STORED[:10])
    index.add(STORED[10:20])
    assert len(index) == 20 and list(index.ids) == list(range(20))
    assert index.query(STORED[15], 0) == [IndexHit(0, 15)]
    assert index.remove([15, 3, 999]) == 2
    assert len(index) == 18
    assert index.query(STORED[15], 0) == []
    assert index.query(STORED[16], 0) == [IndexHit(0, 16)]  # later entries keep their ids


def test_save_and_load(index_class: type, tmp_path: Path) -> None:
    index = index_class.build(STORED[:100], range(500, 600))
    index.save(tmp_path / "list.index")
    loaded = index_class.load(tmp_path / "list.index")
    assert len(loaded) == 100
    assert loaded.query(STORED[42], 0) == [IndexHit(0, 542)]
    assert not list(tmp_path.glob("*.pkl"))  # files FAISS or NumPy write, never pickle


def test_empty_index_and_bad_arguments(index_class: type, tmp_path: Path) -> None:
    index = index_class()
    assert index.query("a" * 64) == []
    with pytest.raises(ValueError):
        index.query("a" * 64, 300)
    with pytest.raises(ValueError):
        index.add(STORED[:2], [1])
    with pytest.raises(DataError):
        index_class.load(tmp_path / "missing")


def test_hex_and_bytes_queries_agree() -> None:
    index = FaissPdqIndex.build(STORED[:50])
    assert index.query(STORED[7].hex(), 0) == index.query(STORED[7], 0) == [IndexHit(0, 7)]
