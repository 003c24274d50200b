"""Staff pages (queue, report, evidence, statistics) and the public statistics page. Thin: validation
in `forms`, everything else in `services`, `linking` and `statistics`."""

from __future__ import annotations

import csv
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.web.reports import nationality
from hotline.web.reports.models import Category, Evidence, Platform, Report, Risk
from hotline.web.reports.storage import evidence_filename
from hotline.web.staff.roles import can_reveal

from . import linking, package_pdf, packages, queue_rows, services, verdicts
from . import stats as statistics
from .access import staff_view
from .actions import ACTIONS
from .forms import (
    AssignForm,
    AuditFilterForm,
    ForwardingForm,
    HashListForm,
    LinkForm,
    QueueFilterForm,
    RemovalForm,
    StatisticsRangeForm,
    StatusForm,
)
from .models import AuditEvent, Forwarding, ReportLink
from .tasks import refresh_statistics

#: Session key: ids of evidence images this analyst revealed (shown clear until hidden again).
REVEALED_KEY = "cases_revealed"


def _refusal(code: str) -> str:
    texts = {
        "assigned": _("Another analyst is working on this report. Ask a supervisor to reassign it."),
        "not_supervisor": _("Only a supervisor can assign reports."),
        "not_supervisor_hash": _("Only a supervisor can add images to a hash list."),
        "not_yours": _("Only the analyst working on this report, or a supervisor, can do this. Take the report first."),
        "not_revealer": _("Only staff with the permission to reveal images can see this image clearly. Ask a supervisor."),
        "not_analyst": _("This person cannot work cases."),
        "bad_status": _("This status cannot be set here."),
        "bad_recipient": _("Choose who the report was forwarded to."),
        "bad_classification": _("Choose a classification."),
        "not_assessed": _("Only assessed material can go on a hash list: set the status to Assessed first."),
        "no_images": _("This report has no images."),
        "unknown_report": _("No other report has this tracking code."),
        "not_chat": _("This evidence is not a chat."),
        "not_image": _("This evidence is not an image."),
        "unreadable": _("The stored file could not be read."),
        "no_analysis": _("This evidence has no analysis to mark."),
        "no_finding": _("This finding is no longer in the analysis. Reload the page."),
    }
    return texts.get(code, _("This action could not be done."))


# ---------------------------------------------------------------- queue


@require_GET
@staff_view()
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = services.QueueFilters(**form.cleaned_data) if form.is_valid() else services.QueueFilters()
    counts = services.queue_counts(request.user)
    page = services.queue_page(filters, request.user, after=request.GET.get("after", "")[:100])
    total = services.queue_total(filters, request.user, counts)
    query = request.GET.copy()
    query.pop("after", None)
    if page.after:
        query["after"] = page.after
    overdue_before = timezone.now() - dt.timedelta(hours=settings.HOTLINE_QUEUE_OVERDUE_HOURS)
    rows = queue_rows.rows(page.reports, overdue_before=overdue_before, waiting_statuses=services.WAITING_STATUSES)
    return render(request, "cases/queue.html", {
        "form": form, "reports": rows, "shown_total": total, "page_size": services.PAGE_SIZE,
        "next_query": query.urlencode() if page.after else "", "paged": bool(request.GET.get("after")),
        "first_query": urlencode({k: v for k, v in request.GET.items() if k != "after"}),
        "overdue_hours": settings.HOTLINE_QUEUE_OVERDUE_HOURS,
        "counts": counts, "can_supervise": services.can_supervise(request.user),
    })


@require_POST
@staff_view()
def take_next(request: HttpRequest) -> HttpResponse:
    """Assign the top unassigned report to me and open it."""
    report = services.take_next(request.user)
    if report is None:
        messages.info(request, _("No report is waiting for an analyst."))
        return HttpResponseRedirect(reverse("cases:queue"))
    messages.success(request, _("Report %(code)s is now yours.") % {"code": report.tracking_code})
    return _back(report)


# ---------------------------------------------------------------- report


