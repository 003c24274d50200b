"""Text handling before matching: normalisation (`normalize`), language (`detect_language`), Khmer facts."""

from __future__ import annotations

from hotline.detect.text.khmer import has_khmer
from hotline.detect.text.language import conversation_languages, detect_language
from hotline.detect.text.normalize import excerpt, normalize, normalize_mapped, original_span

__all__ = [
    "conversation_languages", "detect_language", "excerpt", "has_khmer", "normalize", "normalize_mapped",
    "original_span",
]
