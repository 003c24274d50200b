"""Hash lists ("banks"): PDQ hashes with a label and a source, exchanged as CSV or JSON.

A list has one match threshold (default `PdqHash.MATCH_THRESHOLD`, the only place 31 is written) and
entries; an entry whose known quality is below `PdqHash.MIN_QUALITY` is kept (it was given to us) but
never matched, to avoid the false matches other hotlines complain of.

Files from partners are untrusted: every row is validated and all bad rows are reported with their line
number (CSV) or position (JSON) before anything is imported.

`HashListStore` keeps lists as JSON files in one folder, each with its persisted index beside it
(see `index.py`), so the command line can match without the web app or its database.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hotline.detect.errors import DataError, InputError
from hotline.detect.media.hashes import PdqHash
from hotline.detect.media.index import DefaultPdqIndex, PdqIndex

#: Largest threshold a list may set: beyond this, unrelated pictures start to match.
MAX_THRESHOLD = 63
MAX_LABEL = 200
MAX_ROWS = 5_000_000
#: How many bad rows one error message lists.
_ERRORS_SHOWN = 5
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HEX64_LOWER = re.compile(r"^[0-9a-f]{64}$")
_CSV_COLUMNS = ("pdq", "label", "source", "quality")
_HASH_HEADERS = {"pdq", "hash", "signal", "pdq_hash"}


@dataclass(frozen=True)
class HashListEntry:
    pdq: str
    label: str = ""
    source: str = ""
    quality: int | None = None  # when the list says; None means unknown (matched)

    @property
    def matchable(self) -> bool:
        return self.quality is None or PdqHash.usable(self.quality)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"pdq": self.pdq, "label": self.label, "source": self.source}
        if self.quality is not None:
            out["quality"] = self.quality
        return out


@dataclass
class HashList:
    name: str
    source: str = ""
    threshold: int = PdqHash.MATCH_THRESHOLD
    entries: list[HashListEntry] = field(default_factory=list)
    revision: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "threshold": self.threshold,
            "revision": self.revision,
            "entries": [e.to_dict() for e in self.entries],
        }


@dataclass(frozen=True, order=True)
class HashListMatch:
    """A stored hash within its list's threshold of the query."""

    distance: int
    list_name: str
    pdq: str
    label: str
    source: str
    threshold: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name, "pdq": self.pdq, "label": self.label, "source": self.source,
            "distance": self.distance, "threshold": self.threshold,
        }


# ---------------------------------------------------------------- validation


def validate_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise InputError(
            "a hash list name is 1-64 characters: lower-case letters, digits, '-' or '_', starting with a "
            "letter or digit"
        )
    return name