def _report_page(request: HttpRequest, report: Report, status: int = 200, **forms: Any) -> HttpResponse:
    revealed = set(request.session.get(REVEALED_KEY, []))
    evidence, urls = list(report.evidence.all()), list(report.urls.all())  # read once, used twice each
    context = {
        "report": report,
        "case": services.case_of(report),
        "urls": urls,
        "history": report.history.all(),
        "notes": report.notes.all(),
        "evidence": services.analyses(report, request.user, evidence),
        "names": {e.pk: evidence_filename(e) for e in evidence},
        "revealed": revealed,
        "links": linking.linked_reports(report),
        "forwardings": report.forwardings.all(),
        "removals": report.removals.all(),
        "can_supervise": services.can_supervise(request.user),
        "can_reveal": can_reveal(request.user),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": report.status}),
        "forwarding_form": forms.get("forwarding_form") or ForwardingForm(),
        "removal_form": forms.get("removal_form") or RemovalForm(
            initial={"url": min(urls, key=lambda u: u.pk).url if urls else None}),
        "assign_form": forms.get("assign_form") or AssignForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "hash_form": forms.get("hash_form") or HashListForm(),
        "verdict_marks": verdicts.marks(report),
        "risk_levels": Risk.choices,
    }
    return render(request, "cases/report.html", context, status=status)


@require_GET
@staff_view()
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, get_object_or_404(Report.objects.select_related("case__analyst"), pk=pk))


