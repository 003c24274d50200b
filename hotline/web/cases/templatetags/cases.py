"""Labels for the statistics and staff pages: nationality codes and suppressed counts in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from hotline.web.numerals import local_digits
from hotline.web.reports import nationality

from .. import stats

register = template.Library()


@register.filter
def nationality_label(key: str) -> str:
    """A nationality code in words in the page's language (the list's names; never free text)."""
    return nationality.label(str(key))


@register.filter
def stat_count(value: Any) -> str:
    """A published count: the number, or "fewer than 5" / "5 or more" where it is suppressed."""
    if value == stats.FEWER:
        return _("fewer than %(n)s") % {"n": local_digits(stats.THRESHOLD)}
    if value == stats.WITHHELD:
        return _("%(n)s or more") % {"n": local_digits(stats.THRESHOLD)}
    return local_digits(value)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""
