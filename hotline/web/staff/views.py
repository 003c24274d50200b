"""Staff sign-in pages: the second factor after the password, enrolment by a one-time link, and the
supervisors' account page (create, new link, reset the second factor, disable, enable, unlock)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from hotline.web import ratelimits

from . import accounts
from .forms import CodeForm, EnrolForm, NewAccountForm
from .models import StaffSecondFactor
from .roles import can_manage_staff
from .second_factor import ISSUER, SESSION_KEY, factor_for, qr_svg, verify

BACKEND = "hotline.web.staff.backends.GuardedModelBackend"


def _locked_message() -> str:
    return _("This account is locked for a while after too many wrong tries. Try again later, or ask a "
             "supervisor to unlock it.")


def _passes(user: Any, code: str) -> bool:
    """A code from the authenticator app, or else one of the account's unused backup codes."""
    factor, totp = factor_for(user)
    return verify(factor, totp, code) or accounts.use_backup_code(user, code)


@never_cache
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
    user = request.user
    context: dict[str, Any] = {"form": CodeForm(request.POST or None), "next": next_url, "message": ""}
    if not StaffSecondFactor.objects.filter(user=user, confirmed=True).exists():
        context["not_enrolled"] = True
        return render(request, "staff/second_factor.html", context, status=403)
    status = 200
    if request.method == "POST":
        form = context["form"]
        if accounts.locked(user):
            status, context["message"] = 429, _locked_message()
        elif not ratelimits.hit(request, "second_factor"):
            status, context["message"] = 429, _("Too many tries from here. Please wait a few minutes and try again.")
        elif form.is_valid() and _passes(user, form.cleaned_data["code"]):
            accounts.clear_failures(user, "code")
            request.session.cycle_key()
            request.session[SESSION_KEY] = True
            return HttpResponseRedirect(next_url)
        elif accounts.count_failure(user, "code"):
            status, context["message"] = 429, _locked_message()
        else:
            status, context["message"] = 400, _("This code is not right. Type the 6 digits your app shows now.")
    return render(request, "staff/second_factor.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    """Open a one-time link: choose a password, add the account to an authenticator app, type a code."""
    link = accounts.link_for(token)
    if link is None:
        return render(request, "staff/link_invalid.html", status=404)
    secret = accounts.pending_secret(link)
    form = EnrolForm(request.POST or None, user=link.user)
    status = 200
    if request.method == "POST":
        if not ratelimits.hit(request, "second_factor"):
            form.add_error(None, _("Too many tries from here. Please wait a few minutes and try again."))
            status = 429
        elif form.is_valid():
            factor, totp = factor_for(link.user)
            if verify(factor, totp, form.cleaned_data["code"]):
                codes = accounts.enrol(link, form.cleaned_data["password1"])
                logout(request)
                login(request, link.user, backend=BACKEND)
                request.session[SESSION_KEY] = True
                return render(request, "staff/enrolled.html", {"backup_codes": codes})
            form.add_error("code", _("This code is not right. Type the 6 digits your app shows now."))
            status = 400
        else:
            status = 400
    uri = factor_for(link.user)[1].provisioning_uri(name=link.user.get_username(), issuer_name=ISSUER)
    return render(request, "staff/enrol.html", {
        "form": form, "secret": secret, "qr_svg": qr_svg(uri), "username": link.user.get_username(),
    }, status=status)


# ---------------------------------------------------------------- supervisors: staff accounts


def _manager(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else the sign-in page), allowed to manage staff (else 403); never cached. The second
    factor was checked before (middleware: these pages are under /<lang>/staff/)."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not can_manage_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return never_cache(login_required(wrapped, login_url="admin:login"))


def _accounts_page(request: HttpRequest, form: NewAccountForm | None = None, *, status: int = 200,
                   issued: tuple[str, str] | None = None) -> HttpResponse:
    rows = [{"user": u, "role": accounts.role_of(u), "locked": accounts.locked(u),
             "enrolled": StaffSecondFactor.objects.filter(user=u, confirmed=True).exists()}
            for u in accounts.staff_accounts()]
    link = None
    if issued is not None:
        link = {"username": issued[0],
                "url": request.build_absolute_uri(reverse("staff-enrol", args=[issued[1]]))}
    return render(request, "staff/accounts.html", {
        "rows": rows, "form": form or NewAccountForm(), "issued": link,
    }, status=status)


@require_http_methods(["GET", "POST"])
@_manager
def account_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _accounts_page(request)
    form = NewAccountForm(request.POST)
    if not form.is_valid():
        return _accounts_page(request, form, status=400)
    user, token = accounts.create_account(form.cleaned_data["username"], form.cleaned_data["role"], request.user)
    return _accounts_page(request, issued=(user.get_username(), token))


#: What a supervisor can do to an account: action → (does it and maybe returns a new link token).
ACCOUNT_ACTIONS: dict[str, Callable[[Any, Any], str | None]] = {
    "link": lambda user, by: accounts.issue_link(user, by),
    "reset": lambda user, by: accounts.reset_factor(user, by),
    "disable": lambda user, by: accounts.set_active(user, False, by),
    "enable": lambda user, by: accounts.set_active(user, True, by),
    "unlock": lambda user, by: accounts.unlock(user, by),
}


@require_POST
@_manager
def account_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    run = ACCOUNT_ACTIONS.get(action)
    user = get_object_or_404(get_user_model(), pk=pk, is_staff=True)
    if run is None or (user.pk == request.user.pk and action in ("disable", "reset")):
        raise PermissionDenied
    token = run(user, request.user)
    return _accounts_page(request, issued=(user.get_username(), token) if token else None)
