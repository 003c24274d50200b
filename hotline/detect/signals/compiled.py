"""The compiled form of the lexicons, built once per lexicon content and kept in the user's cache.

Loading the lexicons expands phrases and macros into ~4,000 regular expressions (600,000 characters of
source) and checks every rule against its examples; Python compiles regexes in Python code, so that took
seconds at every start. Two things are kept instead:
- each regex's compiled program: a list of integers that the regex engine validates when it loads it (data,
  never a pickle), turned back into a pattern in microseconds;
- each loader's result as plain JSON records (`record` / `store`), written only after the loader checked
  the rules' examples, so a warm start skips that check too.

One file, `lexicons-<key>.bin` (a JSON header line, then the programs), keyed by the content of every
lexicon file, `ENGINE_VERSION` and the Python build: an edited lexicon or another Python never reads a
stale entry. It is written atomically (`os.replace`); any problem reading or writing it only means
compiling as before. Where: `$HOTLINE_CACHE_DIR`, else `$XDG_CACHE_HOME/hotline`, else `~/.cache/hotline`;
`HOTLINE_CACHE_DIR=""` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import re
import sys
import tempfile
from array import array
from pathlib import Path
from typing import Any

__all__ = ["ENGINE_VERSION", "cache_path", "compile_regex", "flush", "record", "store"]

#: Bump when the way lexicons turn into rules changes without a lexicon file changing.
ENGINE_VERSION = "7"
_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
_PREFIX = "lexicons-"

try:  # the regex engine's own compiler, whose output is stored; absent on other Pythons: no cache
    _sre: Any = importlib.import_module("_sre")
    _parser: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - CPython < 3.11 or another implementation
    _sre = _parser = _compiler = None

_TYPECODE = next((t for t in "IL" if array(t).itemsize == getattr(_sre, "CODESIZE", 0)), None)


class _Cache:
    """What one cache file holds: regex programs by source digest, loaders' records, and new additions."""

    def __init__(self) -> None:
        self.path = cache_path()
        self.regexes: dict[str, list[Any]] = {}  # digest -> [flags, groups, offset, count, groupindex, indexgroup]
        self.records: dict[str, Any] = {}
        self.blob: bytes | memoryview = b""
        self.new_code: dict[str, bytes] = {}
        self.used: set[str] = set()
        self.dirty = False
        if self.path is None:
            return
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            data = self.path.read_bytes()
            newline = data.index(b"\n")
            header = json.loads(data[:newline])
            if header["engine"] == ENGINE_VERSION:
                self.regexes, self.records = header["regexes"], header["records"]
                self.blob = memoryview(data)[newline + 1:]


_cache: _Cache | None = None


def _the_cache() -> _Cache:
    global _cache
    if _cache is None:
        _cache = _Cache()
    return _cache


def _lexicon_digest() -> str:
    h = hashlib.sha256()
    h.update(f"{ENGINE_VERSION}\0{sys.version}\0{getattr(_sre, 'MAGIC', '')}\0".encode())
    for path in sorted(_LEXICON_DIR.rglob("*")):
        if path.is_file():
            h.update(path.relative_to(_LEXICON_DIR).as_posix().encode() + b"\0")
            h.update(path.read_bytes() + b"\0")
    return h.hexdigest()[:24]


def cache_path() -> Path | None:
    """The cache file for the installed lexicons and this Python (None: caching is off or impossible)."""
    if _TYPECODE is None or _compiler is None:
        return None
    configured = os.environ.get("HOTLINE_CACHE_DIR")
    if configured is not None:
        if not configured:
            return None
        base = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            base = (Path(xdg) if xdg else Path.home() / ".cache") / "hotline"
        except (RuntimeError, KeyError):  # no home folder (a service account): no cache
            return None
    return base / f"{_PREFIX}{_lexicon_digest()}.bin"


def record(name: str) -> Any:
    """What the loader `name` stored for these lexicons (after checking them), or None."""
    return _the_cache().records.get(name)


def store(name: str, value: Any) -> None:
    """Keep a loader's JSON-serialisable result; written with the next `flush()`."""
    cache = _the_cache()
    if cache.path is not None:
        cache.records[name] = value
        cache.dirty = True


def compile_regex(source: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)`, from the cache when this exact regex was compiled before."""
    cache = _the_cache()
    if cache.path is None:
        return re.compile(source, flags)
    key = hashlib.blake2b(f"{flags}:{source}".encode(), digest_size=12).hexdigest()
    cache.used.add(key)
    entry = cache.regexes.get(key)
    if entry is not None:
        try:
            code = array(_TYPECODE or "I")
            new = cache.new_code.get(key)
            code.frombytes(new if new is not None else cache.blob[entry[2]:entry[2] + entry[3]])
            pattern: re.Pattern[str] = _sre.compile(source, entry[0], code.tolist(), entry[1], entry[4],
                                                    tuple(entry[5]))
            return pattern
        except (TypeError, ValueError, RuntimeError, IndexError):
            cache.regexes.pop(key, None)  # unreadable entry: compile afresh below
    parsed = _parser.parse(source, flags)
    code_list = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    all_flags = flags | parsed.state.flags
    pattern = _sre.compile(source, all_flags, code_list, parsed.state.groups - 1, groupindex, tuple(indexgroup))
    cache.new_code[key] = array(_TYPECODE or "I", code_list).tobytes()
    cache.regexes[key] = [all_flags, parsed.state.groups - 1, -1, len(cache.new_code[key]), groupindex, indexgroup]
    cache.dirty = True
    return pattern


def flush() -> None:
    """Write the cache file atomically if anything was added, and drop files of other lexicon versions."""
    cache = _the_cache()
    if not cache.dirty or cache.path is None:
        return
    cache.dirty = False
    if len(cache.regexes) > 2 * len(cache.used) + 100:  # mostly regexes no loader asks for any more
        cache.regexes = {key: entry for key, entry in cache.regexes.items() if key in cache.used}
    chunks: list[bytes | memoryview] = []
    offset = 0
    for key, entry in cache.regexes.items():
        new = cache.new_code.get(key)
        chunk = new if new is not None else cache.blob[entry[2]:entry[2] + entry[3]]
        entry[2], entry[3] = offset, len(chunk)
        chunks.append(chunk)
        offset += len(chunk)
    cache.blob = b"".join(chunks)
    cache.new_code.clear()
    header = json.dumps({"engine": ENGINE_VERSION, "records": cache.records, "regexes": cache.regexes},
                        ensure_ascii=False).encode("utf-8")
    try:
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.path.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(header + b"\n")
                fh.write(cache.blob)
            os.replace(tmp, cache.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        for old in cache.path.parent.glob(f"{_PREFIX}*.bin"):
            if old != cache.path:
                with contextlib.suppress(OSError):
                    old.unlink()
    except OSError:
        return
