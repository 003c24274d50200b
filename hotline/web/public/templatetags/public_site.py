"""Template helpers every public page shares: the language switch and Khmer digits."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from hotline.web import numerals
from hotline.web.public import services

register = template.Library()

def _current() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


@register.simple_tag(takes_context=True)
def other_language(context: dict[str, Any]) -> dict[str, str]:
    """The other language's code, name and the same page's URL in it (km ↔ en)."""
    current = _current()
    code = "en" if current == "km" else "km"
    names = dict(settings.LANGUAGES)
    request = context.get("request")
    url = f"/{code}/"
    if request is not None:
        url = translate_url(request.path, code)
        prefix = f"/{current}/"
        if url == request.path and url.startswith(prefix):
            url = f"/{code}/" + url[len(prefix):]  # not resolvable (e.g. a 404 page): swap the prefix
        if request.GET and url != request.path:
            url += "?" + request.GET.urlencode()
    return {"code": code, "name": str(names.get(code, code)), "url": url}


register.filter("local_digits", numerals.local_digits)


@register.simple_tag(takes_context=True)
def is_current(context: dict[str, Any], view_name: str, page: str = "") -> bool:
    """True when the page being shown is `view_name` (and, for awareness pages, that `page`)."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name != view_name:
        return False
    return not page or match.kwargs.get("page") == page


#: The main navigation: (label, view name, awareness page). Labels are translated when drawn.
NAV: tuple[tuple[str, str, str], ...] = (
    ("Home", "public:home", ""),
    ("Grooming", "public:learn", "grooming"),
    ("Sexting", "public:learn", "sexting"),
    ("Sextortion", "public:learn", "sextortion"),
    ("Five rules", "public:learn", "rules"),
    ("Privacy settings", "public:learn", "privacy"),
    ("Check a chat", "public:check_chat", ""),
    ("Check a post or photo", "public:check_post", ""),
    ("Protect a photo", "hashlists:protect", ""),
    ("Statistics", "cases:public_stats", ""),
    ("Report", "reports:new", ""),
)


def _nav_label(label: str) -> str:
    labels = {
        "Home": pgettext("navigation", "Home"), "Grooming": _("Grooming"), "Sexting": _("Sexting"), "Sextortion": _("Sextortion"),
        "Five rules": _("Five rules"), "Privacy settings": _("Privacy settings"),
        "Check a chat": _("Check a chat"), "Check a post or photo": _("Check a post or photo"),
        "Protect a photo": _("Protect a photo"), "Statistics": _("Statistics"), "Report": _("Report"),
    }
    return labels[label]


@register.simple_tag(takes_context=True)
def site_nav(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Navigation links for the page being shown; links whose app is not installed are left out."""
    items = []
    for label, view_name, page in NAV:
        try:
            url = reverse(view_name, kwargs={"page": page} if page else None)
        except NoReverseMatch:
            continue
        items.append({
            "label": _nav_label(label), "url": url, "key": page or view_name.split(":")[-1],
            "current": is_current(context, view_name, page),
        })
    return items


# The engine's codes in the page's language (the wording lives with the checkers, in services.py).
register.filter("risk_label", services.risk_label)
register.filter("signal_label", services.signal_label)
register.filter("stage_label", services.stage_label)
register.filter("detail_label", services.personal_type_label)


@register.simple_tag
def quick_exit_url() -> str:
    """Where the quick-exit button goes: a neutral site (`HOTLINE_QUICK_EXIT_URL`)."""
    return str(getattr(settings, "HOTLINE_QUICK_EXIT_URL", "https://www.google.com/search?q=weather"))
