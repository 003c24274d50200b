"""No silent refusals: a 4xx answer with an empty body (Django's 405 from `require_http_methods`, say)
gets the site's error page in the page's language. The partner API answers its own JSON errors and is
left alone; pages that already say something are left alone too."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


class ErrorPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (not 400 <= response.status_code < 500 or response.streaming or response.content
                or request.path.startswith("/api/")):
            return response
        if response.status_code == 405:
            title, message = _("This page cannot be used this way"), _(
                "Open the page from its link and use the form on it.")
        else:
            title, message = _("We could not read what your browser sent"), _(
                "Something in this request is not right. Go back and try again.")
        page = render(request, "public/error.html", {"title": title, "message": message},
                      status=response.status_code)
        for header in ("Allow", "WWW-Authenticate"):
            if header in response:
                page[header] = response[header]
        return page
