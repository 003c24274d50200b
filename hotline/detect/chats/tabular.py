"""Chats as tables: CSV (any of , ; TAB |) and JSON Lines, with sender, time and text columns.

Column names are matched loosely ("From", "sender_name", "Author"; "Timestamp", "Date"; "Message",
"Body"), and a separate date and time column are joined. Times may be ISO 8601 (with or without a zone;
without one they are read in `tz`) or Unix seconds or milliseconds. A JSON array of such objects is read
like JSON Lines.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from hotline.detect.chats.assembly import DEFAULT_TZ, assemble
from hotline.detect.chats.encoding import decode
from hotline.detect.chats.plain import DELETED_TEXTS
from hotline.detect.errors import MalformedExport, UnsupportedFormat
from hotline.detect.model import Conversation, Event, Message

__all__ = ["COLUMN_NAMES", "columns", "csv_header", "looks_like_csv", "looks_like_jsonl", "parse_csv",
           "parse_jsonl", "parse_time"]

#: Accepted names per role, compared after lower-casing and dropping everything but letters and digits.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "sender": ("sender", "from", "author", "name", "user", "username", "sendername", "speaker", "who",
               "participant", "fromname", "by", "contact"),
    "time": ("time", "timestamp", "datetime", "sent", "sentat", "createdat", "created", "timestampms",
             "datetimeutc", "when", "date"),
    "date": ("date", "day"),
    "text": ("text", "message", "content", "body", "msg", "messagetext", "messagebody"),
}
_MEDIA = {"<Media omitted>": "media", "<media omitted>": "media", "image omitted": "image"}
_NORM = re.compile(r"[^0-9a-z]+")


def _norm(name: str) -> str:
    return _NORM.sub("", name.lower())


def columns(names: Iterable[str]) -> dict[str, str] | None:
    """Map roles (sender, time, text, and date when time is a clock only) to the given column names."""
    by_norm = {_norm(n): n for n in names}
    found: dict[str, str] = {}
    for role in ("sender", "text", "time"):
        for cand in COLUMN_NAMES[role]:
            if cand in by_norm and by_norm[cand] not in found.values():
                found[role] = by_norm[cand]
                break
    if "sender" not in found or "text" not in found:
        return None
    if found.get("time") and _norm(found["time"]) == "time":
        for cand in COLUMN_NAMES["date"]:
            if cand in by_norm:
                found["date"] = by_norm[cand]
                break
    return found


def parse_time(value: Any, tz: tzinfo) -> datetime | None:
    """ISO 8601 (zone optional) or Unix seconds/milliseconds; None for an empty value."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("a boolean is not a time")
    if isinstance(value, int | float) or (isinstance(value, str) and re.fullmatch(r"\d{9,13}(\.\d+)?", value)):
        n = float(value)
        return datetime.fromtimestamp(n / 1000 if n > 1e11 else n, tz)
    if not isinstance(value, str):
        raise ValueError(f"not a time: {type(value).__name__}")
    t = datetime.fromisoformat(value.strip().replace(" UTC", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=tz)


def _message(row: Mapping[str, Any], cols: dict[str, str], tz: tzinfo, where: str) -> Message | Event:
    sender = row.get(cols["sender"])
    text = row.get(cols["text"])
    if sender is None or text is None:
        raise MalformedExport("a row lacks its sender or text", where=where)
    raw_time = row.get(cols["time"]) if "time" in cols else None
    if "date" in cols and raw_time:
        raw_time = f"{row.get(cols['date'])}T{raw_time}"
    try:
        time = parse_time(raw_time, tz)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedExport(f"cannot read the time {str(raw_time)[:40]!r}", where=where) from exc
    body = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    if body.strip() in DELETED_TEXTS:
        return Event("deleted", f"{sender}: {body.strip()}", time)
    kind = _MEDIA.get(body)
    return Message(-1, str(sender), "" if kind else body, time, (kind,) if kind else ())


def csv_header(text: str) -> tuple[list[str], str] | None:
    """The header row and delimiter of a CSV chat, when its first line names sender and text columns."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].rstrip("\r")
    for delim in (",", ";", "\t", "|"):
        if delim in first:
            try:
                names = next(csv.reader([first], delimiter=delim))
            except csv.Error:
                continue
            if columns(names) is not None:
                return names, delim
    return None


def looks_like_csv(text: str) -> bool:
    return csv_header(text) is not None


def looks_like_jsonl(text: str) -> bool:
    """The first line is a JSON object with sender and text keys (or the text is an array of them)."""
    stripped = text.lstrip("\ufeff \r\n\t")
    first = stripped.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        if not stripped.startswith("["):
            return False
        head = stripped[:4096]
        return bool(re.search(r'"(sender|from|author)"', head) and re.search(r'"(text|message|content)"', head)
                    and not re.search(r'"(sender_name|timestamp_ms|date_unixtime)"', head))
    if isinstance(obj, list):
        obj = obj[0] if obj else None
    return isinstance(obj, dict) and columns(obj.keys()) is not None


def parse_csv(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ) -> Conversation:
    """Parse a CSV chat whose header names sender, time and text columns."""
    text = decode(data) if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    head = csv_header(text)
    if head is None:
        raise UnsupportedFormat("a CSV chat needs a header row naming the sender and text columns", where="line 1")
    names, delim = head
    cols = columns(names)
    assert cols is not None
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delim)
    items: list[Message | Event] = []
    try:
        for row in reader:
            if not any(v for v in row.values() if isinstance(v, str)):
                continue
            items.append(_message(row, cols, tz, f"line {reader.line_num}"))
    except csv.Error as exc:
        raise MalformedExport(f"broken CSV: {exc}", where=f"line {reader.line_num}") from exc
    return assemble("csv", items)


def parse_jsonl(data: str | bytes, *, tz: tzinfo = DEFAULT_TZ) -> Conversation:
    """Parse JSON Lines (one {"sender", "time", "text"} object per line) or a JSON array of them."""
    text = decode(data) if isinstance(data, bytes) else data
    text = text.lstrip("\ufeff")
    rows: list[tuple[str, Any]] = []
    if text.lstrip().startswith("["):
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise MalformedExport("the JSON array is broken or cut off", where="top level") from exc
        if not isinstance(doc, list):
            raise MalformedExport("expected a JSON array of messages", where="top level")
        rows = [(f"[{i}]", r) for i, r in enumerate(doc)]
    else:
        for lineno, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                rows.append((f"line {lineno}", json.loads(line)))
            except (json.JSONDecodeError, RecursionError) as exc:
                raise MalformedExport("a JSON Lines row is broken or cut off", where=f"line {lineno}") from exc
    cols: dict[str, str] | None = None
    items: list[Message | Event] = []
    for where, row in rows:
        if not isinstance(row, dict):
            raise MalformedExport("a JSON Lines row is not an object", where=where)
        if cols is None:
            cols = columns(row.keys())
            if cols is None:
                raise UnsupportedFormat("JSON rows need sender and text keys", where=where)
        items.append(_message(row, cols, tz, where))
    return assemble("jsonl", items)
