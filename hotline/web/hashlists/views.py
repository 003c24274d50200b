"""The protect pages: a young person blocks a photo by its fingerprint (PDQ hash, made in the browser),
and withdraws it with the case number and PIN. Views stay thin; the logic is in `services`."""

from __future__ import annotations

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.web import ratelimits

from . import services
from .forms import ProtectForm, WithdrawForm


def _posted(request: HttpRequest, form_class: type[Form], template: str, bucket: str) -> Form | HttpResponse:
    """The page with a blank form (GET), the rate-limit answer (429), the form with its errors (400), or
    the valid form for the view to act on."""
    if request.method != "POST":
        return render(request, template, {"form": form_class()})
    form = form_class(request.POST)
    if not ratelimits.hit(request, bucket):
        return render(request, template, {
            "form": form, "error": _("Too many attempts. Please wait a few minutes and try again.")}, status=429)
    if not form.is_valid():
        return render(request, template, {"form": form}, status=400)
    return form


@never_cache
@require_http_methods(["GET", "POST"])
def protect(request: HttpRequest) -> HttpResponse:
    form = _posted(request, ProtectForm, "hashlists/protect.html", "report")
    if isinstance(form, HttpResponse):
        return form
    protection = services.protect(form.cleaned_data["pdq"], form.cleaned_data["quality"])
    return render(request, "hashlists/protected.html", {"protection": protection})


_REFUSALS = {
    "unknown": lambda: _("No protected photo has this case number. Check it, or it may already be withdrawn."),
    "wrong_pin": lambda: _("The PIN does not match this case number."),
    "locked": lambda: _("Too many wrong PINs. Please contact the hotline to withdraw this photo."),
}


@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    form = _posted(request, WithdrawForm, "hashlists/withdraw.html", "lookup")
    if isinstance(form, HttpResponse):
        return form
    try:
        services.withdraw(form.cleaned_data["case_number"], form.cleaned_data["pin"])
    except services.WithdrawRefused as exc:
        return render(request, "hashlists/withdraw.html",
                      {"form": WithdrawForm(initial={"case_number": form.cleaned_data["case_number"]}),
                       "error": _REFUSALS[exc.reason]()}, status=400)
    return render(request, "hashlists/withdraw.html", {"form": WithdrawForm(), "withdrawn": True})
