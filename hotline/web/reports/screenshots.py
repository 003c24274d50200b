"""Screenshots sent with a report, read as chats in the background analysis.

Most people who come to the hotline have screenshots of a chat, not an export. Each screenshot evidence is
read with the engine's screenshot reader; when it shows a chat (bubbles with text read with some
confidence), its messages and their analysis are stored with the evidence, encrypted like every analysis,
so the analyst reads the recognised text beside the blurred image. A photo that is not a chat is left
alone. Nothing here logs what was read.
"""

from __future__ import annotations

import logging
from typing import Any

from hotline.detect.analysis import analyze
from hotline.detect.chats.screenshot import OCRUnavailable, read_screenshots
from hotline.detect.errors import InputError

log = logging.getLogger(__name__)

#: A screenshot counts as a chat when this many messages were read with at least this mean confidence.
MIN_MESSAGES = 2
MIN_CONFIDENCE = 0.6


def read_chat(data: bytes, evidence_id: int) -> dict[str, Any] | None:
    """{"messages": [...], "analysis": {...}} for a chat screenshot, None for any other picture."""
    try:
        conversation = read_screenshots([data])
    except InputError:
        return None
    except OCRUnavailable:
        log.warning("evidence %s: screenshot not read, Tesseract is not installed", evidence_id)
        return None
    messages = list(conversation.messages)
    confidence = sum(m.confidence or 0.0 for m in messages) / len(messages) if messages else 0.0
    if len(messages) < MIN_MESSAGES or confidence < MIN_CONFIDENCE:
        return None
    return {
        "messages": [
            {"index": m.index, "sender": m.sender, "text": m.text, "confidence": m.confidence,
             "time": m.time.isoformat() if m.time else None}
            for m in messages
        ],
        "analysis": analyze(conversation).to_dict(),
    }
