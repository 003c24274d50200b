"""Case work: everything the staff views do, so that they stay thin.

    queue(filters, user) / queue_page(...) / queue_counts()   open reports, highest priority first, then oldest
    take(report, user) / take_next(user) / assign(report, analyst, by)
    analyses(report, user)                        the engine's analysis of each evidence (audited)
    whole_chat(evidence, user)                    every message of a chat export (audited)
    evidence_image(evidence, user, revealed=)     an image, blurred and grey unless revealed (audited)
    reveal(evidence, user)                        record that an analyst chose to see an image clearly
    change_status / record_forwarding / record_removal / add_to_hash_list
    evidence_analysed(evidence, image_hashes, hash_matches)   on the reports app's signal of that name

Least exposure: the report page shows the findings' excerpts; the whole chat and the clear image
are opened only on an analyst's request. Every decryption for a person writes an AuditEvent with who,
when, which evidence and what action; never the content.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from PIL import ImageFilter, ImageOps

from hotline.detect.chats import parse
from hotline.detect.errors import InputError
from hotline.detect.media.decoding import load_image, open_image
from hotline.web import encryption
from hotline.web.hashlists.services import add_evidence_image
from hotline.web.reports.models import Evidence, Report, Status
from hotline.web.reports.services import set_status
from hotline.web.reports.storage import evidence_filename, read_evidence
from hotline.web.staff.roles import can_reveal, can_supervise, can_work
from hotline.web.trackingcodes import normalize_code
from hotline.web.uploads import WEB_ZIP_LIMITS

from . import linking, queue_tally
from .models import AuditEvent, Case, Forwarding, Removal

log = logging.getLogger(__name__)

#: Reports still needing work; the queue shows these unless a status filter asks otherwise.
OPEN_STATUSES: tuple[str, ...] = (Status.RECEIVED, Status.IN_REVIEW, Status.ASSESSED, Status.FORWARDED)
#: Reports in these statuses still wait for an analyst; the queue flags them once older than
#: settings.HOTLINE_QUEUE_OVERDUE_HOURS.
WAITING_STATUSES: tuple[str, ...] = (Status.RECEIVED, Status.IN_REVIEW)
#: Statuses an analyst may set from the report page.
ACTION_STATUSES: tuple[str, ...] = (Status.IN_REVIEW, Status.ASSESSED, Status.FORWARDED, Status.REMOVED,
                                    Status.CLOSED)
#: Material counts as assessed (and may go to a hash list) once the report reached one of these.
ASSESSED_STATUSES: frozenset[str] = frozenset({Status.ASSESSED, Status.FORWARDED, Status.REMOVED,
                                               Status.CLOSED})
#: The hash list assessed images go to unless the analyst picks another.
DEFAULT_HASH_LIST = "hotline-assessed"
#: A blurred preview is at most this many pixels on its longer side: enough to tell what kind of picture.
PREVIEW_SIZE = 480


class ActionRefused(Exception):
    """An action that cannot be done to this report now; the message is shown to the analyst."""


# ---------------------------------------------------------------- who may do what


def analysts() -> QuerySet[Any]:
    """Active staff who may work cases (directly, through a group, or as superusers)."""
    perm = Q(user_permissions__codename="work_cases") | Q(groups__permissions__codename="work_cases")
    return (get_user_model().objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | perm).distinct().order_by("username"))


def audit(user: Any, action: str, *, report: Report | None = None, evidence: Evidence | None = None,
          detail: str = "") -> AuditEvent:
    """Record an action. `detail` must never carry evidence content (ids, statuses, list names only)."""
    if report is None and evidence is not None:
        report = evidence.report
    return AuditEvent.objects.create(user=user, action=action, report=report, evidence=evidence,
                                     detail=detail[:200])


# ---------------------------------------------------------------- the queue


@dataclass(frozen=True)
class QueueFilters:
    status: str = ""
    category: str = ""
    platform: str = ""
    risk: str = ""
    #: "mine", "unassigned" or "" (everyone's).
    assigned: str = ""
    #: Received on or after / on or before these days (local time), when given.
    received_from: dt.date | None = None
    received_to: dt.date | None = None


#: Reports per page of the queue.
PAGE_SIZE = 50


#: What a row of the queue page shows (`queue_rows`): not the encrypted free text, which every row would
#: decrypt when loaded.
QUEUE_FIELDS = ("id", "tracking_code", "category", "platform", "risk", "status", "victim_age_band", "created_at",
                "priority", "queue_priority", "case__id", "case__analyst__id", "case__analyst__username")


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue and the cursor of the next ("" on the last page)."""

    reports: list[Report]
    after: str


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _open(qs: QuerySet[Report]) -> QuerySet[Report]:
    """Open reports, written as the literal condition of the partial index `report_open_queue` (a
    bound parameter would hide from SQLite that the index covers the query)."""
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)  # constants, not input
    return qs.extra(where=[f'"reports_report"."status" IN ({statuses})'])


