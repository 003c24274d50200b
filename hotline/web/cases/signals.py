"""What case work hears from intake, which never imports it: a new report received (`reports.signals`)
→ link it to its duplicates in the same transaction, once, from the links it came with; a report (or one
of its links) changed later → link it again; evidence analysed → keep its image hashes and link by
image. A linking failure is logged (ids only) and never stops a report."""

from __future__ import annotations

import logging
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.web.hashlists.signals import partner_query
from hotline.web.reports.models import Evidence, Report, ReportURL
from hotline.web.reports.signals import evidence_analysed, report_received

from . import services
from .linking import link_by_keys, link_new_report
from .models import AuditEvent

log = logging.getLogger(__name__)

#: Report fields that linking reads; a save that touches none of them (a status change) is skipped.
_LINK_FIELDS = frozenset({"offender_name", "offender_profile_url", "platform"})


def _link(report: Report) -> None:
    try:
        with transaction.atomic():
            link_by_keys(report)
    except (OperationalError, InterfaceError):
        raise  # as above: never let the caller's transaction end in a silent rollback
    except Exception as exc:  # linking is a help for analysts: never lose the report over it
        log.warning("report %s: duplicate linking failed (%s)", report.pk, type(exc).__name__)


@receiver(report_received, dispatch_uid="cases.link_new_report")
def new_report_received(sender: type[Report], report: Report, urls: Any = (), **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            link_new_report(report, urls)
    except (OperationalError, InterfaceError):
        raise  # the connection is gone: the report's own transaction fails with it (not acknowledged)
    except Exception as exc:  # linking is a help for analysts: never lose the report over it
        log.warning("report %s: duplicate linking failed (%s)", report.pk, type(exc).__name__)


@receiver(post_save, sender=Report, dispatch_uid="cases.link_report")
def report_saved(sender: type[Report], instance: Report, created: bool, update_fields: Any = None,
                 raw: bool = False, **kwargs: Any) -> None:
    if raw or (update_fields is not None and not _LINK_FIELDS & set(update_fields)):
        return
    _link(instance)


@receiver(post_save, sender=ReportURL, dispatch_uid="cases.link_report_url")
@receiver(post_delete, sender=ReportURL, dispatch_uid="cases.unindex_report_url")
def report_url_changed(sender: type[ReportURL], instance: ReportURL, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    report = Report.objects.filter(pk=instance.report_id).first()
    if report is not None:
        _link(report)


@receiver(evidence_analysed, dispatch_uid="cases.evidence_analysed")
def evidence_was_analysed(sender: type[Evidence], evidence: Evidence, image_hashes: Any = (),
                          hash_matches: Any = (), **kwargs: Any) -> None:
    services.evidence_analysed(evidence, image_hashes, hash_matches)


@receiver(partner_query, dispatch_uid="cases.audit_partner_query")
def partner_hashes_matched(sender: Any, key_name: str, hashes: int, matched: int, entries: list[int],
                           **kwargs: Any) -> None:
    """A partner's hash query goes into the audit log: which key, how many hashes, which of our entries
    matched (never the partner's hashes)."""
    shown = ",".join(str(e) for e in entries[:10]) + ("…" if len(entries) > 10 else "")
    services.audit(None, AuditEvent.Action.PARTNER_HASH_QUERY,
                   detail=f"key {key_name}: {hashes} hashes, {matched} matched" + (f" (entries {shown})" if entries else ""))
