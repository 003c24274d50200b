"""Who may open the staff pages: signed-in staff with the case-work permission who passed the second
factor in this session. The reports app's SecondFactorMiddleware guards /admin/ only, so the staff
pages (under /km/staff/ and /en/staff/) check the same session flag here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from hotline.web.reports.second_factor import SESSION_KEY

from .services import can_supervise, can_work

View = Callable[..., HttpResponse]


def staff_view(*, supervise: bool = False) -> Callable[[View], View]:
    """Anonymous → the sign-in page; signed in without the permission (or not staff) → 403; staff
    without the second factor in this session → the second-factor page. Responses are never cached."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not can_work(user) or (supervise and not can_supervise(user)):
                raise PermissionDenied
            if not request.session.get(SESSION_KEY):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('second-factor')}?{query}")
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return login_required(wrapped, login_url="admin:login")

    return decorate
