"""Aggregated numbers about reports, for supervisors and (once published) the public.

    compute() -> dict                 exact counts by platform, crime, month, offender nationality; removals
    current() -> (dict, stale)        the staff page's numbers: the last refresh (a task refreshes them)
    rows(stats) -> list[list[str]]    the same as CSV rows (section, key, count)
    suppress(stats) -> dict           what may be shown to the public (see below)
    publish(user) / published()       a suppressed snapshot; the public page and home counters read only it

Only counts leave this module: no tracking code, link or free text (nationality is a code from a list).
Demo reports (`source="demo"`, made by `hotline serve` to show the site) never count.

Suppression, done once when a supervisor publishes: every count from 1 to 4 is shown as "fewer than 5".
Because the total of a section is public, a single small cell could be recovered by subtraction; so
within each section further cells are withheld ("5 or more") until no suppressed cell's value follows
from the total and the shown cells, and a section where even that is not enough is withheld whole.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hotline.web.reports import nationality
from hotline.web.reports.models import Report, Status, StatusChange

from .models import AuditEvent, PublishedStatistics, Removal
from .months import MonthText

UNKNOWN = nationality.UNKNOWN
#: Sections of the statistics, in the order they are shown and exported.
SECTIONS = ("platform", "category", "month", "nationality", "removals_by_month")
#: Totals, in the order they are shown; which total each section adds up to.
TOTALS = ("total", "assessed", "forwarded", "removed_reports", "removals")
SECTION_TOTAL = {"platform": "total", "category": "total", "month": "total", "nationality": "total",
                 "removals_by_month": "removals"}
CHRONOLOGICAL = ("month", "removals_by_month")
#: Counts below this are not published.
THRESHOLD = 5
FEWER = "<5"
WITHHELD = "5+"
#: The staff page recomputes synchronously only when its numbers are older than this.
STALE_SECONDS = 600
CACHE_KEY = "hotline:staff-statistics"
_INFINITY = 10**9


def nationality_key(text: str) -> str:
    """The code a stored (or once typed) nationality counts under; never the free text."""
    return nationality.from_text(text)


def _sorted_counts(counter: Counter[str]) -> list[list[Any]]:
    return [[key, count] for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _real_reports() -> QuerySet[Report]:
    return Report.objects.exclude(source="demo")


def compute(since: dt.date | None = None, until: dt.date | None = None) -> dict[str, Any]:
    """Every count the statistics pages show, exact, as plain JSON (labels are added when shown);
    with `since`/`until`, only reports received (and removals made) on those days, inclusive."""
    reports = _real_reports()
    removals = Removal.objects.exclude(report__source="demo")
    if since:
        reports = reports.filter(created_at__gte=_day_start(since))
        removals = removals.filter(removed_on__gte=since)
    if until:
        reports = reports.filter(created_at__lt=_day_start(until + dt.timedelta(days=1)))
        removals = removals.filter(removed_on__lte=until)
    by_platform = Counter(dict(reports.values_list("platform").annotate(n=Count("id")).values_list("platform", "n")))
    by_category = Counter(dict(reports.values_list("category").annotate(n=Count("id")).values_list("category", "n")))
    by_month = Counter(dict(reports.annotate(month=MonthText("created_at")).values_list("month")
                            .annotate(n=Count("id")).order_by().values_list("month", "n")))
    by_nationality: Counter[str] = Counter()
    for text, n in reports.values_list("offender_nationality").annotate(n=Count("id")).values_list(
            "offender_nationality", "n"):
        by_nationality[nationality_key(text)] += n
    removals_by_month = Counter(dict(removals.annotate(month=MonthText("removed_on", moment=False))
                                     .values_list("month").annotate(n=Count("id")).order_by()
                                     .values_list("month", "n")))
    changes = StatusChange.objects.exclude(report__source="demo")
    if since or until:
        changes = changes.filter(report__in=reports)
    assessed = {Status.ASSESSED, Status.FORWARDED, Status.REMOVED}
    return {
        "generated_at": timezone.now().isoformat(),
        "total": reports.count(),
        "assessed": changes.filter(status__in=assessed).values("report").distinct().count(),
        "forwarded": changes.filter(status=Status.FORWARDED).values("report").distinct().count(),
        "removed_reports": changes.filter(status=Status.REMOVED).values("report").distinct().count(),
        "removals": removals.count(),
        "platform": _sorted_counts(by_platform),
        "category": _sorted_counts(by_category),
        "month": [[k, by_month[k]] for k in sorted(by_month)],
        "nationality": _sorted_counts(by_nationality),
        "removals_by_month": [[k, removals_by_month[k]] for k in sorted(removals_by_month)],
    }


def refresh() -> dict[str, Any]:
    """Recompute the staff numbers and keep them in the shared cache (the task calls this)."""
    stats = compute()
    cache.set(CACHE_KEY, stats, None)
    return stats


def current() -> tuple[dict[str, Any], bool]:
    """The staff page's numbers: the last refresh (computed now if there is none), and whether it is
    stale (the caller then queues `tasks.refresh_statistics`)."""
    stats = cache.get(CACHE_KEY)
    if not isinstance(stats, dict):
        return refresh(), False
    generated = parse_datetime(str(stats.get("generated_at", "")))
    stale = generated is None or (timezone.now() - generated).total_seconds() > STALE_SECONDS
    return stats, stale


def rows(stats: dict[str, Any]) -> list[list[Any]]:
    """CSV rows: a header, the totals, then one row per (section, key)."""
    out: list[list[Any]] = [["section", "key", "count"]]
    for total in TOTALS:
        out.append(["totals", total, stats[total]])
    for section in SECTIONS:
        out.extend([section, key, count] for key, count in stats[section])
    return out


# ---------------------------------------------------------------- suppression


def _bounds(value: Any) -> tuple[int, int]:
    """What a reader knows of a published value: exact, 1–4, or at least 5."""
    if value == FEWER:
        return 1, THRESHOLD - 1
    if value == WITHHELD:
        return THRESHOLD, _INFINITY
    return int(value), int(value)


def _recoverable(hidden: list[tuple[int, int]], low: int, high: int) -> bool:
    """Whether some hidden cell's value follows from its bounds and their sum lying in [low, high]."""
    sum_low = sum(lo for lo, _hi in hidden)
    sum_high = sum(hi for _lo, hi in hidden)
    for lo, hi in hidden:
        least = max(lo, low - (sum_high - hi))
        most = min(hi, high - (sum_low - lo))
        if most <= least:
            return True
    return False


