"""Bytes to text for chat exports: BOMs, UTF-16 without a BOM, and Facebook's mojibake.

Exports arrive from phones, Windows PCs and mail attachments, so the same chat may be UTF-8 with or
without a BOM, or UTF-16 (Notepad "Unicode"). Facebook's "Download your information" JSON writes every
UTF-8 byte as the Latin-1 code point of the same value ("\\u00e1\\u009e\\u009f" for one Khmer letter);
`fix_mojibake` undoes that so Khmer comes out as Khmer. Binary files (an image renamed .txt) are named
rather than decoded into garbage.
"""

from __future__ import annotations

import codecs
from typing import Any

from hotline.detect.errors import UnsupportedFormat

__all__ = ["binary_kind", "decode", "fix_mojibake", "fix_mojibake_tree"]

#: Leading bytes of files people mistake for chat exports, with the name to tell them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"RIFF", "a RIFF media file (WebP, WAV or AVI)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"OggS", "an Ogg audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: C0 controls that never occur in text (tab, newlines, form feed and ESC excluded).
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}


def binary_kind(data: bytes) -> str | None:
    """Name the kind of binary file `data` is ("a PNG image"), or None when it may be text."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1") or data[4:8] == b"ftyp":
        return "an HEIC image or MP4 video"
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text of mostly ASCII/Latin has a NUL in every other byte; which half says the byte order."""
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def decode(data: bytes) -> str:
    """Decode an export to text. Raises UnsupportedFormat for binary files or text in no Unicode encoding.

    A file cut off inside a multi-byte character (a truncated download) loses only that character.
    """
    kind = binary_kind(data)
    if kind:
        raise UnsupportedFormat(f"this file is {kind}, not a chat export")
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom):], name
            break
    else:
        encoding = _utf16_without_bom(data[:4096]) or "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" or exc.start >= len(data) - 3:
            text = data[: exc.start].decode(encoding, errors="replace")
        else:
            raise UnsupportedFormat(
                "the file is not Unicode text (UTF-8 or UTF-16); export the chat again from the app",
                where=f"byte {exc.start}",
            ) from exc
    head = text[:4096]
    if head and sum(ord(c) in _CONTROL for c in head) > max(2, len(head) // 100):
        raise UnsupportedFormat("this file is binary data, not a chat export")
    return text


def fix_mojibake(s: str) -> str:
    """Undo Facebook's UTF-8-as-Latin-1 encoding; strings that are not mojibake come back unchanged.

    Only strings made entirely of code points below 256 that decode as valid UTF-8 are touched, so a
    correctly encoded "café" or "សួស្តី" is left alone.
    """
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def fix_mojibake_tree(value: Any) -> Any:
    """`fix_mojibake` applied to every string (keys too) in a parsed JSON document."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_mojibake_tree(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k): fix_mojibake_tree(v) for k, v in value.items()}
    return value
