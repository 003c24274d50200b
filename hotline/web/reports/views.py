"""Report pages: the form, the thank-you page (code and PIN shown once), the status page.

Views stay thin: validation is in `forms`, everything else in `services`. The code and PIN travel from
the POST to the thank-you page inside the session, encrypted, and are removed when shown. The status
page is reached by POSTing code and PIN; the code never appears in a URL (browser history, proxies).
"""

from __future__ import annotations

import json
import time
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.web import encryption, ratelimits
from hotline.web.uploads import BoundedMemoryUpload, bounded_upload_view

from . import services
from .forms import AddInformationForm, ReportForm, StatusLookupForm
from .models import Report

PREFILL_KEY = "report_prefill"
PENDING_KEY = "report_pending_evidence"
RECEIPT_KEY = "report_receipt"
ACCESS_KEY = "report_access"
#: The most files one report may collect, over the form and every "add information" (each file is
#: bounded by HOTLINE_MAX_UPLOAD_BYTES, one request by DATA_UPLOAD_MAX_NUMBER_FILES).
MAX_EVIDENCE_PER_REPORT = 30
#: How long the browser that sent a report (or looked it up) may see its status without the PIN again.
ACCESS_SECONDS = 30 * 60
MAX_PENDING = 10


def _prefill(request: HttpRequest) -> dict[str, Any]:
    value = request.session.get(PREFILL_KEY)
    return value if isinstance(value, dict) else {}


def _pending_tokens(request: HttpRequest) -> list[str]:
    """Tokens of files accepted on an earlier try of this form (or from the chat checker)."""
    tokens = [t for t in request.session.get(PENDING_KEY, []) if isinstance(t, str)]
    prefill_token = _prefill(request).get("evidence_token")
    if isinstance(prefill_token, str) and prefill_token not in tokens:
        tokens.insert(0, prefill_token)
    return tokens


def _attached(tokens: list[str]) -> list[services.StashInfo]:
    return [info for info in (services.stash_info(t) for t in tokens) if info is not None]


