"""Public pages: home, awareness pages, and the two checkers. Thin: the work is in services.py."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.template.loader import select_template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hotline.detect.errors import InputError
from hotline.web import ratelimits
from hotline.web.inputerrors import PageInputError, input_error_message
from hotline.web.uploads import BoundedMemoryUpload, bounded_upload_view

from . import services
from .forms import ChatForm, PhotoForm, PostForm

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Awareness pages, written as one template per language under templates/public/learn/<lang>/.
LEARN_PAGES: tuple[str, ...] = ("grooming", "sexting", "sextortion", "rules", "privacy")


def _lang() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _upload_limit() -> int:
    return int(settings.HOTLINE_MAX_UPLOAD_BYTES)


def _too_large() -> str:
    return _("This file is too large. The limit is %(size)s.") % {"size": filesizeformat(_upload_limit())}


def _engine(call: Callable[[], T], what: str) -> tuple[T | None, str]:
    """(the answer, "") or (None, what to tell the visitor) when the engine refused or failed on the input.

    A failure on odd input is still the input's problem for the visitor: a 400, never a 500. Only the
    exception's type is logged: its message could quote what the visitor sent.
    """
    try:
        return call(), ""
    except InputError as exc:
        return None, input_error_message(exc)
    except Exception as exc:
        logger.warning("%s checker failed on input: %s", what, type(exc).__name__)
        return None, _("We could not read this. Try another file, or paste the text instead.")


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"counters": services.public_counters()})


def learn(request: HttpRequest, page: str) -> HttpResponse:
    if page not in LEARN_PAGES:
        raise Http404
    lang = _lang()
    other = "en" if lang == "km" else "km"
    try:
        template = select_template([f"public/learn/{lang}/{page}.html", f"public/learn/{other}/{page}.html"])
    except TemplateDoesNotExist as exc:
        raise Http404 from exc
    return HttpResponse(template.render({"page": page}, request))


# ---------------------------------------------------------------- chat checker

CHAT_TEMPLATE = "public/check_chat.html"


def _too_many() -> str:
    return _("Too many tries from here. Please wait a few minutes and try again.")


@never_cache
@require_http_methods(["GET", "POST"])
@bounded_upload_view
def check_chat(request: HttpRequest, handler: BoundedMemoryUpload) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, CHAT_TEMPLATE, {"form": ChatForm()})
    if request.POST.get("action") == "report":
        if not ratelimits.hit(request, "stash"):
            return render(request, CHAT_TEMPLATE, {"form": ChatForm(), "error": _too_many()}, status=429)
        return _report_chat(request)
    form = ChatForm(request.POST, request.FILES)
    context: dict[str, Any] = {"form": form}
    if not ratelimits.hit(request, "check"):
        context["error"] = _too_many()
        return render(request, CHAT_TEMPLATE, context, status=429)
    if handler.too_big:
        context["error"] = _too_large()
        return render(request, CHAT_TEMPLATE, context, status=400)
    if not form.is_valid():
        return render(request, CHAT_TEMPLATE, context, status=400)
    upload = form.cleaned_data.get("file")
    shots = form.cleaned_data.get("screenshots") or []
    context["answer"], context["error"] = _engine(
        lambda: services.check_screenshots([s.read() for s in shots]) if shots
        else services.check_chat(data=upload.read(), filename=upload.name) if upload
        else services.check_chat(text=form.cleaned_data["text"]), "chat")
    return render(request, CHAT_TEMPLATE, context, status=400 if context["error"] else 200)


def _report_chat(request: HttpRequest) -> HttpResponseBase:
    """"Report this": the one moment a chat is stored, as encrypted evidence attached to a new report."""
    context: dict[str, Any] = {"form": ChatForm()}
    filename = (request.POST.get("filename") or "chat.txt")[:200]

    def prefill() -> dict[str, Any]:
        raw = services.decode_payload(request.POST.get("payload") or "")
        if not raw:
            raise PageInputError(_("The chat could not be read back. Please check it again."))
        return services.report_prefill(services.check_chat(data=raw, filename=filename), raw, filename)

    found, context["error"] = _engine(prefill, "chat report")
    if found is None:
        return render(request, CHAT_TEMPLATE, context, status=400)
    request.session["report_prefill"] = found
    return redirect(reverse("reports:new"))


# ---------------------------------------------------------------- post and photo checker

POST_TEMPLATE = "public/check_post.html"


@never_cache
@require_http_methods(["GET", "POST"])
@bounded_upload_view
def check_post(request: HttpRequest, handler: BoundedMemoryUpload) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, POST_TEMPLATE, {"post_form": PostForm(), "photo_form": PhotoForm()})
    if not ratelimits.hit(request, "check"):
        return render(request, POST_TEMPLATE, {"post_form": PostForm(), "photo_form": PhotoForm(),
                                               "post_error": _too_many()}, status=429)
    action = request.POST.get("action")
    if action in ("photo", "strip"):
        return _photo(request, handler, strip_only=action == "strip")
    form = PostForm(request.POST)
    context: dict[str, Any] = {"post_form": form, "photo_form": PhotoForm(), "focus": "post"}
    if not form.is_valid():
        return render(request, POST_TEMPLATE, context, status=400)
    context["post_answer"], context["post_error"] = _engine(
        lambda: services.check_post(form.cleaned_data["text"], _lang()), "post")
    return render(request, POST_TEMPLATE, context, status=400 if context["post_error"] else 200)


def _photo(request: HttpRequest, handler: BoundedMemoryUpload, *, strip_only: bool) -> HttpResponseBase:
    form = PhotoForm(request.POST, request.FILES)
    context: dict[str, Any] = {"post_form": PostForm(), "photo_form": form, "focus": "photo"}
    if handler.too_big:
        context["photo_error"] = _too_large()
        return render(request, POST_TEMPLATE, context, status=400)
    if not form.is_valid():
        return render(request, POST_TEMPLATE, context, status=400)
    upload = form.cleaned_data["photo"]
    data = upload.read()
    if strip_only:
        clean, context["photo_error"] = _engine(lambda: services.strip_photo(data), "photo")
        if clean is not None:
            response = HttpResponse(clean, content_type=services.image_type(clean)[0])
            response["Content-Disposition"] = (
                f'attachment; filename="{services.clean_filename(upload.name, clean)}"'
            )
            response["Cache-Control"] = "no-store"
            return response
    else:
        context["photo_answer"], context["photo_error"] = _engine(
            lambda: services.check_photo(data, upload.name, _lang()), "photo")
    response = render(request, POST_TEMPLATE, context, status=400 if context["photo_error"] else 200)
    response["Cache-Control"] = "no-store"
    return response
