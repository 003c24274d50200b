"""Check a post before sharing it: which personal details it gives away, and what to do about them.

The advice is data (`lexicons/advice.json`, English and Khmer), validated when loaded: one line per kind of
detail found, then the hotline's safety rules that matter most for a post (think before posting, privacy
settings; no strangers when an account is shared; never meet when a place is).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from hotline.detect.errors import DataError, InputError
from hotline.detect.model import PERSONAL_INFO_TYPES, PersonalDetail
from hotline.detect.signals.personal_info import find_personal_info

__all__ = ["ADVICE_LANGUAGES", "MAX_POST_CHARS", "Advice", "PostCheck", "advice_texts", "check_post"]

ADVICE_PATH = Path(__file__).resolve().parent / "lexicons" / "advice.json"
ADVICE_LANGUAGES: tuple[str, ...] = ("en", "km")
#: A post longer than this is not a post; the checker refuses it rather than work on a whole book.
MAX_POST_CHARS = 100_000
RULES: tuple[str, ...] = (
    "no_personal_details", "never_meet", "privacy_settings", "no_strangers", "think_before_posting",
)


@dataclass(frozen=True)
class Advice:
    """The advice texts of one language."""

    summary_found: str
    summary_clean: str
    heading: str
    labels: dict[str, str]
    types: dict[str, str]
    rules: dict[str, str]


@dataclass(frozen=True)
class _AdviceBook:
    found: tuple[str, ...]
    found_extra: dict[str, tuple[str, ...]]
    clean: tuple[str, ...]
    languages: dict[str, Advice]


@dataclass(frozen=True)
class PostCheck:
    """What a post gives away (`personal_info`, by position) and what to do (`advice`, in `lang`)."""

    personal_info: list[PersonalDetail]
    advice: list[str]
    lang: str = "en"
    summary: str = ""
    heading: str = ""
    labels: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "personal_info": [d.to_dict() for d in self.personal_info],
            "advice": list(self.advice),
            "lang": self.lang,
        }


def _strings(raw: object, keys: tuple[str, ...], where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or set(raw) != set(keys):
        raise DataError(f"advice.json: {where} must have exactly the keys {sorted(keys)}")
    if not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise DataError(f"advice.json: every text in {where} must be a non-empty string")
    return dict(raw)


def _rule_list(raw: object, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(r in RULES for r in raw):
        raise DataError(f"advice.json: {where} must be a list of rule names from {RULES}")
    return tuple(raw)


def load_advice(path: Path = ADVICE_PATH) -> _AdviceBook:
    """Read and validate the advice file: every language has every text, so no advice is ever missing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"advice.json cannot be read: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != "hotline.advice/1":
        raise DataError("advice.json: schema must be 'hotline.advice/1'")
    languages = data.get("languages")
    if not isinstance(languages, dict) or set(languages) != set(ADVICE_LANGUAGES):
        raise DataError(f"advice.json: 'languages' must hold exactly {ADVICE_LANGUAGES}")
    books: dict[str, Advice] = {}
    for lang, raw in languages.items():
        if not isinstance(raw, dict):
            raise DataError(f"advice.json: languages.{lang} must be an object")
        head = _strings({k: raw.get(k) for k in ("summary_found", "summary_clean", "heading")},
                        ("summary_found", "summary_clean", "heading"), f"languages.{lang}")
        books[lang] = Advice(
            summary_found=head["summary_found"], summary_clean=head["summary_clean"], heading=head["heading"],
            labels=_strings(raw.get("labels"), PERSONAL_INFO_TYPES, f"languages.{lang}.labels"),
            types=_strings(raw.get("types"), PERSONAL_INFO_TYPES, f"languages.{lang}.types"),
            rules=_strings(raw.get("rules"), RULES, f"languages.{lang}.rules"),
        )
    extra = data.get("found_extra", {})
    if not isinstance(extra, dict) or not set(extra) <= set(PERSONAL_INFO_TYPES):
        raise DataError("advice.json: 'found_extra' must map personal-detail types to rule lists")
    return _AdviceBook(
        found=_rule_list(data.get("found"), "'found'"),
        found_extra={k: _rule_list(v, f"found_extra.{k}") for k, v in extra.items()},
        clean=_rule_list(data.get("clean"), "'clean'"),
        languages=books,
    )


@lru_cache(maxsize=1)
def _book() -> _AdviceBook:
    return load_advice()


def advice_texts(lang: str) -> Advice:
    """The advice texts of `lang` (en or km); InputError for any other language."""
    if lang not in ADVICE_LANGUAGES:
        raise InputError(f"unknown language {lang!r}: use one of {', '.join(ADVICE_LANGUAGES)}", where="lang")
    return _book().languages[lang]


def _advice(details: list[PersonalDetail], lang: str) -> list[str]:
    book = _book()
    texts = book.languages[lang]
    if not details:
        return [texts.rules[r] for r in book.clean]
    kinds = list(dict.fromkeys(d.type for d in details))  # in order of first appearance
    lines = [texts.types[k] for k in kinds]
    rules = list(book.found)
    for k in kinds:
        rules.extend(r for r in book.found_extra.get(k, ()) if r not in rules)
    lines.extend(texts.rules[r] for r in rules)
    return lines


def check_post(text: str, lang: str = "en") -> PostCheck:
    """The personal details in a post (or any text about to be shared) and advice in `lang` (en or km)."""
    texts = advice_texts(lang)
    if not isinstance(text, str):
        raise InputError("the post must be text", where="text")
    if len(text) > MAX_POST_CHARS:
        raise InputError(f"the text is too long to be a post ({len(text)} characters, at most {MAX_POST_CHARS})",
                         where="text")
    details = find_personal_info(text)
    return PostCheck(
        personal_info=details,
        advice=_advice(details, lang),
        lang=lang,
        summary=texts.summary_found if details else texts.summary_clean,
        heading=texts.heading,
        labels=dict(texts.labels),
    )
