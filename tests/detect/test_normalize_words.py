"""`normalize` puts a text together from the forms of its words, each worked out once and kept, and
`detect_language` counts the lexicon words of such a text per word too: both must give what the plain way
gives (every step over the whole text; the text split afresh), on text of every kind, the first time a word
is seen, the next times, and after the table of words has been emptied."""

from __future__ import annotations

import importlib
import random
import unicodedata
from pathlib import Path

import pytest

from hotline.detect.chats import load
from hotline.detect.text.language import detect_language
from hotline.detect.text.normalize import last_words, normalize

normalize_module = importlib.import_module("hotline.detect.text.normalize")  # the package names the function
EVAL = Path(__file__).resolve().parents[2] / "eval" / "chats"

#: Words and pieces of every kind: ASCII (cased, apostrophes, leetspeak, runs, spaced and broken letters,
#: masks, punctuation), Latin with accents (composed and not), Khmer (spelling folds, the misspelt "send"
#: alone and run on, runs, Khmer digits), marks the table removes or changes, emoji, long words, spacing.
PIECES = [
    "I", "i", "a", "u", "r", "x", "ok", "OK", "Hello", "hellooo", "good", "don't", "Don’t", "it`s", "s3x",
    "n00dz", "s e x", "S E X", "n.u.d.e", "nu.de", "s*x", "s#x", "p-i-c", "a.m.", "x!", "(s", "e)", "$100",
    "5pm", "u2", "h3ll0", "lol...", "wait-what", "snake_case", "café", "cafe\u0301", "naïve", "ÉCOLE",
    "İstanbul", "ΟΔΟΣ", "ﬁne", "Straße", "ẞ", "\u0344", "ផ្ញើ", "ផ្ញើរ", "ផ្ញើររូប", "ផ្ញើរបស់", "ផ្ញើរូប",
    "ម្ដាយ", "ំុ", "ំំ", "េី", "េា", "ឲ្យ", "អោយ", "ទូរសព្ទ", "ទូរស័ព្ទ", "សួស្តី", "ល្អណាស់", "ក្ក្ក", "ៗ",
    "អាយុ១៣ឆ្នាំ", "០១២", "\u17f5", "\u200b", "\u00ad", "\u200e", "\u00a0", "\u202f", "\u201cquoted\u201d",
    "\u2013", "\uff04", "😀", "👍🏽", "❤️", "hi😂", "knhom", "bong", "oun", "nas", "te", "sabay", "mok",
    "the", "you", "send", "pics", "xXx", "a" * 40, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    "ទៅលេងជាមួយបងទៅលេងជាមួយបងទៅលេងជាមួយបង", "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
]
SPACES = [" ", " ", " ", "  ", "", "\t", "\n", "\u00a0", ". ", "-"]


def _plain(text: str) -> str:
    """The matching form the plain way: every step over the whole text, none skipped, nothing kept."""
    s = unicodedata.normalize("NFC", text).lower().translate(normalize_module._TABLE)
    for pattern, fn in normalize_module._SUBS:
        s = pattern.sub(fn, s)
    return s


def _texts(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    texts = []
    for _ in range(count):
        parts = [rnd.choice(PIECES) for _ in range(rnd.randint(0, 8))]
        texts.append("".join(p + rnd.choice(SPACES) for p in parts).strip(rnd.choice(["", " "])))
    return texts


def _apart(norm: str) -> str:
    """A copy of `norm` that is not the same object: `detect_language` then splits it afresh."""
    return (norm + ".")[:-1]


@pytest.mark.parametrize("seed", range(6))
def test_words_put_together_give_the_whole_text_steps(seed: int) -> None:
    for text in _texts(seed, 2000):
        expected = _plain(text)
        first = normalize(text)
        assert first == expected, text
        assert detect_language(first) == detect_language(_apart(first)), text
        again = normalize(text)  # every word kept by now
        assert again == expected, text
        assert detect_language(again) == detect_language(_apart(again)), text


def _forms(norm: str) -> list[str] | None:
    kept = last_words(norm)
    return None if kept is None else [word.form for word in kept]


def test_the_words_of_the_last_text_only() -> None:
    normalize("Hello you")
    norm = normalize("Hello Zyxwvut9 you")
    assert _forms(norm) == ["helo", "zyxwvut9", "you"]  # what is kept of each word, in order
    assert last_words(_apart(norm)) is None
    assert _forms(normalize("Hello Zyxwvut9 you")) == ["helo", "zyxwvut9", "you"]
    normalize("something else")
    assert last_words(norm) is None


def test_a_text_of_words_that_are_their_own_forms_is_its_own_form() -> None:
    """Nothing joined: the text itself (or its one word's form) is the form, and its words are known."""
    for text in ("where are you", "ok", "", " ", "send  me", "ទៅណា", "ok ទៅណា"):
        normalize(text)
        norm = normalize(text)
        assert norm == _plain(text) == text
        assert _forms(norm) == text.split(" ")
    norm = normalize("Hello")
    assert norm == "helo" and _forms(norm) == ["helo"]


def test_forms_stay_right_when_the_table_of_words_is_emptied() -> None:
    """Enough new words to fill the table: it is emptied between texts, never while one is learnt (a word's
    count of lone letters, which tells when to look for spaced letters, would be lost)."""
    rnd = random.Random(7)
    words = ["".join(rnd.choice("abcdefgh") for _ in range(rnd.randint(3, 9))) + str(i) for i in range(60_000)]
    texts = [" ".join(words[i:i + 7]) + " s e x " + words[i] for i in range(0, len(words), 7)]
    emptied = False
    for text in texts:
        before = len(normalize_module._WORDS)
        norm = normalize(text)
        emptied = emptied or len(normalize_module._WORDS) < before
        assert norm == _plain(text), text
        assert detect_language(norm) == detect_language(_apart(norm)), text
    assert emptied
    assert len(normalize_module._WORDS) <= normalize_module._WORDS_MAX + 8


@pytest.mark.skipif(not EVAL.is_dir(), reason="eval/chats is not in this checkout")
def test_the_evaluation_chats_messages() -> None:
    checked = 0
    for path in sorted(p for p in EVAL.iterdir() if not p.name.startswith(".")):
        for message in load(path).messages:
            norm = normalize(message.text)
            assert norm == _plain(message.text), path.name
            assert detect_language(norm) == detect_language(_apart(norm)), path.name
            checked += 1
    assert checked > 2000


def test_the_lexicon_count_of_a_word_is_its_form_s() -> None:
    """The count kept per word as typed is the count of the lexicon words of its form."""
    for text in ("KNHOM Bong the sabay nas", "knhom bong"):
        norm = normalize(text)
        assert last_words(norm) is not None
        assert detect_language(norm) == "km-Latn"
    assert normalize_module._WORDS["KNHOM"].tally == normalize_module._WORDS["knhom"].tally == 1