def _suppress_section(cells: list[list[Any]], total: Any) -> list[list[Any]] | None:
    """The cells as published, or None when the section must be withheld whole."""
    shown = {key: int(n) for key, n in cells if int(n) >= THRESHOLD}
    hidden = {key: FEWER for key, n in cells if 0 < int(n) < THRESHOLD}
    total_low, total_high = _bounds(total)
    while hidden:
        rest = sum(shown.values())
        bounds = [_bounds(v) for v in hidden.values()]
        if not _recoverable(bounds, total_low - rest, total_high - rest):
            break
        if not shown:
            return None
        smallest = min(shown, key=lambda k: (shown[k], k))
        hidden[smallest] = WITHHELD
        del shown[smallest]
    # Shown cells by size; hidden ones after them by key, so that their order says nothing of their size.
    ordered = sorted(shown.items(), key=lambda kv: (-kv[1], kv[0]))
    ordered += sorted(hidden.items(), key=lambda kv: (kv[1] == FEWER, kv[0]))
    zeros = [(key, 0) for key, n in cells if int(n) == 0]
    return [[key, value] for key, value in ordered + zeros]


def suppress(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers as they may be published: see the module's docstring. Keys stay; counts change."""
    out: dict[str, Any] = {"generated_at": stats.get("generated_at", ""), "suppressed": True,
                           "threshold": THRESHOLD, "withheld": []}
    for total in TOTALS:
        value = stats.get(total, 0)
        out[total] = FEWER if isinstance(value, int) and 0 < value < THRESHOLD else value
    for section in SECTIONS:
        cells = stats.get(section, [])
        published = _suppress_section(cells, out[SECTION_TOTAL[section]])
        if published is not None and section in CHRONOLOGICAL:
            published.sort(key=lambda kv: str(kv[0]))
        if published is None:
            out["withheld"].append(section)
            published = []
        out[section] = published
    return out


def rewrite_snapshot(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot published before suppression, as it would be published now: nationalities folded to
    codes (free text becomes "other"), then suppressed. Already suppressed snapshots are returned as they are."""
    if data.get("suppressed"):
        return data
    folded: Counter[str] = Counter()
    for key, count in data.get("nationality", []):
        folded[nationality_key(str(key))] += int(count)
    return suppress({**data, "nationality": _sorted_counts(folded)})


def publish(user: Any) -> PublishedStatistics:
    snapshot = PublishedStatistics.objects.create(data=suppress(compute()), published_by=user)
    AuditEvent.objects.create(user=user, action=AuditEvent.Action.PUBLISH_STATS, detail=f"snapshot {snapshot.pk}")
    return snapshot


def published() -> PublishedStatistics | None:
    return PublishedStatistics.objects.first()


def public_counters() -> dict[str, int | str]:
    """The home page's counters, from the last published snapshot only (zeros before the first)."""
    snapshot = published()
    data = snapshot.data if snapshot else {}
    return {"received": data.get("total", 0), "assessed": data.get("assessed", 0),
            "removed": data.get("removed_reports", 0)}
