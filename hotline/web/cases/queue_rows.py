"""The queue's rows as the page shows them: every label, date, waiting time and link made once per page
in Python, so that the template prints 50 rows of plain text. Rendered by the template's own lookups,
filters and translation tags, the rows took most of the queue page's time (about 1,600 variable lookups,
400 translations, 50 URL reversals per page). The risk's label stays a template filter: it is the public
site's wording, which this app does not import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from hotline.web.numerals import local_digits
from hotline.web.reports.models import AgeBand, Category, Platform, Status

#: Stands for the report's id in the reversed URL (replaced per row instead of reversing 50 times).
_PK = 987654321


@dataclass(frozen=True)
class QueueRow:
    pk: int
    code: str
    url: str
    #: The order it is worked in (in the page's digits) and whether a linked report raised it.
    priority: int
    priority_text: str
    raised: bool
    category: str
    platform: str
    risk: str
    status: str
    age: str
    received_iso: str
    received: str
    waiting: str
    overdue: bool
    analyst: str


def rows(reports: Iterable[Any], *, overdue_before: dt.datetime, waiting_statuses: Iterable[str],
         now: dt.datetime | None = None) -> list[QueueRow]:
    """The page's rows for `reports` (from `services.queue_page`, which loads the fields read here)."""
    now = now or timezone.now()
    labels = {name: {k: str(v) for k, v in choices} for name, choices in (
        ("category", Category.choices), ("platform", Platform.choices), ("status", Status.choices),
        ("age", AgeBand.choices))}
    waiting = frozenset(waiting_statuses)
    url = reverse("cases:report", args=[_PK])
    out = []
    for r in reports:
        received = timezone.localtime(r.created_at)
        case = getattr(r, "case", None)  # None when the report has no case (no query: select_related)
        analyst = case.analyst if case is not None else None
        out.append(QueueRow(
            pk=r.pk, code=r.tracking_code, url=url.replace(str(_PK), str(r.pk)),
            priority=r.effective_priority, priority_text=local_digits(r.effective_priority),
            raised=r.effective_priority > r.priority,
            category=labels["category"].get(r.category, r.category),
            platform=labels["platform"].get(r.platform, r.platform),
            risk=r.risk,
            status=labels["status"].get(r.status, r.status),
            age=labels["age"].get(r.victim_age_band, r.victim_age_band),
            received_iso=received.isoformat(), received=local_digits(received.strftime("%Y-%m-%d %H:%M")),
            waiting=local_digits(timesince(r.created_at, now)),
            overdue=r.status in waiting and r.created_at < overdue_before,
            analyst=analyst.get_username() if analyst is not None else ""))
    return out