def queue(filters: QueueFilters, user: Any) -> QuerySet[Report]:
    """Reports to work, highest effective priority first (a report's own priority or the one its
    linked high-risk reports lend it), then oldest first, then by id (a stable order for paging)."""
    qs = Report.objects.select_related("case__analyst").annotate(effective_priority=F("queue_priority"))
    qs = qs.filter(status=filters.status) if filters.status else _open(qs)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    if filters.risk:
        qs = qs.filter(risk=filters.risk)
    if filters.assigned == "mine":
        qs = qs.filter(case__analyst=user)
    elif filters.assigned == "unassigned":
        qs = qs.filter(Q(case__isnull=True) | Q(case__analyst__isnull=True))
    if filters.received_from:
        qs = qs.filter(created_at__gte=_day_start(filters.received_from))
    if filters.received_to:
        qs = qs.filter(created_at__lt=_day_start(filters.received_to + dt.timedelta(days=1)))
    return qs.order_by("-queue_priority", "created_at", "id")


def _cursor(report: Any) -> str:
    return f"{report.effective_priority}~{report.created_at.isoformat()}~{report.pk}"


def _parse_cursor(after: str) -> tuple[int, dt.datetime, int] | None:
    """(priority, received, id) of the last report of the previous page; None when not a cursor."""
    parts = after.split("~")
    if len(parts) != 3:
        return None
    try:
        when = parse_datetime(parts[1].replace(" ", "+"))
        priority, pk = int(parts[0]), int(parts[2])
    except ValueError:
        return None
    return (priority, when, pk) if when is not None and when.tzinfo is not None else None


def queue_page(filters: QueueFilters, user: Any, after: str = "", size: int = PAGE_SIZE) -> QueuePage:
    """A page of the queue after the report `after` names (keyset paging: the database reads the page
    from where the previous one ended, never skipping rows by counting them). A cursor that cannot be
    read gives the first page."""
    qs = queue(filters, user).only(*QUEUE_FIELDS)
    cursor = _parse_cursor(after) if after else None
    if cursor is not None:
        priority, when, pk = cursor
        qs = qs.filter(Q(queue_priority__lt=priority)
                       | Q(queue_priority=priority, created_at__gt=when)
                       | Q(queue_priority=priority, created_at=when, pk__gt=pk))
    rows = list(qs[:size + 1])
    return QueuePage(rows[:size], _cursor(rows[size - 1]) if len(rows) > size else "")


def queue_counts(user: Any) -> dict[str, Any]:
    """Counts above the queue: by status, open, unassigned open, mine, high risk open. One read of the
    tally the database's triggers keep (`queue_tally`): as fast at a million reports as at ten."""
    tally = queue_tally.counts(connection, getattr(user, "pk", None))
    by_status = dict.fromkeys(Status.values, 0)
    counted = {"open": 0, "unassigned": 0, "mine": 0, "high_risk": 0}
    for (status, high_risk, who), n in tally.items():
        by_status[status] = by_status.get(status, 0) + n
        if status in OPEN_STATUSES:
            counted["open"] += n
            counted["high_risk"] += n if high_risk else 0
            counted["unassigned"] += n if who == "none" else 0
            counted["mine"] += n if who == "mine" else 0
    return {"by_status": [(value, label, by_status[value]) for value, label in Status.choices], **counted}


def queue_total(filters: QueueFilters, user: Any, counts: dict[str, Any]) -> int:
    """How many reports the filters match: read from the counts above the queue when they hold the
    answer (no filter, one status, mine, not assigned), else counted by the database."""
    known = {QueueFilters(): counts["open"], QueueFilters(assigned="unassigned"): counts["unassigned"],
             QueueFilters(assigned="mine"): counts["mine"],
             **{QueueFilters(status=value): n for value, _label, n in counts["by_status"]}}
    return known[filters] if filters in known else queue(filters, user).count()


#: Entries per page of the audit log.
AUDIT_PAGE_SIZE = 100


