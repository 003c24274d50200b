"""What an uploaded file really is, from its bytes (the name and the browser's type are not trusted).

Accepted: chat exports (plain text, JSON, CSV, a WhatsApp export zip) and screenshots (PNG, JPEG, WebP).
Everything else is refused with a message the reporter can act on: the form says to give links, never
sexual images of a child.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

#: A screenshot larger than this many pixels is refused before it is decoded (decompression bombs).
MAX_IMAGE_PIXELS = 60_000_000
#: A chat export zip with more members than this is refused (a WhatsApp export holds the chat and media).
MAX_ZIP_MEMBERS = 5000
_TEXT_CONTROL_OK = {9, 10, 12, 13}
#: Members that make a zip a chat export: WhatsApp's .txt, Facebook's and Telegram's .json or .html pages.
_CHAT_SUFFIXES = (".txt", ".json", ".html", ".csv", ".jsonl")


class EvidenceRejected(ValueError):
    """The file cannot be accepted; `message` is translated and safe to show to the reporter."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class Sniffed:
    kind: str          # "chat" or "screenshot"
    content_type: str  # the MIME type the bytes show


_SIGNATURES_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x7fELF", "ELF"),
    (b"GIF8", "GIF"),
    (b"\xd0\xcf\x11\xe0", "Office"),
    (b"Rar!", "RAR"),
    (b"7z\xbc\xaf", "7z"),
    (b"\x1f\x8b", "gzip"),
)


def _refused_generic() -> EvidenceRejected:
    return EvidenceRejected(_(
        "This file type is not accepted. Send chat exports (.txt, .json, .csv or a WhatsApp .zip) or "
        "screenshots of the conversation (PNG, JPEG or WebP). For anything else, give the link instead."
    ))


def _image(data: bytes, content_type: str, pil_format: str) -> Sniffed:
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != pil_format:
                raise _refused_generic()
            width, height = img.size
            if width * height > MAX_IMAGE_PIXELS:
                raise EvidenceRejected(_("This image is too large (too many pixels)."))
            img.verify()
    except EvidenceRejected:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise EvidenceRejected(_("This image is damaged or is not really an image.")) from exc
    return Sniffed("screenshot", content_type)


def _zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise EvidenceRejected(_("This zip file is damaged.")) from exc
    if len(names) > MAX_ZIP_MEMBERS:
        raise EvidenceRejected(_("This zip file holds too many files to be a chat export."))
    if not any(n.lower().endswith(_CHAT_SUFFIXES) for n in names):
        raise EvidenceRejected(_("This zip file is not a chat export: it holds no chat text file."))
    return Sniffed("chat", "application/zip")


def _decode_text(data: bytes) -> str | None:
    """The text if `data` looks like text in UTF-8 or UTF-16 (with its BOM), else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data[:65536]:
        return None
    text = data.decode("utf-8-sig", errors="replace")
    sample = text[:200_000]
    if not sample.strip():
        return None
    bad = sample.count("\ufffd")
    controls = sum(1 for ch in sample if ord(ch) < 32 and ord(ch) not in _TEXT_CONTROL_OK)
    if bad > max(3, len(sample) // 100) or controls > max(3, len(sample) // 1000):
        return None
    return text


def _text_type(text: str) -> str:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except ValueError:
            pass
        except RecursionError as exc:  # "[[[[…" thousands deep: refuse it here, not with a 500
            raise EvidenceRejected(_(
                "This file is nested too deeply to be a chat export. Send the export as the app made it."
            )) from exc
        else:
            return "application/json"
    first_lines = text.splitlines()[:5]
    if len(first_lines) >= 2 and "," in first_lines[0]:
        try:
            dialect = csv.Sniffer().sniff("\n".join(first_lines), delimiters=",;\t")
        except csv.Error:
            dialect = None
        if dialect is not None and first_lines[0].count(dialect.delimiter) >= 2:
            return "text/csv"
    return "text/plain"


def sniff(data: bytes) -> Sniffed:
    """Classify `data` as an accepted kind of evidence, or raise EvidenceRejected."""
    if not data:
        raise EvidenceRejected(_("This file is empty."))
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image(data, "image/png", "PNG")
    if data.startswith(b"\xff\xd8\xff"):
        return _image(data, "image/jpeg", "JPEG")
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _image(data, "image/webp", "WEBP")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip(data)
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypmsf1"):
        raise EvidenceRejected(_(
            "Photos are not accepted here. Send screenshots of the conversation (PNG, JPEG or WebP) or "
            "give the link."
        ))
    for signature, _name in _SIGNATURES_REFUSED:
        if data.startswith(signature):
            raise _refused_generic()
    text = _decode_text(data)
    if text is None:
        raise _refused_generic()
    return Sniffed("chat", _text_type(text))
