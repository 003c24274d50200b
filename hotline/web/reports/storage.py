"""Evidence files at rest: the folder they live in (encrypted), reading one back, its original name.

Kept apart from `services` so that the analysis task can read evidence without importing intake, and
intake can queue the task: imports run one way (services → tasks → storage).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from hotline.web import encryption

from .models import Evidence


def evidence_dir() -> Path:
    return Path(settings.HOTLINE_EVIDENCE_DIR)


def stash_dir() -> Path:
    """Files kept for a report not yet written (the chat checker's "report this"), pruned after a day."""
    return evidence_dir() / "stash"


def read_evidence(evidence: Evidence) -> bytes:
    """Decrypted content, for the analysis task and (audited) staff views only."""
    return encryption.read_encrypted(evidence_dir(), evidence.storage_name)


def evidence_filename(evidence: Evidence) -> str:
    try:
        return encryption.decrypt(evidence.name_encrypted).decode()
    except (encryption.InvalidToken, UnicodeDecodeError, TypeError):
        return "evidence"
