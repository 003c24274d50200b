"""Sextortion parts (rule 'part'): a claim to hold intimate images, a threat to share them, a demand (money, ABA/Wing, more images), a deadline. risk.py decides when the parts add up."""

from __future__ import annotations

from hotline.detect.signals.detector import RuleDetector

__all__ = ["SextortionDetector"]


class SextortionDetector(RuleDetector):
    """Rules in `lexicons/<lang>/sextortion.json`."""

    name = "sextortion"
    signal = "sextortion"
