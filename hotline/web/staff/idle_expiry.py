"""Staff sessions end after `SESSION_COOKIE_AGE` without a request: the expiry moves on at most once a minute.

Django's `SESSION_SAVE_EVERY_REQUEST` would move it on every request, a write and a commit on every page an
analyst opens; here the session is written only when its last move is older than `REFRESH_SECONDS` (or
when the page changed it anyway), so an idle timeout of 8 hours is kept to within a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

#: How stale the expiry may be before a request moves it on.
REFRESH_SECONDS = 60
#: Session key holding when the expiry last moved (seconds since the epoch).
MOVED_KEY = "_hotline_expiry_moved"


class IdleExpiryMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or not session.get("_auth_user_id"):
            return response  # nobody signed in: nothing to keep alive (and no session to write)
        now = int(time.time())
        if session.modified or now - int(session.get(MOVED_KEY, 0)) >= REFRESH_SECONDS:
            session[MOVED_KEY] = now  # marks it modified: SessionMiddleware saves it with a new expiry
        return response
