"""The Hotline engine: chat exports, posts and images in; explainable findings out.

A library: it imports nothing from Django, a database or the network.

    from hotline.detect import analyze
    from hotline.detect.chats import load
    analysis = analyze(load("WhatsApp Chat with Dara.zip"))
    analysis.risk, analysis.first_alert_index, analysis.to_dict()
"""

from __future__ import annotations

from hotline.detect.analysis import analyze, analyze_items
from hotline.detect.errors import DataError, HotlineError, InputError, MalformedExport, UnsupportedFormat
from hotline.detect.model import (
    PERSONAL_INFO_TYPES,
    RISK_LEVELS,
    SIGNALS,
    STAGES,
    Analysis,
    Conversation,
    Event,
    Finding,
    Message,
    Participant,
    PersonalDetail,
    StageReached,
)
from hotline.detect.text import detect_language, normalize

__all__ = [
    "PERSONAL_INFO_TYPES", "RISK_LEVELS", "SIGNALS", "STAGES", "Analysis", "Conversation", "DataError", "Event",
    "Finding", "HotlineError", "InputError", "MalformedExport", "Message", "Participant", "PersonalDetail",
    "StageReached", "UnsupportedFormat", "analyze", "analyze_items", "detect_language", "normalize",
]
