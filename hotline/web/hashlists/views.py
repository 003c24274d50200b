"""The protect pages: a young person blocks a photo by its fingerprint (PDQ hash, made in the browser),
and withdraws it with the case number and PIN. Views stay thin; the logic is in `services`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.web import ratelimits

from . import services
from .forms import ProtectForm, WithdrawForm

View = Callable[[HttpRequest], HttpResponse]
FormView = Callable[[HttpRequest, Form], HttpResponse]


def form_page(form_class: type[Form], template: str, bucket: str) -> Callable[[FormView], View]:
    """A page whose view acts on a valid posted form: GET shows the blank form, too many tries from one
    client answer 429, a form with errors 400; never cached."""

    def decorate(view: FormView) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest) -> HttpResponse:
            if request.method != "POST":
                return render(request, template, {"form": form_class()})
            form = form_class(request.POST)
            if not ratelimits.hit(request, bucket):
                return render(request, template, {
                    "form": form, "error": _("Too many attempts. Please wait a few minutes and try again.")},
                    status=429)
            if not form.is_valid():
                return render(request, template, {"form": form}, status=400)
            return view(request, form)

        return never_cache(require_http_methods(["GET", "POST"])(wrapped))

    return decorate


@form_page(ProtectForm, "hashlists/protect.html", "protect")
def protect(request: HttpRequest, form: Form) -> HttpResponse:
    protection = services.protect(form.cleaned_data["pdq"], form.cleaned_data["quality"])
    return render(request, "hashlists/protected.html", {"protection": protection})


def _refusal() -> str:
    """One answer whether the case number is unknown, the PIN wrong or the case locked, so that the page
    tells a guesser nothing about which case numbers exist."""
    return _("No protected photo matches this case number and PIN. Check both and try again; after too many "
             "wrong PINs, only the hotline can withdraw the photo.")


@form_page(WithdrawForm, "hashlists/withdraw.html", "lookup")
def withdraw(request: HttpRequest, form: Form) -> HttpResponse:
    try:
        services.withdraw(form.cleaned_data["case_number"], form.cleaned_data["pin"])
    except services.WithdrawRefused:
        return render(request, "hashlists/withdraw.html",
                      {"form": WithdrawForm(initial={"case_number": form.cleaned_data["case_number"]}),
                       "error": _refusal()}, status=400)
    return render(request, "hashlists/withdraw.html", {"form": WithdrawForm(), "withdrawn": True})
