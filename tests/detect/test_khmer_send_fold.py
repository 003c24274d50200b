"""The misspelt "send" (ផ្ញើរ → ផ្ញើ) is folded only where its RO is stray: where the RO starts the next word
(ផ្ញើ + របស់ "send yours") the text keeps it, so របស់ is not cut to បស់."""

from __future__ import annotations

import pytest

from hotline.detect.model import Message
from hotline.detect.signals import default_scanner
from hotline.detect.text.normalize import normalize, normalize_mapped, original_span


@pytest.mark.parametrize(("text", "expected"), [
    ("បងផ្ញើរបស់បងមុនក៏បាន", "បងផ្ញើរបស់បងមុនក៏បាន"),  # send + yours: the RO is របស់'s
    ("ផ្ញើរហូត", "ផ្ញើរហូត"),                            # send + until
    ("ផ្ញើររបស់អូន", "ផ្ញើរបស់អូន"),                     # misspelt send + yours: one stray RO goes
    ("ផ្ញើរមក", "ផ្ញើមក"),                               # misspelt send + to me
    ("ផ្ញើរ មក", "ផ្ញើ មក"),
    ("ផ្ញើរ", "ផ្ញើ"),
    ("ផ្ញើររូប", "ផ្ញើរូប"),
    ("ផ្ញើរូប", "ផ្ញើរូប"),
])
def test_send_fold_respects_word_edges(text: str, expected: str) -> None:
    assert normalize(text) == expected
    norm, offsets = normalize_mapped(text)
    assert norm == expected
    assert len(offsets) == len(norm)


def test_send_yours_is_quoted_whole() -> None:
    text = "បងផ្ញើរបស់បងមុនក៏បាន"
    norm, offsets = normalize_mapped(text)
    start = norm.index("របស់")
    a, b = original_span(text, offsets, start, start + len("របស់"))
    assert text[a:b] == "របស់"
    findings = default_scanner().scan(Message(0, "A", text), normalize(text))
    assert any("ផ្ញើរបស់បង" in f.excerpt for f in findings)
