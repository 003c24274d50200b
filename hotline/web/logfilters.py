"""A logging filter that keeps tracking codes (and anything after /reports/ in a path) out of log lines.

Django logs "Not Found: /api/v1/reports/ABCD2345" for a wrong code, and a server logs request lines;
a log that names a code tells whoever reads it that someone looked that report up. Every handler of
the site's LOGGING carries this filter, so the message is cleaned whichever logger wrote it.
"""

from __future__ import annotations

import logging
import re

from .trackingcodes import CODE_ALPHABET, CODE_LENGTH

#: A path segment after /reports/ (a code, typed right or wrong) up to the next / ? or space.
_REPORT_PATH = re.compile(r"(/reports/)[^/?#\s\"']+", re.IGNORECASE)
#: A word shaped like a tracking code, in upper case as the site shows it.
_CODE_WORD = re.compile(rf"(?<![A-Za-z0-9])[{CODE_ALPHABET}]{{{CODE_LENGTH}}}(?![A-Za-z0-9])")
REDACTED = "[code]"


def redact(text: str) -> str:
    return _CODE_WORD.sub(REDACTED, _REPORT_PATH.sub(rf"\1{REDACTED}", text))


class RedactTrackingCodes(logging.Filter):
    """Rewrites the record's message (arguments merged in) without codes; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
