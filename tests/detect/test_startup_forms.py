"""What `hotline analyze` reads faster at start gives what reading the slow way gives: the model's kept form
(`scoring.linear.load_model`) the model the files make, and then only while it was made from those files;
the parsers' regexes compiled when first used (`chats.regex.LazyPattern`) the patterns `re.compile` makes."""

from __future__ import annotations

import json
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import hotline.detect.chats as chats
from hotline.detect.chats import line
from hotline.detect.chats.regex import LazyPattern
from hotline.detect.scoring import linear
from hotline.detect.scoring.linear import LinearScorer


def _from_files(signal: str = "grooming") -> LinearScorer:
    meta = json.loads(Path(linear._WEIGHTS, f"{signal}.json").read_text("utf-8"))
    with open(os.path.join(linear._WEIGHTS, f"{signal}.npz"), "rb") as fh:
        return linear.read_model(fh, meta)


def _same(a: LinearScorer, b: LinearScorer) -> None:
    assert list(a.weights.items()) == list(b.weights.items())  # the same terms, weights and order
    assert list(a.meta.items()) == list(b.meta.items())
    assert json.dumps(a.meta) == json.dumps(b.meta)  # and the same types (an int stays an int)
    assert (a.signal, a.bias, a.alpha, a.calibration, a.threshold, a.conversation, a.gram) == (
        b.signal, b.bias, b.alpha, b.calibration, b.threshold, b.conversation, b.gram)
    assert a == b


def _fresh(monkeypatch: pytest.MonkeyPatch, folder: Path | str) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    linear.load_model.cache_clear()


def test_the_kept_model_is_the_model_the_files_make(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = _from_files()
    try:
        _fresh(monkeypatch, tmp_path)
        first = linear.load_model()  # from the files, then kept
        (kept,) = tmp_path.glob("model-grooming-*.bin")
        _fresh(monkeypatch, tmp_path)
        monkeypatch.setattr(linear, "_model_arrays", _refuse)  # now it must come from the kept form
        again = linear.load_model()
        _same(first, want)
        _same(again, want)
        texts = ["hey are you alone", "send me a pic", "ok", "", "don't tell your mom 😊"]
        assert again.message_weights(texts) == want.message_weights(texts)
        assert again._cache.pair_words == first._cache.pair_words == linear._pair_words(want.weights)
        assert kept.stat().st_size > 0
    finally:
        linear.load_model.cache_clear()


def _refuse(*_: object) -> None:
    raise AssertionError("the model's files were parsed")


@pytest.mark.parametrize("content", [
    b"", b"not marshal", marshal.dumps(("linear-model-0", b"", b"", "", b"", 0.0, {})), marshal.dumps([1, 2]),
    "stale",  # a kept form of other files: the same layout, other bytes
    "damaged",  # the right files' bytes, weights that do not fit the terms
])
def test_a_kept_form_it_cannot_use_means_reading_the_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           content: bytes | str) -> None:
    want = _from_files()
    path = linear._kept_path("grooming")
    try:
        _fresh(monkeypatch, tmp_path)
        path = linear._kept_path("grooming")
        assert path is not None and path.startswith(str(tmp_path))
        meta_bytes = Path(linear._WEIGHTS, "grooming.json").read_bytes()
        npz_bytes = Path(linear._WEIGHTS, "grooming.npz").read_bytes()
        if content == "stale":
            content = marshal.dumps((linear._KEPT_FORM, meta_bytes + b" ", npz_bytes, "a\0b", b"\0" * 16, 1.0,
                                     {"signal": "grooming", "alpha": 0.5, "calibration": {"a": 1, "b": 0}}, b"", b"\1", "a"))
        elif content == "damaged":
            content = marshal.dumps((linear._KEPT_FORM, meta_bytes, npz_bytes, "a\0b", b"\0" * 24, 1.0,
                                     {"signal": "grooming", "alpha": 0.5, "calibration": {"a": 1, "b": 0}}, b"", b"\1", "a"))
        assert isinstance(content, bytes)
        Path(path).write_bytes(content)
        _same(linear.load_model(), want)
        _fresh(monkeypatch, tmp_path)  # ...and what was read is kept in its place
        monkeypatch.setattr(linear, "_model_arrays", _refuse)
        _same(linear.load_model(), want)
    finally:
        linear.load_model.cache_clear()


def test_kept_pair_words_by_place_and_by_name() -> None:
    """The kept form's pair words: by their place among the terms, or by name; places out of range or flags
    that do not fit them make the kept form unusable (the files are read instead)."""
    from array import array

    names = ["a", "b c", "b", "d"]
    places = array("i", [0, 2]).tobytes()
    assert linear._kept_pair_words(names, places, b"\1\3\2", "c") == {"a": 1, "b": 3, "c": 2}
    assert linear._kept_pair_words(names, b"", b"", "") == {}
    for bad_places, flags in ((array("i", [4]).tobytes(), b"\1"), (array("i", [-1]).tobytes(), b"\1")):
        with pytest.raises(IndexError):
            linear._kept_pair_words(names, bad_places, flags, "")
    with pytest.raises(ValueError):
        linear._kept_pair_words(names, places, b"\1", "c")


