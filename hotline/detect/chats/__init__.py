"""Chat exports in, `Conversation` out: the façade over one parser module per real export format.

    detect_format(data, filename=None) -> str        sniff the content (filename is a hint; zips looked into)
    parse(data, filename=None, *, format=None, tz=None) -> Conversation
    parse_text(text, *, format=None) -> Conversation  pasted text: WhatsApp lines, "Name: text", or no names
    load(path, *, format=None, max_bytes=200 MiB) -> Conversation   the only function that reads a file
    export_parts(path) -> list[str]                   a paged export's files (messages.html, messages2.html...)

Anything wrong with the input (empty, binary, truncated JSON, a zip bomb, an unknown format) raises one
`InputError` subclass with a message for the person and `where` (a line, a JSON path, a zip member);
no other exception type escapes. The formats are the explicit registry `FORMATS`.
"""

from __future__ import annotations

import os
import re
import zlib
from _csv import Error as _CsvError  # `csv.Error` itself, without importing `csv`
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, TypeVar

# The formats sniffed first in every file; the others (CSV and JSON Lines, JSON, HTML with selectolax) and
# the zip reader are imported when a file needs them, so that reading a WhatsApp export does not load them.
from hotline.detect.chats import line, plain, whatsapp
from hotline.detect.chats.assembly import DEFAULT_TZ
from hotline.detect.chats.encoding import decode
from hotline.detect.chats.regex import LazyPattern
from hotline.detect.errors import (
    ArchiveRejected,
    InputError,
    MalformedExport,
    UnsupportedFormat,
)
from hotline.detect.model import Conversation

if TYPE_CHECKING:
    from hotline.detect.chats.archive import ZipLimits

__all__ = [
    "DEFAULT_TZ", "FORMATS", "FORMAT_NAMES", "ArchiveRejected", "ChatFormat", "InputError", "MalformedExport",
    "UnsupportedFormat", "ZipLimits", "detect_format", "export_parts", "load", "parse", "parse_text",
]

Parser = Callable[[Sequence[str], tzinfo], Conversation]
T = TypeVar("T")


class ChatFormat:
    """One supported export format: its name, the app it comes from, and how to parse its text parts.

    A plain class, never changed once made, equal to another of the same three (as the frozen dataclass it
    was: making a dataclass's methods, `exec` of their generated source, cost every start)."""

    __slots__ = ("label", "name", "parse")

    def __init__(self, name: str, label: str, parse: Parser) -> None:
        self.name = name
        self.label = label
        self.parse = parse

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChatFormat):
            return NotImplemented
        return (self.name, self.label, self.parse) == (other.name, other.label, other.parse)

    def __hash__(self) -> int:
        return hash((self.name, self.label, self.parse))

    def __repr__(self) -> str:
        return f"ChatFormat(name={self.name!r}, label={self.label!r}, parse={self.parse!r})"


def __getattr__(name: str) -> Any:
    if name == "ZipLimits":  # exported, imported with the zip reader when first asked for
        from hotline.detect.chats.archive import ZipLimits

        return ZipLimits
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _csv(parts: Sequence[str], tz: tzinfo) -> Conversation:
    from hotline.detect.chats import tabular

    return tabular.parse_csv(parts[0], tz=tz)


def _jsonl(parts: Sequence[str], tz: tzinfo) -> Conversation:
    from hotline.detect.chats import tabular

    return tabular.parse_jsonl(parts[0], tz=tz)


def _messenger(parts: Sequence[str], tz: tzinfo, platform: str) -> Conversation:
    from hotline.detect.chats import messenger

    return messenger.parse_many(parts, tz=tz, platform=platform)


def _telegram(parts: Sequence[str], tz: tzinfo) -> Conversation:
    from hotline.detect.chats import telegram

    return telegram.parse(parts[0], tz=tz)


def _telegram_html(parts: Sequence[str], tz: tzinfo) -> Conversation:
    from hotline.detect.chats import telegram_html

    return telegram_html.parse_many(parts, tz=tz)


def _facebook_html(parts: Sequence[str], tz: tzinfo, platform: str) -> Conversation:
    from hotline.detect.chats import facebook_html

    return facebook_html.parse_many(parts, tz=tz, platform=platform)


