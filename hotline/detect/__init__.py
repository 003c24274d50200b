"""The Hotline engine: chat exports, posts and images in; explainable findings out.

A library: it imports nothing from Django, a database or the network.

    from hotline.detect import analyze
    from hotline.detect.chats import load
    analysis = analyze(load("WhatsApp Chat with Dara.zip"))
    analysis.risk, analysis.first_alert_index, analysis.to_dict()
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# First: whether the modules below run compiled (mypyc) or from their source (see its docstring).
from hotline.detect import compilation  # noqa: F401
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

if TYPE_CHECKING:
    from hotline.detect.analysis import analyze, analyze_items
    from hotline.detect.text import detect_language, normalize

#: Imported at first use, so that a command which only needs the errors or the model (`hotline serve`,
#: `hotline check-photo`, the CLI's error handling) does not load the rules and the scorer.
_LAZY = {"analyze": "hotline.detect.analysis", "analyze_items": "hotline.detect.analysis",
         "detect_language": "hotline.detect.text", "normalize": "hotline.detect.text"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

__all__ = [
    "PERSONAL_INFO_TYPES", "RISK_LEVELS", "SIGNALS", "STAGES", "Analysis", "Conversation", "DataError", "Event",
    "Finding", "HotlineError", "InputError", "MalformedExport", "Message", "Participant", "PersonalDetail",
    "StageReached", "UnsupportedFormat", "analyze", "analyze_items", "detect_language", "normalize",
]
