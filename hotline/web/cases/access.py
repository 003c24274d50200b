"""Who may open the staff pages: signed-in staff with the case-work permission. The second factor is
enforced before any of them by `hotline.web.staff.middleware` (the one place that checks it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .services import can_supervise, can_work

View = Callable[..., HttpResponse]


def staff_view(*, supervise: bool = False) -> Callable[[View], View]:
    """Anonymous → the sign-in page; signed in without the permission (or not staff) → 403.
    Responses are never cached."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not can_work(user) or (supervise and not can_supervise(user)):
                raise PermissionDenied
            response = view(request, *args, **kwargs)
            add_never_cache_headers(response)
            return response

        return login_required(wrapped, login_url="admin:login")

    return decorate
