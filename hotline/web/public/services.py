"""What the public pages do with what a visitor sends: run the engine, shape its answer for a young reader,
and hand a chat over to a report when (and only when) the visitor asks for that.

Nothing here stores what the visitor sent: uploads arrive as bytes in memory and leave as an answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from hotline.detect.analysis import analyze
from hotline.detect.chats import parse, parse_text
from hotline.detect.media import metadata
from hotline.detect.post import check_post as find_in_post
from hotline.web.inputerrors import PageInputError
from hotline.web.reports import services as reports
from hotline.web.sniffing import EvidenceRejected
from hotline.web.uploads import WEB_ZIP_LIMITS

#: Chat export formats as the engine names them → the report form's platform code.
PLATFORM_BY_FORMAT: dict[str, str] = {
    "whatsapp": "whatsapp", "telegram": "telegram", "messenger": "messenger", "facebook": "messenger",
    "instagram": "instagram", "line": "line", "tiktok": "tiktok", "snapchat": "snapchat",
    "telegram_html": "telegram", "messenger_html": "messenger", "instagram_html": "instagram",
    "bigo_live": "bigo_live", "moew_chat": "moew_chat",
}

#: The strongest signal decides the report category (sextortion outranks grooming, and so on).
CATEGORY_BY_SIGNAL: tuple[tuple[str, str], ...] = (
    ("sextortion", "sextortion"),
    ("grooming", "grooming"),
    ("meeting_request", "grooming"),
    ("secrecy", "grooming"),
    ("sexting", "sexting"),
)

#: Largest chat the result page carries back (as a hidden field) for "Report this"; larger files are
#: attached again on the report form instead of bloating the page.
CARRY_LIMIT_BYTES = 2 * 1024 * 1024

#: Largest cleaned photo offered as a data: link on the result page (the strip button has no limit).
DATA_URL_LIMIT_BYTES = 8 * 1024 * 1024

IMAGE_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF8", "image/gif", "gif"),
    (b"RIFF", "image/webp", "webp"),
)


# ---------------------------------------------------------------- counters


#: How the statistics app writes a published count below 5 (hotline.web.cases.stats.FEWER).
_FEWER = "<5"


def public_counters() -> dict[str, int | str]:
    """Reports received, assessed and with content removed, from the last statistics a supervisor
    published (never live counts, never demo reports); zeros before the first publication or if they
    cannot be read (the home page must show). The snapshot is read through the app registry: the
    case-work app publishes it and sits beside this app, not below it."""
    zeros: dict[str, int | str] = {"received": 0, "assessed": 0, "removed": 0}
    try:
        snapshot = apps.get_model("cases", "PublishedStatistics").objects.order_by("-published_at", "-id").first()
    except Exception:  # the home page must never fail because a counter did
        return zeros
    data = snapshot.data if snapshot is not None else {}
    out: dict[str, int | str] = {}
    for key, published in (("received", "total"), ("assessed", "assessed"), ("removed", "removed_reports")):
        value = data.get(published, 0)
        out[key] = _("fewer than %(n)s") % {"n": 5} if value == _FEWER else int(value or 0)
    return out


# ---------------------------------------------------------------- chats


@dataclass(frozen=True)
class QuotedMessage:
    """One message the answer points at: its number as people count (from 1), who sent it (None when the
    pasted text names no senders), the words."""

    number: int
    sender: str | None
    text: str
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ChatAnswer:
    """The chat checker's answer, ready for the template."""

    analysis: Any
    risk: str
    signals: tuple[str, ...]
    stages: tuple[str, ...]
    quotes: tuple[QuotedMessage, ...]
    personal_info: tuple[Any, ...]
    message_count: int
    sextortion: bool
    payload: str | None = None
    filename: str = "chat.txt"
    #: How many screenshots the chat was read from (0: an export or pasted text).
    screenshots: int = 0

    @property
    def is_worrying(self) -> bool:
        return self.risk in ("medium", "high", "critical")


