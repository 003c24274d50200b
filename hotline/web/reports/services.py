"""Report intake: everything the views and the API do with a report, so that both stay thin.

    create_report(...)            commit a report (links, evidence) atomically; returns code and PIN once
    add_evidence(report, data, filename)   sniff, bound, encrypt and store one file; queue its analysis
    stash_evidence(data, filename) -> token   keep a file for a report not yet written (chat checker)
    find_report(code, pin)        the report, or None for a wrong PIN and an unknown code alike
    public_counters()             received / assessed / removed, for the home page

Evidence files are encrypted before they touch the disk; the database keeps their sniffed type, size and
SHA-256 only. Nothing here logs or stores an IP address or the content of a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.web import encryption
from hotline.web.sniffing import EvidenceRejected, Sniffed, sniff
from hotline.web.trackingcodes import (
    MAX_PIN_FAILURES,
    PIN_LOCK_SECONDS,
    check_pin,
    hash_pin,
    looks_like_code,
    new_pin,
    new_tracking_code,
    normalize_code,
    normalize_pin,
    pin_hash_outdated,
)

from .models import Evidence, Report, ReporterNote, ReportURL, Status, StatusChange
from .priority import initial_priority, recompute_priority
from .signals import report_received
from .storage import evidence_dir, stash_dir
from .tasks import analyse_evidence

__all__ = [
    "STASH_MAX_AGE_SECONDS",
    "EvidenceRejected",
    "Receipt",
    "StashInfo",
    "add_evidence",
    "add_reporter_info",
    "attach_stashed",
    "check_evidence",
    "create_report",
    "find_report",
    "public_counters",
    "report_status",
    "set_status",
    "stash_evidence",
    "stash_info",
    "too_large",
    "withdraw_report",
]

#: A stashed file not attached to a report within this time is deleted.
STASH_MAX_AGE_SECONDS = 24 * 3600

@dataclass(frozen=True)
class Receipt:
    """What the reporter is shown once: the code and the PIN in clear (only the PIN's hash is stored)."""

    report: Report
    tracking_code: str
    pin: str


@dataclass(frozen=True)
class StashInfo:
    filename: str
    kind: str
    size: int


def too_large() -> EvidenceRejected:
    limit = int(settings.HOTLINE_MAX_UPLOAD_BYTES)
    return EvidenceRejected(
        _("This file is too large: the limit is %(mb)d MB.") % {"mb": max(1, limit // (1024 * 1024))}
    )


def _check_size(data: bytes) -> None:
    if len(data) > int(settings.HOTLINE_MAX_UPLOAD_BYTES):
        raise too_large()


def check_evidence(data: bytes) -> Sniffed:
    """Raise EvidenceRejected unless `data` is an accepted kind of evidence within the size bound."""
    _check_size(data)
    return sniff(data)


def _clean_filename(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:200] or "evidence"


@dataclass(frozen=True)
class _StoredFile:
    """A file already checked, encrypted and written: what its Evidence row needs."""

    sniffed: Sniffed
    size: int
    sha256: str
    storage_name: str
    name_encrypted: bytes


def _store_file(data: bytes, filename: str | None) -> _StoredFile:
    """Check, encrypt and write one file, before any transaction: the slow part of a report (sniffing,
    encryption, disk) never holds the database's write lock. Raises EvidenceRejected."""
    sniffed = check_evidence(data)
    return _StoredFile(sniffed=sniffed, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                       storage_name=encryption.write_encrypted(evidence_dir(), data),
                       name_encrypted=encryption.encrypt(_clean_filename(filename).encode()))


def _record_evidence(report: Report, stored: _StoredFile) -> Evidence:
    with transaction.atomic(savepoint=False):  # inside a report's transaction: no savepoint of its own
        evidence = Evidence.objects.create(
            report=report, kind=stored.sniffed.kind, content_type=stored.sniffed.content_type,
            size=stored.size, sha256=stored.sha256, storage_name=stored.storage_name,
            name_encrypted=stored.name_encrypted,
        )
        _queue_analysis(evidence)
    return evidence


def add_evidence(report: Report, data: bytes, filename: str | None) -> Evidence:
    """Store one file for `report`, encrypted, and queue its analysis. Raises EvidenceRejected."""
    stored = _store_file(data, filename)
    try:
        return _record_evidence(report, stored)
    except Exception:
        encryption.remove_file(evidence_dir(), stored.storage_name)
        raise


def _queue_analysis(evidence: Evidence) -> None:
    """Queue the analysis in the same transaction as the evidence (the database backend makes the task
    row part of the commit), so a committed evidence file always has its analysis queued."""
    analyse_evidence.enqueue(evidence.pk)


def create_report(
    *,
    category: str,
    platform: str,
    urls: Iterable[str] = (),
    description: str = "",
    victim_age_band: str = "unknown",
    reporter_type: str = "self",
    offender_name: str = "",
    offender_profile_url: str = "",
    offender_claimed_age: int | None = None,
    offender_nationality: str = "",
    contact: str = "",
    language: str = "km",
    source: str = "web",
    files: Sequence[tuple[bytes, str]] = (),
    evidence_tokens: Sequence[str] = (),
) -> Receipt:
    """Commit a report with its links and evidence in one transaction; return the code and PIN.

    Files must have been checked with `check_evidence` by the caller (the form does it) so that a bad
    file is refused before anything is written; one that still fails here aborts the whole report.
    Fields are validated with the model's own validation (choices, URLs) before anything is saved.
    """
    pin = new_pin()
    # Files are checked, encrypted and written first, outside the transaction (see _store_file);
    # if the report is not committed they are removed again.
    stashed = [(token, found) for token in evidence_tokens if (found := _read_stash(token)) is not None]
    stored: list[_StoredFile] = []
    try:
        for data, filename in files:
            stored.append(_store_file(data, filename))
        for _token, (meta, data) in stashed:
            stored.append(_store_file(data, str(meta.get("filename", "evidence"))))
        return _commit_report(pin, stored, [token for token, _found in stashed], category=category,
                              platform=platform, urls=urls, description=description,
                              victim_age_band=victim_age_band, reporter_type=reporter_type,
                              offender_name=offender_name, offender_profile_url=offender_profile_url,
                              offender_claimed_age=offender_claimed_age,
                              offender_nationality=offender_nationality, contact=contact, language=language,
                              source=source)
    except BaseException:
        for item in stored:
            encryption.remove_file(evidence_dir(), item.storage_name)
        raise


def _commit_report(pin: str, stored: Sequence[_StoredFile], stash_tokens: Sequence[str], *, category: str,
                   platform: str, urls: Iterable[str], description: str, victim_age_band: str,
                   reporter_type: str, offender_name: str, offender_profile_url: str,
                   offender_claimed_age: int | None, offender_nationality: str, contact: str, language: str,
                   source: str) -> Receipt:
    """The report's rows in one short transaction of a few statements: the report, its links and its
    first history entry inserted in bulk, its evidence rows and queued analyses, then `report_received`
    (case work links duplicates). A tracking code already taken (a 1 in 10^11 chance) fails the insert on
    the unique index and the transaction is tried again with a new code, without asking first."""
    links: list[str] = []
    for url in urls:
        url = url.strip()
        if url and url not in links:
            links.append(url)
    for attempt in range(3):
        code = new_tracking_code()
        report = Report(
            tracking_code=code, pin_hash=hash_pin(pin, code), category=category,
            platform=platform, description=description.strip(), victim_age_band=victim_age_band,
            reporter_type=reporter_type, offender_name=offender_name.strip(),
            offender_profile_url=offender_profile_url.strip(),
            offender_claimed_age=offender_claimed_age,
            offender_nationality=offender_nationality.strip(), contact=contact.strip(),
            language=language, source=source,
        )
        report.full_clean(exclude=["tracking_code"], validate_unique=False, validate_constraints=False)
        # Nothing analysed yet: the priority is the category's baseline (what recompute_priority gives a
        # report whose evidence is all pending), so it is written with the row instead of after it.
        report.risk, report.priority = initial_priority(category, victim_age_band)
        rows = [ReportURL(url=url) for url in links]
        for row in rows:
            row.full_clean(exclude=["report"], validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                # bulk_create: no per-row signals; case work hears of the whole report once, below.
                Report.objects.bulk_create([report])
                for row in rows:
                    row.report = report
                ReportURL.objects.bulk_create(rows)
                StatusChange.objects.bulk_create([StatusChange(report=report, status=Status.RECEIVED)])
                for item in stored:
                    _record_evidence(report, item)
                for token in stash_tokens:
                    transaction.on_commit(lambda token=token: encryption.remove_file(stash_dir(), _stash_name(token)))
                report_received.send(sender=Report, report=report, urls=links)
                if transaction.get_rollback():
                    # A receiver swallowed an error that left the transaction unable to commit (the
                    # connection dropped): the block would roll back silently and the report be
                    # acknowledged without being stored. Fail the request instead.
                    raise OperationalError("the report could not be written")
            return Receipt(report=report, tracking_code=report.tracking_code, pin=pin)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def find_report(code: str, pin: str) -> Report | None:
    """The report for `code` if `pin` is right; None otherwise, alike for an unknown code, a wrong PIN
    and a locked code. Wrong PINs are counted per code in the database; after MAX_PIN_FAILURES in a row
    the code is locked for PIN_LOCK_SECONDS, during which even the right PIN finds nothing. A right PIN
    stored as PBKDF2 (or under an old key) is re-hashed with the current key."""
    code, pin = normalize_code(code or ""), normalize_pin(pin or "")
    report = Report.objects.filter(tracking_code=code).first() if looks_like_code(code) else None
    matches = check_pin(pin, report.pin_hash if report is not None else None, code)
    if report is None:
        return None
    now = timezone.now()
    if report.pin_locked_until is not None and report.pin_locked_until > now:
        return None
    if not matches:
        Report.objects.filter(pk=report.pk).update(pin_failures=F("pin_failures") + 1)
        Report.objects.filter(pk=report.pk, pin_failures__gte=MAX_PIN_FAILURES).update(
            pin_failures=0, pin_locked_until=now + dt.timedelta(seconds=PIN_LOCK_SECONDS))
        return None
    changes: dict[str, Any] = {}
    if report.pin_failures or report.pin_locked_until:
        changes.update(pin_failures=0, pin_locked_until=None)
    if pin_hash_outdated(report.pin_hash):
        changes["pin_hash"] = hash_pin(pin, code)
    if changes:
        Report.objects.filter(pk=report.pk).update(**changes)
        for name, value in changes.items():
            setattr(report, name, value)
    return report


def withdraw_report(code: str, pin: str) -> bool:
    """The reporter takes the report back with its code and PIN: evidence files and rows deleted, links,
    notes and every free-text field emptied; the report stays only as a count ("withdrawn"). False alike
    for an unknown code, a wrong PIN and a locked code."""
    report = find_report(code, pin)
    if report is None or report.status == Status.WITHDRAWN:
        return False
    files = list(report.evidence.values_list("storage_name", flat=True))
    with transaction.atomic():
        report.evidence.all().delete()
        report.urls.all().delete()
        report.notes.all().delete()
        StatusChange.objects.filter(report=report).update(public_note="")
        Report.objects.filter(pk=report.pk).update(
            description="", offender_name="", offender_profile_url="", contact="", status=Status.WITHDRAWN,
            updated_at=timezone.now())
        StatusChange.objects.create(report=report, status=Status.WITHDRAWN)
    for name in files:
        encryption.remove_file(evidence_dir(), name)
    return True


def add_reporter_info(report: Report, text: str = "", files: Sequence[tuple[bytes, str]] = ()) -> None:
    """Add a note and/or files from the status page, atomically (files already checked by the form;
    written before the transaction, removed again if it fails)."""
    stored: list[_StoredFile] = []
    try:
        for data, filename in files:
            stored.append(_store_file(data, filename))
        with transaction.atomic():
            if text.strip():
                ReporterNote.objects.create(report=report, text=text.strip())
            for item in stored:
                _record_evidence(report, item)
            recompute_priority(report)
    except BaseException:
        for item in stored:
            encryption.remove_file(evidence_dir(), item.storage_name)
        raise


def set_status(report: Report, status: str, public_note: str = "") -> None:
    """Move the report to `status` and record it in the history the reporter sees."""
    if status not in Status.values:
        raise ValueError(f"unknown status {status!r}")
    with transaction.atomic():
        report.status = status
        report.save(update_fields=["status", "updated_at"])
        StatusChange.objects.create(report=report, status=status, public_note=public_note)


def report_status(report: Report) -> dict[str, Any]:
    """What the reporter may see: progress and what was received, never the content of evidence."""
    return {
        "tracking_code": report.tracking_code,
        "status": report.status,
        "category": report.category,
        "platform": report.platform,
        "received_at": report.created_at.isoformat(),
        "updated_at": report.updated_at.isoformat(),
        "history": [
            {"status": h.status, "at": h.created_at.isoformat(), "note": h.public_note}
            for h in report.history.all()
        ],
        "evidence": [
            {"kind": e.kind, "content_type": e.content_type, "size": e.size,
             "analysis": e.analysis_status}
            for e in report.evidence.all()
        ],
        "links": report.urls.count(),
        "notes_added": report.notes.count(),
    }


def public_counters() -> dict[str, int]:
    """Counts for the home page: reports received, assessed by an analyst, and content removed."""
    assessed = {Status.ASSESSED, Status.FORWARDED, Status.REMOVED}
    return {
        "received": Report.objects.count(),
        "assessed": StatusChange.objects.filter(status__in=assessed).values("report").distinct().count(),
        "removed": StatusChange.objects.filter(status=Status.REMOVED).values("report").distinct().count(),
    }


# --- stashed evidence: a file the chat checker holds for a report the visitor has not yet sent ---------

def _stash_name(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest() + ".bin"


def _prune_stash() -> None:
    folder = stash_dir()
    if not folder.is_dir():
        return
    cutoff = time.time() - STASH_MAX_AGE_SECONDS
    for path in folder.glob("*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass


def stash_evidence(data: bytes, filename: str) -> str:
    """Keep `data` encrypted until a report claims it; returns the token for `attach_stashed`.

    Raises EvidenceRejected if the file would not be accepted as evidence.
    """
    sniffed = check_evidence(data)
    _prune_stash()
    token = secrets.token_urlsafe(24)
    header = json.dumps({"filename": _clean_filename(filename), "kind": sniffed.kind}).encode()
    encryption.write_encrypted(stash_dir(), header + b"\n" + data, name=_stash_name(token))
    return token


def _read_stash(token: str) -> tuple[dict[str, Any], bytes] | None:
    if not isinstance(token, str) or not token or len(token) > 100:
        return None
    try:
        blob = encryption.read_encrypted(stash_dir(), _stash_name(token))
    except (OSError, encryption.InvalidToken):
        return None
    header, _sep, data = blob.partition(b"\n")
    try:
        meta = json.loads(header)
    except ValueError:
        return None
    return meta, data


def stash_info(token: str) -> StashInfo | None:
    """What a stashed file is (for the report form to show), or None if the token is unknown or expired."""
    found = _read_stash(token)
    if found is None:
        return None
    meta, data = found
    return StashInfo(filename=str(meta.get("filename", "evidence")), kind=str(meta.get("kind", "chat")),
                     size=len(data))


def attach_stashed(report: Report, token: str) -> Evidence | None:
    """Move a stashed file to `report` as evidence; None if the token is unknown or expired."""
    found = _read_stash(token)
    if found is None:
        return None
    meta, data = found
    evidence = add_evidence(report, data, str(meta.get("filename", "evidence")))
    transaction.on_commit(lambda: encryption.remove_file(stash_dir(), _stash_name(token)))
    return evidence
