"""The database gone for a moment (PostgreSQL restarting, a connection cut): a 503 that says so, not a 500.

Whatever the request was writing rolled back with its transaction, so nothing was acknowledged and sending
it again is safe; the answer says exactly that, in the page's language, with `Retry-After`. The partner
API gets the same in its own JSON shape. Nothing of the request is logged but its path and the error's class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

#: Seconds a client is told to wait before sending again.
RETRY_AFTER = 30


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError) or str(exception).startswith("no such"):
            return None  # SQLite's "no such table/column" is a site not set up, not a moment's absence
        log.warning("database unavailable during %s %s: %s", request.method, request.path,
                    type(exception).__name__)
        message = _("Nothing you sent was saved. Please send it again in a minute.")
        response: HttpResponse
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": {"service": message}}, status=503,
                                    json_dumps_params={"ensure_ascii": False})
        else:
            response = render(request, "public/error.html",
                              {"title": _("The hotline is busy for a moment"), "message": message}, status=503)
        response["Retry-After"] = str(RETRY_AFTER)
        return response