def audit_log(*, action: str = "", user: Any = None, tracking_code: str = "", since: dt.date | None = None,
              until: dt.date | None = None, before: str = "") -> tuple[list[AuditEvent], str]:
    """A page of the audit log, newest first, filtered; and the cursor of the next (older) page ("" on
    the last). Keyset paging on (time, id), as the queue."""
    qs = AuditEvent.objects.select_related("user", "report", "evidence").order_by("-at", "-id")
    if action:
        qs = qs.filter(action=action)
    if user is not None:
        qs = qs.filter(user=user)
    if tracking_code:
        qs = qs.filter(report__tracking_code=normalize_code(tracking_code))
    if since:
        qs = qs.filter(at__gte=_day_start(since))
    if until:
        qs = qs.filter(at__lt=_day_start(until + dt.timedelta(days=1)))
    at_text, _sep, pk_text = before.partition("~")
    when = parse_datetime(at_text.replace(" ", "+")) if before else None
    if when is not None and when.tzinfo is not None and pk_text.isdigit():
        qs = qs.filter(Q(at__lt=when) | Q(at=when, pk__lt=int(pk_text)))
    rows = list(qs[:AUDIT_PAGE_SIZE + 1])
    last = rows[AUDIT_PAGE_SIZE - 1] if len(rows) > AUDIT_PAGE_SIZE else None
    return rows[:AUDIT_PAGE_SIZE], f"{last.at.isoformat()}~{last.pk}" if last else ""


def case_of(report: Report) -> Case:
    """The report's case (the one loaded with it, if any), made when it has none yet."""
    try:
        return report.case
    except Case.DoesNotExist:
        case, _created = Case.objects.get_or_create(report=report)
        return case


