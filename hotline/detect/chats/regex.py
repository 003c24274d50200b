"""Regexes of the parsers that are compiled when first used, not when their module is imported.

Python compiles a regex in Python code (its parser and compiler are interpreted): the parsers' regexes, all
compiled at import, were a tenth of `hotline analyze`'s import of them, though a chat needs a few (a LINE
export's, the zip and JSON sniffers' are not used on a WhatsApp one). A used one is compiled once, from the
engine's compiled-form cache (`signals.compiled.compile_regex`: its program read back, not compiled again)
when the engine has loaded that module, else as `re.compile` does: importing the parsers alone never loads
the engine's rules.
"""

from __future__ import annotations

import re
import sys
from typing import Any

__all__ = ["LazyPattern"]

#: The module whose `compile_regex` is used once it is loaded (never imported from here).
_COMPILED = "hotline.detect.signals.compiled"


class LazyPattern:
    """`re.compile(source, flags)` when first used: `match`, `search` and `fullmatch` as a pattern's;
    `pattern()` gives the compiled pattern itself (for a loop over many lines)."""

    __slots__ = ("_compiled", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = int(flags)
        self._compiled: re.Pattern[str] | None = None

    def pattern(self) -> re.Pattern[str]:
        found = self._compiled
        if found is None:
            engine: Any = sys.modules.get(_COMPILED)
            if engine is not None:
                found = engine.compile_regex(self.source, self.flags)
            else:
                found = re.compile(self.source, self.flags)
            self._compiled = found
        return found

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern().match(string, pos, endpos)

    def fullmatch(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern().fullmatch(string, pos, endpos)

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.pattern().search(string, pos, endpos)

    def __repr__(self) -> str:
        return f"LazyPattern({self.source!r}, {self.flags})"
