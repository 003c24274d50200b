"""The engine's hot modules, which `setup.py` compiles with mypyc at install, and the way back to their source.

Compiled, `hotline analyze` reads 1.2-1.4x as many messages a second (`python bench/bench_compiled.py`):
the time left is the regex engine, the automaton and object allocation, not the interpreter. A compiled
module is an extension (`model.cpython-311-….so` beside `model.py`; the code of all of them in one shared
library, `hotline_native__mypyc….so` beside the `hotline` folder); Python prefers it to the source. The source
is read instead when:
- `HOTLINE_PURE_PYTHON=1` is set when importing (set when installing, nothing is compiled at all);
- a compiled module's source is not the one it was built from (a checkout edited after `pip install -e .`):
  the build records each source's digest in `native-sources.digests`. Compiled modules call each other
  directly, so one stale module would run old code: then every one of them is read from source.
`status()` says which (`make install` prints it).

Standard library only, and no import of the rest of the engine: `setup.py` reads this file before anything
is installed, and `hotline.detect` imports it before any compiled module.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

__all__ = ["GROUP", "MODULES", "NATIVE", "NATIVE_RECORD", "RECORD", "build_products", "compiled", "native_current",
           "record_native", "source_digests", "status"]

#: Compiled modules, relative to `hotline/detect`: what a message passes through. Not here: what tests or
#: the web side monkeypatch, what runs once (loaders of files other than the lexicons, evaluation, media).
MODULES = (
    "analysis.py", "model.py", "risk.py",
    "chats/assembly.py", "chats/plain.py", "chats/whatsapp.py",
    "scoring/conversation.py", "scoring/linear.py", "scoring/terms.py", "scoring/verdict.py", "scoring/windows.py",
    "signals/__init__.py", "signals/candidates.py", "signals/compiled.py", "signals/detector.py",
    "signals/grooming.py", "signals/meeting.py", "signals/personal_info.py", "signals/rules.py",
    "signals/secrecy.py", "signals/sexting.py", "signals/sextortion.py",
    "text/case.py", "text/khmer.py", "text/language.py", "text/normalize.py", "text/segment.py",
)
#: mypyc's group: its shared library, `hotline_native__mypyc….so`, sits beside the `hotline` folder (mypyc
#: derives the modules' `__file__` from its place, so it cannot go inside the package).
GROUP = "hotline_native"
#: Written by the build beside the compiled modules: {module path: digest of the source compiled}. Not a
#: package-data suffix, so a plain-Python wheel or an sdist never carries one from an earlier build.
RECORD = "native-sources.digests"
#: The candidate stage in C (`signals.candidates` uses it, same answers): an extension of its own, not
#: mypyc's, built by the same install step; the digest of the `.c` it was built from is in NATIVE_RECORD.
NATIVE = "signals/_automaton.c"
NATIVE_RECORD = "native-automaton.digests"
_HERE = Path(__file__).resolve().parent


def _module_name(relative: str) -> str:
    parts = relative.removesuffix(".py").split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["hotline", "detect", *parts])


def source_digests(base: Path, modules: Iterable[str] = MODULES) -> dict[str, str]:
    """Each module's source digest (what the build records and the import compares)."""
    return {m: hashlib.blake2b((base / m).read_bytes(), digest_size=16).hexdigest() for m in modules}


def _recorded(base: Path, name: str = RECORD) -> dict[str, str]:
    try:
        recorded = json.loads((base / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in recorded.items()} if isinstance(recorded, dict) else {}


def build_products(base: Path = _HERE) -> list[Path]:
    """What a build compiled into `base` (the folder of this file) and beside its package, and its record."""
    modules = set(MODULES) | set(_recorded(base))
    suffixes = importlib.machinery.EXTENSION_SUFFIXES
    found = [base / f"{m.removesuffix('.py')}{s}" for m in sorted(modules) for s in suffixes]
    found += [base.parent.parent / f"{GROUP}__mypyc{s}" for s in suffixes]
    return [p for p in [*found, base / RECORD] if p.is_file()]


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules' `.py` files ahead of the extensions beside them."""

    def __init__(self, base: Path, modules: Iterable[str]) -> None:
        self._files = {_module_name(m): base / m for m in modules}

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        source = self._files.get(fullname)
        if source is None or not source.is_file():
            return None
        package = [str(source.parent)] if source.name == "__init__.py" else None
        return importlib.util.spec_from_file_location(fullname, source, submodule_search_locations=package)


def _current(base: Path, recorded: dict[str, str]) -> bool:
    try:
        return recorded == source_digests(base, recorded)
    except OSError:
        return False


def compiled(base: Path = _HERE) -> bool:
    """Whether compiled modules are present and built from these sources (not whether they are in use)."""
    recorded = _recorded(base)
    return bool(recorded) and _current(base, recorded)


def record_native(target: Path, base: Path = _HERE) -> None:
    """Record in `target` (where the extension was built to) the digest of the `.c` in `base` it was built from."""
    text = json.dumps(source_digests(base, [NATIVE]), indent=0) + "\n"
    (target / NATIVE_RECORD).write_text(text, encoding="utf-8")


def native_current(base: Path = _HERE) -> bool:
    """Whether the candidate stage may run in C: HOTLINE_PURE_PYTHON is not 1 and its extension was built
    from this checkout's `.c` (an installed wheel carries no `.c`: its record is trusted)."""
    if os.environ.get("HOTLINE_PURE_PYTHON") == "1":
        return False
    recorded = _recorded(base, NATIVE_RECORD)
    built = any((base / f"{NATIVE.removesuffix('.c')}{s}").is_file() for s in importlib.machinery.EXTENSION_SUFFIXES)
    return bool(recorded) and built and (not (base / NATIVE).is_file() or _current(base, recorded))


def _native_status(base: Path) -> str:
    if not (base / NATIVE).is_file() and not (base / NATIVE_RECORD).is_file():
        return ""
    if native_current(base):
        return "; the candidate stage runs in C"
    if os.environ.get("HOTLINE_PURE_PYTHON") == "1" or not (base / NATIVE_RECORD).is_file():
        return "; the candidate stage runs as Python"
    return "; the candidate stage runs as Python: its C source changed after it was built"


def status(base: Path = _HERE) -> str:
    """One line: whether the engine runs compiled, and if not, why; whether the candidate stage runs in C."""
    return _status(base) + _native_status(base)


def _status(base: Path) -> str:
    recorded = _recorded(base)
    if not recorded:
        return ("the engine runs as plain Python: not compiled at install (HOTLINE_PURE_PYTHON=1, no C compiler, "
                "or mypyc failed: `pip install -v -e .` shows why)")
    if os.environ.get("HOTLINE_PURE_PYTHON") == "1":
        return "the engine runs as plain Python: HOTLINE_PURE_PYTHON=1"
    if not _current(base, recorded):
        return ("the engine runs as plain Python: its sources changed after they were compiled "
                "(`make install` compiles them again)")
    left = [m for m in MODULES if m not in recorded]
    return (f"the engine runs compiled with mypyc ({len(recorded)} of {len(MODULES)} hot modules"
            + (f"; left as Python: {', '.join(left)})" if left else ")"))


def _choose() -> None:
    recorded = _recorded(_HERE)
    if not recorded:
        return  # nothing compiled: the ordinary import finds the sources
    if os.environ.get("HOTLINE_PURE_PYTHON") == "1" or not _current(_HERE, recorded):
        sys.meta_path.insert(0, _SourceFinder(_HERE, {*MODULES, *recorded}))


if __name__ == "hotline.detect.compilation":  # imported, not read by setup.py
    _choose()
