"""Retention: evidence files, their names and analyses, and the reporter's contact of cases closed
longer than the period are deleted; classification, dates and hashes stay; a legal hold stops it;
each deletion is audited; the command and the daily task run it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from hotline.web.cases import retention
from hotline.web.cases.models import AuditEvent, Case, EvidenceImageHash
from hotline.web.reports.models import Evidence, Report, StatusChange
from hotline.web.reports.storage import evidence_dir
from tests.media.pictures import encode
from tests.web.test_cases import CHAT, make_user, noise_image, report, signed_in

pytestmark = pytest.mark.django_db


def _closed(days_ago: int, **fields: object) -> Report:
    r = report(category="grooming", platform="messenger", contact="+855 12 345 678",
               files=[(CHAT, "chat.txt"), (encode(noise_image(7)), "shot.png")], **fields)
    when = timezone.now() - dt.timedelta(days=days_ago)
    StatusChange.objects.create(report=r, status="closed")
    StatusChange.objects.filter(report=r, status="closed").update(created_at=when)
    Report.objects.filter(pk=r.pk).update(status="closed")
    return Report.objects.get(pk=r.pk)


def test_files_and_contact_go_hashes_and_classification_stay() -> None:
    old, recent = _closed(200), _closed(10)
    evidence = list(Evidence.objects.filter(report=old))
    hashes = {e.pk: e.sha256 for e in evidence}
    pdq = set(EvidenceImageHash.objects.filter(evidence__report=old).values_list("pdq", flat=True))
    paths = [evidence_dir() / e.storage_name for e in evidence]
    assert all(p.exists() for p in paths) and pdq
    outcome = retention.apply()
    assert (outcome.reports, outcome.files, outcome.contacts) == (1, 2, 1)
    assert not any(p.exists() for p in paths)
    kept = Report.objects.get(pk=old.pk)
    assert kept.contact == "" and (kept.category, kept.platform, kept.status) == ("grooming", "messenger", "closed")
    assert kept.created_at == old.created_at and kept.history.count() == old.history.count()
    for e in Evidence.objects.filter(report=old):
        assert e.sha256 == hashes[e.pk] and e.deleted_at is not None
        assert e.analysis_encrypted is None and bytes(e.name_encrypted) == b""
    assert set(EvidenceImageHash.objects.filter(evidence__report=old).values_list("pdq", flat=True)) == pdq
    # The recent one is untouched, and a second run has nothing to do.
    assert Report.objects.get(pk=recent.pk).contact
    assert all((evidence_dir() / e.storage_name).exists() for e in Evidence.objects.filter(report=recent))
    assert retention.apply().reports == 0
    entries = AuditEvent.objects.filter(action="retention")
    assert entries.filter(report=old, user__isnull=True).count() == 1 and entries.filter(report=None).count() == 2


def test_legal_hold_keeps_everything_and_is_set_by_a_supervisor_only() -> None:
    held = _closed(400)
    supervisor, analyst = make_user("sup", group="Supervisors"), make_user("ana")
    assert signed_in(analyst).post(f"/en/staff/reports/{held.pk}/hold/", {"hold": "on"}).status_code == 400
    assert not Case.objects.filter(report=held, legal_hold=True).exists()
    assert signed_in(supervisor).post(f"/en/staff/reports/{held.pk}/hold/", {"hold": "on"}).status_code == 302
    assert Case.objects.get(report=held).legal_hold
    assert retention.apply().reports == 0
    assert Report.objects.get(pk=held.pk).contact
    assert all((evidence_dir() / e.storage_name).exists() for e in Evidence.objects.filter(report=held))
    assert AuditEvent.objects.filter(action="legal_hold", report=held, user=supervisor, detail="on").exists()
    signed_in(supervisor).post(f"/en/staff/reports/{held.pk}/hold/")  # lifted
    assert retention.apply().reports == 1


@override_settings(HOTLINE_RETENTION_DAYS=30)
def test_the_period_is_a_setting_and_the_command_reports_what_it_did() -> None:
    r = _closed(40)
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "would touch 1 closed reports" in out.getvalue()
    assert Report.objects.get(pk=r.pk).contact
    call_command("apply_retention", "--schedule", stdout=out)
    assert Report.objects.get(pk=r.pk).contact == ""
    assert "30 days" in out.getvalue() and "daily task" in out.getvalue()


def test_open_cases_are_never_touched() -> None:
    r = report(contact="someone@example.org", files=[(CHAT, "chat.txt")])
    Report.objects.filter(pk=r.pk).update(created_at=timezone.now() - dt.timedelta(days=900))
    assert retention.apply().reports == 0
    assert Report.objects.get(pk=r.pk).contact == "someone@example.org"
