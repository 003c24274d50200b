"""Offender nationality as a code from a fixed list: ISO 3166-1 alpha-2, plus "unknown" and "other".

A reporter picks from the list, so no free text ("my uncle, teacher at …") can reach a statistic. The
API took free text until v1.1: `from_text` maps the common spellings (English and Khmer, nationality or
country name) for one release; anything it cannot map becomes "other", never the text itself.

Country names come from `pycountry` (the iso-codes project), with their Khmer translations.
"""

from __future__ import annotations

import gettext
from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

UNKNOWN = "unknown"
OTHER = "other"
MAX_LENGTH = 8

#: Spellings reporters typed in the free-text days, folded to a code (names of countries are added
#: from pycountry in `_aliases`).
_SPELLINGS: dict[str, str] = {
    "cambodian": "KH", "khmer": "KH", "ខ្មែរ": "KH", "កម្ពុជា": "KH", "ជនជាតិខ្មែរ": "KH",
    "thai": "TH", "ថៃ": "TH", "vietnamese": "VN", "vietnam": "VN", "viet nam": "VN", "វៀតណាម": "VN",
    "យួន": "VN", "chinese": "CN", "china": "CN", "ចិន": "CN", "korean": "KR", "south korean": "KR",
    "korea": "KR", "south korea": "KR", "កូរ៉េ": "KR", "japanese": "JP", "ជប៉ុន": "JP",
    "american": "US", "usa": "US", "us": "US", "united states": "US", "america": "US", "អាមេរិក": "US",
    "អាមេរិកាំង": "US", "british": "GB", "uk": "GB", "english": "GB", "united kingdom": "GB",
    "អង់គ្លេស": "GB", "australian": "AU", "អូស្ត្រាលី": "AU", "french": "FR", "បារាំង": "FR",
    "laotian": "LA", "lao": "LA", "laos": "LA", "ឡាវ": "LA", "filipino": "PH", "ហ្វីលីពីន": "PH",
    "indonesian": "ID", "malaysian": "MY", "russian": "RU", "russia": "RU", "german": "DE",
    "canadian": "CA", "indian": "IN", "singaporean": "SG", "burmese": "MM", "myanmar": "MM",
    "taiwanese": "TW", "taiwan": "TW",
}
_UNKNOWN_SPELLINGS = {"", "?", "unknown", "don't know", "dont know", "not known", "មិនដឹង", "n/a", "na",
                      "none", "-"}


def _fold(text: str) -> str:
    return " ".join(text.replace("-", " ").replace("_", " ").split()).casefold()


@lru_cache(maxsize=1)
def _khmer_names() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["km"], fallback=True)


@lru_cache(maxsize=1)
def codes() -> frozenset[str]:
    """Every value the field accepts."""
    return frozenset({c.alpha_2 for c in pycountry.countries} | {UNKNOWN, OTHER})


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    khmer = _khmer_names()
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", ""), getattr(country, "official_name", ""),
                     khmer.gettext(country.name), country.alpha_3):
            if name:
                out.setdefault(_fold(name), country.alpha_2)
    out.update(_SPELLINGS)
    return out


def from_text(text: str) -> str:
    """The code for free text as reporters typed it: a code itself, a known spelling, "unknown" when
    blank or "don't know", else "other" (the text is dropped: it may name a person)."""
    raw = (text or "").strip()
    if raw in codes():
        return raw
    if raw.upper() in codes() and len(raw) == 2:
        return raw.upper()
    folded = _fold(raw)
    if folded in _UNKNOWN_SPELLINGS:
        return UNKNOWN
    return _aliases().get(folded, OTHER)


def validate(value: str) -> None:
    if value not in codes():
        raise ValidationError(gettext_lazy("Choose one of the options in the list."), code="invalid_choice")


def label(code: str) -> str:
    """The country's name in the active language (Khmer names from iso-codes)."""
    if code == UNKNOWN:
        return _("Not known")
    if code == OTHER:
        return _("Another country")
    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    if country is None:
        return _("Another country")
    name = getattr(country, "common_name", None) or country.name
    if (get_language() or "").startswith("km"):
        return _khmer_names().gettext(country.name)
    return str(name)


def choices() -> list[tuple[str, str]]:
    """Form choices in the active language: "don't know" first, countries by name, "other" last."""
    return list(_choices(get_language() or ""))


@lru_cache(maxsize=8)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    """Sorted once per language (the report form builds and validates the list on every request)."""
    countries = sorted(((c.alpha_2, label(c.alpha_2)) for c in pycountry.countries), key=lambda kv: kv[1])
    return ((UNKNOWN, _("I don't know")), *countries, (OTHER, _("Another country")))
