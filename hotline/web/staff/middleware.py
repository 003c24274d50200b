"""The one place where the staff second factor is enforced.

A signed-in staff member who has not passed the second factor in this session is sent to
`/admin-2fa/` from every staff page: the admin and the workspace under /<language>/staff/.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from .second_factor import SESSION_KEY

#: Pages that sign in or out must stay reachable without the second factor.
EXEMPT_PREFIXES = ("/admin/login/", "/admin/logout/", "/admin/jsi18n/")


def protected_prefixes() -> tuple[str, ...]:
    return ("/admin/", *(f"/{code}/staff/" for code, _name in settings.LANGUAGES))


def needs_second_factor(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_staff
                and not request.session.get(SESSION_KEY))


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.protected = protected_prefixes()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if (path.startswith(self.protected) and not path.startswith(EXEMPT_PREFIXES)
                and needs_second_factor(request)):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('second-factor')}?{query}")
        return self.get_response(request)
