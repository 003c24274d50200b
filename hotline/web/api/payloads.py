"""Validation of the JSON a partner sends to `POST /api/v1/reports`.

Every problem is collected under the path of the field it concerns ("offender.claimed_age", "urls[2]"),
so a partner can fix them all at once; nothing here raises on bad input.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hotline.web.reports import nationality
from hotline.web.reports.links import MAX_URLS, normalize_url
from hotline.web.reports.models import AgeBand, Category, Platform, ReporterType

TOP_FIELDS = {"category", "platform", "urls", "description", "victim_age_band", "reporter_type", "offender",
              "contact"}
OFFENDER_FIELDS = {"name", "profile_url", "claimed_age", "nationality"}
MAX_DESCRIPTION = 10_000


def _string(value: Any, path: str, errors: dict[str, str], max_length: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[path] = _("Must be a string.")
        return ""
    if len(value) > max_length:
        errors[path] = _("Too long: at most %(n)d characters.") % {"n": max_length}
        return ""
    if "\x00" in value:
        errors[path] = _("Null characters are not allowed.")
        return ""
    return value.strip()


def _choice(value: Any, path: str, errors: dict[str, str], choices: list[str], default: str | None) -> str:
    if value is None and default is not None:
        return default
    if value is None:
        errors[path] = _("Required: this field is missing.")
        return ""
    if not isinstance(value, str) or value not in choices:
        errors[path] = _("Must be one of: %(choices)s.") % {"choices": ", ".join(choices)}
        return ""
    return value


def _url(value: Any, path: str, errors: dict[str, str]) -> str:
    if not isinstance(value, str):
        errors[path] = _("Must be a string.")
        return ""
    if "\x00" in value:
        errors[path] = _("Null characters are not allowed.")
        return ""
    try:
        return normalize_url(value)
    except ValidationError as exc:
        errors[path] = " ".join(exc.messages)
        return ""


def deprecations(payload: Any) -> dict[str, str]:
    """Warnings for input v1 still accepts but v2 will refuse: free-text nationality (mapped to a code)."""
    offender = payload.get("offender") if isinstance(payload, dict) else None
    text = offender.get("nationality") if isinstance(offender, dict) else None
    if not isinstance(text, str) or not text.strip() or text.strip() in nationality.codes():
        return {}
    return {"offender.nationality": _(
        "Free text is deprecated: send an ISO 3166-1 alpha-2 code, \"unknown\" or \"other\". "
        "It was recorded as \"%(code)s\".") % {"code": nationality.from_text(text)}}


def parse_report(payload: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Keyword arguments for `create_report`, and the errors by field path (empty when valid)."""
    errors: dict[str, str] = {}
    if not isinstance(payload, dict):
        return {}, {"body": _("The body must be a JSON object.")}
    for key in sorted(set(payload) - TOP_FIELDS):
        errors[str(key)[:50]] = _("Unknown field.")
    out: dict[str, Any] = {
        "category": _choice(payload.get("category"), "category", errors, Category.values, None),
        "platform": _choice(payload.get("platform"), "platform", errors, Platform.values, None),
        "victim_age_band": _choice(payload.get("victim_age_band"), "victim_age_band", errors,
                                   AgeBand.values, AgeBand.UNKNOWN),
        "reporter_type": _choice(payload.get("reporter_type"), "reporter_type", errors,
                                 ReporterType.values, ReporterType.SELF),
        "description": _string(payload.get("description"), "description", errors, MAX_DESCRIPTION),
        "contact": _string(payload.get("contact"), "contact", errors, 200),
    }
    urls = payload.get("urls", [])
    if isinstance(urls, str):
        urls = [urls]
    if not isinstance(urls, list):
        errors["urls"] = _("Must be a list of links.")
        urls = []
    elif len(urls) > MAX_URLS:
        errors["urls"] = _("At most %(n)d links.") % {"n": MAX_URLS}
        urls = []
    out["urls"] = [u for i, raw in enumerate(urls) if (u := _url(raw, f"urls[{i}]", errors))]

    offender = payload.get("offender") or {}
    if not isinstance(offender, dict):
        errors["offender"] = _("Must be an object.")
        offender = {}
    for key in sorted(set(offender) - OFFENDER_FIELDS):
        errors[f"offender.{str(key)[:50]}"] = _("Unknown field.")
    out["offender_name"] = _string(offender.get("name"), "offender.name", errors, 200)
    out["offender_nationality"] = nationality.from_text(
        _string(offender.get("nationality"), "offender.nationality", errors, 100))
    profile = offender.get("profile_url")
    out["offender_profile_url"] = _url(profile, "offender.profile_url", errors) if profile else ""
    age = offender.get("claimed_age")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 120):
        errors["offender.claimed_age"] = _("Must be a whole number from 0 to 120, or null.")
        age = None
    out["offender_claimed_age"] = age

    if not errors and not out["urls"] and not out["description"]:
        errors["urls"] = _("Give at least one link or a description.")
    return out, errors