def take(report: Report, user: Any) -> Case:
    """An analyst takes an unassigned report; a supervisor may take any."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case_of(report).pk)
        if case.analyst_id not in (None, user.pk) and not can_supervise(user):
            raise ActionRefused("assigned")
        case.analyst, case.assigned_by, case.assigned_at = user, user, timezone.now()
        case.save(update_fields=["analyst", "assigned_by", "assigned_at"])
        audit(user, AuditEvent.Action.ASSIGN, report=report, detail=f"user {user.pk}")
    return case


def take_next(user: Any) -> Report | None:
    """Assign the top unassigned open report to `user`; None when there is none. Two analysts pressing
    at the same moment never get the same report: the assignment is a conditional UPDATE (… WHERE
    analyst IS NULL) that only one of them wins (the other tries the next report), and on PostgreSQL the
    candidate row is locked with SKIP LOCKED so that the other picks another report without waiting."""
    candidates = queue(QueueFilters(assigned="unassigned"), user)
    for _attempt in range(10):
        with transaction.atomic():
            qs = candidates
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            report = qs.first()
            if report is None:
                return None
            case, _created = Case.objects.get_or_create(report=report)
            won = Case.objects.filter(pk=case.pk, analyst__isnull=True).update(
                analyst=user, assigned_by=user, assigned_at=timezone.now())
            if won:
                audit(user, AuditEvent.Action.ASSIGN, report=report, detail=f"user {user.pk} (next)")
                return report
    return None


def may_act_on(user: Any, report: Report) -> bool:
    """Status changes, forwarding and removal: the analyst working on the report, or a supervisor."""
    if can_supervise(user):
        return True
    return can_work(user) and Case.objects.filter(report=report, analyst_id=user.pk).exists()


def assign(report: Report, analyst: Any | None, by: Any) -> Case:
    """A supervisor assigns a report to an analyst (None: back to the pool)."""
    if not can_supervise(by):
        raise ActionRefused("not_supervisor")
    if analyst is not None and not can_work(analyst):
        raise ActionRefused("not_analyst")
    case = case_of(report)
    case.analyst, case.assigned_by, case.assigned_at = analyst, by, timezone.now()
    case.save(update_fields=["analyst", "assigned_by", "assigned_at"])
    audit(by, AuditEvent.Action.ASSIGN, report=report, detail=f"user {analyst.pk}" if analyst else "pool")
    return case


# ---------------------------------------------------------------- reading evidence (audited)


@dataclass(frozen=True)
class StageView:
    stage: str
    first_index: int
    #: The finding that cites the message where the stage began, if any (its excerpt is shown).
    excerpt: str = ""
    #: Empty when the chat names no senders (unattributed text).
    sender: str = ""


@dataclass(frozen=True)
class EvidenceView:
    """What the report page shows of one piece of evidence."""

    evidence: Evidence
    analysis: dict[str, Any] | None
    hash_matches: list[dict[str, Any]]
    stages: list[StageView] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)

    @property
    def is_image(self) -> bool:
        return self.evidence.kind == Evidence.Kind.SCREENSHOT

    @property
    def is_chat(self) -> bool:
        return self.evidence.kind == Evidence.Kind.CHAT


def _stored_result(evidence: Evidence) -> dict[str, Any]:
    if not evidence.analysis_encrypted:
        return {}
    try:
        value = json.loads(encryption.decrypt(evidence.analysis_encrypted))
    except (encryption.InvalidToken, ValueError, TypeError):
        log.warning("evidence %s: stored analysis unreadable", evidence.pk)
        return {}
    return value if isinstance(value, dict) else {}


def _evidence_view(evidence: Evidence) -> EvidenceView:
    result = _stored_result(evidence)
    analysis = result.get("analysis") if isinstance(result.get("analysis"), dict) else None
    stages: list[StageView] = []
    signals: list[str] = []
    if analysis:
        by_index = {}
        for finding in analysis.get("findings", []):
            by_index.setdefault(finding.get("index"), finding)
        for stage in analysis.get("stages", []):
            first = by_index.get(stage.get("first_index"), {})
            stages.append(StageView(str(stage.get("stage", "")), int(stage.get("first_index", 0)),
                                    str(first.get("excerpt") or ""), str(first.get("sender") or "")))
        signals = [name for name, found in (analysis.get("signals") or {}).items() if found]
    matches = [m for m in result.get("hash_matches", []) if isinstance(m, dict)]
    return EvidenceView(evidence, analysis, matches, stages, signals)


def analyses(report: Report, user: Any, evidence: Sequence[Evidence] | None = None) -> list[EvidenceView]:
    """The stored analysis of each evidence (of `evidence` when the caller has read them already).
    Findings quote messages: the opening is audited once per evidence that has a readable analysis,
    all in one statement."""
    views = [_evidence_view(e) for e in (report.evidence.all() if evidence is None else evidence)]
    opened = [AuditEvent(user=user, action=AuditEvent.Action.VIEW_ANALYSIS, report=report, evidence=view.evidence)
              for view in views if view.analysis is not None or view.hash_matches]
    if len(opened) == 1:
        opened[0].save()  # one INSERT (bulk_create would wrap it in a transaction of its own)
    elif opened:
        AuditEvent.objects.bulk_create(opened)
    return views


@dataclass(frozen=True)
class ChatLine:
    index: int
    sender: str | None
    time: dt.datetime | None
    text: str
    attachments: tuple[str, ...]
    flagged: bool


def whole_chat(evidence: Evidence, user: Any) -> list[ChatLine]:
    """Every message of a chat export, for an analyst who asked for it. Raises ActionRefused when the
    evidence is not a chat or cannot be read."""
    if evidence.kind != Evidence.Kind.CHAT:
        raise ActionRefused("not_chat")
    audit(user, AuditEvent.Action.SHOW_CHAT, evidence=evidence)
    try:
        conversation = parse(read_evidence(evidence), evidence_filename(evidence), limits=WEB_ZIP_LIMITS)
    except (OSError, encryption.InvalidToken, InputError) as exc:
        raise ActionRefused("unreadable") from exc
    analysis = _evidence_view(evidence).analysis or {}
    flagged = {f.get("index") for f in analysis.get("findings", [])}
    return [ChatLine(m.index, m.sender, m.time, m.text, tuple(m.attachments), m.index in flagged)
            for m in conversation.messages]


def reveal(evidence: Evidence, user: Any) -> None:
    """An analyst chose to see an image clearly: recorded before it is shown."""
    if not can_reveal(user):
        raise ActionRefused("not_revealer")
    if evidence.kind != Evidence.Kind.SCREENSHOT:
        raise ActionRefused("not_image")
    audit(user, AuditEvent.Action.REVEAL_IMAGE, evidence=evidence)


def evidence_image(evidence: Evidence, user: Any, *, revealed: bool) -> tuple[bytes, str]:
    """(bytes, content type) of a screenshot: unless revealed, a small greyscale, heavily blurred PNG
    made on the server, so the clear picture never reaches the browser before the analyst asks."""
    if evidence.kind != Evidence.Kind.SCREENSHOT:
        raise ActionRefused("not_image")
    revealed = revealed and can_reveal(user)
    audit(user, AuditEvent.Action.VIEW_IMAGE if revealed else AuditEvent.Action.VIEW_IMAGE_BLURRED,
          evidence=evidence)
    try:
        data = read_evidence(evidence)
    except (OSError, encryption.InvalidToken) as exc:
        raise ActionRefused("unreadable") from exc
    if revealed:
        return data, evidence.content_type
    return _blurred(data), "image/png"


def _blurred(data: bytes) -> bytes:
    try:
        img = load_image(open_image(data))
    except InputError as exc:
        raise ActionRefused("unreadable") from exc
    img = ImageOps.exif_transpose(img).convert("L")
    img.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    img = img.filter(ImageFilter.GaussianBlur(radius=max(6, max(img.size) // 24)))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


# ---------------------------------------------------------------- actions


def change_status(report: Report, status: str, user: Any, public_note: str = "") -> None:
    """Set the status the reporter sees (with an optional note for them)."""
    if status not in ACTION_STATUSES:
        raise ActionRefused("bad_status")
    set_status(report, status, public_note.strip())
    audit(user, AuditEvent.Action.STATUS, report=report, detail=status)


def record_forwarding(report: Report, user: Any, *, recipient: str, recipient_name: str = "",
                      reference: str = "", forwarded_on: dt.date | None = None,
                      classification: str = "") -> Forwarding:
    """Record that the report went to the police, a platform, another hotline or an NGO, classified by
    the analyst (its package: `packages`); a report not yet marked forwarded (or further) becomes
    forwarded, which the reporter sees."""
    if recipient not in Forwarding.Recipient.values:
        raise ActionRefused("bad_recipient")
    if classification and classification not in Forwarding.Classification.values:
        raise ActionRefused("bad_classification")
    with transaction.atomic():
        forwarding = Forwarding.objects.create(
            report=report, recipient=recipient, recipient_name=recipient_name.strip()[:200],
            reference=reference.strip()[:200], forwarded_on=forwarded_on or timezone.localdate(),
            classification=classification, created_by=user)
        if report.status in (Status.RECEIVED, Status.IN_REVIEW, Status.ASSESSED):
            set_status(report, Status.FORWARDED)
        audit(user, AuditEvent.Action.FORWARD, report=report, detail=recipient)
    return forwarding


def record_removal(report: Report, user: Any, *, url: str, removed_on: dt.date | None = None) -> Removal:
    """Record that content was taken down; the report becomes "content removed" (public counter)."""
    with transaction.atomic():
        removal = Removal(report=report, url=url.strip(), removed_on=removed_on or timezone.localdate(),
                          created_by=user)
        removal.full_clean(exclude=["report", "created_by"])
        removal.save()
        if report.status != Status.REMOVED:
            set_status(report, Status.REMOVED)
        audit(user, AuditEvent.Action.REMOVAL, report=report)
    return removal


@dataclass(frozen=True)
class HashListResult:
    added: int
    #: Images too plain for PDQ (quality below the minimum): they would never match.
    too_plain: int


def add_to_hash_list(report: Report, user: Any, list_name: str = DEFAULT_HASH_LIST) -> HashListResult:
    """Add the hashes of a report's assessed screenshots to a hash list, referenced by tracking code,
    so that later copies match (and link back to this report)."""
    if report.status not in ASSESSED_STATUSES:
        raise ActionRefused("not_assessed")
    images = list(report.evidence.filter(kind=Evidence.Kind.SCREENSHOT))
    if not images:
        raise ActionRefused("no_images")
    added = plain = 0
    for evidence in images:
        audit(user, AuditEvent.Action.HASH_TO_LIST, evidence=evidence, detail=list_name)
        try:
            data = read_evidence(evidence)
            add_evidence_image(list_name, data, label=report.category, reference=report.tracking_code)
        except InputError:
            plain += 1
            continue
        except (OSError, encryption.InvalidToken):
            log.warning("evidence %s: stored file unreadable", evidence.pk)
            continue
        added += 1
    return HashListResult(added, plain)


def link_by_hand(report: Report, other_code: str, user: Any) -> None:
    other = Report.objects.filter(tracking_code=other_code.strip().upper()).first()
    if other is None or other.pk == report.pk:
        raise ActionRefused("unknown_report")
    linking.link_reports(report, other, linking.LinkReason.MANUAL, user=user)
    audit(user, AuditEvent.Action.LINK, report=report, detail=f"report {other.pk}")


def unlink_by_hand(link: linking.ReportLink, user: Any) -> None:
    linking.unlink(link)
    audit(user, AuditEvent.Action.UNLINK, report=link.report, detail=f"report {link.other_id}")


# ---------------------------------------------------------------- hook for the analysis task


def evidence_analysed(evidence: Evidence, image_hashes: Sequence[tuple[str, int]] = (),
                      hash_matches: Sequence[dict[str, Any]] = ()) -> None:
    """After the analysis of `evidence`: keep its image hashes, link its report to reports with the
    same or a similar image (or whose assessed image is on a hash list), and let a report that became
    high risk raise the priority of the reports linked to it."""
    pdqs = linking.record_image_hashes(evidence, image_hashes)
    linking.link_by_images(evidence, pdqs, hash_matches)
    linking.refresh_linked_priority([evidence.report])
