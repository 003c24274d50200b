"""Requests for, or offers of, nude or sexual images and video."""

from __future__ import annotations

from hotline.detect.signals.detector import RuleDetector

__all__ = ["SextingDetector"]


class SextingDetector(RuleDetector):
    """Rules in `lexicons/<lang>/sexting.json`."""

    name = "sexting"
    signal = "sexting"
