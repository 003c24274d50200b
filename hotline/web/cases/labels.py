"""`hotline export-labels`: analysts' verdicts written out as labelled conversations, without personal
details (the format and the redaction are `hotline.detect.labels`). Supervisors only; each export is in
the audit log. Evidence whose file retention deleted, or whose analysis cannot be read, is left out."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from hotline.detect.chats import parse
from hotline.detect.errors import HotlineError, InputError
from hotline.detect.labels import Mark, labelled_conversation, write_jsonl
from hotline.detect.model import Message
from hotline.web import encryption
from hotline.web.reports.models import Evidence, Verdict
from hotline.web.reports.storage import evidence_filename, read_evidence
from hotline.web.staff.roles import can_supervise
from hotline.web.uploads import WEB_ZIP_LIMITS

from . import services
from .models import AuditEvent

log = logging.getLogger(__name__)


class ExportRefused(HotlineError):
    """The named person may not export labels (unknown, inactive or not a supervisor)."""


def _messages(evidence: Evidence, analysis: dict[str, Any]) -> list[Message]:
    """The messages as the analysis read them: the parsed export, or the text read from a screenshot."""
    if evidence.kind == Evidence.Kind.CHAT:
        conversation = parse(read_evidence(evidence), evidence_filename(evidence), limits=WEB_ZIP_LIMITS,
                             unnamed_text=True)
        return list(conversation.messages)
    lines = analysis.get("screenshot_text") or []
    return [Message(index=i, sender=str(m["sender"]) if m.get("sender") else None, text=str(m.get("text", "")))
            for i, m in enumerate(lines) if isinstance(m, dict)]


def _known(evidence: Evidence) -> list[str]:
    """What the report says about the people, to be replaced wherever a message repeats it."""
    report = evidence.report
    found = [report.contact, report.offender_name, report.offender_profile_url, report.tracking_code]
    found += [u.url for u in report.urls.all()]
    return [str(x) for x in found if x]


def _still_marks(verdict: Verdict, findings: list[Any]) -> bool:
    """The finding at the verdict's position is still the one marked (an analysis run again may differ)."""
    if verdict.position >= len(findings) or not isinstance(findings[verdict.position], dict):
        return False
    finding = findings[verdict.position]
    return (str(finding.get("signal", ""))[:32], str(finding.get("rule", ""))[:200]) == (verdict.signal, verdict.rule)


def records() -> Iterator[dict[str, Any]]:
    """One labelled conversation per evidence that has at least one verdict."""
    evidence_ids = (Verdict.objects.filter(evidence__deleted_at__isnull=True)
                    .values_list("evidence_id", flat=True).distinct().order_by("evidence_id"))
    number = 0
    for evidence in Evidence.objects.filter(pk__in=list(evidence_ids)).select_related("report").order_by("pk"):
        analysis = services._evidence_view(evidence).analysis
        if not analysis:
            continue
        try:
            messages = _messages(evidence, analysis)
        except (OSError, encryption.InvalidToken, InputError) as exc:
            log.warning("evidence %s: left out of the labels export (%s)", evidence.pk, type(exc).__name__)
            continue
        if not messages:
            continue
        verdicts = list(evidence.verdicts.all())
        risk = next((v.risk for v in verdicts if v.target == Verdict.Target.RISK), None)
        findings = analysis.get("findings") or []
        marks = [Mark(v.position, v.correct) for v in verdicts
                 if v.target == Verdict.Target.FINDING and _still_marks(v, findings)]
        number += 1
        yield labelled_conversation(f"L{number:05d}", messages, analysis, analyst_risk=risk or None, marks=marks,
                                    known=_known(evidence))


def export(path: Path, username: str) -> int:
    """Write every labelled conversation to `path` (JSON Lines) for the supervisor `username`; returns
    how many. ExportRefused for anyone else; the export is audited."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not can_supervise(user):
        raise ExportRefused(f"{username!r} is not an active supervisor: only supervisors may export labels")
    count = write_jsonl(records(), path)
    services.audit(user, AuditEvent.Action.EXPORT_LABELS, detail=f"{count} labelled conversations")
    return count
