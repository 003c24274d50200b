"""Labels for the staff pages: nationality codes and link reasons in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _nationalities() -> dict[str, str]:
    return {
        "KH": _("Cambodian"), "TH": _("Thai"), "VN": _("Vietnamese"), "CN": _("Chinese"), "KR": _("Korean"),
        "JP": _("Japanese"), "US": _("American"), "GB": _("British"), "AU": _("Australian"), "FR": _("French"),
        "LA": _("Lao"), "PH": _("Filipino"), "ID": _("Indonesian"), "MY": _("Malaysian"), "RU": _("Russian"),
        "DE": _("German"), "CA": _("Canadian"), "unknown": _("Not known"),
    }


@register.filter
def nationality_label(key: str) -> str:
    """A known nationality in words; other text as the reporters typed it (capitalised)."""
    return _nationalities().get(key, key[:1].upper() + key[1:])


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