def validate_threshold(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_THRESHOLD:
        raise InputError(f"a match threshold is a whole number of bits from 0 to {MAX_THRESHOLD}")
    return value


def _clean_text(value: Any, what: str, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(f"{what} must be text", where=where)
    text = value.strip()
    if len(text) > MAX_LABEL:
        raise InputError(f"{what} is longer than {MAX_LABEL} characters", where=where)
    if any(ord(c) < 32 for c in text):
        raise InputError(f"{what} contains control characters", where=where)
    return text


def _quality(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError("quality must be a whole number from 0 to 100", where=where) from None
    if not 0 <= number <= 100 or isinstance(value, bool):
        raise InputError("quality must be a whole number from 0 to 100", where=where)
    return number


def make_entry(pdq: Any, label: Any = "", source: Any = "", quality: Any = None, *, where: str = "") -> HashListEntry:
    """One validated entry; InputError (with `where`) if any field is wrong."""
    if not isinstance(pdq, str):
        raise InputError("the PDQ hash is missing", where=where or None)
    return HashListEntry(
        pdq=PdqHash.validate(pdq, where=where or None),
        label=_clean_text(label, "the label", where),
        source=_clean_text(source, "the source", where),
        quality=_quality(quality, where),
    )


def _raise_collected(errors: list[InputError], what: tuple[str, str]) -> None:
    if not errors:
        return
    shown = "; ".join(f"{e.where}: {e.message}" if e.where else e.message for e in errors[:_ERRORS_SHOWN])
    more = f" (and {len(errors) - _ERRORS_SHOWN} more)" if len(errors) > _ERRORS_SHOWN else ""
    raise InputError(f"{len(errors)} bad {what[len(errors) > 1]}: {shown}{more}")


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the hash list is not UTF-8 text", where=f"byte {exc.start}") from exc


# ---------------------------------------------------------------- CSV and JSON


def parse_csv(data: bytes | str, *, default_source: str = "") -> list[HashListEntry]:
    """Entries from CSV: a header naming `pdq` (or `hash`), `label`, `source`, `quality`, or no header
    and columns in that order. Blank lines and lines starting with '#' are skipped."""
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    columns: dict[str, int] | None = None
    entries: list[HashListEntry] = []
    errors: list[InputError] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if columns is None and not entries and not errors:
                names = [c.strip().lower() for c in row]
                if (names[0] in _HASH_HEADERS | set(_CSV_COLUMNS)) or any(n in _HASH_HEADERS for n in names):
                    columns = {}
                    for position, name in enumerate(names):
                        key = "pdq" if name in _HASH_HEADERS else name
                        if key in _CSV_COLUMNS:
                            columns.setdefault(key, position)
                    if "pdq" not in columns:
                        raise InputError("the CSV header has no 'pdq' column", where=f"line {line}")
                    continue
                columns = {name: i for i, name in enumerate(_CSV_COLUMNS)}
            if len(entries) + len(errors) >= MAX_ROWS:
                raise InputError(f"the hash list has more than {MAX_ROWS} rows")

            values = {name: row[pos] for name, pos in (columns or {}).items() if pos < len(row)}
            try:
                entry = make_entry(values.get("pdq", ""), values.get("label"), values.get("source"),
                                   values.get("quality"), where=f"line {line}")
            except InputError as exc:
                errors.append(exc)
                continue
            entries.append(entry if entry.source or not default_source else replace(entry, source=default_source))
    except csv.Error as exc:
        raise InputError(f"the CSV file is malformed: {exc}", where=f"line {reader.line_num}") from exc
    _raise_collected(errors, ("row", "rows"))
    return entries


def parse_json(data: bytes | str, *, default_source: str = "") -> tuple[dict[str, Any], list[HashListEntry]]:
    """Entries from JSON: `{"name", "source", "threshold", "entries": [{"pdq", "label", "source"}]}` or
    a bare list of entries. Returns (list settings found in the file, entries)."""
    try:
        doc = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise InputError(f"the JSON file is malformed: {exc.msg}", where=f"line {exc.lineno}") from exc
    settings: dict[str, Any] = {}
    if isinstance(doc, dict):
        items = doc.get("entries")
        for key in ("name", "source", "threshold"):
            if key in doc:
                settings[key] = doc[key]
    else:
        items = doc
    if not isinstance(items, list):
        raise InputError("the JSON hash list must be a list of entries or an object with 'entries'")
    if len(items) > MAX_ROWS:
        raise InputError(f"the hash list has more than {MAX_ROWS} rows")
    entries: list[HashListEntry] = []
    errors: list[InputError] = []
    for position, item in enumerate(items):
        where = f"entries[{position}]"
        if isinstance(item, str):
            item = {"pdq": item}
        if not isinstance(item, dict):
            errors.append(InputError("an entry must be an object with 'pdq'", where=where))
            continue
        try:
            entry = make_entry(
                item.get("pdq", item.get("hash")), item.get("label"), item.get("source"), item.get("quality"),
                where=where,
            )
        except InputError as exc:
            errors.append(exc)
            continue
        entries.append(entry if entry.source or not default_source else replace(entry, source=default_source))
    _raise_collected(errors, ("entry", "entries"))
    return settings, entries


def to_csv(entries: Iterable[HashListEntry]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_CSV_COLUMNS)
    for e in entries:
        writer.writerow([e.pdq, e.label, e.source, "" if e.quality is None else e.quality])
    return buf.getvalue()


def to_json(hash_list: HashList) -> str:
    """The list as JSON, one entry per line (readable, diffable, and fast for a million entries)."""
    head = {k: v for k, v in hash_list.to_dict().items() if k != "entries"}
    lines = [json.dumps(e.to_dict(), ensure_ascii=False) for e in hash_list.entries]
    body = ",\n  ".join(lines)
    return json.dumps(head, ensure_ascii=False)[:-1] + (f', "entries": [\n  {body}\n]}}\n' if lines else ', "entries": []}\n')


def parse_file(data: bytes | str, *, filename: str = "", fmt: str | None = None,
               default_source: str = "") -> tuple[dict[str, Any], list[HashListEntry]]:
    """CSV or JSON by `fmt`, else by file name, else by the first character."""
    kind = fmt or ("json" if filename.lower().endswith(".json") else "csv" if filename.lower().endswith(".csv") else "")
    if not kind:
        kind = "json" if _decode(data).lstrip()[:1] in ("{", "[") else "csv"
    if kind == "json":
        return parse_json(data, default_source=default_source)
    if kind == "csv":
        return {}, parse_csv(data, default_source=default_source)
    raise InputError(f"unknown hash list format {kind!r}: use csv or json")


# ---------------------------------------------------------------- a folder of lists


def _stored_entry(item: dict[str, Any]) -> HashListEntry:
    """An entry from a file we wrote ourselves: validated when imported, so only checked for shape."""
    pdq = item["pdq"]
    if not isinstance(pdq, str) or not _HEX64_LOWER.match(pdq):
        raise ValueError(f"bad stored hash {pdq!r}")
    quality = item.get("quality")
    return HashListEntry(pdq, str(item.get("label", "")), str(item.get("source", "")),
                         None if quality is None else int(quality))


class HashListStore:
    """Hash lists as files: `<name>.json` and its index `<name>.index.*` (rebuilt when stale)."""

    def __init__(self, directory: str | os.PathLike[str], index_class: type[PdqIndex] = DefaultPdqIndex) -> None:
        self.directory = Path(directory)
        self.index_class = index_class
        self._indexes: dict[str, tuple[int, PdqIndex]] = {}

    def _path(self, name: str) -> Path:
        return self.directory / f"{validate_name(name)}.json"

    def names(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(p.stem for p in self.directory.glob("*.json") if _NAME.match(p.stem))

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def _read(self, name: str) -> dict[str, Any]:
        path = self._path(name)
        if not path.is_file():
            known = ", ".join(self.names()) or "none yet"
            raise InputError(f"no hash list named {name!r} (lists: {known})")
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or not isinstance(doc.get("entries", []), list):
                raise ValueError("not a hash list document")
            doc["threshold"] = validate_threshold(doc.get("threshold", PdqHash.MATCH_THRESHOLD))
            doc["revision"] = int(doc.get("revision", 0))
            return doc
        except (OSError, ValueError, TypeError, InputError) as exc:
            raise DataError(f"the stored hash list {path} is damaged: {exc}") from exc

    def get(self, name: str) -> HashList:
        doc = self._read(name)
        try:
            entries = [_stored_entry(item) for item in doc.get("entries", [])]
        except (ValueError, KeyError, TypeError) as exc:
            raise DataError(f"the stored hash list {name!r} is damaged: {exc}") from exc
        return HashList(name=name, source=str(doc.get("source", "")), threshold=doc["threshold"],
                        entries=entries, revision=doc["revision"])

    def save(self, hash_list: HashList) -> HashList:
        """Write the list (a new revision) and its index."""
        path = self._path(hash_list.name)
        self.directory.mkdir(parents=True, exist_ok=True)
        hash_list.revision += 1
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(to_json(hash_list), encoding="utf-8")
        os.replace(tmp, path)
        self._write_index(hash_list)
        return hash_list

    def import_entries(self, name: str, entries: Sequence[HashListEntry], *, source: str | None = None,
                       threshold: int | None = None) -> tuple[HashList, int]:
        """Add entries to a list (created if new); hashes already in the list are skipped.
        Returns the list and how many entries were added."""
        hash_list = self.get(name) if self.exists(name) else HashList(name=validate_name(name))
        if source is not None:
            hash_list.source = _clean_text(source, "the source", "--source")
        if threshold is not None:
            hash_list.threshold = validate_threshold(threshold)
        seen = {e.pdq for e in hash_list.entries}
        added = 0
        for entry in entries:
            if entry.pdq in seen:
                continue
            seen.add(entry.pdq)
            hash_list.entries.append(entry if entry.source or not hash_list.source
                                     else replace(entry, source=hash_list.source))
            added += 1
        self.save(hash_list)
        return hash_list, added

    # -- index
    def _index_stem(self, name: str) -> Path:
        return self.directory / f"{name}.index"

    def _write_index(self, hash_list: HashList) -> PdqIndex:
        positions = [i for i, e in enumerate(hash_list.entries) if e.matchable]
        index = self.index_class.build([hash_list.entries[i].pdq for i in positions], positions)
        stem = self._index_stem(hash_list.name)
        index.save(stem)
        stem.with_name(stem.name + ".revision").write_text(str(hash_list.revision))
        self._indexes[hash_list.name] = (hash_list.revision, index)
        return index

    def index(self, hash_list: HashList) -> PdqIndex:
        """The list's index: cached, else loaded from disk if it matches the list's revision, else rebuilt."""
        return self._index_for(hash_list.name, hash_list.revision, lambda: hash_list)

    def _index_for(self, name: str, revision: int, full_list: Callable[[], HashList]) -> PdqIndex:
        cached = self._indexes.get(name)
        if cached and cached[0] == revision:
            return cached[1]
        stem = self._index_stem(name)
        revision_file = stem.with_name(stem.name + ".revision")
        try:
            if revision_file.read_text().strip() == str(revision):
                index = self.index_class.load(stem)
                self._indexes[name] = (revision, index)
                return index
        except (OSError, DataError):
            pass
        return self._write_index(full_list())

    def match(self, pdq: str, names: Sequence[str] | None = None) -> list[HashListMatch]:
        """Every entry within its list's threshold of `pdq`, nearest first, across `names` (or all lists).
        Only the entries that matched are turned into objects: a million-entry list stays cheap to query."""
        query = PdqHash.validate(pdq)
        matches: list[HashListMatch] = []
        for name in names if names is not None else self.names():
            doc = self._read(name)
            index = self._index_for(name, doc["revision"], functools.partial(self.get, name))
            for hit in index.query(query, doc["threshold"]):
                try:
                    entry = _stored_entry(doc["entries"][hit.id])
                except (IndexError, ValueError, KeyError, TypeError) as exc:
                    raise DataError(f"the index of hash list {name!r} does not fit the list: {exc}") from exc
                matches.append(HashListMatch(hit.distance, name, entry.pdq, entry.label, entry.source,
                                             doc["threshold"]))
        return sorted(matches)
