"""Errors raised by the engine.

Every error the engine raises on purpose derives from `HotlineError`, so callers (the CLI, the web
apps) catch one class and show its message; the cause is chained with `raise ... from exc`.

    HotlineError
    ├── InputError                 the input cannot be used as given (user-facing message)
    │   ├── UnsupportedFormat      no parser recognises the file, or --format names none
    │   ├── MalformedExport        a recognised format, but broken (truncated JSON, bad lines)
    │   ├── ArchiveRejected        a zip that is too large, has too many members, or compresses too well
    │   └── ImageRejected          not an image, truncated, too many pixels
    └── DataError                  a packaged pattern or lexicon file is invalid (fails at load time)
"""

from __future__ import annotations


class HotlineError(Exception):
    """Base of every error the engine raises on purpose."""


class InputError(HotlineError):
    """The input cannot be used as given; the message is safe to show to the person who sent it.

    `where` says where in the input the problem is (a line number, a JSON path, a member name).
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.message} (at {self.where})" if self.where else self.message


class UnsupportedFormat(InputError):
    """No parser recognises the input."""


class MalformedExport(InputError):
    """The input looks like a known export format but is broken."""


class ArchiveRejected(InputError):
    """A zip archive exceeded a safety bound before it was read."""


class ImageRejected(InputError):
    """The file is not a usable image (not an image, truncated, or too many pixels)."""


class DataError(HotlineError):
    """A packaged data file (patterns, lexicons) is invalid; raised when it is loaded."""
