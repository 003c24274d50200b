"""The compiled-lexicon cache file gives back what the loaders stored, as they stored it, and a file it
cannot read only means compiling afresh (`hotline.detect.signals.compiled`)."""

from __future__ import annotations

import marshal
import re
from pathlib import Path

import pytest

from hotline.detect.signals import compiled


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(compiled, "_cache", None)


def test_records_come_back_as_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    needs = ((("send", True, False), ("pic", False, True)), (("send", True, False),))
    value = {"needs": needs, "list": [1, (True,), (1,), (1.0,), None, b"\x00"], "sources": ["a", "a", "é"],
             "nested": [{"k": ("v",)}], "flags": 2}
    _fresh_cache(monkeypatch, tmp_path)
    compiled.store("test", value)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    got = compiled.record("test")
    assert got == value
    assert type(got["needs"]) is tuple and type(got["needs"][0][1]) is tuple and type(got["list"]) is list
    # (1,) == (True,) in Python, but each keeps its own type: an edge flag stays a bool, a rank an int
    assert [type(t[0]) for t in got["list"][1:4]] == [bool, int, float]
    assert type(got["nested"][0]) is dict and got["nested"][0]["k"] == ("v",)


@pytest.mark.parametrize("flags", [0, re.IGNORECASE, re.IGNORECASE | re.DOTALL])
def test_regexes_come_back_with_their_flags_and_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       flags: re.RegexFlag) -> None:
    source = r"(?<![a-z])(?:send|give)\W+(?P<what>pics?|photos?)(?:\s+(?P<when>now))?"
    _fresh_cache(monkeypatch, tmp_path)
    first = compiled.compile_regex(source, flags)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    again = compiled.compile_regex(source, flags)
    assert again == re.compile(source, flags) == first
    assert again.groupindex == {"what": 1, "when": 2}
    m = again.search("ok send pics now")
    assert m is not None and m.group("what", "when") == ("pics", "now")
    assert (again.search("SEND PICS") is not None) == bool(flags & re.IGNORECASE)


@pytest.mark.parametrize("content", [
    b"", b"not marshal at all", marshal.dumps({"records": {}}), marshal.dumps(("marshal-0", "1", {}, {})),
    marshal.dumps((compiled._FORM, compiled.ENGINE_VERSION, [], {})),
])
def test_a_file_it_cannot_read_means_compiling_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      content: bytes) -> None:
    _fresh_cache(monkeypatch, tmp_path)
    path = compiled.cache_path()
    assert path is not None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert compiled.record("anything") is None
    assert compiled.compile_regex(r"a(b+)c").match("abbc") is not None
    compiled.store("test", {"n": 1})
    compiled.flush()  # written over in the file's own form
    _fresh_cache(monkeypatch, tmp_path)
    assert compiled.record("test") == {"n": 1}


def test_a_damaged_regex_entry_is_compiled_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = r"(?P<a>x+)y"
    _fresh_cache(monkeypatch, tmp_path)
    compiled.compile_regex(source)
    compiled.flush()
    path = compiled.cache_path()
    assert path is not None
    path.write_bytes(compiled._file_bytes({}, {(source, 0): (0, 1, b"\x01\x02", {}, ())}))  # a program refused
    _fresh_cache(monkeypatch, tmp_path)
    assert compiled.compile_regex(source).match("xxy").group("a") == "xx"  # type: ignore[union-attr]
    whole = path.read_bytes()
    path.write_bytes(whole[:-3])  # the programs cut short
    _fresh_cache(monkeypatch, tmp_path)
    assert compiled.compile_regex(source).match("xxy").group("a") == "xx"  # type: ignore[union-attr]


