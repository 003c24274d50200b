"""The second-factor page: enrol on first sign-in (QR code or secret), type a code every time after."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from hotline.web import ratelimits

from .forms import CodeForm
from .second_factor import ISSUER, SESSION_KEY, factor_for, qr_svg, verify


@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_authenticated and request.user.is_staff):
        return HttpResponseRedirect(reverse("admin:login"))
    next_url = request.GET.get("next") or request.POST.get("next") or "/admin/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    if request.method == "POST" and request.POST.get("action") == "logout":
        logout(request)
        return HttpResponseRedirect(reverse("admin:login"))
    factor, totp = factor_for(request.user)
    form = CodeForm(request.POST or None)
    status, message = 200, ""
    if request.method == "POST":
        if not ratelimits.hit(request, "lookup"):
            status, message = 429, _("Too many tries from here. Please wait a few minutes and try again.")
        elif form.is_valid() and verify(factor, totp, form.cleaned_data["code"]):
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            return HttpResponseRedirect(next_url)
        else:
            status, message = 400, _("This code is not right. Type the 6 digits your app shows now.")
    context: dict[str, Any] = {"form": form, "next": next_url, "message": message,
                               "enrol": not factor.confirmed}
    if not factor.confirmed:
        uri = totp.provisioning_uri(name=request.user.get_username(), issuer_name=ISSUER)
        context.update(secret=totp.secret, uri=uri, qr_svg=qr_svg(uri))
    return render(request, "staff/second_factor.html", context, status=status)
