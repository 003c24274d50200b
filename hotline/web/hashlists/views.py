"""The protect pages: a young person blocks a photo by its fingerprint (PDQ hash, made in the browser),
and withdraws it with the case number and PIN. Views stay thin; the logic is in `services`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.web import ratelimits

from . import services
from .forms import ProtectForm, WithdrawForm


def _too_many(request: HttpRequest, template: str, form: object) -> HttpResponse:
    return render(request, template, {"form": form, "error": _("Too many attempts. Please wait a few minutes and try again.")},
                  status=429)


@never_cache
@require_http_methods(["GET", "POST"])
def protect(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "hashlists/protect.html", {"form": ProtectForm()})
    form = ProtectForm(request.POST)
    if not ratelimits.hit(request, "report"):
        return _too_many(request, "hashlists/protect.html", form)
    if not form.is_valid():
        return render(request, "hashlists/protect.html", {"form": form}, status=400)
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
    if request.method != "POST":
        return render(request, "hashlists/withdraw.html", {"form": WithdrawForm()})
    form = WithdrawForm(request.POST)
    if not ratelimits.hit(request, "lookup"):
        return _too_many(request, "hashlists/withdraw.html", form)
    if not form.is_valid():
        return render(request, "hashlists/withdraw.html", {"form": form}, status=400)
    try:
        services.withdraw(form.cleaned_data["case_number"], form.cleaned_data["pin"])
    except services.WithdrawRefused as exc:
        return render(request, "hashlists/withdraw.html",
                      {"form": WithdrawForm(initial={"case_number": form.cleaned_data["case_number"]}),
                       "error": _REFUSALS[exc.reason]()}, status=400)
    return render(request, "hashlists/withdraw.html", {"form": WithdrawForm(), "withdrawn": True})
