"""Grooming cues by stage: flattery and trust, personal questions, moving to another app, gifts and money, desensitising talk, requests for images."""

from __future__ import annotations

from hotline.detect.signals.detector import RuleDetector

__all__ = ["GroomingDetector"]


class GroomingDetector(RuleDetector):
    """Rules in `lexicons/<lang>/grooming.json`."""

    name = "grooming"
    signal = "grooming"
