"""Public pages: home, awareness pages, and the two checkers. Thin: the work is in services.py."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import filesizeformat
from django.template.loader import select_template
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from hotline.detect.errors import InputError
from hotline.web.uploads import BoundedMemoryUpload, bounded_upload_view

from . import services
from .forms import ChatForm, PhotoForm, PostForm

logger = logging.getLogger(__name__)

#: Awareness pages, written as one template per language under templates/public/learn/<lang>/.
LEARN_PAGES: tuple[str, ...] = ("grooming", "sexting", "sextortion", "rules", "privacy")


def _lang() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def _upload_limit() -> int:
    return int(settings.HOTLINE_MAX_UPLOAD_BYTES)


def _too_large() -> str:
    return _("This file is too large. The limit is %(size)s.") % {"size": filesizeformat(_upload_limit())}


def _unreadable(exc: Exception, what: str) -> str:
    """An engine failure on odd input is still the input's problem for the visitor: a 400, never a 500.

    Only the exception's type is logged: its message could quote what the visitor sent.
    """
    logger.warning("%s checker failed on input: %s", what, type(exc).__name__)
    return _("We could not read this. Try another file, or paste the text instead.")


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


@require_http_methods(["GET", "POST"])
@bounded_upload_view
def check_chat(request: HttpRequest, handler: BoundedMemoryUpload) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, CHAT_TEMPLATE, {"form": ChatForm()})
    if request.POST.get("action") == "report":
        return _report_chat(request)
    form = ChatForm(request.POST, request.FILES)
    context: dict[str, Any] = {"form": form}
    if handler.too_big:
        context["error"] = _too_large()
        return render(request, CHAT_TEMPLATE, context, status=400)
    if not form.is_valid():
        return render(request, CHAT_TEMPLATE, context, status=400)
    upload = form.cleaned_data.get("file")
    try:
        if upload:
            answer = services.check_chat(data=upload.read(), filename=upload.name)
        else:
            answer = services.check_chat(text=form.cleaned_data["text"])
    except InputError as exc:
        context["error"] = services.input_error_message(exc)
        return render(request, CHAT_TEMPLATE, context, status=400)
    except Exception as exc:
        context["error"] = _unreadable(exc, "chat")
        return render(request, CHAT_TEMPLATE, context, status=400)
    context["answer"] = answer
    return render(request, CHAT_TEMPLATE, context)


def _report_chat(request: HttpRequest) -> HttpResponseBase:
    """"Report this": the one moment a chat is stored, as encrypted evidence attached to a new report."""
    context: dict[str, Any] = {"form": ChatForm()}
    filename = (request.POST.get("filename") or "chat.txt")[:200]
    try:
        raw = services.decode_payload(request.POST.get("payload") or "")
        if not raw:
            raise services.PageInputError(_("The chat could not be read back. Please check it again."))
        answer = services.check_chat(data=raw, filename=filename)
        request.session["report_prefill"] = services.report_prefill(answer, raw, filename)
        target = reverse("reports:new")
    except InputError as exc:
        context["error"] = services.input_error_message(exc)
        return render(request, CHAT_TEMPLATE, context, status=400)
    except Exception as exc:
        context["error"] = _unreadable(exc, "chat report")
        return render(request, CHAT_TEMPLATE, context, status=400)
    return redirect(target)


# ---------------------------------------------------------------- post and photo checker

POST_TEMPLATE = "public/check_post.html"


@require_http_methods(["GET", "POST"])
@bounded_upload_view
def check_post(request: HttpRequest, handler: BoundedMemoryUpload) -> HttpResponseBase:
    if request.method != "POST":
        return render(request, POST_TEMPLATE, {"post_form": PostForm(), "photo_form": PhotoForm()})
    action = request.POST.get("action")
    if action in ("photo", "strip"):
        return _photo(request, handler, strip_only=action == "strip")
    form = PostForm(request.POST)
    context: dict[str, Any] = {"post_form": form, "photo_form": PhotoForm(), "focus": "post"}
    if not form.is_valid():
        return render(request, POST_TEMPLATE, context, status=400)
    try:
        context["post_answer"] = services.check_post(form.cleaned_data["text"], _lang())
    except InputError as exc:
        context["post_error"] = services.input_error_message(exc)
        return render(request, POST_TEMPLATE, context, status=400)
    except Exception as exc:
        context["post_error"] = _unreadable(exc, "post")
        return render(request, POST_TEMPLATE, context, status=400)
    return render(request, POST_TEMPLATE, context)


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
    try:
        if strip_only:
            clean = services.strip_photo(data)
            response = HttpResponse(clean, content_type=services.image_type(clean)[0])
            response["Content-Disposition"] = (
                f'attachment; filename="{services.clean_filename(upload.name, clean)}"'
            )
            response["Cache-Control"] = "no-store"
            return response
        context["photo_answer"] = services.check_photo(data, upload.name, _lang())
    except InputError as exc:
        context["photo_error"] = services.input_error_message(exc)
        return render(request, POST_TEMPLATE, context, status=400)
    except Exception as exc:
        context["photo_error"] = _unreadable(exc, "photo")
        return render(request, POST_TEMPLATE, context, status=400)
    response = render(request, POST_TEMPLATE, context)
    response["Cache-Control"] = "no-store"
    return response
