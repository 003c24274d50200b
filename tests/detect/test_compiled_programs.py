"""The cache file's programs are found by a digest of their keys, each read when first asked for: equal
digests are told apart by the key each program holds (`hotline.detect.signals.compiled._Programs`)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import pytest

from hotline.detect.signals import compiled


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(compiled, "_cache", None)


def _sources(n: int) -> list[tuple[str, int]]:
    rng = random.Random(7)
    words = ["send", "pic", "ខ្ញុំ", "សាលា", "é", "w", "(?P<g>x+)", "[a-z]{2,4}", "\\d"]
    keys = {(f"(?:{'|'.join(rng.sample(words, rng.randint(1, 4)))})y{i}", rng.choice([0, int(re.IGNORECASE)]))
            for i in range(n)}
    return sorted(keys)


def _kept_and_read_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                         keys: list[tuple[str, int]]) -> Any:
    """The cache after these regexes were compiled, kept in its file and the file read by a new start."""
    _fresh_cache(monkeypatch, tmp_path)
    for source, flags in keys:
        compiled.compile_regex(source, flags)
    compiled.store("keys", keys)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    return compiled._the_cache()


@pytest.mark.parametrize("collide", [False, True])
def test_every_program_is_found_by_its_own_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               collide: bool) -> None:
    if collide:  # every key the same digest, or a few: the key held with each program decides
        digest = compiled._digest
        monkeypatch.setattr(compiled, "_digest", lambda key: digest(key) % 3)
    keys = _sources(200)
    cache = _kept_and_read_again(monkeypatch, tmp_path, keys)
    assert cache.stored is not None and len(cache.stored) == len(keys)
    for source, flags in reversed(keys):
        assert (source, flags) in cache.stored
        got = compiled.compile_regex(source, flags)
        want = re.compile(source, flags)
        assert (got.pattern, got.flags, got.groupindex, got.groups) == (want.pattern, want.flags, want.groupindex,
                                                                       want.groups)
        for text in ("send y1", "SEND Y10", "ខ្ញុំy3", "xxy5", "ab y7", "9y9"):
            assert [m.span() for m in got.finditer(text)] == [m.span() for m in want.finditer(text)]
    assert ("send", 0) not in cache.stored and (keys[0][0], 1 - keys[0][1] % 2 * 3) not in cache.stored
    assert not cache.regexes  # all read from the file


def test_a_rewritten_file_keeps_the_programs_it_read_and_drops_forgotten_ones(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    keys = _sources(50)
    cache = _kept_and_read_again(monkeypatch, tmp_path, keys)
    cache.forget(keys[0])
    compiled.compile_regex("(new)")
    compiled.store("more", 1)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    cache = compiled._the_cache()
    assert cache.stored is not None and len(cache.stored) == len(keys)  # keys[0] let go, "(new)" added
    assert all(key in cache.stored for key in [*keys[1:], ("(new)", 0)]) and keys[0] not in cache.stored
    assert compiled.record("more") == 1 and compiled.record("keys") == keys
