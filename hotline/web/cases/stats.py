"""Aggregated numbers about reports, for supervisors and (once published) the public.

    compute() -> dict                 counts by platform, crime, month, offender nationality; removals
    rows(stats) -> list[list[str]]    the same as CSV rows (section, key, count)
    publish(user) / published()       a snapshot the public page shows

Only counts leave this module: no tracking code, link or free text. Nationalities are free text typed
by reporters, so common spellings (English and Khmer) are folded into one key before counting.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from hotline.web.reports.models import Report, Status, StatusChange

from .models import AuditEvent, PublishedStatistics, Removal

#: Spellings of the nationalities reports most often name, folded into one key (ISO 3166 alpha-2).
NATIONALITY_ALIASES: dict[str, str] = {
    "cambodian": "KH", "cambodia": "KH", "khmer": "KH", "ខ្មែរ": "KH", "កម្ពុជា": "KH", "ជនជាតិខ្មែរ": "KH",
    "thai": "TH", "thailand": "TH", "ថៃ": "TH",
    "vietnamese": "VN", "vietnam": "VN", "viet nam": "VN", "វៀតណាម": "VN", "យួន": "VN",
    "chinese": "CN", "china": "CN", "ចិន": "CN",
    "korean": "KR", "south korean": "KR", "korea": "KR", "កូរ៉េ": "KR",
    "japanese": "JP", "japan": "JP", "ជប៉ុន": "JP",
    "american": "US", "usa": "US", "united states": "US", "us": "US", "អាមេរិក": "US", "អាមេរិកាំង": "US",
    "british": "GB", "uk": "GB", "english": "GB", "អង់គ្លេស": "GB",
    "australian": "AU", "australia": "AU", "អូស្ត្រាលី": "AU",
    "french": "FR", "france": "FR", "បារាំង": "FR",
    "laotian": "LA", "lao": "LA", "laos": "LA", "ឡាវ": "LA",
    "filipino": "PH", "philippines": "PH", "ហ្វីលីពីន": "PH",
    "indonesian": "ID", "indonesia": "ID", "malaysian": "MY", "malaysia": "MY",
    "russian": "RU", "russia": "RU", "german": "DE", "germany": "DE", "canadian": "CA", "canada": "CA",
}
UNKNOWN = "unknown"
#: Sections of the statistics, in the order they are shown and exported.
SECTIONS = ("platform", "category", "month", "nationality", "removals_by_month")


def nationality_key(text: str) -> str:
    """ISO code for a known spelling; the cleaned text for others; "unknown" when blank."""
    cleaned = " ".join(text.replace("-", " ").split()).casefold()
    if not cleaned or cleaned in {"?", "unknown", "don't know", "dont know", "មិនដឹង", "n/a"}:
        return UNKNOWN
    return NATIONALITY_ALIASES.get(cleaned, cleaned[:60])


def _sorted_counts(counter: Counter[str]) -> list[list[Any]]:
    return [[key, count] for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def compute() -> dict[str, Any]:
    """Every count the statistics page shows, as plain JSON (labels are added when shown)."""
    reports = Report.objects.all()
    by_platform = Counter(dict(reports.values_list("platform").annotate(n=Count("id")).values_list("platform", "n")))
    by_category = Counter(dict(reports.values_list("category").annotate(n=Count("id")).values_list("category", "n")))
    by_month: Counter[str] = Counter()
    for month, n in (reports.annotate(month=TruncMonth("created_at")).values_list("month")
                     .annotate(n=Count("id")).values_list("month", "n")):
        by_month[month.strftime("%Y-%m")] += n
    by_nationality: Counter[str] = Counter()
    for text, n in reports.values_list("offender_nationality").annotate(n=Count("id")).values_list(
            "offender_nationality", "n"):
        by_nationality[nationality_key(text)] += n
    removals_by_month: Counter[str] = Counter()
    for removed_on in Removal.objects.values_list("removed_on", flat=True):
        removals_by_month[removed_on.strftime("%Y-%m")] += 1
    assessed = {Status.ASSESSED, Status.FORWARDED, Status.REMOVED}
    return {
        "generated_at": timezone.now().isoformat(),
        "total": reports.count(),
        "assessed": StatusChange.objects.filter(status__in=assessed).values("report").distinct().count(),
        "forwarded": StatusChange.objects.filter(status=Status.FORWARDED).values("report").distinct().count(),
        "removed_reports": StatusChange.objects.filter(status=Status.REMOVED).values("report").distinct().count(),
        "removals": Removal.objects.count(),
        "platform": _sorted_counts(by_platform),
        "category": _sorted_counts(by_category),
        "month": [[k, by_month[k]] for k in sorted(by_month)],
        "nationality": _sorted_counts(by_nationality),
        "removals_by_month": [[k, removals_by_month[k]] for k in sorted(removals_by_month)],
    }


def rows(stats: dict[str, Any]) -> list[list[Any]]:
    """CSV rows: a header, the totals, then one row per (section, key)."""
    out: list[list[Any]] = [["section", "key", "count"]]
    for total in ("total", "assessed", "forwarded", "removed_reports", "removals"):
        out.append(["totals", total, stats[total]])
    for section in SECTIONS:
        out.extend([section, key, count] for key, count in stats[section])
    return out


def publish(user: Any) -> PublishedStatistics:
    snapshot = PublishedStatistics.objects.create(data=compute(), published_by=user)
    AuditEvent.objects.create(user=user, action=AuditEvent.Action.PUBLISH_STATS, detail=f"snapshot {snapshot.pk}")
    return snapshot


def published() -> PublishedStatistics | None:
    return PublishedStatistics.objects.first()