FORMATS: tuple[ChatFormat, ...] = (
    ChatFormat("whatsapp", "WhatsApp (Android or iOS .txt, or the export .zip)",
               lambda parts, tz: whatsapp.parse(parts[0], tz=tz)),
    ChatFormat("messenger", "Facebook Messenger JSON (message_1.json)",
               lambda parts, tz: _messenger(parts, tz, "messenger")),
    ChatFormat("instagram", "Instagram JSON (message_1.json)",
               lambda parts, tz: _messenger(parts, tz, "instagram")),
    ChatFormat("telegram", "Telegram Desktop JSON (result.json)", _telegram),
    ChatFormat("line", "LINE chat history .txt", lambda parts, tz: line.parse(parts[0], tz=tz)),
    # Named on purpose (--format plain), text without "Name:" lines is read as unattributed messages.
    ChatFormat("plain", "plain text, \"Name: message\" per line or no names at all",
               lambda parts, tz: plain.parse(parts[0], tz=tz, lenient=True)),
    ChatFormat("csv", "CSV with sender, time, text columns", _csv),
    ChatFormat("jsonl", "JSON Lines with sender, time, text keys", _jsonl),
    ChatFormat("telegram_html", "Telegram Desktop HTML (messages.html, messages2.html, ...)",
               _telegram_html),
    ChatFormat("messenger_html", "Facebook Messenger HTML (message_1.html)",
               lambda parts, tz: _facebook_html(parts, tz, "messenger")),
    ChatFormat("instagram_html", "Instagram HTML (message_1.html)",
               lambda parts, tz: _facebook_html(parts, tz, "instagram")),
)
FORMAT_NAMES: tuple[str, ...] = tuple(f.name for f in FORMATS)
if len(set(FORMAT_NAMES)) != len(FORMAT_NAMES):  # pragma: no cover - guards the registry above
    raise RuntimeError("chat format names must be unique")
_BY_NAME = {f.name: f for f in FORMATS}

#: Exceptions a parser may hit on input nobody anticipated; turned into MalformedExport, never leaked.
_UNEXPECTED = (ValueError, TypeError, LookupError, AttributeError, RecursionError, OverflowError, UnicodeError,
               AssertionError, EOFError, OSError, _CsvError, zlib.error)

# Compiled when first used (`regex.LazyPattern`), as are the parsers' own.
_MESSENGER_KEYS = LazyPattern(r'"(sender_name|timestamp_ms)"')
_TELEGRAM_KEYS = LazyPattern(r'"(date_unixtime|from_id|text_entities|personal_information|actor_id)"'
                             r'|"type": ?"(personal_chat|private_group|private_supergroup|saved_messages)"')
_INSTAGRAM_HINT = LazyPattern(r"instagram", re.IGNORECASE)
_HTML_START = LazyPattern(r"<(!doctype|html|head|body|meta|div|section|!--)\b", re.IGNORECASE)
#: WhatsApp names its export after the chat: "WhatsApp Chat with Dara.txt" (or .zip).
_TITLE_FROM_NAME = LazyPattern(r"^WhatsApp Chat (?:with|-) (?P<title>.+?)\.(?:txt|zip)$", re.IGNORECASE)


def _format_named(name: str) -> ChatFormat:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnsupportedFormat(f"unknown format {name!r}; choose one of: {', '.join(FORMAT_NAMES)}") from None


def _sniff(text: str, filename: str | None) -> str:
    """Name the format of decoded export text; UnsupportedFormat when none fits."""
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise MalformedExport("the file is empty")
    hint = (filename or "").lower()
    head = body[:16384]
    head_lines = head.split("\n", 80)[:80]
    if _HTML_START.match(body):
        return _sniff_html(body[:65536], hint)
    if head.startswith("[LINE]") or line.looks_like(head):
        return "line"
    if whatsapp.looks_like(head_lines):
        return "whatsapp"
    from hotline.detect.chats import tabular

    if body[0] in "{[":
        if _MESSENGER_KEYS.search(head):
            if _INSTAGRAM_HINT.search(hint) or "your_instagram_activity/" in body:
                return "instagram"
            return "messenger"
        if _TELEGRAM_KEYS.search(head):
            return "telegram"
        if tabular.looks_like_jsonl(body):
            return "jsonl"
        raise UnsupportedFormat("a JSON file, but not a chat export Hotline knows (Messenger, Instagram, "
                                "Telegram, or JSON Lines with sender and text)")
    if tabular.looks_like_csv(body):
        return "csv"
    if plain.looks_like(head):
        return "plain"
    raise UnsupportedFormat(
        "not a chat export Hotline recognises; supported: " + ", ".join(f.label for f in FORMATS)
    )


