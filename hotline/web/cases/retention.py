"""Retention: evidence of closed cases, and the reporter's contact, are deleted once the case has been
closed for `settings.HOTLINE_RETENTION_DAYS` (default 180) days, unless a legal hold is on the case.

    due(now=) -> QuerySet[Report]     closed reports past the period, not on hold, with something to delete
    apply(now=, dry_run=) -> Outcome   delete evidence files, their names and analyses, and the contact

What stays: the report's classification (crime, platform, age band, risk, status), its dates and history,
and every evidence row's type, size and hashes (SHA-256, and the PDQ hashes of its images), so that
statistics, duplicates and hash matching keep working. Each report done writes an audit entry (no user:
the hotline did it), and a summary entry closes the run. Run by `hotline manage apply_retention` and by
the daily task `apply_retention_daily` (`schedule_daily()` queues it; each run queues the next).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django_tasks import default_task_backend, task

from hotline.web import encryption
from hotline.web.reports.models import Evidence, Report, Status
from hotline.web.reports.storage import evidence_dir

from .models import AuditEvent
from .services import audit, case_of

#: A case counts as closed from its last change into one of these statuses.
CLOSED_STATUSES: tuple[str, ...] = (Status.CLOSED, Status.WITHDRAWN)


@dataclass(frozen=True)
class Outcome:
    reports: int
    files: int
    contacts: int


def due(now: dt.datetime | None = None) -> QuerySet[Report]:
    cutoff = (now or timezone.now()) - dt.timedelta(days=int(settings.HOTLINE_RETENTION_DAYS))
    return (Report.objects.filter(status__in=CLOSED_STATUSES)
            .exclude(case__legal_hold=True)
            .annotate(closed_at=Max("history__created_at", filter=Q(history__status__in=CLOSED_STATUSES)))
            .filter(closed_at__lt=cutoff)
            .filter(Q(evidence__deleted_at__isnull=True, evidence__isnull=False) | ~Q(contact=""))
            .distinct().order_by("pk"))


def _purge(report: Report, now: dt.datetime) -> tuple[int, int]:
    folder = evidence_dir()
    files = 0
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if Report.objects.filter(pk=report.pk, case__legal_hold=True).exists():
            return 0, 0
        for evidence in Evidence.objects.filter(report=locked, deleted_at__isnull=True):
            encryption.remove_file(folder, evidence.storage_name)
            Evidence.objects.filter(pk=evidence.pk).update(name_encrypted=b"", analysis_encrypted=None,
                                                           deleted_at=now)
            files += 1
        contacts = 1 if locked.contact else 0
        if contacts:
            Report.objects.filter(pk=locked.pk).update(contact="")
        AuditEvent.objects.create(user=None, action=AuditEvent.Action.RETENTION, report=locked,
                                  detail=f"{files} evidence files, contact {'deleted' if contacts else 'none'}")
    return files, contacts


def apply(now: dt.datetime | None = None, *, dry_run: bool = False) -> Outcome:
    """Delete what the period allows; with dry_run, only count the reports it would touch."""
    now = now or timezone.now()
    reports = list(due(now))
    if dry_run:
        return Outcome(len(reports), 0, 0)
    files = contacts = 0
    for report in reports:
        f, c = _purge(report, now)
        files, contacts = files + f, contacts + c
    AuditEvent.objects.create(user=None, action=AuditEvent.Action.RETENTION,
                              detail=f"run: {len(reports)} reports, {files} files, {contacts} contacts; "
                                     f"{settings.HOTLINE_RETENTION_DAYS} days")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # keep the query planner's statistics fresh (daily)
            cursor.execute("PRAGMA optimize")
    return Outcome(len(reports), files, contacts)


def set_legal_hold(report: Report, user: object, hold: bool) -> None:
    """A supervisor puts a legal hold on a case, or lifts it (audited)."""
    case = case_of(report)
    case.legal_hold = hold
    case.save(update_fields=["legal_hold"])
    audit(user, AuditEvent.Action.LEGAL_HOLD, report=report, detail="on" if hold else "off")


#: The daily task runs this long after the previous run.
DAY = dt.timedelta(days=1)


@task()
def apply_retention_daily() -> str:
    """The scheduled run: apply retention, then queue the next run a day later."""
    outcome = apply()
    schedule_daily(after=DAY)
    return f"{outcome.reports} reports"


def schedule_daily(after: dt.timedelta = dt.timedelta(0)) -> str:
    """Queue the daily task (on a backend that can defer; the tests' immediate backend runs nothing)."""
    if not default_task_backend.supports_defer:
        return "not queued: the task backend cannot run tasks later"
    result = apply_retention_daily.using(run_after=timezone.now() + after).enqueue()
    return f"queued ({result.id})"
