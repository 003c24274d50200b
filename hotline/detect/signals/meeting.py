"""Requests to meet in person: pick-ups, hotels and guesthouses, come alone."""

from __future__ import annotations

from hotline.detect.signals.detector import RuleDetector

__all__ = ["MeetingDetector"]


class MeetingDetector(RuleDetector):
    """Rules in `lexicons/<lang>/meeting.json`."""

    name = "meeting"
    signal = "meeting_request"