def test_no_kept_form_when_the_cache_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        _fresh(monkeypatch, "")
        assert linear._kept_path("grooming") is None
        _same(linear.load_model(), _from_files())
        monkeypatch.delenv("HOTLINE_CACHE_DIR")
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        assert linear._kept_path("grooming") == str(tmp_path / "hotline" / f"model-grooming-{sys.implementation.cache_tag}.bin")
    finally:
        linear.load_model.cache_clear()


def _lazies() -> list[LazyPattern]:
    found = [v for mod in (chats, line) for v in vars(mod).values() if isinstance(v, LazyPattern)]
    found += [p for pair in chats._PAGED for p in pair] + [rx for rx, _ in line._SYSTEM_KINDS]
    return found


def test_the_parsers_lazy_regexes_are_what_re_compile_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.detect.signals import compiled

    lazies = _lazies()
    assert len(lazies) >= 19
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(compiled, "_cache", None)
    for lazy in lazies:
        fresh = LazyPattern(lazy.source, lazy.flags)  # through the compiled-form cache (loaded here)
        assert fresh.pattern() == re.compile(lazy.source, lazy.flags) == lazy.pattern()
        assert fresh.pattern().groupindex == re.compile(lazy.source, lazy.flags).groupindex


@pytest.mark.parametrize("text", [
    "[LINE] Chat history with Dara", "Wed, 12/03/2025", "2025/03/12(Wed)", "21:14\tDara\thello", "PM 9:14\tDara\tx",
    "Dara unsent a message.", "☎ Missed call", " joined the group", "<!DOCTYPE html>", "<div>", "instagram",
    "WhatsApp Chat with Dara.txt", "messages.html", "messages12.html", "message_1.json", "message_3.html",
    "messages.html\n", "", "Saved on: 12/03/2025, 21:30", "保存日時：2025/03/12 21:30",
])
def test_lazy_regexes_match_as_compiled_ones(text: str) -> None:
    for lazy in _lazies():
        rx = re.compile(lazy.source, lazy.flags)
        for got, want in ((lazy.match(text), rx.match(text)), (lazy.search(text), rx.search(text)),
                          (lazy.fullmatch(text), rx.fullmatch(text)), (lazy.search(text, 1), rx.search(text, 1))):
            assert (got and (got.span(), got.groups())) == (want and (want.span(), want.groups()))


def test_the_kept_word_list_is_the_word_list_the_file_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hotline.detect.signals import compiled
    from hotline.detect.text import segment

    read_words = segment._read_words
    want = read_words()
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(tmp_path))
    try:
        monkeypatch.setattr(compiled, "_cache", None)
        segment.load_words.cache_clear()
        first = segment.load_words()  # from the file, then kept
        monkeypatch.setattr(compiled, "_cache", None)  # a new start: the cache file read again
        segment.load_words.cache_clear()
        kept = compiled.record(segment._WORDS_RECORD)
        assert kept is not None and kept[0] == segment._WORDS_FORM
        monkeypatch.setattr(segment, "_read_words", _refuse)
        again = segment.load_words()
        for got in (first, again):
            assert got[0] == want[0] and type(got[0]) is frozenset
            assert list(got[1].items()) == list(want[1].items())
            assert all(type(v) is tuple for v in got[1].values())
        compiled.store(segment._WORDS_RECORD, (segment._WORDS_FORM - 1, (), {}))  # another form: read anew
        segment.load_words.cache_clear()
        monkeypatch.setattr(segment, "_read_words", read_words)  # the file may be read again
        assert segment.load_words() == want
        # ... from the file, and kept again in this form (seen in the record: compiled, `segment` calls its
        # own functions directly, so a monkeypatched `_read_words` would not show the reading)
        kept = compiled.record(segment._WORDS_RECORD)
        assert kept is not None and kept[0] == segment._WORDS_FORM and frozenset(kept[1]) == want[0]
    finally:
        segment.load_words.cache_clear()
        segment.default_segmenter.cache_clear()


_CHAT = Path(__file__).resolve().parents[2] / "eval" / "chats" / "en-001.txt"


def _run(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)


def test_the_command_ends_at_once_with_its_output_and_status(capsys: pytest.CaptureFixture[str]) -> None:
    if not _CHAT.is_file():
        pytest.skip(f"{_CHAT} is not in this checkout")
    from hotline.cli import main

    assert main(["analyze", str(_CHAT), "--json"]) == 0  # given arguments: returns, as tests and callers need
    want = capsys.readouterr().out
    ends = ("import atexit, sys; from hotline.cli import main; atexit.register(print, 'exit functions ran'); "
            "sys.argv[0] = 'hotline'; status = main(); print('main returned', file=sys.stderr); "
            "raise SystemExit(status)")
    run = _run(ends, "analyze", str(_CHAT), "--json")
    assert run.returncode == 0 and run.stdout == want + "exit functions ran\n"
    assert "main returned" not in run.stderr
    bad = _run(ends, "analyze", str(_CHAT) + ".missing", "--json")
    assert bad.returncode == 2 and "hotline analyze: error:" in bad.stderr and "main returned" not in bad.stderr
    traced = _run("import sys; sys.settrace(lambda *a: None); " + ends, "analyze", str(_CHAT), "--json")
    assert traced.returncode == 0 and traced.stdout == want + "exit functions ran\n"
    assert "main returned" in traced.stderr  # a tracer (coverage) or profiler sees the usual end