def _render_form(request: HttpRequest, form: ReportForm, status: int = 200, *,
                 message: str = "") -> HttpResponse:
    prefill = _prefill(request)
    tokens = _pending_tokens(request)
    return render(request, "reports/new.html", {
        "form": form,
        "attached": _attached(tokens),
        "analysis_attached": bool(prefill.get("evidence_token")) and services.stash_info(
            str(prefill.get("evidence_token"))) is not None,
        "message": message,
    }, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@bounded_upload_view
def new_report(request: HttpRequest, uploads: BoundedMemoryUpload) -> HttpResponse:
    oversize = uploads.too_big
    if request.method == "GET":
        prefill = _prefill(request)
        initial = {k: prefill[k] for k in ("category", "platform", "description", "urls")
                   if isinstance(prefill.get(k), str)}
        form = ReportForm(initial=initial)
        return _render_form(request, form)

    if not ratelimits.hit(request, "report"):
        return _render_form(request, ReportForm(request.POST), status=429, message=_(
            "Too many reports were sent from here in a short time. Please wait a while and try again."))
    tokens = _pending_tokens(request)
    form = ReportForm(request.POST, request.FILES, has_stashed_evidence=bool(_attached(tokens)),
                      oversize=oversize)
    if not form.is_valid():
        # Keep the files that were accepted, so the reporter does not have to choose them again.
        for data, name in form.accepted_files:
            if len(tokens) < MAX_PENDING:
                request.session[PENDING_KEY] = [*request.session.get(PENDING_KEY, []),
                                                services.stash_evidence(data, name)]
                tokens.append(request.session[PENDING_KEY][-1])
        return _render_form(request, form, status=400)

    data = form.cleaned_data
    receipt = services.create_report(
        category=data["category"], platform=data["platform"], urls=data["urls"],
        description=data["description"], victim_age_band=data["victim_age_band"],
        reporter_type=data["reporter_type"], offender_name=data["offender_name"],
        offender_profile_url=data["offender_profile_url"],
        offender_claimed_age=data["offender_claimed_age"],
        offender_nationality=data["offender_nationality"], contact=data["contact"],
        language=(get_language() or "km")[:8], source="web",
        files=form.accepted_files, evidence_tokens=tokens,
    )
    # Committed: only now is the code handed over, through the session and encrypted.
    request.session.pop(PREFILL_KEY, None)
    request.session.pop(PENDING_KEY, None)
    request.session[RECEIPT_KEY] = encryption.encrypt(json.dumps({
        "id": receipt.report.pk, "code": receipt.tracking_code, "pin": receipt.pin,
    }).encode()).decode()
    _grant(request, receipt.report.pk)
    return HttpResponseRedirect(reverse("reports:thanks"))


@never_cache
def thanks(request: HttpRequest) -> HttpResponse:
    """Shows the code and PIN once; they are gone from the session after this page."""
    token = request.session.pop(RECEIPT_KEY, None)
    receipt: dict[str, Any] | None = None
    if isinstance(token, str):
        try:
            receipt = json.loads(encryption.decrypt(token.encode()))
        except (encryption.InvalidToken, ValueError):
            receipt = None
    report = Report.objects.filter(pk=receipt["id"]).first() if receipt else None
    if report is None or receipt is None or report.tracking_code != receipt.get("code"):
        return render(request, "reports/thanks.html", {"shown": False})
    return render(request, "reports/thanks.html", {
        "shown": True, "code": receipt["code"], "pin": receipt["pin"], "report": report,
    })


def _grant(request: HttpRequest, pk: int) -> None:
    """Let this browser see the report's status page without the PIN, for ACCESS_SECONDS only."""
    request.session[ACCESS_KEY] = {"pk": pk, "until": time.time() + ACCESS_SECONDS}


def _report_with_access(request: HttpRequest) -> Report | None:
    access = request.session.get(ACCESS_KEY)
    if not isinstance(access, dict) or not isinstance(access.get("pk"), int):
        return None
    if float(access.get("until", 0)) < time.time():
        request.session.pop(ACCESS_KEY, None)
        return None
    return Report.objects.filter(pk=access["pk"]).exclude(status="withdrawn").first()


@never_cache
@require_http_methods(["GET", "POST"])
@bounded_upload_view
def status(request: HttpRequest, uploads: BoundedMemoryUpload) -> HttpResponse:
    """Look-up (code + PIN) and, once granted for this session, the report's progress."""
    oversize = uploads.too_big
    if request.method == "POST" and request.POST.get("action") == "leave":
        request.session.pop(ACCESS_KEY, None)
        return HttpResponseRedirect(reverse("reports:status"))

    if request.method == "POST" and request.POST.get("action") == "withdraw":
        form = StatusLookupForm(request.POST)
        if not ratelimits.hit(request, "lookup"):
            return render(request, "reports/lookup.html", {"form": form, "message": _(
                "Too many tries from here. Please wait a few minutes and try again.")}, status=429)
        if form.is_valid() and services.withdraw_report(form.cleaned_data["code"], form.cleaned_data["pin"]):
            request.session.pop(ACCESS_KEY, None)
            return render(request, "reports/lookup.html", {"form": StatusLookupForm(), "withdrawn": True})
        return render(request, "reports/lookup.html", {"form": form, "message": _(
            "We found no report with this code and PIN. Check both and try again.")}, status=404)

    report = _report_with_access(request)
    if request.method == "POST" and request.POST.get("action") == "add" and report is not None:
        if not ratelimits.hit(request, "add"):
            return render(request, "reports/status.html", _status_context(report, AddInformationForm()),
                          status=429)
        add_form = AddInformationForm(request.POST, request.FILES, oversize=oversize)
        if add_form.is_valid() and report.evidence.count() + len(add_form.accepted_files) > MAX_EVIDENCE_PER_REPORT:
            add_form.add_error("files", _("This report can hold at most %(n)d files. Tell us in words what the "
                                          "others show.") % {"n": MAX_EVIDENCE_PER_REPORT})
        if add_form.is_valid():
            services.add_reporter_info(report, add_form.cleaned_data.get("text", ""), add_form.accepted_files)
            return render(request, "reports/status.html", _status_context(report, AddInformationForm(),
                                                                              added=True))
        return render(request, "reports/status.html", _status_context(report, add_form), status=400)

    if request.method == "POST":
        form = StatusLookupForm(request.POST)
        if not ratelimits.hit(request, "lookup"):
            return render(request, "reports/lookup.html", {"form": form, "message": _(
                "Too many tries from here. Please wait a few minutes and try again.")}, status=429)
        if not form.is_valid():
            return render(request, "reports/lookup.html", {"form": form}, status=400)
        found = services.find_report(form.cleaned_data["code"], form.cleaned_data["pin"])
        if found is None:
            return render(request, "reports/lookup.html", {"form": form, "message": _(
                "We found no report with this code and PIN. Check both and try again.")}, status=404)
        request.session.cycle_key()
        _grant(request, found.pk)
        return HttpResponseRedirect(reverse("reports:status"))

    if report is not None:
        return render(request, "reports/status.html", _status_context(report, AddInformationForm()))
    return render(request, "reports/lookup.html", {"form": StatusLookupForm()})


def _status_context(report: Report, add_form: AddInformationForm, *, added: bool = False) -> dict[str, Any]:
    return {
        "report": report,
        "history": list(report.history.all()),
        "evidence": list(report.evidence.all()),
        "links": report.urls.count(),
        "notes": report.notes.count(),
        "add_form": add_form,
        "added": added,
    }