def _conversation(data: bytes | None, filename: str | None, text: str | None) -> Any:
    if data is not None:
        return parse(data, filename=filename, limits=WEB_ZIP_LIMITS)
    return parse_text(text or "")


def check_chat(data: bytes | None = None, filename: str | None = None, text: str | None = None) -> ChatAnswer:
    """Parse and analyse a chat export (bytes) or pasted text; raises InputError for unusable input."""
    conversation = _conversation(data, filename, text)
    if not conversation.messages:
        raise PageInputError(_("No messages were found in this chat."))
    raw = data if data is not None else (text or "").encode("utf-8")
    return _answer(conversation,
                   payload=base64.b64encode(raw).decode("ascii") if len(raw) <= CARRY_LIMIT_BYTES else None,
                   filename=filename or "pasted-chat.txt")


def check_screenshots(images: Sequence[bytes]) -> ChatAnswer:
    """Read screenshots of one chat (in the order taken) and analyse it; raises InputError for unusable images.

    Nothing is carried for "Report this": the visitor adds the screenshots to the report form again."""
    from hotline.detect.chats.screenshot import MAX_PIXELS, ScreenshotTooLarge, read_screenshots

    try:
        conversation = read_screenshots(images, owner=_("Phone owner"), other=_("Other person"))
    except ScreenshotTooLarge as exc:
        raise PageInputError(_("This picture is too large to read as a screenshot (more than %(limit)s "
                               "megapixels). Send the screenshots as the phone took them.")
                             % {"limit": MAX_PIXELS // 1_000_000}) from exc
    return _answer(conversation, filename="screenshots", screenshots=len(images))


def _answer(conversation: Any, **carried: Any) -> ChatAnswer:
    """The checker's answer for a parsed chat; `carried` is what the page keeps for "Report this"."""
    analysis = analyze(conversation)
    return ChatAnswer(
        analysis=analysis,
        risk=analysis.risk,
        signals=tuple(name for name, on in analysis.signals.items() if on),
        stages=tuple(s.stage for s in analysis.stages),
        quotes=_quotes(conversation, analysis.findings),
        personal_info=tuple(analysis.personal_info),
        message_count=analysis.message_count,
        sextortion=bool(analysis.signals.get("sextortion")),
        **carried,
    )


def _quotes(conversation: Any, findings: Sequence[Any], limit: int = 12) -> tuple[QuotedMessage, ...]:
    """The flagged messages in chat order, each once, with every signal it raised."""
    by_index: dict[int, list[str]] = {}
    for finding in findings:
        signals = by_index.setdefault(finding.index, [])
        if finding.signal not in signals:
            signals.append(finding.signal)
    messages = {m.index: m for m in conversation.messages}
    quotes = []
    for index in sorted(by_index)[:limit]:
        message = messages.get(index)
        if message is None:
            continue
        text = message.text if len(message.text) <= 400 else message.text[:400] + "…"
        quotes.append(QuotedMessage(index + 1, message.sender, text, tuple(by_index[index])))
    return tuple(quotes)


def decode_payload(payload: str) -> bytes:
    """The chat bytes carried back by the result page; InputError if the field was tampered with."""
    try:
        return base64.b64decode(payload.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise PageInputError(_("The chat could not be read back. Please check it again.")) from exc


def report_category(signals: Sequence[str]) -> str:
    for signal, category in CATEGORY_BY_SIGNAL:
        if signal in signals:
            return category
    return "other"


def report_prefill(answer: ChatAnswer, raw: bytes, filename: str) -> dict[str, str]:
    """Stash the chat as encrypted evidence and describe it for the report form.

    Only called when the visitor presses "Report this": that is the one moment a chat is stored.
    """
    try:
        token = reports.stash_evidence(raw, filename)
    except EvidenceRejected as exc:
        raise PageInputError(str(getattr(exc, "message", exc))) from exc
    description = _("Checked with the chat checker: risk %(risk)s, %(count)d messages.") % {
        "risk": risk_label(answer.risk), "count": answer.message_count,
    }
    if answer.quotes:
        numbers = ", ".join(str(q.number) for q in answer.quotes)
        description += " " + _("Messages to look at: %(numbers)s.") % {"numbers": numbers}
    if answer.signals:
        description += " " + _("Signs found: %(signs)s.") % {
            "signs": ", ".join(signal_label(s) for s in answer.signals),
        }
    return {
        "category": report_category(answer.signals),
        "platform": PLATFORM_BY_FORMAT.get(getattr(answer.analysis, "format", ""), "other"),
        "description": description,
        "evidence_token": token,
    }


def risk_label(risk: str) -> str:
    labels = {
        "none": _("no warning signs"), "low": _("low"), "medium": _("medium"),
        "high": _("high"), "critical": _("very high"),
    }
    return labels.get(risk, risk)


def signal_label(signal: str) -> str:
    labels = {
        "grooming": _("grooming"), "sextortion": _("sextortion (threats)"), "sexting": _("sexual messages"),
        "meeting_request": _("asking to meet"), "secrecy": _("asking to keep secrets"),
        "personal_info": _("personal details"),
    }
    return labels.get(signal, signal.replace("_", " "))


def stage_label(stage: str) -> str:
    labels = {
        "trust": _("building trust with compliments"),
        "personal_questions": _("personal questions (age, home, school)"),
        "isolation": _("asking to keep it secret"),
        "platform_move": _("moving to another app"),
        "gifts": _("offering gifts or money"),
        "desensitising": _("sexual talk"),
        "image_request": _("asking for photos or videos"),
        "meeting": _("asking to meet in person"),
        "exploitation": _("threats and demands"),
    }
    return labels.get(stage, stage.replace("_", " "))


def personal_type_label(kind: str) -> str:
    labels = {
        "phone": _("phone number"), "email": _("email address"), "address": _("home address"),
        "location": _("place"), "social_handle": _("account name"), "school": _("school"),
        "age": _("age"), "id_number": _("ID number"),
    }
    return labels.get(kind, kind.replace("_", " "))


# ---------------------------------------------------------------- posts


@dataclass(frozen=True)
class Segment:
    """A run of the draft post: plain text, or a personal detail to highlight (`kind` set)."""

    text: str
    kind: str | None = None
    label: str = ""


@dataclass(frozen=True)
class PostAnswer:
    segments: tuple[Segment, ...]
    details: tuple[Segment, ...]
    advice: tuple[str, ...]


def check_post(text: str, lang: str) -> PostAnswer:
    """Find personal details in a draft post and cut the text into highlighted segments."""
    result = find_in_post(text, lang)
    details = sorted(_personal_details(result), key=lambda d: (d[1], -d[2]))
    segments: list[Segment] = []
    found: list[Segment] = []
    pos = 0
    for kind, start, end in details:
        if start < pos or end > len(text) or start >= end:
            continue  # overlapping or out of range: the first (longest) one wins
        if start > pos:
            segments.append(Segment(text[pos:start]))
        piece = Segment(text[start:end], kind, personal_type_label(kind))
        segments.append(piece)
        found.append(piece)
        pos = end
    if pos < len(text):
        segments.append(Segment(text[pos:]))
    return PostAnswer(tuple(segments), tuple(found), tuple(_texts(getattr(result, "advice", ()), lang)))


def _personal_details(result: Any) -> list[tuple[str, int, int]]:
    items = getattr(result, "personal_info", None)
    if items is None and isinstance(result, dict):
        items = result.get("personal_info", ())
    out = []
    for item in items or ():
        get = item.get if isinstance(item, dict) else lambda k, item=item: getattr(item, k, None)
        kind, start, end = get("type"), get("start"), get("end")
        if isinstance(start, int) and isinstance(end, int):
            out.append((str(kind), start, end))
    return out


def _texts(items: Any, lang: str) -> list[str]:
    """Advice as the engine gives it (plain strings, or {"en", "km"} pairs) in the page's language."""
    out = []
    for item in items or ():
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.append(str(item.get(lang) or item.get("en") or item.get("text") or ""))
        else:
            out.append(str(getattr(item, lang, None) or getattr(item, "en", None) or item))
    return [t for t in out if t]


# ---------------------------------------------------------------- photos


@dataclass(frozen=True)
class PhotoFact:
    """One thing the photo gives away: what it is, its value, and the engine's warning code."""

    label: str
    value: str
    code: str = ""


@dataclass(frozen=True)
class PhotoAnswer:
    gps: dict[str, float] | None
    warnings: tuple[dict[str, str], ...]
    facts: tuple[PhotoFact, ...]
    clean_data_url: str | None
    clean_filename: str
    clean_size: int


def image_type(data: bytes) -> tuple[str, str]:
    """(content type, extension) sniffed from the bytes, never from the file name."""
    for magic, content_type, ext in IMAGE_TYPES:
        if data.startswith(magic) and (ext != "webp" or data[8:12] == b"WEBP"):
            return content_type, ext
    return "application/octet-stream", "img"


def clean_filename(original: str | None, data: bytes) -> str:
    stem = (original or "photo").rsplit("/", 1)[-1].rsplit("\\", 1)[-1].rsplit(".", 1)[0]
    stem = "".join(c for c in stem if c.isascii() and (c.isalnum() or c in "-_"))[:60] or "photo"
    return f"{stem}-clean.{image_type(data)[1]}"


def _facts(meta: dict[str, Any]) -> tuple[PhotoFact, ...]:
    """The metadata worth showing a person, labelled in the page's language, most revealing first."""
    camera = " ".join(str(meta[k]) for k in ("camera_make", "camera_model") if meta.get(k))
    rows = [
        (_("Owner's name"), meta.get("owner"), "person_name"),
        (_("Photographer's name"), meta.get("artist"), "person_name"),
        (_("Date and time taken"), str(meta.get("capture_time") or "").replace("T", " "), "capture_time"),
        (_("Phone or camera"), camera, "camera"),
        (_("Serial number"), meta.get("serial_number"), "camera"),
        (_("Height above sea level (m)"), meta.get("altitude"), "gps"),
        (_("Copyright"), meta.get("copyright"), ""),
        (_("Software"), meta.get("software"), ""),
    ]
    rows += [(str(key), value, "") for key, value in sorted((meta.get("text") or {}).items())]
    return tuple(PhotoFact(label, _short(value), code) for label, value, code in rows if value not in (None, ""))


def check_photo(data: bytes, filename: str | None, lang: str) -> PhotoAnswer:
    """Read a photo's metadata and prepare the same photo without it; raises InputError if not an image."""
    found = metadata.check_photo(data).to_dict()
    clean = strip_photo(data)
    warnings = []
    for warning in found.get("warnings") or ():
        text = warning.get(lang) or warning.get("en") or ""
        if text:
            warnings.append({"code": str(warning.get("code", "")), "text": str(text)})
    content_type = image_type(clean)[0]
    data_url = None
    if len(clean) <= DATA_URL_LIMIT_BYTES:
        data_url = f"data:{content_type};base64," + base64.b64encode(clean).decode("ascii")
    return PhotoAnswer(
        gps=found.get("gps") or None, warnings=tuple(warnings), facts=_facts(found.get("metadata") or {}),
        clean_data_url=data_url, clean_filename=clean_filename(filename, clean), clean_size=len(clean),
    )


def strip_photo(data: bytes) -> bytes:
    return metadata.strip_metadata(data)


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= 120 else text[:120] + "…"
