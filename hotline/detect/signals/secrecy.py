"""Requests for secrecy: don't tell your parents, keep it between us, delete our chat."""

from __future__ import annotations

from hotline.detect.signals.detector import RuleDetector

__all__ = ["SecrecyDetector"]


class SecrecyDetector(RuleDetector):
    """Rules in `lexicons/<lang>/secrecy.json`."""

    name = "secrecy"
    signal = "secrecy"
