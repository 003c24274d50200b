"""Lower case is CPython's in compiled modules too (mypyc's own routine misses Greek final sigma)."""

from __future__ import annotations

import pytest

from hotline.detect.text.case import lower
from hotline.detect.text.normalize import normalize, normalize_mapped

TEXTS = ["ΟΔΟΣ", "ΟΔΟΣ ΟΔΟΣ.", "Σ", "ΑΣ Β", "ΑΣΒ", "ΟΔΟΣ, hello", "İstanbul ΟΔΟΣ", "plain ascii TEXT", "ΟΔΟΣ'Α", ""]


@pytest.mark.parametrize("text", TEXTS)
def test_lower_is_cpythons(text: str) -> None:
    assert lower(text) == str.lower(text)


def test_final_sigma_reads_the_same_compiled_or_not() -> None:
    # Plain CPython: a capital sigma that ends a word lowers to the final form.
    assert normalize("ΟΔΟΣ ΟΔΟΣ.") == "οδος οδος."
    assert normalize_mapped("ΟΔΟΣ ΟΔΟΣ.")[0] == "οδος οδος."
