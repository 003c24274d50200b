"""Zip archives (WhatsApp's export zip, Facebook and Telegram downloads), bounded before they are read.

A zip is checked from its central directory before any member is decompressed: member count, total
declared size, each member's compression ratio, encryption and nested archives. The declared sizes can lie,
so the member that is read is also read through a counter that stops at the bound.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass

from hotline.detect.errors import ArchiveRejected, MalformedExport, UnsupportedFormat

__all__ = ["ZIP_MAGIC", "ChatMember", "ZipLimits", "is_zip", "read_chat_members", "telegram_page_number"]

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """Safety bounds for one archive. Text compresses about 5-20x; far more is a zip bomb."""

    max_members: int = 5_000
    max_total_bytes: int = 1 << 30        # declared uncompressed size of all members together
    max_member_bytes: int = 256 << 20     # the chat file(s) actually read
    max_ratio: float = 150.0              # uncompressed / compressed, per member
    ratio_floor_bytes: int = 1 << 20      # members smaller than this may compress as well as they like


@dataclass(frozen=True, slots=True)
class ChatMember:
    name: str
    data: bytes


def is_zip(data: bytes) -> bool:
    return data[:4] in ZIP_MAGIC


#: Member names that hold the chat, best first. Facebook splits long threads into message_1.json, _2, ...
_PREFERENCE: tuple[re.Pattern[str], ...] = (
    re.compile(r"(^|/)_chat\.txt$"),
    re.compile(r"(^|/)WhatsApp Chat (with|-) .*\.txt$", re.IGNORECASE),
    re.compile(r"(^|/)message_\d+\.json$"),
    re.compile(r"(^|/)result\.json$"),
    re.compile(r"(^|/)messages\d*\.html$"),
    re.compile(r"(^|/)message_\d+\.html$"),
    re.compile(r"(^|/)\[LINE\].*\.txt$", re.IGNORECASE),
    re.compile(r"\.(txt|json|jsonl|ndjson|csv)$", re.IGNORECASE),
)
_FB_PART = re.compile(r"message_(\d+)\.(?:json|html)$")
#: Telegram Desktop's HTML pages: messages.html (page 1), messages2.html, messages3.html, ...
_TELEGRAM_PAGE = re.compile(r"(?:^|/)messages(\d*)\.html$")


def telegram_page_number(name: str) -> int:
    """1 for messages.html, 2 for messages2.html, ... (0 for a name that is not a Telegram page)."""
    m = _TELEGRAM_PAGE.search(name)
    return (int(m.group(1)) if m.group(1) else 1) if m else 0


def _check(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.max_members:
        raise ArchiveRejected(
            f"the zip has {len(infos)} files; at most {limits.max_members} are accepted", where="zip"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if info.flag_bits & 0x1:
            raise ArchiveRejected("the zip is password-protected", where=info.filename)
        if info.filename.lower().endswith((".zip", ".jar", ".apk")):
            raise ArchiveRejected("zips inside zips are not accepted", where=info.filename)
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_ratio:
                raise ArchiveRejected(
                    f"a file in the zip compresses {ratio:.0f} to 1 (a zip bomb?); "
                    f"at most {limits.max_ratio:.0f} to 1 is accepted", where=info.filename,
                )
    if total > limits.max_total_bytes:
        raise ArchiveRejected(
            f"the zip would unpack to {total >> 20} MiB; at most {limits.max_total_bytes >> 20} MiB is accepted",
            where="zip",
        )


def _read_bounded(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits) -> bytes:
    if info.file_size > limits.max_member_bytes:
        raise ArchiveRejected(
            f"the chat file is {info.file_size >> 20} MiB; at most {limits.max_member_bytes >> 20} MiB "
            "is accepted", where=info.filename,
        )
    with zf.open(info) as fh:
        data = fh.read(limits.max_member_bytes + 1)
    if len(data) > limits.max_member_bytes or len(data) > info.file_size:
        raise ArchiveRejected("a file in the zip is larger than the zip declares", where=info.filename)
    if is_zip(data):
        raise ArchiveRejected("zips inside zips are not accepted", where=info.filename)
    return data


def read_chat_members(data: bytes, limits: ZipLimits | None = None) -> list[ChatMember]:
    """The chat file(s) inside a zip: one member, or every part of a Facebook thread in part order.

    Raises ArchiveRejected when a bound is exceeded, MalformedExport for a broken zip, UnsupportedFormat
    when it holds no chat file.
    """
    limits = limits or ZipLimits()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError) as exc:
        raise MalformedExport(f"the zip is damaged or truncated: {exc}", where="zip") from exc
    with zf:
        try:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            _check(infos, limits)
            names = [i.filename for i in infos if not posixpath.basename(i.filename).startswith(".")
                     and "__MACOSX/" not in i.filename]
            for pattern in _PREFERENCE:
                hits = [n for n in names if pattern.search(n)]
                if hits:
                    break
            else:
                raise UnsupportedFormat("the zip holds no chat file (.txt, .json or .html)", where="zip")
            first = hits[0]
            by_name = {i.filename: i for i in infos}
            if _FB_PART.search(first):
                folder = posixpath.dirname(first)
                parts = [n for n in hits if posixpath.dirname(n) == folder]
                parts.sort(key=lambda n: int(_FB_PART.search(n).group(1)))  # type: ignore[union-attr]
            elif _TELEGRAM_PAGE.search(first):
                # A whole-account export holds chats/chat_001/messages.html, chat_002/...: take the longest chat.
                sizes: dict[str, int] = {}
                for n in hits:
                    sizes[posixpath.dirname(n)] = sizes.get(posixpath.dirname(n), 0) + by_name[n].file_size
                folder = max(sizes, key=sizes.__getitem__)
                parts = sorted((n for n in hits if posixpath.dirname(n) == folder), key=telegram_page_number)
            else:
                parts = [first]
            return [ChatMember(n, _read_bounded(zf, by_name[n], limits)) for n in parts]
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                RuntimeError, ValueError) as exc:
            raise MalformedExport(f"the zip is damaged or truncated: {exc}", where="zip") from exc
