"""Links as people paste them ("facebook.com/x"), checked and made absolute: the report form and the
API accept the same links, with the same limits and the same messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

#: At most this many links in one report.
MAX_URLS = 20

_url_validator = URLValidator(schemes=["http", "https"])


def normalize_url(raw: str) -> str:
    """A link as people paste it ("facebook.com/x") made absolute; raises ValidationError if not a link."""
    url = raw.strip()
    if url and "://" not in url:
        url = "https://" + url
    if len(url) > 2000:
        raise ValidationError(_("This link is too long."), code="too_long")
    try:
        _url_validator(url)
    except ValidationError as exc:
        raise ValidationError(
            _("This is not a web link: %(link)s"), code="invalid_url", params={"link": raw.strip()[:200]},
        ) from exc
    return url
