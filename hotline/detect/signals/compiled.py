"""The compiled form of the lexicons, built once per lexicon content and kept in the user's cache.

Loading the lexicons expands phrases and macros into ~4,000 regular expressions (600,000 characters of
source) and checks every rule against its examples; Python compiles regexes in Python code, so that took
seconds at every start. Two things are kept instead:
- each regex's compiled program: a list of integers that the regex engine validates when it loads it (data,
  never a pickle), turned back into a pattern in microseconds;
- each loader's result as plain records (`record` / `store`), written only after the loader checked
  the rules' examples, so a warm start skips that check too.

One file, `lexicons-<key>.bin`, keyed by the content of every lexicon file, `ENGINE_VERSION`, the file's
form and the Python build: an edited lexicon or another Python never reads a stale entry. It is one `marshal`
of plain data (strings, numbers, tuples, lists, dicts; never code), the format of Python's own bytecode cache,
trusted as that is (the user's own cache folder), read about five times as fast as the JSON it replaced: equal
strings and tuples are written once (`_shared`), and the records come back as the loaders stored them (tuples
stay tuples), with nothing to convert. The programs follow it, each read when its regex is first compiled (the
file is mapped, not read: a chat needs a sixth of its 9 MB of programs, the rules' phrases being compiled when
first searched, `LazyRegex`). It is written atomically
(`os.replace`); any problem reading or writing it only means compiling as before. Where: `$HOTLINE_CACHE_DIR`,
else `$XDG_CACHE_HOME/hotline`, else `~/.cache/hotline`; `HOTLINE_CACHE_DIR=""` turns the cache off.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import importlib
import marshal
import mmap
import os
import re
import sys
import zlib
from array import array
from pathlib import Path
from typing import Any

__all__ = ["ENGINE_VERSION", "LazyRegex", "cache_path", "compile_regex", "flush", "record", "store"]

#: Bump when the way lexicons turn into rules changes without a lexicon file changing.
ENGINE_VERSION = "13"
_LEXICON_DIR = Path(__file__).resolve().parent.parent / "lexicons"
_PREFIX = "lexicons-"
#: The file's form (part of its key): a file of another form is never read.
_FORM = "marshal-3"

try:  # the regex engine's own compiler, whose output is stored; absent on other Pythons: no cache
    _sre: Any = importlib.import_module("_sre")
    _parser: Any = importlib.import_module("re._parser")
    _compiler: Any = importlib.import_module("re._compiler")
except ImportError:  # pragma: no cover - CPython < 3.11 or another implementation
    _sre = _parser = _compiler = None

_TYPECODE = next((t for t in "IL" if array(t).itemsize == getattr(_sre, "CODESIZE", 0)), None)


#: A regex's compiled program: its flags, group count, code (the engine's words as bytes), group names.
_Entry = tuple[int, int, bytes, dict[str, int], tuple[str | None, ...]]
#: The file: the marshalled part's length (8 bytes, little-endian), the marshalled part (form, engine version,
#: records, the N programs' sources), then N digests of the programs' keys (`_digest`, ascending), their N
#: flags, N + 1 offsets of the programs among what follows (8-byte words), then the programs, each a
#: marshalled (all flags, groups, group index, group names, code's length) and its code. A start makes no
#: object per program but its source, most of them the records' own strings (shared, `_shared`); the rest
#: is read when its regex is first compiled. A dict of every program's key and details built at each start
#: was half of reading the file (~20 M instructions): its 3,800 long sources hashed, 3,800 tuples made.
_LENGTH = 8
_WORD = 8
#: Characters of each end of a source that its digest reads.
_ENDS = 24


def _digest(key: tuple[str, int]) -> int:
    """Where a program is among the file's: from its flags, its length and its two ends, so cheap whatever
    its length; equal digests are told apart by the sources themselves."""
    source, flags = key
    ends = source if len(source) <= 2 * _ENDS else source[:_ENDS] + source[-_ENDS:]
    return (zlib.crc32(ends.encode("utf-8", "surrogatepass"), flags & 0xFFFFFFFF) << 32) | (len(source) & 0xFFFFFFFF)


def _words(data: bytes) -> array[int]:
    """8-byte little-endian unsigned integers as an array."""
    words = array("Q")
    words.frombytes(data)
    if sys.byteorder == "big":  # pragma: no cover - written little-endian everywhere
        words.byteswap()
    return words


class _Programs:
    """The programs in the file, found by their keys' digests; each read when first asked for."""

    def __init__(self, programs: mmap.mmap, sources: list[str], words: array[int], base: int) -> None:
        self.programs: mmap.mmap | None = programs
        self._sources = sources
        n = len(sources)
        self._digests = words[:n]
        self._flags = words[n:2 * n]
        self._offsets = words[2 * n:]
        self._base = base
        self._dropped: set[tuple[str, int]] = set()

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and len(key) == 2 and self.get(key) is not None

    def discard(self, key: tuple[str, int]) -> None:
        self._dropped.add(key)

    def _find(self, key: tuple[str, int]) -> int:
        """`key`'s position (-1: none)."""
        digests, digest = self._digests, _digest(key)
        source, flags = key
        i = bisect.bisect_left(digests, digest)
        while i < len(digests) and digests[i] == digest:
            if self._sources[i] == source and self._flags[i] == flags:
                return i
            i += 1
        return -1

    def get(self, key: tuple[str, int]) -> _Entry | None:
        """`key`'s program (None: not in the file, unreadable, or the file let go meanwhile)."""
        i = self._find(key)
        return self._read(i) if i >= 0 and key not in self._dropped else None

    def every(self) -> dict[tuple[str, int], _Entry]:
        """Every readable program by its key."""
        entries: dict[tuple[str, int], _Entry] = {}
        for i, source in enumerate(self._sources):
            key = (source, self._flags[i])
            if key not in self._dropped and (found := self._read(i)) is not None:
                entries.setdefault(key, found)
        return entries

    def _read(self, i: int) -> _Entry | None:
        programs = self.programs
        if programs is None:
            return None
        try:
            chunk = programs[self._base + self._offsets[i]:self._base + self._offsets[i + 1]]
            meta = marshal.loads(chunk)
        except (ValueError, EOFError, TypeError, IndexError):  # closed meanwhile by a flush, or damaged
            return None
        if type(meta) is not tuple or len(meta) != 5:
            return None
        all_flags, groups, groupindex, indexgroup, length = meta
        if not (type(length) is int and 0 <= length <= len(chunk) and type(groupindex) is dict
                and type(indexgroup) is tuple):
            return None
        return all_flags, groups, chunk[len(chunk) - length:], groupindex, indexgroup


