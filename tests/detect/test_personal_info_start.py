"""Personal details' start-up: what is kept in the compiled-form cache gives what making it afresh gives, and
a warm start reads a phone number without importing phonenumbers (`hotline.detect.signals.personal_info`)."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.detect.signals import compiled
from hotline.detect.signals import personal_info as pi

ROOT = Path(__file__).resolve().parents[2]


def _fresh_cache(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", str(folder))
    monkeypatch.setattr(compiled, "_cache", None)


def test_kept_cambodian_source_is_the_metadata_s(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = pi._cambodian_source()
    assert pi._kh_metadata_key() is not None  # phonenumbers is installed as files
    _fresh_cache(monkeypatch, tmp_path)
    assert pi._kept_cambodian_source() == made  # made, and stored
    compiled.flush()
    _fresh_cache(monkeypatch, tmp_path)
    key = pi._kh_metadata_key()
    assert key is not None and compiled.record(key) == made
    assert pi._kept_cambodian_source() == made  # read back
    assert pi._cambodian_pattern().pattern == made


def test_cache_off_still_gives_the_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_CACHE_DIR", "")
    monkeypatch.setattr(compiled, "_cache", None)
    assert pi._kept_cambodian_source() == pi._cambodian_source()


_SCRIPT = """
import sys
from hotline.detect.signals.personal_info import find_personal_info, preload
preload()
found = find_personal_info("call me 012 345 678")
print(repr([(d.value, d.normalized) for d in found]), "phonenumbers" in sys.modules)
"""


def test_warm_start_reads_a_phone_without_importing_phonenumbers(tmp_path: Path) -> None:
    env = dict(os.environ, HOTLINE_CACHE_DIR=str(tmp_path))
    runs = [subprocess.run([sys.executable, "-c", _SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip() for _ in range(2)]
    found = "[('012 345 678', '+85512345678')]"
    assert runs[0] == found + " True"  # cold: the pattern is read from phonenumbers' metadata, and kept
    assert runs[1] == found + " False"


def test_no_character_left_out_of_the_digit_count_is_a_digit() -> None:
    """`_most_digits` counts, outside ASCII, the characters `_MAYBE_DIGIT` finds: every other one is not a
    digit (`str.isdigit`) in this Python's Unicode, and the count is never below the digits there are."""
    maybe_digit = re.compile(pi._MAYBE_DIGIT)
    left_out = [chr(c) for c in range(0x110000) if not maybe_digit.match(chr(c))]
    assert len(left_out) > 200 and not any(ch.isdigit() for ch in left_out)
    assert all(maybe_digit.match(chr(c)) for c in range(0x110000) if chr(c).isdigit())
    assert [n for n, _ in pi._lexicons().at_least] == [8, 9]  # the checks' fewest digits
    rng = random.Random(11)
    pool = "0123456789០១២៣៤៥៦៧៨៩²³¹①٣๕៰៹ កខ្ញុំ\u200bé“”aZ +-()" + "0123456789" * 3
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randrange(1, 40)))
        digits = sum(ch.isdigit() for ch in text)
        most = pi._most_digits(text)
        assert most >= digits, text
        maybe = digits if text.isascii() else len(maybe_digit.findall(text))
        for fewest in (8, 9):  # the checks' fewest digits: a rule is skipped where as many cannot be digits
            assert (most < fewest) == (maybe < fewest), text


def test_a_list_of_plain_words_as_a_trie_matches_as_its_alternation() -> None:
    """A list fragment of plain uncased words (the Khmer place names) is written as a trie: the same matches as
    the alternation of its words longest first, alone and with what a rule puts after it (which makes the regex
    try the shorter words where a longer one fits), on the evaluation chats and on strings made of the words."""
    import json

    from tests.detect.test_personal_info_fast_paths import _eval_texts

    lists = []
    for lang in ("km", "km-Latn", "en"):
        data = json.loads((pi.LEXICON_DIR / lang / "personal_info.json").read_text(encoding="utf-8"))
        lists += [v for v in data.get("fragments", {}).values() if isinstance(v, list)]
    tries = [words for words in lists if pi._list_fragment(words) == "(?:" + pi._trie_regex(words) + ")"]
    assert len(tries) >= 2 and all(not any(ch.isascii() and ch.isalpha() for w in ws for ch in w) for ws in tries)
    tries.append(["ab", "abc", "abcd", "b", "bcd", "x", "ក", "កខ", "ខ្មែរ"])  # (cased: a trie only without IGNORECASE)
    rng = random.Random(3)
    eval_texts = [t for t in _eval_texts() if not t.isascii()]
    for words in tries:
        pieces = [*words, *(w[:k] for w in words for k in (1, 2, 3)), " ", "1", "ៗ", "a", "A"]
        texts = eval_texts + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
        old = "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"
        new = "(?:" + pi._trie_regex(words) + ")"
        flags = [0] if words is tries[-1] else [0, re.IGNORECASE]
        for after in ("", "(?:[1-3](?![0-9]))?", "(?=ៗ)", "(?:ខ|ក|ab)", "(?P<tail>[ក-អ]{0,2})(?![ក-អ])"):
            for flag in flags:
                a, b = re.compile(old + after, flag), re.compile(new + after, flag)
                for text in texts:
                    assert [m.span() for m in a.finditer(text)] == [m.span() for m in b.finditer(text)], (text, after)


def test_the_module_s_own_regexes_are_compiled_as_written() -> None:
    """Each of the module's lazily compiled regexes (`compiled.LazyRegex`) is the one `re.compile` gives its
    source and flags, and the loader asks for every one of them (`_OWN_REGEXES`), so that a cold cache keeps
    them all."""
    own = {name: value for name, value in vars(pi).items() if isinstance(value, compiled.LazyRegex)}
    assert len(own) >= 18 and {id(v) for v in own.values()} == {id(v) for v in pi._OWN_REGEXES}
    pi._lexicons()
    for lazy in own.values():
        assert lazy.pattern() == re.compile(lazy.source, lazy.flags)
        assert lazy.pattern() is lazy.pattern()
