"""Analysts' verdicts on the engine: the risk and each finding of an evidence's analysis marked right or
wrong from the report page (one click each: a plain form POST, the `verdict` row of `actions.ACTIONS`).
Marking again replaces the mark. `labels` turns them into labelled conversations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.web.reports.models import Report, Risk, Verdict

from . import services


class VerdictForm(forms.Form):
    """Hidden fields say what is marked; the button pressed says how (`verdict` or `risk`)."""

    evidence = forms.IntegerField(min_value=1)
    target = forms.ChoiceField(choices=Verdict.Target.choices)
    position = forms.IntegerField(min_value=0, max_value=100_000, required=False)
    verdict = forms.ChoiceField(choices=(("right", _("Right")), ("wrong", _("Wrong"))), required=False)
    risk = forms.ChoiceField(choices=Risk.choices, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("target") == Verdict.Target.RISK and not data.get("risk"):
            self.add_error("risk", _("Choose the risk level you judge right."))
        if data.get("target") == Verdict.Target.FINDING:
            if data.get("position") is None:
                self.add_error("position", _("Say which finding is marked."))
            if not data.get("verdict"):
                self.add_error("verdict", _("Mark the finding right or wrong."))
        return data


def mark(report: Report, user: Any, data: dict[str, Any]) -> Verdict:
    """Store (or replace) one verdict on an evidence of `report`. ActionRefused("no_analysis") when the
    evidence has no readable analysis, ("no_finding") when the analysis has no such finding."""
    evidence = report.evidence.filter(pk=data["evidence"], deleted_at__isnull=True).first()
    analysis = services._evidence_view(evidence).analysis if evidence is not None else None
    if evidence is None or not analysis:
        raise services.ActionRefused("no_analysis")
    engine_risk = str(analysis.get("risk") or "")
    if data["target"] == Verdict.Target.RISK:
        verdict, _created = Verdict.objects.update_or_create(
            evidence=evidence, target=Verdict.Target.RISK, position=0,
            defaults={"engine_risk": engine_risk, "risk": data["risk"], "correct": data["risk"] == engine_risk,
                      "marked_by": user})
        return verdict
    findings = analysis.get("findings") or []
    position = int(data["position"])
    if position >= len(findings) or not isinstance(findings[position], dict):
        raise services.ActionRefused("no_finding")
    finding = findings[position]
    verdict, _created = Verdict.objects.update_or_create(
        evidence=evidence, target=Verdict.Target.FINDING, position=position,
        defaults={"signal": str(finding.get("signal", ""))[:32], "rule": str(finding.get("rule", ""))[:200],
                  "message_index": finding.get("index") if isinstance(finding.get("index"), int) else None,
                  "engine_risk": engine_risk, "correct": data["verdict"] == "right", "marked_by": user})
    return verdict


def marks(report: Report) -> dict[int, dict[str, Any]]:
    """The report page's marks: evidence id → {"risk": Verdict | None, "findings": {position: Verdict}}."""
    out: dict[int, dict[str, Any]] = {}
    for verdict in Verdict.objects.filter(evidence__report=report):
        entry = out.setdefault(verdict.evidence_id, {"risk": None, "findings": {}})
        if verdict.target == Verdict.Target.RISK:
            entry["risk"] = verdict
        else:
            entry["findings"][verdict.position] = verdict
    return out


def anchor(data: dict[str, Any]) -> str:
    """Back to the evidence that was marked."""
    return f"evidence-{data.get('evidence', '')}"
