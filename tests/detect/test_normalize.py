"""Normalisation: one matching form for the ways people type the same words; spans map back exactly."""

from __future__ import annotations

import pytest

from hotline.detect.text import detect_language, excerpt, normalize, normalize_mapped, original_span
from hotline.detect.text.language import conversation_languages


@pytest.mark.parametrize(("text", "expected"), [
    ("Pleeeease", "please"),
    ("HELLO", "helo"),                      # runs of a letter collapse, doubles included
    ("s e x", "sex"),
    ("n.u.d.e.s", "nudes"),
    ("s*x", "sex"),
    ("s3x n00dz", "sex nodz"),
    ("Don\u2019t tell", "dont tel"),
    ("hel\u200blo\u200d", "helo"),
    ("\u200eok\u200f", "ok"),
    ("អាយុ១៣ឆ្នាំ", "អាយុ13ឆ្នាំ"),
    ("ម្ដាយ", "ម្តាយ"),                      # subscript DA folded to subscript TA
    ("ឲ្យ", "ឱ្យ"),
    ("ផ្ញេី", "ផ្ញើ"),
    ("ផ្ញើររូប", "ផ្ញើរូប"),                # a stray RO after "send" ...
    ("ផ្ញើរូប", "ផ្ញើរូប"),                 # ... but not the RO of the next syllable
    ("អោយ", "ឱ្យ"),
    ("ទូរសព្ទ", "ទូរស័ព្ទ"),
    ("$100 by 5pm", "$100 by 5pm"),         # prices and times keep their digits
    ("r u a virgin", "r u a virgin"),       # single letters that do not spell a target stay apart
    ("ok.see you", "ok.se you"),            # a full stop between words is not an obfuscation
    ("e-mail me at dara@gmail.com", "e-mail me at daragmail.com"),
])
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize("text", [
    "Pleeease s e n d  n.u.d.e.s now!!", "Don’t tell ur MOM", "កុំ\u200bប្រាប់ម្ដាយ ១២៣", "e\u0301te\u0301 cafe\u0301",
    "ﬁne", "İstanbul", "", "ａｂｃ",
])
def test_mapped_form_equals_fast_form(text: str) -> None:
    norm, offsets = normalize_mapped(text)
    assert norm == normalize(text)
    assert len(offsets) == len(norm)
    assert all(0 <= o < max(len(text), 1) for o in offsets)


def test_original_span_quotes_the_original_words() -> None:
    text = "hey, pleeease send me n.u.d.e.s ok"
    norm, offsets = normalize_mapped(text)
    start = norm.index("nudes")
    a, b = original_span(text, offsets, start, start + len("nudes"))
    assert text[a:b] == "n.u.d.e.s"


def test_excerpt_has_context_and_marks_cuts() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve thirteen"
    start = text.index("seven")
    out = excerpt(text, start, start + 5, context=10)
    assert "seven" in out and out.startswith("…") and out.endswith("…")


@pytest.mark.parametrize(("text", "lang"), [
    ("បងស្រលាញ់អូន", "km"),
    ("knhom srolanh oun nas", "km-Latn"),
    ("bong nirk own te", "km-Latn"),
    ("I miss you so much", "en"),
    ("see you at the market", "en"),
    ("😀 👍", None),
    ("123 456", None),
])
def test_detect_language(text: str, lang: str | None) -> None:
    assert detect_language(normalize(text)) == lang


def test_conversation_languages_drop_minor_ones() -> None:
    assert conversation_languages({"km": 30, "en": 10, "km-Latn": 1}) == ["km", "en"]
    assert conversation_languages({"km-Latn": 6, "en": 1}) == ["km-Latn"]
    assert conversation_languages({"en": 1}) == ["en"]
    assert conversation_languages({}) == []