def test_a_lazy_regex_s_flags_are_compiled_kept_and_part_of_its_identity(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """`LazyRegex(source, flags=...)` is `re.compile(source, flags)`, cold and warm (its program kept under
    the flags), and differs from the same source without them (equality and hash)."""
    source = r"(?P<w>near|at)\s+(\w+)"
    _fresh_cache(monkeypatch, tmp_path)
    folded, plain = compiled.LazyRegex(source, flags=re.IGNORECASE), compiled.LazyRegex(source)
    assert folded.flags == re.IGNORECASE and type(folded.flags) is int
    assert folded != plain and folded == compiled.LazyRegex(source, flags=re.IGNORECASE)
    assert len({folded, plain, compiled.LazyRegex(source, flags=int(re.IGNORECASE))}) == 2
    texts = ["NEAR the river", "meet At school", "near here", "nothing"]
    for _ in range(2):  # compiled afresh, then read back from the cache file
        for lazy, flags in ((folded, re.IGNORECASE), (plain, 0)):
            want = re.compile(source, flags)
            assert lazy.pattern() == want
            assert [(m.span() if (m := lazy.search(t)) else None) for t in texts] == [
                (m.span() if (m := want.search(t)) else None) for t in texts]
        compiled.flush()
        _fresh_cache(monkeypatch, tmp_path)
        assert (source, int(re.IGNORECASE)) in (compiled._the_cache().stored or {})
        folded, plain = compiled.LazyRegex(source, flags=re.IGNORECASE), compiled.LazyRegex(source)


def test_lazy_regexes_compile_when_first_searched_and_their_programs_stay(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    sources = [rf"(?<![a-z])w{i}(?:ord|ay)s?(?![a-z])" for i in range(300)]
    _fresh_cache(monkeypatch, tmp_path)
    for source in sources:
        compiled.compile_regex(source)
    compiled.store("phrases", sources)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    lazy = [compiled.LazyRegex(source) for source in compiled.record("phrases")]
    assert lazy == [compiled.LazyRegex(source, re.compile(source)) for source in sources]
    assert all(r._pattern is None for r in lazy)
    spans = [(m.span() if (m := lazy[i].search(text, pos)) else None, m.span() if (m := re.compile(sources[i]).search(
        text, pos)) else None) for i, text in [(7, "the w7ords"), (8, "a w8ay"), (9, "w9ordsmith")] for pos in (0, 2, 5)]
    assert all(got == want for got, want in spans) and {got for got, _ in spans} == {(4, 10), (2, 6), None}
    assert lazy[7].pattern() is lazy[7].pattern() and lazy[0]._pattern is None
    compiled.compile_regex("(new)")  # a flush after a run that compiled few of them keeps every program
    compiled.store("more", 1)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    cache = compiled._the_cache()
    assert cache.stored is not None
    assert all((source, 0) in cache.stored for source in sources) and ("(new)", 0) in cache.stored
    assert compiled.compile_regex(sources[299]).search("w299ays") is not None


def test_the_key_follows_every_lexicon_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "grooming.json").write_text('{"rules": []}', encoding="utf-8")
    (tmp_path / "km.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(compiled, "_LEXICON_DIR", tmp_path)
    first = compiled._lexicon_digest()
    assert compiled._lexicon_digest() == first  # the same files, the same key
    keys = {first}
    (tmp_path / "en" / "grooming.json").write_text('{"rules": [1]}', encoding="utf-8")  # an edit
    keys.add(compiled._lexicon_digest())
    (tmp_path / "en" / "new.json").write_text("{}", encoding="utf-8")  # a new file in a folder
    keys.add(compiled._lexicon_digest())
    (tmp_path / "en" / "new.json").rename(tmp_path / "en" / "other.json")  # the same content, another name
    keys.add(compiled._lexicon_digest())
    assert len(keys) == 4


def test_a_program_read_after_its_mapping_closed_is_compiled_afresh(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    source = r"(?P<a>x+)y"
    _fresh_cache(monkeypatch, tmp_path)
    compiled.compile_regex(source)
    compiled.store("test", 1)
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    cache = compiled._the_cache()
    assert cache.stored is not None and (source, 0) in cache.stored and cache.stored.programs is not None
    cache.stored.programs.close()  # as another thread's flush does, between the lookup and the read
    assert cache.entry((source, 0)) is None
    assert compiled.compile_regex(source).match("xxy").group("a") == "xx"  # type: ignore[union-attr]
