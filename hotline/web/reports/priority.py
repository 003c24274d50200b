"""Where a report stands in the analysts' queue: its category's baseline, raised by what its evidence
showed (a hash-list match is critical) and by the age of the child."""

from __future__ import annotations

from .models import RISK_RANK, Report, Risk

#: The queue position a report gets from its category alone, before any evidence is analysed.
CATEGORY_BASELINE: dict[str, str] = {
    "csam": Risk.HIGH, "child_solicitation": Risk.HIGH, "sextortion": Risk.HIGH,
    "grooming": Risk.MEDIUM, "sexting": Risk.MEDIUM, "sexual_cyberbullying": Risk.LOW, "other": Risk.LOW,
}


def baseline(category: str) -> int:
    return RISK_RANK[CATEGORY_BASELINE.get(category, Risk.LOW)]


def initial_priority(category: str, victim_age_band: str) -> tuple[str, int]:
    """(risk, priority) of a report none of whose evidence is analysed yet: what `recompute_priority`
    gives it, known without reading anything."""
    return Risk.NONE, baseline(category) + (1 if victim_age_band == "under_13" else 0)


def recompute_priority(report: Report) -> None:
    """Report risk = the highest risk of its analysed evidence (a hash-list match is critical);
    priority = the larger of that and the category's baseline, one higher for a child under 13."""
    ranks = [RISK_RANK[r] for r in report.evidence.exclude(risk="").values_list("risk", flat=True)]
    if report.evidence.filter(hash_matches__gt=0).exists():
        ranks.append(RISK_RANK[Risk.CRITICAL])
    risk_rank = max(ranks, default=0)
    priority = max(risk_rank, baseline(report.category))
    if report.victim_age_band == "under_13":
        priority += 1
    report.risk = Risk.values[risk_rank]
    report.priority = priority
    Report.objects.filter(pk=report.pk).update(risk=report.risk, priority=priority)