class _Cache:
    """What one cache file holds: regex programs by (source, flags), loaders' records, what this run used."""

    def __init__(self) -> None:
        self.path = cache_path()
        self.regexes: dict[tuple[str, int], _Entry] = {}  # compiled by this run (or read, before a flush)
        self.stored: _Programs | None = None  # in the file, not read yet
        self.records: dict[str, Any] = {}
        self.used: set[tuple[str, int]] = set()
        self.dirty = False
        if self.path is None:
            return
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError, IndexError, MemoryError, BufferError):
            with open(self.path, "rb") as fh:
                programs = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            base = _LENGTH + int.from_bytes(programs[:_LENGTH], "little")
            view = memoryview(programs)
            try:
                data = marshal.loads(view[_LENGTH:base])
            finally:
                view.release()
            if type(data) is tuple and len(data) == 4 and data[0] == _FORM and data[1] == ENGINE_VERSION:
                records, sources = data[2], data[3]
                if type(records) is dict and type(sources) is list:
                    start = base + _WORD * (3 * len(sources) + 1)
                    words = _words(programs[base:start])
                    if len(words) == 3 * len(sources) + 1 and start + words[-1] <= len(programs):
                        self.records, self.stored = records, _Programs(programs, sources, words, start)
                        return
            programs.close()

    def entry(self, key: tuple[str, int]) -> _Entry | None:
        """The program of `key`, compiled by this run or read from the file (None: neither, or unreadable)."""
        found = self.regexes.get(key)
        stored = self.stored
        if found is not None or stored is None:
            return found
        found = stored.get(key)
        # (None when closed meanwhile by a flush in another thread, which read every program first)
        return found if found is not None else self.regexes.get(key)

    def forget(self, key: tuple[str, int]) -> None:
        self.regexes.pop(key, None)
        if self.stored is not None:
            self.stored.discard(key)

    def every_entry(self) -> dict[tuple[str, int], _Entry]:
        """Every program, all read from the file, which is then let go (it is about to be replaced)."""
        stored, self.stored = self.stored, None
        entries = stored.every() if stored is not None else {}
        entries.update(self.regexes)
        self.regexes = entries
        if stored is not None and stored.programs is not None:
            programs, stored.programs = stored.programs, None
            programs.close()
        return entries


