"""A second factor for staff: TOTP (RFC 6238, any authenticator app) after the admin password.

`SecondFactorMiddleware` sends a signed-in staff member who has not passed the second factor in this
session to `/admin-2fa/`: there they enrol on first sign-in (scan the QR code or type the secret) and
type a code every time after. Codes are accepted once (the time step is recorded).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pyotp
from django import forms
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from . import encryption, ratelimit
from .models import StaffSecondFactor

SESSION_KEY = "second_factor_passed"
ISSUER = "Hotline"
PROTECTED_PREFIXES = ("/admin/", "/km/staff/", "/en/staff/")
EXEMPT_PREFIXES = ("/admin/login/", "/admin/logout/", "/admin/jsi18n/")


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from your authenticator app"), max_length=12,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


def _needs_second_factor(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff
                and not request.session.get(SESSION_KEY))


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (path.startswith(PROTECTED_PREFIXES) and not path.startswith(EXEMPT_PREFIXES)
                and _needs_second_factor(request)):
            return HttpResponseRedirect(f"{reverse('second-factor')}?next={path}")
        return self.get_response(request)


def _factor_for(user: Any) -> tuple[StaffSecondFactor, pyotp.TOTP]:
    factor = StaffSecondFactor.objects.filter(user=user).first()
    if factor is None:
        factor = StaffSecondFactor.objects.create(
            user=user, secret_encrypted=encryption.encrypt(pyotp.random_base32().encode()))
    secret = encryption.decrypt(factor.secret_encrypted).decode()
    return factor, pyotp.TOTP(secret)


def _qr_svg(uri: str) -> str:
    try:
        import segno
    except ImportError:
        return ""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, xmldecl=False, svgns=True, title="QR")
    return out.getvalue().decode()


def verify(factor: StaffSecondFactor, totp: pyotp.TOTP, code: str) -> bool:
    """True once per time step for a code valid now (±30 s for clock drift)."""
    code = "".join(ch for ch in code.translate(str.maketrans("០១២៣៤៥៦៧៨៩", "0123456789")) if ch.isdigit())
    if len(code) != 6:
        return False
    now_step = totp.timecode(datetime.now())
    for step in (now_step - 1, now_step, now_step + 1):
        if step > factor.last_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            StaffSecondFactor.objects.filter(pk=factor.pk).update(last_step=step, confirmed=True)
            return True
    return False


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
    factor, totp = _factor_for(request.user)
    form = CodeForm(request.POST or None)
    status, message = 200, ""
    if request.method == "POST":
        if not ratelimit.hit(request, "lookup"):
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
        context.update(secret=totp.secret, uri=uri, qr_svg=_qr_svg(uri))
    return render(request, "reports/second_factor.html", context, status=status)
