"""The partner API, v1: plain Django views answering JSON, CSRF-exempt (no cookies are used).

Every error is a JSON 4xx: {"errors": {"<field path>": "<message>"}}. Messages follow the request's
Accept-Language (Khmer or English).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from hotline.detect import analysis
from hotline.detect.chats import parse
from hotline.detect.errors import InputError
from hotline.web import ratelimits
from hotline.web.hashlists.signals import partner_query
from hotline.web.inputerrors import input_error_message
from hotline.web.reports import services
from hotline.web.uploads import WEB_ZIP_LIMITS, bound_uploads

from . import hashmatch
from .models import ApiKey, hash_key
from .payloads import deprecations, parse_report
from .schema import openapi_schema

#: A report is small JSON; anything larger is refused before it is read.
MAX_REPORT_BODY = 64 * 1024
#: A hash query: MAX_HASHES entries of about 120 bytes each, with room to spare.
MAX_HASH_QUERY_BODY = 32 * 1024

View = Callable[..., HttpResponse]


def error(status: int, errors: dict[str, str]) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status, json_dumps_params={"ensure_ascii": False})


def methods(*allowed: str) -> Callable[[View], View]:
    """Like require_http_methods, but the 405 is JSON too."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = error(405, {"method": _("Method not allowed.")})
                response["Allow"] = ", ".join(allowed)
                return response
            return view(request, *args, **kwargs)

        return csrf_exempt(wrapped)

    return decorate


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _api_key(request: HttpRequest) -> ApiKey | None:
    raw = request.headers.get("X-API-Key", "")
    auth = request.headers.get("Authorization", "")
    if not raw and auth[:7].lower() == "bearer ":
        raw = auth[7:]
    raw = raw.strip()
    if not raw or len(raw) > 200:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw), active=True).first()
    if key is not None:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _unauthorised() -> JsonResponse:
    response = error(401, {"auth": _("A valid API key is required (Authorization: Bearer <key>).")})
    response["WWW-Authenticate"] = 'Bearer realm="hotline"'
    return response


def _json_body(request: HttpRequest, limit: int) -> tuple[Any, JsonResponse | None]:
    """The request's JSON (bounded), or the error answer."""
    if _content_length(request) > limit:
        return None, error(413, {"body": _("The body is too large.")})
    try:
        body = request.body
    except (RequestDataTooBig, SuspiciousOperation):
        return None, error(413, {"body": _("The body is too large.")})
    except ValueError:  # a Content-Length that is not a number
        return None, error(400, {"body": _("The body is not valid JSON (UTF-8).")})
    if len(body) > limit:
        return None, error(413, {"body": _("The body is too large.")})
    try:
        return json.loads(body.decode("utf-8")), None
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        return None, error(400, {"body": _("The body is not valid JSON (UTF-8).")})


@methods("POST")
def reports(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/reports: a JSON report → 201 {tracking_code, pin}."""
    if _content_length(request) > MAX_REPORT_BODY:
        return error(413, {"body": _("The body is too large.")})
    if not ratelimits.hit(request, "api_report"):
        return error(429, {"rate": _("Too many requests. Try again later.")})
    payload, failed = _json_body(request, MAX_REPORT_BODY)
    if failed is not None:
        return failed
    fields, errors = parse_report(payload)
    if errors:
        return error(400, errors)
    receipt = services.create_report(**fields, language=_language(request), source="api")
    body: dict[str, Any] = {"tracking_code": receipt.tracking_code, "pin": receipt.pin, "status": "received"}
    if warnings := deprecations(payload):
        body["warnings"] = warnings
    response = JsonResponse(body, status=201, json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)  # the PIN is in it
    return response


def _language(request: HttpRequest) -> str:
    lang = getattr(request, "LANGUAGE_CODE", "") or "km"
    return lang[:8]


@methods("GET")
def report_status(request: HttpRequest, tracking_code: str) -> HttpResponse:
    """GET /api/v1/reports/{tracking_code} with X-Report-Pin: the report's progress."""
    if not ratelimits.hit(request, "api_lookup"):
        return error(429, {"rate": _("Too many requests. Try again later.")})
    report = services.find_report(tracking_code[:32], request.headers.get("X-Report-Pin", "")[:32])
    if report is None:
        return error(404, {"report": _("No report with this tracking code and PIN.")})
    response = JsonResponse(services.report_status(report))
    add_never_cache_headers(response)
    return response


@methods("POST")
def analyze(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/analyze: a chat export (multipart `file` or the raw body) → the engine's analysis."""
    if _api_key(request) is None:
        return _unauthorised()
    if not ratelimits.hit(request, "api_analyze"):
        return error(429, {"rate": _("Too many requests. Try again later.")})
    limit = int(settings.HOTLINE_MAX_UPLOAD_BYTES)
    if _content_length(request) > limit + 64 * 1024:
        return error(413, {"file": _("The file is too large.")})
    filename: str | None = request.GET.get("filename")
    try:
        if request.content_type == "multipart/form-data":
            handler = bound_uploads(request)
            upload = request.FILES.get("file")
            if handler.too_big:
                return error(413, {"file": _("The file is too large.")})
            if upload is None:
                return error(400, {"file": _("Send the export as the multipart field `file`.")})
            if upload.size and upload.size > limit:
                return error(413, {"file": _("The file is too large.")})
            data = upload.read(limit + 1)
            filename = filename or upload.name
        else:
            data = request.body
    except (RequestDataTooBig, TooManyFieldsSent):
        return error(413, {"file": _("The file is too large.")})
    except (MultiPartParserError, SuspiciousOperation, OSError, ValueError):
        return error(400, {"file": _("The upload could not be read.")})
    if len(data) > limit:
        return error(413, {"file": _("The file is too large.")})
    if not data:
        return error(400, {"file": _("The export is empty.")})
    fmt = request.GET.get("format") or None
    try:
        result = analysis.analyze(parse(data, filename, format=fmt, limits=WEB_ZIP_LIMITS))
    except InputError as exc:
        return error(400, {"file": input_error_message(exc)})
    return JsonResponse(result.to_dict(), json_dumps_params={"ensure_ascii": False})


@methods("POST")
def match_hashes(request: HttpRequest) -> HttpResponse:
    """POST /api/v1/hashes/match: PDQ or MD5 hashes → the hash-list entries each one matches."""
    key = _api_key(request)
    if key is None:
        return _unauthorised()
    if not ratelimits.hit(request, "api_hash_match"):
        return error(429, {"rate": _("Too many requests. Try again later.")})
    payload, failed = _json_body(request, MAX_HASH_QUERY_BODY)
    if failed is not None:
        return failed
    queries, errors = hashmatch.parse_query(payload)
    if errors:
        return error(400, errors)
    results = hashmatch.answer(queries)
    entries = sorted({m["entry"] for r in results for m in r["matches"]})
    matched = sum(1 for r in results if r["matches"])
    partner_query.send(sender=match_hashes, key_name=key.name, hashes=len(queries), matched=matched,
                       entries=entries)
    response = JsonResponse({"results": results, "hashes": len(queries), "matched": matched},
                            json_dumps_params={"ensure_ascii": False})
    add_never_cache_headers(response)
    return response


@methods("GET")
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_schema(request.build_absolute_uri("/api/v1")),
                        json_dumps_params={"ensure_ascii": False, "indent": 2})


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, {"path": _("No such API endpoint.")})