_cache: _Cache | None = None


def _the_cache() -> _Cache:
    global _cache
    if _cache is None:
        _cache = _Cache()
    return _cache


def _lexicon_digest() -> str:
    h = hashlib.sha256()
    h.update(f"{ENGINE_VERSION}\0{_FORM}\0{sys.version}\0{getattr(_sre, 'MAGIC', '')}\0".encode())
    files: list[tuple[str, str]] = []  # (name under the folder, path); os.walk: pathlib cost 1 % of a start
    for folder, _, names in os.walk(_LEXICON_DIR):
        for name in names:
            path = os.path.join(folder, name)
            files.append((os.path.relpath(path, _LEXICON_DIR).replace(os.sep, "/"), path))
    for name, path in sorted(files):
        with open(path, "rb") as fh:
            h.update(name.encode() + b"\0" + fh.read() + b"\0")
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
    """Keep a loader's result (plain data: str, numbers, None, tuples, lists, dicts, bytes), written with the
    next `flush()`; `record` gives it back as it was, tuples as tuples."""
    cache = _the_cache()
    if cache.path is not None:
        cache.records[name] = value
        cache.dirty = True


def compile_regex(source: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(source, flags)`, from the cache when this exact regex was compiled before."""
    cache = _the_cache()
    if cache.path is None:
        return re.compile(source, flags)
    key = (source, int(flags))  # a plain int: marshal writes no `re.RegexFlag`
    cache.used.add(key)
    entry = cache.entry(key)
    if entry is not None:
        try:
            all_flags, groups, code, groupindex, indexgroup = entry
            pattern: re.Pattern[str] = _sre.compile(source, all_flags, array(_TYPECODE or "I", code).tolist(), groups,
                                                    groupindex, indexgroup)
            return pattern
        except (TypeError, ValueError, RuntimeError, IndexError):
            pass
    cache.forget(key)  # unknown or unreadable: compiled afresh
    parsed = _parser.parse(source, flags)
    code_list = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    names: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        names[i] = name
    all_flags = int(flags | parsed.state.flags)
    pattern = _sre.compile(source, all_flags, code_list, parsed.state.groups - 1, groupindex, tuple(names))
    cache.regexes[key] = (all_flags, parsed.state.groups - 1, array(_TYPECODE or "I", code_list).tobytes(), groupindex,
                          tuple(names))
    cache.dirty = True
    return pattern


class LazyRegex:
    """A regex compiled when first searched. A start reads ~3,500 regexes' programs for the rules (each
    phrase alone, each rule whole); a chat searches a few dozen of them, and turning a program back into a
    pattern (its integers listed, the engine's checks) was a tenth of a small chat's run. Also a module's own
    regexes (`personal_info`'s), which `re` would compile at import. `pattern`, when given, is this one
    already compiled. Equal when their sources and flags are (a rule read back from the cache equals the
    one it was recorded from)."""

    __slots__ = ("_pattern", "flags", "source")

    def __init__(self, source: str, pattern: re.Pattern[str] | None = None, *, flags: int = 0) -> None:
        self.source = source
        self.flags = int(flags)  # a plain int: a `re.RegexFlag` would make `__hash__`'s `^` a flag's
        self._pattern = pattern

    def pattern(self) -> re.Pattern[str]:
        found = self._pattern
        if found is None:
            found = self._pattern = compile_regex(self.source, self.flags)
        return found

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        """`pattern().search(text, pos)`."""
        found = self._pattern
        if found is None:
            found = self._pattern = compile_regex(self.source, self.flags)
        return found.search(text, pos)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyRegex) and other.source == self.source and other.flags == self.flags

    def __hash__(self) -> int:
        return hash(self.source) ^ self.flags


def _shared(value: Any, strings: dict[str, str], tuples: dict[tuple[int, ...], Any]) -> Any:
    """`value` with equal strings and tuples made one object (lists and dicts stay lists and dicts), so that
    marshal writes each once and the next start builds each once: the rules' records repeat the same
    words and (word, edge, edge) needs thousands of times. A tuple is known by its items' identities (after
    sharing them), so (1,) and (True,), equal in Python, stay two."""
    if isinstance(value, str):
        return strings.setdefault(value, value)
    if isinstance(value, tuple):
        items = tuple([_shared(v, strings, tuples) for v in value])
        return tuples.setdefault(tuple(map(id, items)), items)
    if isinstance(value, list):
        return [_shared(v, strings, tuples) for v in value]
    if isinstance(value, dict):
        return {_shared(k, strings, tuples): _shared(v, strings, tuples) for k, v in value.items()}
    return value


def _strings_in(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            _strings_in(v, found)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings_in(k, found)
            _strings_in(v, found)


def _file_bytes(records: dict[str, Any], entries: dict[tuple[str, int], _Entry]) -> bytes:
    """The cache file holding `records` and the programs `entries`."""
    chunks: list[bytes] = []
    offsets = [0]
    ordered = sorted(entries.items(), key=lambda item: _digest(item[0]))
    for _, (all_flags, groups, code, groupindex, indexgroup) in ordered:
        chunks += [marshal.dumps((all_flags, groups, groupindex, indexgroup, len(code))), code]
        offsets.append(offsets[-1] + len(chunks[-2]) + len(code))
    sources = [source for (source, _), _ in ordered]
    head = marshal.dumps(_shared((_FORM, ENGINE_VERSION, records, sources), {}, {}))
    words = array("Q", [_digest(key) for key, _ in ordered] + [flags for (_, flags), _ in ordered] + offsets)
    if sys.byteorder == "big":  # pragma: no cover
        words.byteswap()
    return b"".join([len(head).to_bytes(_LENGTH, "little"), head, words.tobytes(), *chunks])


def flush() -> None:
    """Write the cache file atomically if anything was added, and drop files of other lexicon versions."""
    cache = _the_cache()
    if not cache.dirty or cache.path is None:
        return
    cache.dirty = False
    entries = cache.every_entry()
    if len(entries) > 2 * len(cache.used) + 100:  # mostly regexes no loader asks for any more?
        named: set[str] = set()  # ...or compiled when first searched (`LazyRegex`): their sources are in records
        _strings_in(cache.records, named)
        entries = cache.regexes = {key: entry for key, entry in entries.items() if key in cache.used or key[0] in named}
    data = _file_bytes(cache.records, entries)
    import tempfile  # only here: a start that writes nothing does not load it

    try:
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache.path.parent, prefix=".tmp-", suffix=".bin")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
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