def _back(report: Report, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:report", args=[report.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@staff_view()
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The one POST endpoint of the report page's actions (the table is `actions.ACTIONS`)."""
    report = get_object_or_404(Report, pk=pk)
    case_action = ACTIONS.get(action)
    if case_action is None:
        return HttpResponse(status=404)
    try:
        if not case_action.permission(request.user, report):
            raise services.ActionRefused(case_action.refusal)
        data: dict[str, Any] = {}
        if case_action.form is not None:
            form = case_action.form(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, **{case_action.form_name: form})
            data = form.cleaned_data
        result = case_action.service(report, request.user, data)
    except services.ActionRefused as exc:
        messages.error(request, _refusal(str(exc)))
        return _report_page(request, report, 400)
    messages.success(request, case_action.message(result))
    return _back(report, case_action.anchor(data) if case_action.anchor else "actions")


@require_POST
@staff_view()
def unlink(request: HttpRequest, pk: int, link_id: int) -> HttpResponse:
    report = get_object_or_404(Report, pk=pk)
    link = get_object_or_404(ReportLink, pk=link_id)
    if report.pk not in (link.report_id, link.other_id):
        return HttpResponse(status=404)
    services.unlink_by_hand(link, request.user)
    messages.success(request, _("Link removed."))
    return _back(report, "links")


@require_GET
@staff_view()
def forwarding_package(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """The package of a forwarding, for the receiver (zip, json or pdf); every download is audited."""
    forwarding = get_object_or_404(Forwarding.objects.select_related("report"), pk=pk)
    if kind not in packages.CONTENT_TYPES:
        return HttpResponse(status=404)
    try:
        body = packages.build(forwarding, kind, request.LANGUAGE_CODE)
    except package_pdf.FontMissing:
        messages.error(request, _("The PDF cannot be made: no Khmer font was found on the server. "
                                  "Ask the administrator to check HOTLINE_PDF_FONT."))
        return _back(forwarding.report, "actions")
    services.audit(request.user, AuditEvent.Action.DOWNLOAD_PACKAGE, report=forwarding.report,
                   detail=f"forwarding {forwarding.pk} {kind}")
    response = HttpResponse(body, content_type=packages.CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{packages.filename(forwarding, kind)}"'
    return response


# ---------------------------------------------------------------- evidence (every view audited)


@require_GET
@staff_view()
def evidence_chat(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    try:
        lines = services.whole_chat(evidence, request.user)
    except services.ActionRefused as exc:
        messages.error(request, _refusal(str(exc)))
        return _back(evidence.report, f"evidence-{evidence.pk}")
    return render(request, "cases/chat.html", {"evidence": evidence, "report": evidence.report, "lines": lines})


@require_GET
@staff_view()
def evidence_image(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    revealed = request.GET.get("clear") == "1" and evidence.pk in request.session.get(REVEALED_KEY, [])
    try:
        data, content_type = services.evidence_image(evidence, request.user, revealed=revealed)
    except services.ActionRefused:
        return HttpResponse(status=404)
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "no-store, private"
    return response


@require_POST
@staff_view()
def evidence_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = get_object_or_404(Evidence.objects.select_related("report"), pk=pk)
    revealed = [i for i in request.session.get(REVEALED_KEY, []) if i != evidence.pk]
    if request.POST.get("hide") != "1" and not can_reveal(request.user):
        raise PermissionDenied
    if request.POST.get("hide") != "1":
        try:
            services.reveal(evidence, request.user)
        except services.ActionRefused:
            return HttpResponse(status=404)
        revealed.append(evidence.pk)
    request.session[REVEALED_KEY] = revealed[-50:]
    return _back(evidence.report, f"evidence-{evidence.pk}")


# ---------------------------------------------------------------- audit log (supervisors, read-only)


@require_GET
@staff_view(supervise=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    events, before = services.audit_log(**filters, before=request.GET.get("before", "")[:100])
    query = request.GET.copy()
    query.pop("before", None)
    if before:
        query["before"] = before
    return render(request, "cases/audit.html", {
        "form": form, "events": events, "next_query": query.urlencode() if before else "",
    })


# ---------------------------------------------------------------- statistics


def _labelled(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers with labels in the page's language (the stored snapshot holds keys only)."""
    platforms, categories = dict(Platform.choices), dict(Category.choices)
    out = dict(stats)
    out["platform"] = [(platforms.get(k, k), n) for k, n in stats.get("platform", [])]
    out["category"] = [(categories.get(k, k), n) for k, n in stats.get("category", [])]
    out["nationality"] = [(nationality.label(k), n) for k, n in stats.get("nationality", [])]
    return out


def _sections(stats: dict[str, Any]) -> list[tuple[str, Any, str]]:
    titles = {
        "platform": _("By platform"), "category": _("By crime"), "month": _("By month received"),
        "nationality": _("By offender nationality"), "removals_by_month": _("Links taken down, by month"),
    }
    return [(titles[key], stats.get(key, []), key) for key in statistics.SECTIONS]


def _range(request: HttpRequest) -> tuple[StatisticsRangeForm, dict[str, Any]]:
    """The date range asked for (empty: all time); a bad date is shown as an error, not a failure."""
    form = StatisticsRangeForm(request.GET or None)
    return form, {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}


@require_GET
@staff_view()
def statistics_page(request: HttpRequest) -> HttpResponse:
    form, period = _range(request)
    if period:  # a chosen period is counted now (bounded by its dates); all time is the last refresh
        numbers = statistics.compute(**period)
    else:
        numbers, stale = statistics.current()
        if stale:
            refresh_statistics.enqueue()
    stats = _labelled(numbers)
    return render(request, "cases/statistics.html", {
        "stats": stats, "sections": _sections(stats), "published": statistics.published(),
        "can_supervise": services.can_supervise(request.user), "range_form": form, "period": period,
        "csv_query": urlencode({k: str(v) for k, v in period.items()}),
    })


@require_GET
@staff_view()
def statistics_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hotline-statistics.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read Khmer text as UTF-8
    csv.writer(response).writerows(statistics.rows(statistics.compute(**_range(request)[1])))
    return response


@require_POST
@staff_view(supervise=True)
def statistics_publish(request: HttpRequest) -> HttpResponse:
    statistics.publish(request.user)
    messages.success(request, _("Statistics published."))
    return HttpResponseRedirect(reverse("cases:stats"))


@require_GET
def public_statistics(request: HttpRequest) -> HttpResponse:
    snapshot = statistics.published()
    stats = _labelled(snapshot.data) if snapshot else None
    return render(request, "cases/public_statistics.html", {
        "snapshot": snapshot, "stats": stats, "sections": _sections(stats) if stats else [],
    })
