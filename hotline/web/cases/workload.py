"""A realistic workload for a throwaway database: `hotline demo --reports N` and the workspace bench.

    generate(n, seed=) -> dict        n reports over two years, with their history, cases and analyses

The rows look like a national hotline's: more reports lately than two years ago; crimes, platforms, risks
and nationalities in uneven shares; old reports mostly closed or removed, recent ones waiting; about one
report in five with an analysed chat export; assignments, forwardings, removals and audit entries. They
are marked `source="load"`, so that (unlike the few demo reports `hotline serve` shows) they count in the
statistics of the database they are written to: never run this against a real hotline's database.

Written with `bulk_create` in batches (100,000 reports take about a minute on SQLite): dates are set
by hand, so the models' `auto_now_add` is switched off while the rows are written.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from hotline.detect.analysis import analyze
from hotline.detect.chats import parse
from hotline.web import encryption
from hotline.web.reports.demo import DEMO_CHAT
from hotline.web.reports.models import RISK_RANK, Evidence, Report, ReportURL, StatusChange
from hotline.web.reports.priority import baseline
from hotline.web.staff.accounts import create_account
from hotline.web.trackingcodes import hash_pin, new_tracking_code

from .models import AuditEvent, Case, Forwarding, Removal

SOURCE = "load"
#: Forwardings' classification, in turn by report (no draw of the generator: same reports as before).
CLASSIFICATIONS = tuple(Forwarding.Classification.values)
DAYS = 730
BATCH = 2000
ANALYSTS = 6

CATEGORIES = {"grooming": 30, "sextortion": 20, "csam": 15, "sexting": 12, "sexual_cyberbullying": 10,
              "child_solicitation": 5, "other": 8}
PLATFORMS = {"facebook": 25, "messenger": 20, "tiktok": 15, "telegram": 10, "instagram": 8, "website": 6,
             "whatsapp": 5, "line": 3, "snapchat": 2, "bigo_live": 2, "moew_chat": 1, "email": 1,
             "chat_room": 1, "other": 1}
RISKS = {"none": 35, "low": 20, "medium": 22, "high": 17, "critical": 6}
AGE_BANDS = {"under_13": 12, "13_15": 40, "16_17": 30, "adult": 3, "unknown": 15}
NATIONALITIES = {"unknown": 40, "KH": 35, "TH": 6, "VN": 6, "CN": 5, "KR": 2, "US": 2, "other": 4}
#: Where a report's history ends, by how old the report is (days): (statuses in order, weight).
PATHS_OLD = ((("in_review", "closed"), 25), (("in_review", "assessed", "closed"), 20),
             (("in_review", "assessed", "forwarded", "closed"), 20),
             (("in_review", "assessed", "forwarded", "removed"), 25), (("withdrawn",), 2),
             (("in_review", "assessed", "forwarded"), 8))
PATHS_RECENT = (((), 30), (("in_review",), 30), (("in_review", "assessed"), 20),
                (("in_review", "assessed", "forwarded"), 15), (("in_review", "assessed", "forwarded", "removed"), 5))
#: Reports newer than this many days follow PATHS_RECENT.
RECENT_DAYS = 45


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@contextmanager
def _dates_by_hand(*fields: models.DateTimeField) -> Iterator[None]:
    """Let bulk_create keep the dates given (auto_now_add would overwrite them with now)."""
    saved = [f.auto_now_add for f in fields]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


def _analysts() -> list[Any]:
    users = get_user_model()
    found = list(users.objects.filter(username__startswith="load-analyst-").order_by("username"))
    for i in range(len(found), ANALYSTS):
        user, _token = create_account(f"load-analyst-{i + 1}", "supervisor" if i == 0 else "analyst")
        found.append(user)
    return found


def _analysis_blob() -> tuple[bytes, str]:
    """One real analysis of the demo chat (encrypted, as the task stores it) and its risk."""
    analysis = analyze(parse(DEMO_CHAT, "WhatsApp Chat with demo.account.1.txt"))
    return encryption.encrypt(json.dumps({"analysis": analysis.to_dict()}, default=str).encode()), str(analysis.risk)


def _codes(rng: random.Random, n: int) -> list[str]:
    taken = set(Report.objects.values_list("tracking_code", flat=True))
    out: list[str] = []
    while len(out) < n:
        code = new_tracking_code()
        if code not in taken:
            taken.add(code)
            out.append(code)
    return out


def generate(n: int, *, seed: int = 12) -> dict[str, int]:
    """Write `n` load reports (and everything around them) to the default database; returns row counts."""
    rng = random.Random(seed)
    now = timezone.now()
    pin_hash = hash_pin("000000")
    staff = _analysts()
    blob, _analysis_risk = _analysis_blob()
    name = encryption.encrypt(b"WhatsApp Chat.txt")
    codes = _codes(rng, n)
    counts = dict.fromkeys(("reports", "status_changes", "cases", "evidence", "forwardings", "removals",
                            "audit_events", "urls"), 0)
    date_fields = [Report._meta.get_field("created_at"), StatusChange._meta.get_field("created_at"),
                   Evidence._meta.get_field("created_at"), AuditEvent._meta.get_field("at"),
                   Forwarding._meta.get_field("created_at"), Removal._meta.get_field("created_at")]
    with _dates_by_hand(*date_fields):  # type: ignore[arg-type]
        for start in range(0, n, BATCH):
            size = min(BATCH, n - start)
            with transaction.atomic():
                _batch(rng, now, codes[start:start + size], pin_hash, staff, blob, name, counts)
    with connection.cursor() as cursor:  # the planner's statistics (and PostgreSQL's visibility map)
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
    return counts


def _batch(rng: random.Random, now: dt.datetime, codes: list[str], pin_hash: str, staff: list[Any],
           blob: bytes, name: bytes, counts: dict[str, int]) -> None:
    reports: list[Report] = []
    plans: list[tuple[tuple[str, ...], bool]] = []
    for code in codes:
        # More reports lately: the age in days skews towards zero.
        age_days = DAYS * (rng.random() ** 1.4)
        created = now - dt.timedelta(days=age_days, seconds=rng.randrange(86400))
        category, risk, band = _pick(rng, CATEGORIES), _pick(rng, RISKS), _pick(rng, AGE_BANDS)
        paths = PATHS_RECENT if age_days < RECENT_DAYS else PATHS_OLD
        path = rng.choices([p for p, _w in paths], weights=[w for _p, w in paths])[0]
        priority = max(RISK_RANK[risk], baseline(category)) + (1 if band == "under_13" else 0)
        reports.append(Report(
            tracking_code=code, pin_hash=pin_hash, category=category, platform=_pick(rng, PLATFORMS),
            victim_age_band=band, reporter_type=rng.choice(("self", "on_behalf")),
            offender_nationality=_pick(rng, NATIONALITIES), language=rng.choice(("km", "km", "en")),
            source=SOURCE, status=path[-1] if path else "received", risk=risk, priority=priority,
            created_at=created, updated_at=created,
        ))
        plans.append((path, rng.random() < 0.2))
    Report.objects.bulk_create(reports)
    if reports[0].pk is None:  # backends that do not return ids (none we use; kept for safety)
        by_code = dict(Report.objects.filter(tracking_code__in=codes).values_list("tracking_code", "pk"))
        for r in reports:
            r.pk = by_code[r.tracking_code]
    changes, cases, evidence, forwardings, removals, audits, urls = [], [], [], [], [], [], []
    for report, (path, analysed) in zip(reports, plans, strict=True):
        at = report.created_at
        if rng.random() < 0.5:
            urls.append(ReportURL(report_id=report.pk, url=f"https://www.example.com/load/{report.tracking_code}"))
        analyst = rng.choice(staff)
        for status in path:
            at = min(now, at + dt.timedelta(hours=rng.uniform(2, 24 * 12)))
            changes.append(StatusChange(report_id=report.pk, status=status, created_at=at))
            audits.append(AuditEvent(user=analyst, action=AuditEvent.Action.STATUS, report_id=report.pk,
                                     detail=status, at=at))
            if status == "forwarded":
                forwardings.append(Forwarding(report_id=report.pk, recipient=rng.choice(("police", "platform")),
                                              classification=CLASSIFICATIONS[report.pk % len(CLASSIFICATIONS)],
                                              forwarded_on=at.date(), created_by=analyst, created_at=at))
            elif status == "removed":
                removals.append(Removal(report_id=report.pk, url=f"https://www.example.com/load/{report.tracking_code}",
                                        removed_on=at.date(), created_by=analyst, created_at=at))
        open_report = report.status in ("received", "in_review", "assessed", "forwarded")
        if path and path != ("withdrawn",) and (not open_report or rng.random() < 0.8):
            cases.append(Case(report_id=report.pk, analyst=analyst if open_report else None,
                              assigned_by=staff[0], assigned_at=report.created_at))
        if analysed:
            evidence.append(Evidence(
                report_id=report.pk, kind=Evidence.Kind.CHAT, content_type="text/plain", size=len(DEMO_CHAT),
                sha256=f"{rng.getrandbits(256):064x}", storage_name=f"load-{report.tracking_code}",
                name_encrypted=name, analysis_status=Evidence.Analysis.DONE, analysis_encrypted=blob,
                risk=report.risk, created_at=report.created_at,
            ))
            audits.append(AuditEvent(user=analyst, action=AuditEvent.Action.VIEW_ANALYSIS, report_id=report.pk,
                                     at=min(now, report.created_at + dt.timedelta(hours=3))))
    for model, rows in ((StatusChange, changes), (Case, cases), (Evidence, evidence), (Forwarding, forwardings),
                        (Removal, removals), (AuditEvent, audits), (ReportURL, urls)):
        model.objects.bulk_create(rows, batch_size=BATCH)  # type: ignore[attr-defined]
    counts["reports"] += len(reports)
    for key, rows in (("status_changes", changes), ("cases", cases), ("evidence", evidence),
                      ("forwardings", forwardings), ("removals", removals), ("audit_events", audits),
                      ("urls", urls)):
        counts[key] += len(rows)
