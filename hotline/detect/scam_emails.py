"""Sextortion on real wording: real scam e-mails, each given to the engine as a one-message chat.

The e-mails (`../shared/data/scam-emails/sextortion_emails.jsonl`, CC BY-NC 4.0, eval only: never copied
into the repository) are long and multi-paragraph, written by people who never saw the lexicons. The
first `TUNING` of them in file order may be read while writing sextortion phrases; the rest are only
counted. One counts as found when the analysis says sextortion and the risk is at least `FOUND_AT`.
The report names e-mails by their position in the file and the parts found, never their text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.detect.errors import InputError
from hotline.detect.model import RISK_LEVELS, SEXTORTION_PARTS, Analysis, Conversation, Message

__all__ = ["DEFAULT_PATH", "FOUND_AT", "TUNING", "EmailResult", "ScamEmailReport", "evaluate_scam_emails"]

#: Where the data lives beside the repository (see ../shared/data/README.md).
DEFAULT_PATH = Path("../shared/data/scam-emails/sextortion_emails.jsonl")
#: How many e-mails, from the top of the file, detector authors may read and tune on.
TUNING = 5
FOUND_AT = "high"
PARTS: tuple[str, ...] = SEXTORTION_PARTS


class ScamEmailsError(InputError):
    """The scam e-mail file is missing or not JSON Lines with a `body` per line."""


@dataclass(frozen=True, slots=True)
class EmailResult:
    """One e-mail's verdict: its 1-based line in the file, the risk, and which parts were found."""

    line: int
    tuning: bool
    risk: str
    sextortion: bool
    parts: tuple[str, ...]

    @property
    def found(self) -> bool:
        return self.sextortion and RISK_LEVELS.index(self.risk) >= RISK_LEVELS.index(FOUND_AT)

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "tuning": self.tuning, "risk": self.risk, "sextortion": self.sextortion,
                "parts": list(self.parts), "found": self.found}


@dataclass
class ScamEmailReport:
    path: str
    results: list[EmailResult] = field(default_factory=list)

    def _count(self, tuning: bool) -> tuple[int, int]:
        part = [r for r in self.results if r.tuning == tuning]
        return sum(r.found for r in part), len(part)

    @property
    def tuning(self) -> tuple[int, int]:
        """(found, total) among the e-mails that may be tuned on."""
        return self._count(True)

    @property
    def reported(self) -> tuple[int, int]:
        """(found, total) among the e-mails nobody tunes on: the figure to report."""
        return self._count(False)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "found_at": FOUND_AT, "tuning_first": TUNING,
                "tuning": dict(zip(("found", "total"), self.tuning, strict=True)),
                "reported": dict(zip(("found", "total"), self.reported, strict=True)),
                "emails": [r.to_dict() for r in self.results]}


def read_emails(path: Path) -> list[str]:
    """The e-mail bodies in file order, HTML character references decoded (as a mail program shows them)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeError) as exc:
        raise ScamEmailsError(f"cannot read the scam e-mails: {exc}", where=str(path)) from None
    bodies = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            body = json.loads(line)["body"]
        except (ValueError, KeyError, TypeError):
            raise ScamEmailsError("each line must be a JSON object with a \"body\"", where=f"{path}:{n}") from None
        if not isinstance(body, str):
            raise ScamEmailsError("\"body\" must be a string", where=f"{path}:{n}")
        bodies.append(html.unescape(body))
    if not bodies:
        raise ScamEmailsError("no e-mails in the file", where=str(path))
    return bodies


def as_chat(body: str) -> Conversation:
    """An e-mail as a one-message chat; the sender is unknown (None), as it is in a pasted text."""
    return Conversation(format="plain", messages=[Message(0, None, body)])


def evaluate_scam_emails(
    path: Path = DEFAULT_PATH, *, analyzer: Callable[[Conversation], Analysis] | None = None,
) -> ScamEmailReport:
    """Analyse every e-mail in `path` as a one-message chat and count those found as sextortion."""
    if analyzer is None:
        from hotline.detect.analysis import analyze

        analyzer = analyze
    report = ScamEmailReport(path=str(path))
    for i, body in enumerate(read_emails(path)):
        a = analyzer(as_chat(body))
        parts = sorted({f.part for f in a.findings if f.signal == "sextortion" and f.part} & set(PARTS),
                       key=PARTS.index)
        report.results.append(EmailResult(line=i + 1, tuning=i < TUNING, risk=a.risk,
                                          sextortion=bool(a.signals.get("sextortion")), parts=tuple(parts)))
    return report
