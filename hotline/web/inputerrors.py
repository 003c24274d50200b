"""The engine's refusals of input, told to a person in the page's language (HTML pages and API alike).

The engine's messages are English (written for the command line and for partners); an English page
shows them as they are, a Khmer page says the same kind of thing in Khmer. The Khmer strings are in
the public app's catalogue (`public/locale`), where the pages that show them most live.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from hotline.detect.errors import (
    ArchiveRejected,
    ImageRejected,
    InputError,
    MalformedExport,
    UnsupportedFormat,
)


class PageInputError(InputError):
    """Raised by the web side, not the engine: its message is already in the page's language."""


def input_error_message(exc: InputError) -> str:
    """What to tell the person about input the engine refused, in the page's language."""
    if isinstance(exc, PageInputError) or (get_language() or "").startswith("en"):
        return str(exc)
    if isinstance(exc, ArchiveRejected):
        return _("This zip file is too large or holds too many files to be a chat export.")
    if isinstance(exc, ImageRejected):
        return _("This is not a photo we can read (JPEG, PNG, WebP or HEIC), or it is damaged.")
    if isinstance(exc, MalformedExport):
        return _("This chat export is damaged or incomplete. Export the chat again, or paste the chat instead.")
    if isinstance(exc, UnsupportedFormat):
        return _("This is not a chat export we can read. Send an export from WhatsApp, Messenger, Instagram, "
                 "Telegram or LINE, or paste the chat instead.")
    return _("We could not read this. Try another file, or paste the text instead.")