def _sniff_html(head: str, hint: str) -> str:
    from hotline.detect.chats import facebook_html, telegram_html

    if telegram_html.looks_like(head):
        return "telegram_html"
    if facebook_html.looks_like(head):
        instagram = _INSTAGRAM_HINT.search(hint) or "your_instagram_activity/" in head
        return "instagram_html" if instagram else "messenger_html"
    raise UnsupportedFormat("an HTML page, but not a chat export Hotline knows (Telegram Desktop messages.html, "
                            "Facebook or Instagram message_1.html)")


def _texts(data: bytes, filename: str | None, limits: ZipLimits | None) -> tuple[list[str], str | None]:
    """Decoded text part(s) and the name to use as a hint: a zip's chat member(s), or the data itself."""
    if not data or data.isspace():  # `not data.strip()` without copying the file
        raise MalformedExport("the file is empty")
    if data[:2] == b"PK":  # how every zip starts (`archive.is_zip` tells): the zip reader is imported only then
        from hotline.detect.chats.archive import is_zip, read_chat_members

        if is_zip(data):
            members = read_chat_members(data, limits)
            return [decode(m.data) for m in members], members[0].name
    return [decode(data)], filename


def _guard(fn: Callable[[], T], what: str) -> T:
    try:
        return fn()
    except InputError:
        raise
    except MemoryError as exc:
        raise MalformedExport(f"the {what} is too large to read") from exc
    except _UNEXPECTED as exc:
        raise MalformedExport(f"could not read the {what}: {exc}") from exc


def detect_format(data: bytes, filename: str | None = None) -> str:
    """The format name of an export (looking inside zips); `filename` only breaks ties."""
    def run() -> str:
        texts, hint = _texts(data, filename, None)
        return _sniff(texts[0], hint)
    return _guard(run, "file")


def parse(
    data: bytes, filename: str | None = None, *, format: str | None = None, tz: tzinfo | None = None,
    limits: ZipLimits | None = None, unnamed_text: bool = False,
) -> Conversation:
    """Parse an export as the app wrote it (bytes; a zip is opened within `limits`).

    `format` overrides detection; `tz` is the zone for formats that write none (default Asia/Phnom_Penh).
    `unnamed_text`: a `.txt` that no format recognises (a chat copied from a phone screen, without sender
    names) is read as pasted text is, in unattributed messages; a damaged JSON or HTML export still is not.
    """
    chosen = _format_named(format) if format else None

    def run() -> Conversation:
        texts, hint = _texts(data, filename, limits)
        try:
            return _parse_texts(texts, hint, filename, chosen, tz)
        except UnsupportedFormat:
            loose = (unnamed_text and chosen is None and len(texts) == 1
                     and (hint or "").lower().endswith(".txt")
                     and texts[0].lstrip("\ufeff \t\r\n")[:1] not in ("{", "[", "<"))
            if not loose:
                raise
            return plain.parse(texts[0], lenient=True)
    return _guard(run, "chat export")


def _parse_texts(texts: list[str], hint: str | None, filename: str | None, chosen: ChatFormat | None,
                 tz: tzinfo | None) -> Conversation:
    fmt = chosen or _format_named(_sniff(texts[0], hint))
    conv = fmt.parse(texts, tz or DEFAULT_TZ)
    named = (_TITLE_FROM_NAME.search(os.path.basename(hint or ""))
             or _TITLE_FROM_NAME.search(os.path.basename(filename or "")))
    if conv.title is None and named:
        conv = replace(conv, title=named["title"])
    return conv


