"""Forwarding packages: what a receiver (police, a platform, another hotline, an NGO) gets when a report
is forwarded, readable without Hotline: `package.json` (its fields, version 1, are documented in
docs/forwarding-package.md) and `package.pdf` (printable, Khmer shaped, its font embedded: see
`package_pdf`), alone or zipped together.

A package is built from the report and the forwarding row when it is downloaded (so it holds what the
hotline knows then; `generated_at` says when). Never in a package: the reporter's contact, the PIN, the
reporter's later notes, evidence files or their names. Evidence is identified by SHA-256 and PDQ hashes;
the analysis contributes its summary and the findings that quote the messages they cite.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.utils import timezone

from hotline.web.reports.models import Category, Evidence, Report

from . import package_pdf
from .models import EvidenceImageHash, Forwarding
from .services import _stored_result as stored_result

#: The package JSON's `format` and `version`; a change that renames or removes a field raises the version.
FORMAT = "hotline-forwarding-package"
VERSION = 1
#: What a download may ask for: the zip of both files, or one of them.
CONTENT_TYPES = {"zip": "application/zip", "json": "application/json", "pdf": "application/pdf"}
INCIDENT_TYPES_FILE = Path(__file__).with_name("data") / "incident_types.json"
#: Summary fields of an analysis copied into the package (the rest, such as text read from a screenshot,
#: stays in Hotline).
ANALYSIS_FIELDS = ("format", "languages", "message_count", "risk", "score", "scores", "first_alert_index",
                   "participants", "stages")
FINDING_FIELDS = ("index", "sender", "signal", "rule", "stage", "excerpt")


class IncidentTypesError(ValueError):
    """The incident-type data file is incomplete or malformed (found when it is loaded)."""


@dataclass(frozen=True)
class IncidentType:
    """The incident type reporting schemes use for one of Hotline's crime categories."""

    id: str
    #: Per language ("en" and "km" at least).
    label: dict[str, str]
    #: The US CyberTipline's incident type ("" when none fits).
    ncmec_cybertipline: str

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label["en"]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": dict(self.label), "ncmec_cybertipline": self.ncmec_cybertipline}


@cache
def incident_types(path: Path = INCIDENT_TYPES_FILE) -> dict[str, IncidentType]:
    """Category → incident type, from the data file; every category must be mapped, with English and
    Khmer labels."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))["categories"]
        types = {key: IncidentType(str(value["id"]), {str(k): str(v) for k, v in value["label"].items()},
                                   str(value.get("ncmec_cybertipline", "")))
                 for key, value in raw.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IncidentTypesError(f"{path.name}: unreadable ({exc})") from exc
    missing = sorted(set(Category.values) - set(types))
    unknown = sorted(set(types) - set(Category.values))
    bad = sorted(k for k, t in types.items() if not t.id or not t.label.get("en") or not t.label.get("km"))
    if missing or unknown or bad:
        raise IncidentTypesError(f"{path.name}: categories missing {missing}, unknown {unknown}, "
                                 f"without an id or an English and Khmer label {bad}")
    return types


def _analysis(evidence: Evidence) -> dict[str, Any] | None:
    analysis = stored_result(evidence).get("analysis")
    if not isinstance(analysis, dict):
        return None
    summary = {key: analysis[key] for key in ANALYSIS_FIELDS if key in analysis}
    summary["cited_messages"] = [{key: f[key] for key in FINDING_FIELDS if f.get(key) not in (None, "")}
                                 for f in analysis.get("findings", []) if isinstance(f, dict)]
    return summary


def _evidence(report: Report) -> list[dict[str, Any]]:
    hashes: dict[int, list[dict[str, Any]]] = {}
    for row in EvidenceImageHash.objects.filter(evidence__report=report).order_by("id"):
        hashes.setdefault(row.evidence_id, []).append({"pdq": row.pdq, "quality": row.quality})
    return [{
        "kind": e.kind, "content_type": e.content_type, "size": e.size, "sha256": e.sha256,
        "received_at": e.created_at.isoformat(), "pdq": hashes.get(e.pk, []),
        "hash_list_matches": e.hash_matches, "deleted_after_retention": e.deleted_at is not None,
        "analysis": _analysis(e) if e.deleted_at is None else None,
    } for e in report.evidence.all()]


def package_data(forwarding: Forwarding) -> dict[str, Any]:
    """The package as a JSON-ready dict (see docs/forwarding-package.md). No reporter contact."""
    report = forwarding.report
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "forwarding": {
            "recipient": forwarding.recipient, "recipient_name": forwarding.recipient_name,
            "reference": forwarding.reference, "forwarded_on": forwarding.forwarded_on.isoformat(),
            "classification": forwarding.classification or None,
        },
        "report": {
            "tracking_code": report.tracking_code, "received_at": report.created_at.isoformat(),
            "category": report.category, "incident_type": incident_types()[report.category].to_dict(),
            "platform": report.platform, "description": report.description,
            "victim_age_band": report.victim_age_band, "reporter_type": report.reporter_type,
            "language": report.language, "status": report.status, "risk": report.risk,
            "offender": {"name": report.offender_name, "profile_url": report.offender_profile_url,
                         "claimed_age": report.offender_claimed_age,
                         "nationality": report.offender_nationality or "unknown"},
        },
        "urls": [u.url for u in report.urls.all()],
        "evidence": _evidence(report),
        "removals": [{"url": r.url, "removed_on": r.removed_on.isoformat()} for r in report.removals.all()],
    }


def package_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def filename(forwarding: Forwarding, kind: str) -> str:
    return f"hotline-{forwarding.report.tracking_code}-forwarding-{forwarding.pk}.{kind}"


def build(forwarding: Forwarding, kind: str, language: str) -> bytes:
    """The package as `kind` ("zip", "json" or "pdf"); the PDF's headings in `language`. Raises
    package_pdf.FontMissing when no Khmer font can be found for the PDF."""
    data = package_data(forwarding)
    if kind == "json":
        return package_json(data)
    pdf = package_pdf.render(data, language)
    if kind == "pdf":
        return pdf
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        stem = filename(forwarding, "")[:-1]
        archive.writestr(f"{stem}/package.json", package_json(data))
        archive.writestr(f"{stem}/package.pdf", pdf)
    return out.getvalue()
