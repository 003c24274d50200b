"""Staff pages (queue, report, evidence, statistics) and the public statistics page. Thin: validation
in `forms`, everything else in `services`, `linking` and `statistics`."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.web.reports.models import Category, Evidence, Platform, Report
from hotline.web.reports.services import evidence_filename

from . import linking, services
from . import stats as statistics
from .access import staff_view
from .forms import (
    AssignForm,
    ForwardingForm,
    HashListForm,
    LinkForm,
    QueueFilterForm,
    RemovalForm,
    StatusForm,
)
from .models import ReportLink

#: Session key: ids of evidence images this analyst revealed (shown clear until hidden again).
REVEALED_KEY = "cases_revealed"
PAGE_SIZE = 50


def _refusal(code: str) -> str:
    texts = {
        "assigned": _("Another analyst is working on this report. Ask a supervisor to reassign it."),
        "not_supervisor": _("Only a supervisor can assign reports."),
        "not_analyst": _("This person cannot work cases."),
        "bad_status": _("This status cannot be set here."),
        "bad_recipient": _("Choose who the report was forwarded to."),
        "not_assessed": _("Only assessed material can go on a hash list: set the status to Assessed first."),
        "no_images": _("This report has no images."),
        "unknown_report": _("No other report has this tracking code."),
        "not_chat": _("This evidence is not a chat."),
        "not_image": _("This evidence is not an image."),
        "unreadable": _("The stored file could not be read."),
    }
    return texts.get(code, _("This action could not be done."))


# ---------------------------------------------------------------- queue


@require_GET
@staff_view()
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = services.QueueFilters(**form.cleaned_data) if form.is_valid() else services.QueueFilters()
    reports = services.queue(filters, request.user)
    total = reports.count()
    return render(request, "cases/queue.html", {
        "form": form, "reports": reports[:PAGE_SIZE], "shown_total": total, "page_size": PAGE_SIZE,
        "counts": services.queue_counts(request.user), "can_supervise": services.can_supervise(request.user),
    })


# ---------------------------------------------------------------- report


def _report_page(request: HttpRequest, report: Report, status: int = 200, **forms: Any) -> HttpResponse:
    revealed = set(request.session.get(REVEALED_KEY, []))
    context = {
        "report": report,
        "case": services.case_of(report),
        "urls": report.urls.all(),
        "history": report.history.all(),
        "notes": report.notes.all(),
        "evidence": services.analyses(report, request.user),
        "names": {e.pk: evidence_filename(e) for e in report.evidence.all()},
        "revealed": revealed,
        "links": linking.linked_reports(report),
        "forwardings": report.forwardings.all(),
        "removals": report.removals.all(),
        "can_supervise": services.can_supervise(request.user),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": report.status}),
        "forwarding_form": forms.get("forwarding_form") or ForwardingForm(),
        "removal_form": forms.get("removal_form") or RemovalForm(
            initial={"url": report.urls.values_list("url", flat=True).first()}),
        "assign_form": forms.get("assign_form") or AssignForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        "hash_form": forms.get("hash_form") or HashListForm(),
    }
    return render(request, "cases/report.html", context, status=status)


@require_GET
@staff_view()
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_page(request, get_object_or_404(Report, pk=pk))


def _back(report: Report, anchor: str = "") -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("cases:report", args=[report.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@staff_view()
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One POST endpoint per action; a form with errors re-renders the page with a 400."""
    report = get_object_or_404(Report, pk=pk)
    user = request.user
    try:
        if action == "take":
            services.take(report, user)
            messages.success(request, _("You are working on this report."))
        elif action == "assign":
            form = AssignForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, assign_form=form)
            services.assign(report, form.cleaned_data["analyst"], user)
            messages.success(request, _("Assignment saved."))
        elif action == "status":
            form = StatusForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, status_form=form)
            services.change_status(report, form.cleaned_data["status"], user, form.cleaned_data["public_note"])
            messages.success(request, _("Status changed. The reporter sees it on their status page."))
        elif action == "forward":
            form = ForwardingForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, forwarding_form=form)
            services.record_forwarding(report, user, **form.cleaned_data)
            messages.success(request, _("Forwarding recorded."))
        elif action == "removal":
            form = RemovalForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, removal_form=form)
            services.record_removal(report, user, **form.cleaned_data)
            messages.success(request, _("Removal recorded."))
        elif action == "link":
            form = LinkForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, link_form=form)
            services.link_by_hand(report, form.cleaned_data["tracking_code"], user)
            messages.success(request, _("Reports linked."))
        elif action == "hash":
            form = HashListForm(request.POST)
            if not form.is_valid():
                return _report_page(request, report, 400, hash_form=form)
            result = services.add_to_hash_list(report, user, form.cleaned_data["list_name"])
            messages.success(request, _("Added to the hash list: %(added)d. Too plain to hash: %(plain)d.")
                             % {"added": result.added, "plain": result.too_plain})
        else:
            return HttpResponse(status=404)
    except services.ActionRefused as exc:
        messages.error(request, _refusal(str(exc)))
        return _report_page(request, report, 400)
    return _back(report, "actions")


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
    if request.POST.get("hide") != "1":
        try:
            services.reveal(evidence, request.user)
        except services.ActionRefused:
            return HttpResponse(status=404)
        revealed.append(evidence.pk)
    request.session[REVEALED_KEY] = revealed[-50:]
    return _back(evidence.report, f"evidence-{evidence.pk}")


# ---------------------------------------------------------------- statistics


def _labelled(stats: dict[str, Any]) -> dict[str, Any]:
    """The numbers with labels in the page's language (the stored snapshot holds keys only)."""
    from .templatetags.cases import nationality_label

    platforms, categories = dict(Platform.choices), dict(Category.choices)
    out = dict(stats)
    out["platform"] = [(platforms.get(k, k), n) for k, n in stats.get("platform", [])]
    out["category"] = [(categories.get(k, k), n) for k, n in stats.get("category", [])]
    out["nationality"] = [(nationality_label(k), n) for k, n in stats.get("nationality", [])]
    return out


def _sections(stats: dict[str, Any]) -> list[tuple[str, Any, str]]:
    titles = {
        "platform": _("By platform"), "category": _("By crime"), "month": _("By month received"),
        "nationality": _("By offender nationality"), "removals_by_month": _("Links taken down, by month"),
    }
    return [(titles[key], stats.get(key, []), key) for key in statistics.SECTIONS]


@require_GET
@staff_view()
def statistics_page(request: HttpRequest) -> HttpResponse:
    stats = _labelled(statistics.compute())
    return render(request, "cases/statistics.html", {
        "stats": stats, "sections": _sections(stats), "published": statistics.published(),
        "can_supervise": services.can_supervise(request.user),
    })


@require_GET
@staff_view()
def statistics_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="hotline-statistics.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read Khmer text as UTF-8
    csv.writer(response).writerows(statistics.rows(statistics.compute()))
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