def parse_text(text: str, *, format: str | None = None, tz: tzinfo | None = None) -> Conversation:
    """Parse pasted text: WhatsApp lines when they are there, else `Name: text` lines when they name
    speakers, else unattributed messages (sender None, one per line or paragraph; see `plain`)."""
    zone = tz or DEFAULT_TZ

    def run() -> Conversation:
        if format:
            return _format_named(format).parse([text], zone)
        if not text.strip():
            raise MalformedExport("the text is empty")
        try:
            name = _sniff(text, None)
        except UnsupportedFormat:
            name = "plain"
        if name == "plain":
            return plain.parse(text, lenient=True)
        return _format_named(name).parse([text], zone)
    return _guard(run, "pasted text")


#: Exports written as numbered pages: (the first page, any page with its number). Telegram Desktop writes
#: messages.html, messages2.html, ...; Facebook and Instagram message_1.html (or .json), message_2, ...
_PAGED: tuple[tuple[LazyPattern, LazyPattern], ...] = (
    (LazyPattern(r"^messages\.html$"), LazyPattern(r"^messages(\d*)\.html$")),
    (LazyPattern(r"^message_1\.html$"), LazyPattern(r"^message_(\d+)\.html$")),
    (LazyPattern(r"^message_1\.json$"), LazyPattern(r"^message_(\d+)\.json$")),
)


def export_parts(path: str | os.PathLike[str]) -> list[str]:
    """The files of the export at `path`, in page order.

    A first page (messages.html, message_1.html, message_1.json) comes with the numbered pages beside it;
    a folder gives the paged export inside it; any other file is itself. InputError when a folder holds
    no paged export.
    """
    name = os.fspath(path)
    folder, base = (name, None) if os.path.isdir(name) else os.path.split(name)
    if base is not None and not any(first.match(base) for first, _ in _PAGED):
        return [name]
    try:
        siblings = os.listdir(folder or ".")
    except OSError as exc:
        raise InputError(f"cannot read the folder: {exc.strerror or exc}", where=name) from exc
    for first, page in _PAGED:
        if base is not None and not first.match(base):
            continue
        numbered = {int(m.group(1) or 1): n for n in siblings if (m := page.match(n))}
        if 1 in numbered:
            return [os.path.join(folder, numbered[k]) for k in sorted(numbered)]
    raise InputError("this folder holds no chat export Hotline reads as a whole (messages.html from Telegram "
                     "Desktop, message_1.html or message_1.json from Facebook or Instagram)", where=name)


def load(
    path: str | os.PathLike[str], *, format: str | None = None, max_bytes: int = 200 * 2**20,
    tz: tzinfo | None = None, unnamed_text: bool = False,
) -> Conversation:
    """Read and parse an export file, or a paged export (see `export_parts`) as one chat, refusing more
    than `max_bytes` in all before reading it."""
    name = os.fspath(path)
    parts = export_parts(name)
    datas: list[bytes] = []
    budget = max_bytes
    for part in parts:
        try:
            size = os.stat(part).st_size
            if size > budget:
                raise InputError(
                    f"the export is over {max_bytes / 2**20:.0f} MiB; at most {max_bytes / 2**20:.0f} MiB "
                    "is accepted", where=os.path.basename(part),
                )
            with open(part, "rb") as fh:
                data = fh.read(budget + 1)
        except InputError:
            raise
        except OSError as exc:
            raise InputError(f"cannot read the file: {exc.strerror or exc}", where=part) from exc
        if len(data) > budget:
            raise InputError(f"the file grew past {max_bytes / 2**20:.0f} MiB while being read", where=part)
        budget -= len(data)
        datas.append(data)
    if len(datas) == 1:
        return parse(datas[0], parts[0], format=format, tz=tz, unnamed_text=unnamed_text)
    chosen = _format_named(format) if format else None

    def run() -> Conversation:
        texts: list[str] = []
        for part, data in zip(parts, datas, strict=True):
            if not data.strip():
                raise MalformedExport("the file is empty", where=os.path.basename(part))
            texts.append(decode(data))
        return _parse_texts(texts, parts[0], parts[0], chosen, tz)
    return _guard(run, "chat export")
